// BrokerMetrics: the broker's predefined metrics, in one registry the /metrics endpoint renders.
//
// Who updates what:
//   network threads  connections, connections_accepted/rejected, frames_rejected,
//                    requests (by API), requests_in_flight, request_latency, socket_wait_latency,
//                    network bytes
//   Kafka handlers   produce_latency, fetch_latency, flush_latency, bytes/records in and out,
//                    count_error(kafka_error_code); the stages produce_decode_latency,
//                    append_latency, fetch_wakeup_latency
//   network threads  response_write_latency (the last stage of every request)
//   scrape time      process CPU, page faults (getrusage) and RSS; engine offsets (watch_store)
//
// All update methods are lock-free and safe from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "broker/server/metrics.h"

namespace ringmq::engine {
class MessageStore;
}

namespace ringmq::broker {

class BrokerMetrics {
 public:
  BrokerMetrics();
  BrokerMetrics(const BrokerMetrics&) = delete;
  BrokerMetrics& operator=(const BrokerMetrics&) = delete;

  MetricsRegistry registry;  // declared first: the references below point into it

  // --- Kafka handlers ---
  LatencyHistogram& produce_latency;  // ringmq_produce_latency_seconds: Produce received -> answered
  LatencyHistogram& fetch_latency;    // ringmq_fetch_latency_seconds: Fetch received -> answered
                                      // (long poll included)
  LatencyHistogram& flush_latency;    // ringmq_flush_latency_seconds: a sync produce's wait for its flush
  // Stages of one request, so that a tail can be placed (docs: "Where a request's time goes"):
  LatencyHistogram& produce_decode_latency;  // ringmq_produce_decode_seconds: frame read -> Produce handler
                                             // starts (reassembly, decode, routing)
  LatencyHistogram& append_latency;          // ringmq_append_seconds: one MessageStore::append of a batch
  LatencyHistogram& fetch_wakeup_latency;    // ringmq_fetch_wakeup_seconds: new records indexed -> a
                                             // waiting Fetch answered
  LatencyHistogram& response_write_latency;  // ringmq_response_write_seconds: answer handed over -> fully
                                             // written to the socket (inbox hop, order, socket)
  Counter& bytes_in;                         // ringmq_bytes_in_total: record-batch bytes appended
  Counter& records_in;                       // ringmq_records_in_total
  Counter& bytes_out;                        // ringmq_bytes_out_total: record-batch bytes fetched
  Counter& records_out;                      // ringmq_records_out_total
  // ringmq_errors_total{code="<kafka error code>"}: non-zero error codes in responses.
  void count_error(int16_t kafka_error_code) { errors_.add(static_cast<size_t>(kafka_error_code + 1)); }

  // --- network threads ---
  Gauge& connections;                 // ringmq_connections
  Counter& connections_accepted;      // ringmq_connections_accepted_total
  Counter& connections_rejected;      // ringmq_connections_rejected_total: over server.max_connections
  Counter& frames_rejected;           // ringmq_frames_rejected_total: bad length, connection closed
  Gauge& requests_in_flight;          // ringmq_requests_in_flight
  LatencyHistogram& request_latency;  // ringmq_request_latency_seconds: frame read -> response written
  // ringmq_socket_wait_seconds: the kernel received a request's bytes -> a network thread read
  // them (the broker's scheduling delay: a busy, preempted or descheduled network thread).
  LatencyHistogram& socket_wait_latency;
  Counter& network_bytes_received;  // ringmq_network_received_bytes_total
  Counter& network_bytes_sent;      // ringmq_network_sent_bytes_total
  // --- security ---
  Counter& tls_handshake_failures;  // ringmq_tls_handshake_failures_total: closed in the handshake
  // ringmq_connections_unauthenticated_closed_total: closed for not authenticating in time or
  // for sending another request before authenticating.
  Counter& unauthenticated_closed;
  // ringmq_sasl_authentications_total{mechanism,result="success|failure"}
  void count_authentication(std::string_view mechanism, bool success);
  // ringmq_requests_total{api="Produce"}: requests received, by Kafka API key.
  void count_request(int16_t api_key) { requests_.add(api_key >= 0 ? static_cast<size_t>(api_key) : SIZE_MAX); }

  // Engine offsets read at scrape time: written, flushed, log start, locked bytes. Pass nullptr
  // before the store is destroyed (or stop the metrics endpoint first).
  void watch_store(const engine::MessageStore* store) { store_.store(store, std::memory_order_release); }

  // ringmq_consumer_group_lag{group,topic,partition}: records between a group's committed
  // offset and the partition's end, listed at scrape time by `source` (the Kafka router sets
  // it and clears it with nullptr before it goes away; a scrape in progress finishes first).
  using LagSource = std::function<void(std::vector<LabelledSample>&)>;
  void set_consumer_lag_source(LagSource source);

  // Kafka's name of an API key ("Produce"), or "unknown".
  static const char* api_name(int16_t api_key);

 private:
  LabelledCounters& errors_;
  LabelledCounters& requests_;
  LabelledCounters& authentication_successes_;
  LabelledCounters& authentication_failures_;
  std::atomic<const engine::MessageStore*> store_{nullptr};
  std::mutex lag_mutex_;  // guards lag_source_; held while it runs
  LagSource lag_source_;
};

}  // namespace ringmq::broker
