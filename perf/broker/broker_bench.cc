// ringmq-broker-bench: the same produce workload against a Kafka broker (librdkafka), Redis
// Streams (hiredis) and NATS JetStream (perf/broker/nats_wire.h), for side-by-side figures in
// one run (perf/broker_vs_redis.sh, perf/broker_sweep.sh).
//
//   ringmq-broker-bench kafka-throughput BOOTSTRAP --messages N --size 1024 --acks all|1 --partitions P
//   ringmq-broker-bench kafka-latency    BOOTSTRAP --messages N --rate R --acks all|1 --partitions P
//     (kafka modes also take -X key=value, any librdkafka property, repeatable: a TLS or SASL
//     listener; and --topic-prefix NAME: topics named NAME-..., e.g. for ACLs on a prefix)
//   ringmq-broker-bench redis-throughput HOST:PORT --messages N --size 1024 --pipeline 64
//   ringmq-broker-bench redis-latency    HOST:PORT --messages N --rate R
//   ringmq-broker-bench nats-latency     HOST:PORT --messages N --rate R
//
// Throughput: messages/s and MiB/s until every message is acknowledged. Latency: a producer
// sends on a fixed schedule (open loop), stamping each message with the time it was due; a
// consumer on the same host receives it; due-to-consumed goes into exact percentiles, so a
// stall that delays the sender is not hidden by the sender slowing down.
#include <hiredis/hiredis.h>
#include <librdkafka/rdkafka.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "perf/broker/nats_wire.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string mode, target;
  long messages = 100000;
  size_t size = 1024;
  std::string acks = "all";
  int partitions = 1;
  int pipeline = 64;
  int rate = 2000;
  double warmup_seconds = 1;  // latency tests: messages due in this first stretch are not counted
  std::vector<std::pair<std::string, std::string>> properties;  // -X: librdkafka properties
  std::string topic_prefix;                                     // --topic-prefix: instead of bench / lat
};

int64_t ns_since_epoch(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

int64_t now_ns() { return ns_since_epoch(Clock::now()); }

void print_percentiles(const char* label, std::vector<int64_t>& ns) {
  if (ns.empty()) {
    std::printf("%s: no samples\n", label);
    return;
  }
  std::sort(ns.begin(), ns.end());
  auto p = [&](double q) { return ns[std::min(ns.size() - 1, size_t(q / 100.0 * double(ns.size())))] / 1000.0; };
  std::printf("%s: n=%zu p50=%.0fus p99=%.0fus p99.9=%.0fus max=%.0fus\n", label, ns.size(), p(50), p(99), p(99.9),
              ns.back() / 1000.0);
}

std::atomic<long> delivered{0}, failed{0};
void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) { (m->err ? failed : delivered)++; }

rd_kafka_t* kafka_client(rd_kafka_type_t type, const Options& o, const char* group = nullptr) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const char* k, const std::string& v) { rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err); };
  set("bootstrap.servers", o.target);
  for (const auto& [k, v] : o.properties)
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      std::fprintf(stderr, "-X %s: %s\n", k.c_str(), err);
  if (type == RD_KAFKA_PRODUCER) {
    set("acks", o.acks == "all" ? "all" : o.acks);
    set("linger.ms", o.mode == "kafka-latency" ? "0" : "5");
    set("queue.buffering.max.messages", "1000000");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  } else {
    set("group.id", group);
    set("fetch.wait.max.ms", "100");
    set("fetch.min.bytes", "1");
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) std::fprintf(stderr, "rd_kafka_new: %s\n", err);
  return rk;
}

int kafka_throughput(const Options& o) {
  rd_kafka_t* producer = kafka_client(RD_KAFKA_PRODUCER, o);
  std::string topic = (o.topic_prefix.empty() ? "bench" : o.topic_prefix) + "-" + std::to_string(o.partitions) + "p-" +
                      o.acks + "-" + std::to_string(now_ns() % 100000);
  std::vector<char> value(o.size, 'x');
  // Warm-up: metadata and topic auto-creation before the clock starts.
  rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_VALUE(value.data(), value.size()),
                    RD_KAFKA_V_END);
  rd_kafka_flush(producer, 10000);
  delivered = 0;
  const auto start = Clock::now();
  for (long i = 0; i < o.messages; ++i) {
    rd_kafka_resp_err_t err;
    while ((err = rd_kafka_producev(
                producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(int32_t(i % o.partitions)),
                RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(producer, 1);
    if (err) {
      std::fprintf(stderr, "produce: %s\n", rd_kafka_err2str(err));
      ++failed;
    }
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 120000);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  rd_kafka_destroy(producer);
  std::printf("kafka acks=%s partitions=%d: %.0f msg/s %.1f MiB/s (%ld delivered, %ld failed)\n", o.acks.c_str(),
              o.partitions, delivered / seconds, delivered * double(o.size) / seconds / (1 << 20), delivered.load(),
              failed.load());
  return failed ? 1 : 0;
}

int kafka_latency(const Options& o) {
  std::string topic = (o.topic_prefix.empty() ? "lat" : o.topic_prefix) + "-" + std::to_string(now_ns() % 100000);
  rd_kafka_t* producer = kafka_client(RD_KAFKA_PRODUCER, o);
  std::vector<char> value(std::max<size_t>(o.size, 8), 'x');
  rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_VALUE(value.data(), value.size()),
                    RD_KAFKA_V_END);
  rd_kafka_flush(producer, 10000);
  rd_kafka_t* consumer = kafka_client(RD_KAFKA_CONSUMER, o, "bench-latency");
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(o.partitions);
  for (int p = 0; p < o.partitions; ++p)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_END;
  rd_kafka_assign(consumer, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<int64_t> latencies;
  // The sender sets this when it starts; until then (and for warmup_seconds after) nothing counts:
  // the first messages also time the clients' connection set-up and the consumer's assignment.
  std::atomic<int64_t> counted_from{INT64_MAX};
  latencies.reserve(size_t(o.messages));
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done || latencies.size() < size_t(o.messages)) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
      if (!m) {
        if (done) break;
        continue;
      }
      if (!m->err && m->len >= 8) {
        int64_t sent;
        std::memcpy(&sent, m->payload, 8);
        if (sent >= counted_from) latencies.push_back(now_ns() - sent);
      }
      rd_kafka_message_destroy(m);
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));  // assignment settles
  const auto interval = std::chrono::nanoseconds(1'000'000'000 / o.rate);
  auto next = Clock::now();
  counted_from = ns_since_epoch(next) + int64_t(o.warmup_seconds * 1e9);
  for (long i = 0; i < o.messages; ++i) {
    std::this_thread::sleep_until(next);
    // Open loop: each message carries the time it was due, not the time it went out, so a
    // stall of the sender (a slow broker pushing back) counts against every message it delayed.
    const int64_t due = ns_since_epoch(next);
    next += interval;
    std::memcpy(value.data(), &due, 8);
    rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(int32_t(i % o.partitions)),
                      RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                      RD_KAFKA_V_END);
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 30000);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  done = true;
  reader.join();
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  rd_kafka_destroy(producer);
  std::string label = "kafka produce->consume acks=" + o.acks + " at " + std::to_string(o.rate) + " msg/s";
  print_percentiles(label.c_str(), latencies);
  return 0;
}

redisContext* redis_connect(const std::string& target) {
  const auto colon = target.rfind(':');
  redisContext* c = redisConnect(target.substr(0, colon).c_str(), std::stoi(target.substr(colon + 1)));
  if (!c || c->err) std::fprintf(stderr, "redis connect: %s\n", c ? c->errstr : "out of memory");
  return c;
}

int redis_throughput(const Options& o) {
  redisContext* c = redis_connect(o.target);
  if (!c || c->err) return 1;
  std::string stream = "bench-" + std::to_string(now_ns() % 100000);
  std::string value(o.size, 'x');
  long sent = 0, acked = 0, errors = 0;
  const auto start = Clock::now();
  while (acked < o.messages) {
    while (sent < o.messages && sent - acked < o.pipeline) {
      redisAppendCommand(c, "XADD %s * v %b", stream.c_str(), value.data(), value.size());
      ++sent;
    }
    void* reply = nullptr;
    if (redisGetReply(c, &reply) != REDIS_OK) return 1;
    if (static_cast<redisReply*>(reply)->type == REDIS_REPLY_ERROR) ++errors;
    freeReplyObject(reply);
    ++acked;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("redis XADD pipeline=%d: %.0f msg/s %.1f MiB/s (%ld errors)\n", o.pipeline, acked / seconds,
              acked * double(o.size) / seconds / (1 << 20), errors);
  redisFree(c);
  return errors ? 1 : 0;
}

int redis_latency(const Options& o) {
  std::string stream = "lat-" + std::to_string(now_ns() % 100000);
  std::vector<int64_t> latencies;
  // The sender sets this when it starts; until then (and for warmup_seconds after) nothing counts:
  // the first messages also time the clients' connection set-up and the consumer's assignment.
  std::atomic<int64_t> counted_from{INT64_MAX};
  latencies.reserve(size_t(o.messages));
  std::atomic<bool> done{false};
  std::thread reader([&] {
    redisContext* c = redis_connect(o.target);
    std::string last = "$";
    while (!done || latencies.size() < size_t(o.messages)) {
      auto* reply =
          static_cast<redisReply*>(redisCommand(c, "XREAD BLOCK 100 STREAMS %s %s", stream.c_str(), last.c_str()));
      if (!reply) break;
      if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
        redisReply* entries = reply->element[0]->element[1];
        for (size_t i = 0; i < entries->elements; ++i) {
          redisReply* entry = entries->element[i];
          last = entry->element[0]->str;
          redisReply* fields = entry->element[1];
          if (fields->elements >= 2 && fields->element[1]->len >= 8) {
            int64_t sent;
            std::memcpy(&sent, fields->element[1]->str, 8);
            if (sent >= counted_from) latencies.push_back(now_ns() - sent);
          }
        }
      } else if (done) {
        freeReplyObject(reply);
        break;
      }
      freeReplyObject(reply);
    }
    redisFree(c);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // The producer pipelines, as librdkafka does: each XADD goes out when it is due, without
  // waiting for the previous reply (a drain thread reads the replies), so Redis can group its
  // fsyncs (appendfsync always fsyncs once per event-loop round) and a slow reply delays no
  // later send.
  redisContext* c = redis_connect(o.target);
  if (!c || c->err) return 1;
  std::thread drain([fd = c->fd, &done] {
    char sink[65536];
    while (::recv(fd, sink, sizeof sink, 0) > 0 || !done) {
    }
  });
  std::string value(std::max<size_t>(o.size, 8), 'x');
  std::string command;
  const auto interval = std::chrono::nanoseconds(1'000'000'000 / o.rate);
  auto next = Clock::now();
  counted_from = ns_since_epoch(next) + int64_t(o.warmup_seconds * 1e9);
  for (long i = 0; i < o.messages; ++i) {
    std::this_thread::sleep_until(next);
    const int64_t due = ns_since_epoch(next);  // open loop, as for Kafka
    next += interval;
    std::memcpy(value.data(), &due, 8);
    command = "*5\r\n$4\r\nXADD\r\n$" + std::to_string(stream.size()) + "\r\n" + stream +
              "\r\n$1\r\n*\r\n$1\r\nv\r\n$" + std::to_string(value.size()) + "\r\n";
    command.append(value).append("\r\n");
    for (size_t sent = 0; sent < command.size();) {
      const ssize_t n = ::send(c->fd, command.data() + sent, command.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return 1;
      sent += size_t(n);
    }
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  done = true;
  reader.join();
  ::shutdown(c->fd, SHUT_RDWR);
  drain.join();
  redisFree(c);
  std::string label = "redis XADD->XREAD at " + std::to_string(o.rate) + " msg/s";
  print_percentiles(label.c_str(), latencies);
  return 0;
}

// NATS JetStream: a file-backed stream, a push consumer (no acks, new messages only) on its
// own connection, and a publisher that stamps each message with its due time, as above.
int nats_latency(const Options& o) {
  ringmq::perf::NatsConnection publisher(o.target), subscriber(o.target);
  if (!publisher.error().empty() || !subscriber.error().empty()) {
    std::fprintf(stderr, "nats: %s%s\n", publisher.error().c_str(), subscriber.error().c_str());
    return 1;
  }
  const std::string suffix = std::to_string(now_ns() % 100000);
  const std::string stream = "BENCH" + suffix, subject = "bench." + suffix, deliver = "deliver." + suffix;
  const std::string created =
      publisher.request("$JS.API.STREAM.CREATE." + stream, R"({"name":")" + stream + R"(","subjects":[")" + subject +
                                                               R"("],"storage":"file","num_replicas":1})");
  if (created.empty() || created.find("\"error\"") != std::string::npos) {
    std::fprintf(stderr, "nats: creating the stream failed (is JetStream on? nats-server -js): %s\n", created.c_str());
    return 1;
  }
  std::vector<int64_t> latencies;
  latencies.reserve(size_t(o.messages));
  std::atomic<int64_t> counted_from{INT64_MAX};
  subscriber.subscribe(deliver, 2, [&](std::string_view payload) {
    if (payload.size() < 8) return;
    int64_t sent;
    std::memcpy(&sent, payload.data(), 8);
    if (sent >= counted_from) latencies.push_back(now_ns() - sent);
  });
  const std::string consumer = publisher.request("$JS.API.CONSUMER.CREATE." + stream,
                                                 R"({"stream_name":")" + stream + R"(","config":{"deliver_subject":")" +
                                                     deliver + R"(","ack_policy":"none","deliver_policy":"new"}})");
  if (consumer.empty() || consumer.find("\"error\"") != std::string::npos) {
    std::fprintf(stderr, "nats: creating the consumer failed: %s\n", consumer.c_str());
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::string value(std::max<size_t>(o.size, 8), 'x');
  const auto interval = std::chrono::nanoseconds(1'000'000'000 / o.rate);
  auto next = Clock::now();
  counted_from = ns_since_epoch(next) + int64_t(o.warmup_seconds * 1e9);
  // Publishes ask for JetStream's acknowledgement (the stored-in-the-stream reply, as a
  // producer would) on a subject nobody reads: the publisher pipelines, as the others do.
  const std::string ack_subject = "_bench_ack." + suffix;
  for (long i = 0; i < o.messages; ++i) {
    std::this_thread::sleep_until(next);
    const int64_t due = ns_since_epoch(next);
    next += interval;
    std::memcpy(value.data(), &due, 8);
    if (!publisher.publish(subject, value, ack_subject)) return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  publisher.request("$JS.API.STREAM.DELETE." + stream, "");
  std::string label = "nats jetstream publish->push consumer at " + std::to_string(o.rate) + " msg/s";
  print_percentiles(label.c_str(), latencies);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: ringmq-broker-bench MODE TARGET [--messages N] [--size B] [--acks all|1] "
                 "[--partitions P] [--pipeline N] [--rate R] [--warmup SECONDS] [--topic-prefix NAME] "
                 "[-X key=value ...]\n");
    return 2;
  }
  Options o;
  o.mode = argv[1];
  o.target = argv[2];
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--messages")
      o.messages = std::stol(v);
    else if (k == "--size")
      o.size = std::stoul(v);
    else if (k == "--acks")
      o.acks = v;
    else if (k == "--partitions")
      o.partitions = std::stoi(v);
    else if (k == "--pipeline")
      o.pipeline = std::stoi(v);
    else if (k == "--warmup")
      o.warmup_seconds = std::stod(v);
    else if (k == "--rate")
      o.rate = std::stoi(v);
    else if (k == "--topic-prefix")
      o.topic_prefix = v;
    else if (k == "-X" && v.find('=') != std::string::npos)
      o.properties.emplace_back(v.substr(0, v.find('=')), v.substr(v.find('=') + 1));
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (o.mode == "kafka-throughput") return kafka_throughput(o);
  if (o.mode == "kafka-latency") return kafka_latency(o);
  if (o.mode == "redis-throughput") return redis_throughput(o);
  if (o.mode == "redis-latency") return redis_latency(o);
  if (o.mode == "nats-latency") return nats_latency(o);
  std::fprintf(stderr, "unknown mode %s\n", o.mode.c_str());
  return 2;
}
