// librdkafka (Debian's 2.0) against a real ringmq-broker: 10^5 messages with acks=all over
// several partitions, each read back exactly once and in order per partition; an idempotent
// producer; and the crash test: SIGKILL the broker while acks=all producing, restart, and
// find every acknowledged message.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/broker_process.h"

namespace ringmq::test {
namespace {

struct RdConf {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  void set(const std::string& key, const std::string& value) {
    char err[512];
    ASSERT_EQ(rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err), RD_KAFKA_CONF_OK) << err;
  }
};

// Delivery reports: which messages the broker acknowledged (opaque = message number).
struct Acks {
  std::mutex mutex;
  std::set<long> acked;
  std::atomic<long> failed{0};
  std::string last_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* acks = static_cast<Acks*>(opaque);
  std::lock_guard lock(acks->mutex);
  if (m->err) {
    ++acks->failed;
    acks->last_error = rd_kafka_err2str(m->err);
  } else {
    acks->acked.insert(reinterpret_cast<long>(m->_private));
  }
}

rd_kafka_t* make_producer(const std::string& bootstrap, Acks& acks, bool idempotent) {
  RdConf c;
  c.set("bootstrap.servers", bootstrap);
  c.set("acks", "all");
  c.set("linger.ms", "5");
  c.set("message.timeout.ms", "30000");
  if (idempotent) c.set("enable.idempotence", "true");
  rd_kafka_conf_set_dr_msg_cb(c.conf, on_delivery);
  rd_kafka_conf_set_opaque(c.conf, &acks);
  char err[512];
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, c.conf, err, sizeof err);
  EXPECT_NE(producer, nullptr) << err;
  return producer;
}

std::string message_text(long n) { return "message-" + std::to_string(n); }

void produce(rd_kafka_t* producer, const std::string& topic, long n, int partitions) {
  const std::string value = message_text(n);
  rd_kafka_resp_err_t err;
  do {
    err = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(int32_t(n % partitions)),
                            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(n)),
                            RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(producer, 10);
  } while (err == RD_KAFKA_RESP_ERR__QUEUE_FULL);
  ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
}

// Reads every partition from the beginning to its end: message numbers per partition in order.
std::map<int, std::vector<long>> consume_all(const std::string& bootstrap, const std::string& topic, int partitions,
                                             size_t expected) {
  RdConf c;
  c.set("bootstrap.servers", bootstrap);
  c.set("group.id", "verifier");
  c.set("enable.auto.commit", "false");
  char err[512];
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, c.conf, err, sizeof err);
  EXPECT_NE(consumer, nullptr) << err;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  EXPECT_EQ(rd_kafka_assign(consumer, list), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);
  std::map<int, std::vector<long>> seen;
  size_t total = 0;
  // Until `expected` arrived and then nothing more for two seconds (there may be more than
  // expected: records stored whose acknowledgement a killed broker never sent).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  auto last_message = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline &&
         (total < expected || std::chrono::steady_clock::now() - last_message < std::chrono::seconds(2))) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 200);
    if (!m) continue;
    last_message = std::chrono::steady_clock::now();
    if (!m->err) {
      std::string value(static_cast<const char*>(m->payload), m->len);
      seen[m->partition].push_back(std::stol(value.substr(value.find('-') + 1)));
      ++total;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return seen;
}

// Auto-created topics get 4 partitions here; the tests spread messages over them.
const std::vector<std::string> kFourPartitions = {"--set", "topics.default_partitions=4"};

TEST(Librdkafka, HundredThousandAcksAllMessagesReadBackOnceInOrderPerPartition) {
  BrokerProcess broker(kFourPartitions);
  constexpr long kMessages = 100000;
  constexpr int kPartitions = 4;
  Acks acks;
  rd_kafka_t* producer = make_producer(broker.bootstrap(), acks, false);
  for (long n = 0; n < kMessages; ++n) produce(producer, "bulk", n, kPartitions);
  ASSERT_EQ(rd_kafka_flush(producer, 120000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);
  ASSERT_EQ(acks.failed.load(), 0) << acks.last_error;
  ASSERT_EQ(acks.acked.size(), size_t(kMessages));

  auto seen = consume_all(broker.bootstrap(), "bulk", kPartitions, kMessages);
  for (int p = 0; p < kPartitions; ++p) {
    const auto& got = seen[p];
    ASSERT_EQ(got.size(), size_t(kMessages / kPartitions)) << "partition " << p;
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], long(i * kPartitions + p)) << "partition " << p;
  }
}

TEST(Librdkafka, IdempotentProducerWritesEachMessageOnce) {
  BrokerProcess broker(kFourPartitions);
  Acks acks;
  rd_kafka_t* producer = make_producer(broker.bootstrap(), acks, true);
  for (long n = 0; n < 5000; ++n) produce(producer, "idem", n, 2);
  ASSERT_EQ(rd_kafka_flush(producer, 60000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);
  ASSERT_EQ(acks.failed.load(), 0) << acks.last_error;
  auto seen = consume_all(broker.bootstrap(), "idem", 2, 5000);
  EXPECT_EQ(seen[0].size() + seen[1].size(), 5000u);
}

// SIGKILL the broker at random moments while producing with acks=all; restart it; every
// acknowledged message must be there, in order per partition.
TEST(Librdkafka, AcknowledgedMessagesSurviveSigkill) {
  BrokerProcess broker(kFourPartitions);
  constexpr int kPartitions = 3;
  constexpr int kRounds = 5;
  std::mt19937 rng(::testing::UnitTest::GetInstance()->random_seed());
  std::set<long> acked_total;
  long next = 0;
  for (int round = 0; round < kRounds; ++round) {
    Acks acks;
    rd_kafka_t* producer = make_producer(broker.bootstrap(), acks, false);
    std::atomic<bool> stop{false};
    std::thread killer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 800));
      broker.kill_hard();
      stop = true;
    });
    // A steady stream (about 20k messages/s) rather than a flood, so the check stays quick.
    for (long sent = 0; !stop; ++sent) {
      produce(producer, "crashy", next++, kPartitions);
      rd_kafka_poll(producer, sent % 20 == 0 ? 1 : 0);
    }
    killer.join();
    rd_kafka_flush(producer, 2000);  // fails for what the dead broker never answered
    rd_kafka_purge(producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(producer, 0);
    rd_kafka_destroy(producer);
    {
      std::lock_guard lock(acks.mutex);
      acked_total.insert(acks.acked.begin(), acks.acked.end());
    }
    broker.start();
  }
  ASSERT_GT(acked_total.size(), 0u);
  auto seen = consume_all(broker.bootstrap(), "crashy", kPartitions, acked_total.size());
  std::set<long> found;
  for (auto& [p, numbers] : seen) {
    // A retried send may be stored twice (acks without idempotence): order is checked on
    // first occurrences.
    long previous = -1;
    for (long n : numbers) {
      if (found.count(n)) continue;
      EXPECT_LT(previous, n) << "order in partition " << p;
      previous = n;
      found.insert(n);
    }
  }
  for (long n : acked_total) ASSERT_TRUE(found.count(n)) << "acknowledged message " << n << " lost";
}

}  // namespace
}  // namespace ringmq::test
