#include "broker/server/broker_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/message_store.h"
#include "io/file.h"

namespace ringmq::broker {
namespace {

// Kafka API names by key (the Kafka protocol guide's list), for the `api` label.
constexpr const char* kApiNames[] = {"Produce",
                                     "Fetch",
                                     "ListOffsets",
                                     "Metadata",
                                     "LeaderAndIsr",
                                     "StopReplica",
                                     "UpdateMetadata",
                                     "ControlledShutdown",
                                     "OffsetCommit",
                                     "OffsetFetch",
                                     "FindCoordinator",
                                     "JoinGroup",
                                     "Heartbeat",
                                     "LeaveGroup",
                                     "SyncGroup",
                                     "DescribeGroups",
                                     "ListGroups",
                                     "SaslHandshake",
                                     "ApiVersions",
                                     "CreateTopics",
                                     "DeleteTopics",
                                     "DeleteRecords",
                                     "InitProducerId",
                                     "OffsetForLeaderEpoch",
                                     "AddPartitionsToTxn",
                                     "AddOffsetsToTxn",
                                     "EndTxn",
                                     "WriteTxnMarkers",
                                     "TxnOffsetCommit",
                                     "DescribeAcls",
                                     "CreateAcls",
                                     "DeleteAcls",
                                     "DescribeConfigs",
                                     "AlterConfigs",
                                     "AlterReplicaLogDirs",
                                     "DescribeLogDirs",
                                     "SaslAuthenticate",
                                     "CreatePartitions",
                                     "CreateDelegationToken",
                                     "RenewDelegationToken",
                                     "ExpireDelegationToken",
                                     "DescribeDelegationToken",
                                     "DeleteGroups",
                                     "ElectLeaders",
                                     "IncrementalAlterConfigs",
                                     "AlterPartitionReassignments",
                                     "ListPartitionReassignments",
                                     "OffsetDelete",
                                     "DescribeClientQuotas",
                                     "AlterClientQuotas",
                                     "DescribeUserScramCredentials",
                                     "AlterUserScramCredentials",
                                     "Vote",
                                     "BeginQuorumEpoch",
                                     "EndQuorumEpoch",
                                     "DescribeQuorum",
                                     "AlterPartition",
                                     "UpdateFeatures",
                                     "Envelope",
                                     "FetchSnapshot",
                                     "DescribeCluster",
                                     "DescribeProducers",
                                     "BrokerRegistration",
                                     "BrokerHeartbeat",
                                     "UnregisterBroker",
                                     "DescribeTransactions",
                                     "ListTransactions",
                                     "AllocateProducerIds",
                                     "ConsumerGroupHeartbeat"};
constexpr int kApiCount = static_cast<int>(std::size(kApiNames));

std::vector<std::string> api_label_values() { return {std::begin(kApiNames), std::end(kApiNames)}; }

// Kafka error codes -1 (UNKNOWN_SERVER_ERROR) .. 127, by number: index = code + 1.
std::vector<std::string> error_label_values() {
  std::vector<std::string> values;
  for (int code = -1; code < 128; ++code) values.push_back(std::to_string(code));
  return values;
}

constexpr const char* kSaslMechanisms[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};

// LabelledCounters adds "other" for a name the broker does not know.
std::vector<std::string> sasl_mechanism_label_values() {
  return {std::begin(kSaslMechanisms), std::end(kSaslMechanisms)};
}

struct rusage self_usage() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage;
}

double resident_bytes() {
  // /proc/self/statm: size resident shared text lib data dt, in pages.
  std::FILE* file = std::fopen("/proc/self/statm", "r");
  if (file == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  const int n = std::fscanf(file, "%lu %lu", &size, &resident);
  std::fclose(file);
  return n == 2 ? static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace

void BrokerMetrics::count_authentication(std::string_view mechanism, bool success) {
  size_t index = std::size(kSaslMechanisms);
  for (size_t i = 0; i < std::size(kSaslMechanisms); ++i)
    if (mechanism == kSaslMechanisms[i]) index = i;
  (success ? authentication_successes_ : authentication_failures_).add(index);
}

const char* BrokerMetrics::api_name(int16_t api_key) {
  return api_key >= 0 && api_key < kApiCount ? kApiNames[api_key] : "unknown";
}

BrokerMetrics::BrokerMetrics()
    : produce_latency(registry.histogram("ringmq_produce_latency_seconds",
                                         "Produce requests: received to answered, flush wait included")),
      fetch_latency(registry.histogram("ringmq_fetch_latency_seconds",
                                       "Fetch requests: received to answered, long-poll wait included")),
      flush_latency(registry.histogram("ringmq_flush_latency_seconds",
                                       "Time a sync-flush produce waited for the flush covering its records")),
      produce_decode_latency(registry.histogram("ringmq_produce_decode_seconds",
                                                "Produce requests: frame read to the handler starting (decode)")),
      append_latency(registry.histogram("ringmq_append_seconds", "One record batch appended to the engine")),
      fetch_wakeup_latency(registry.histogram("ringmq_fetch_wakeup_seconds",
                                              "Waiting Fetch requests: new records indexed to the answer")),
      response_write_latency(registry.histogram("ringmq_response_write_seconds",
                                                "Responses: handed to the network thread to fully written")),
      bytes_in(registry.counter("ringmq_bytes_in_total", "Record-batch bytes appended by Produce")),
      records_in(registry.counter("ringmq_records_in_total", "Records appended by Produce")),
      bytes_out(registry.counter("ringmq_bytes_out_total", "Record-batch bytes returned by Fetch")),
      records_out(registry.counter("ringmq_records_out_total", "Records returned by Fetch")),
      connections(registry.gauge("ringmq_connections", "Open Kafka client connections")),
      connections_accepted(registry.counter("ringmq_connections_accepted_total", "Kafka connections accepted")),
      connections_rejected(registry.counter("ringmq_connections_rejected_total",
                                            "Connections closed at accept because server.max_connections were open")),
      frames_rejected(
          registry.counter("ringmq_frames_rejected_total",
                           "Request frames with a negative, short or oversized length (connection closed)")),
      requests_in_flight(registry.gauge("ringmq_requests_in_flight", "Requests received and not yet answered")),
      request_latency(registry.histogram("ringmq_request_latency_seconds",
                                         "Every request: frame read to response handed to the socket")),
      socket_wait_latency(registry.histogram(
          "ringmq_socket_wait_seconds",
          "Bytes from clients: received by the kernel to read by a network thread (scheduling delay)")),
      network_bytes_received(
          registry.counter("ringmq_network_received_bytes_total", "Bytes read from Kafka client sockets")),
      network_bytes_sent(registry.counter("ringmq_network_sent_bytes_total", "Bytes written to Kafka client sockets")),
      tls_handshake_failures(registry.counter("ringmq_tls_handshake_failures_total",
                                              "Connections closed because their TLS handshake failed")),
      unauthenticated_closed(
          registry.counter("ringmq_connections_unauthenticated_closed_total",
                           "Connections closed before authenticating: too slow, or another request before SASL")),
      errors_(registry.labelled_counters("ringmq_errors_total", "Non-zero Kafka error codes in responses, by code",
                                         "code", error_label_values())),
      requests_(registry.labelled_counters("ringmq_requests_total", "Kafka requests received, by API", "api",
                                           api_label_values())),
      authentication_successes_(registry.labelled_counters("ringmq_sasl_authentication_successes_total",
                                                           "SASL authentications that succeeded, by mechanism",
                                                           "mechanism", sasl_mechanism_label_values())),
      authentication_failures_(registry.labelled_counters(
          "ringmq_sasl_authentication_failures_total",
          "SASL authentications that failed (wrong password, unknown user, bad exchange), by mechanism", "mechanism",
          sasl_mechanism_label_values())) {
  registry.callback_counter("ringmq_process_cpu_seconds_total", "User and system CPU time of the broker process", [] {
    const auto usage = self_usage();
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  });
  registry.callback_counter("ringmq_process_minor_page_faults_total",
                            "Page faults served without I/O (getrusage ru_minflt)",
                            [] { return static_cast<double>(self_usage().ru_minflt); });
  registry.callback_counter("ringmq_process_major_page_faults_total",
                            "Page faults that needed I/O (getrusage ru_majflt)",
                            [] { return static_cast<double>(self_usage().ru_majflt); });
  registry.callback_gauge("ringmq_process_resident_memory_bytes", "Resident set size of the broker process",
                          [] { return resident_bytes(); });
  // `read` is a MessageStore getter returning a byte count or a LogPosition.
  auto store_value = [this](auto read) {
    return [this, read] {
      const engine::MessageStore* store = store_.load(std::memory_order_acquire);
      if (store == nullptr) return 0.0;
      const auto value = (store->*read)();
      if constexpr (std::is_same_v<decltype(value), const engine::LogPosition>)
        return static_cast<double>(value.value());
      else
        return static_cast<double>(value);
    };
  };
  registry.callback_gauge("ringmq_engine_written_offset_bytes", "Commit-log offset written up to",
                          store_value(&engine::MessageStore::written_offset));
  registry.callback_gauge("ringmq_engine_flushed_offset_bytes", "Commit-log offset durable up to",
                          store_value(&engine::MessageStore::flushed_offset));
  registry.callback_gauge("ringmq_engine_log_start_offset_bytes", "First commit-log offset retained",
                          store_value(&engine::MessageStore::log_start_offset));
  registry.callback_gauge("ringmq_engine_locked_bytes", "Memory the engine holds mlock'd",
                          store_value(&engine::MessageStore::locked_bytes));
  registry.labelled_callback_gauge(
      "ringmq_consumer_group_lag",
      "Records from a consumer group's committed offset to the end of the partition (labels: group, topic, "
      "partition)",
      [this](std::vector<LabelledSample>& out) {
        std::lock_guard lock(lag_mutex_);
        if (lag_source_) lag_source_(out);
      });
  // What an operator must act on (packaging/prometheus/ringmq-alerts.yml): a full disk, an
  // exhausted pool, a failed flush, a write mode that fell back for want of memlock.
  auto store_read = [this](auto read) {
    return [this, read]() -> double {
      const engine::MessageStore* store = store_.load(std::memory_order_acquire);
      return store == nullptr ? 0.0 : read(*store);
    };
  };
  registry.callback_gauge("ringmq_engine_pool_chunks", "Pool-mode write buffers (0 in the other modes)",
                          store_read([](const engine::MessageStore& s) { return s.pool_usage().chunks; }));
  registry.callback_gauge("ringmq_engine_pool_chunks_in_use", "Pool buffers holding data not yet written to disk",
                          store_read([](const engine::MessageStore& s) { return s.pool_usage().chunks_in_use; }));
  registry.callback_counter(
      "ringmq_engine_pool_exhausted_waits_total", "Appends that had to wait for a free pool buffer",
      store_read([](const engine::MessageStore& s) { return static_cast<double>(s.pool_usage().exhausted_waits); }));
  registry.callback_gauge("ringmq_engine_disk_full",
                          "1 while appends are refused: the data directory passed disk_high_water_percent",
                          store_read([](const engine::MessageStore& s) { return s.disk_full() ? 1.0 : 0.0; }));
  registry.callback_gauge("ringmq_engine_flush_failed",
                          "1 once a flush failed: every append is refused until the broker restarts",
                          store_read([](const engine::MessageStore& s) { return s.flush_failure() ? 1.0 : 0.0; }));
  registry.labelled_callback_gauge(
      "ringmq_engine_write_mode",
      "1 for the write mode in force (label mode) and the one configured (label configured); they differ "
      "after a memlock fallback",
      [this](std::vector<LabelledSample>& out) {
        const engine::MessageStore* store = store_.load(std::memory_order_acquire);
        if (store == nullptr) return;
        out.push_back({{{"mode", engine::write_mode_name(store->write_mode())},
                        {"configured", engine::write_mode_name(store->configured_write_mode())}},
                       1.0});
      });
  registry.callback_gauge("ringmq_engine_write_mode_fallback",
                          "1 when the store runs another write mode than configured (memlock allowance too small)",
                          store_read([](const engine::MessageStore& s) {
                            return s.write_mode() != s.configured_write_mode() ? 1.0 : 0.0;
                          }));
  auto data_dir_bytes = [store_read](bool available) {
    return store_read([available](const engine::MessageStore& s) {
      auto usage = io::disk_usage(s.config().data_dir);
      return usage ? static_cast<double>(available ? usage->available_bytes : usage->total_bytes) : 0.0;
    });
  };
  registry.callback_gauge("ringmq_data_dir_size_bytes", "Size of the file system holding the data directory",
                          data_dir_bytes(false));
  registry.callback_gauge("ringmq_data_dir_available_bytes",
                          "Bytes available to the broker on the data directory's file system", data_dir_bytes(true));
  registry.callback_gauge("ringmq_engine_unflushed_bytes", "Bytes written but not yet durable", [this] {
    const engine::MessageStore* store = store_.load(std::memory_order_acquire);
    if (store == nullptr) return 0.0;
    const engine::LogPosition written = store->written_offset(), flushed = store->flushed_offset();
    return written > flushed ? static_cast<double>(written - flushed) : 0.0;
  });
}

void BrokerMetrics::set_consumer_lag_source(LagSource source) {
  std::lock_guard lock(lag_mutex_);
  lag_source_ = std::move(source);
}

}  // namespace ringmq::broker
