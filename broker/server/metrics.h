// Metrics: counters, gauges and latency histograms cheap enough for the hot path, and a registry
// that renders them in the Prometheus text exposition format (version 0.0.4).
//
// Updates take no lock: a Counter or LatencyHistogram is split into per-thread shards (one
// cache line apart, each thread sticking to one) that are summed when read; a Gauge is one
// atomic. Registration (start-up) and render (a scrape) take the registry's mutex. Metrics
// live as long as their registry; references returned by it stay valid.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ringmq::broker {

inline constexpr size_t kMetricShards = 8;
// The calling thread's shard, fixed for the thread's life (threads are dealt round-robin).
size_t this_thread_shard();

// A monotonically increasing count.
class Counter {
 public:
  void add(uint64_t n = 1) { shards_[this_thread_shard()].value.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const;

 private:
  struct alignas(64) Shard {
    std::atomic<uint64_t> value{0};
  };
  std::array<Shard, kMetricShards> shards_;
};

// A value that goes up and down (connections open, requests in flight).
class Gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Latencies in log-linear buckets: upper bounds 1, 1.5, 2, 3, 4, 6, 8, 12, ... µs — two per
// power of two, so any value is placed within 50% — up to 2^26 µs (67 s), then +Inf.
// Records nanoseconds; renders seconds (name it *_seconds).
class LatencyHistogram {
 public:
  static constexpr size_t kBounds = 53;
  static constexpr size_t kBuckets = kBounds + 1;  // the last is +Inf
  // Upper bounds in nanoseconds, ascending.
  static const std::array<uint64_t, kBounds>& upper_bounds_ns();
  static size_t bucket_of(uint64_t nanoseconds);

  void record_ns(uint64_t nanoseconds) {
    Shard& shard = shards_[this_thread_shard()];
    shard.buckets[bucket_of(nanoseconds)].fetch_add(1, std::memory_order_relaxed);
    shard.sum_ns.fetch_add(nanoseconds, std::memory_order_relaxed);
  }
  void record(std::chrono::nanoseconds latency) { record_ns(latency.count() > 0 ? uint64_t(latency.count()) : 0); }
  // Records the time since `start` (steady clock).
  void record_since(std::chrono::steady_clock::time_point start) { record(std::chrono::steady_clock::now() - start); }

  struct Snapshot {
    std::array<uint64_t, kBuckets> buckets{};  // per bucket, not cumulative
    uint64_t count = 0;
    uint64_t sum_ns = 0;
  };
  Snapshot snapshot() const;

 private:
  struct alignas(64) Shard {
    std::array<std::atomic<uint64_t>, kBuckets> buckets{};
    std::atomic<uint64_t> sum_ns{0};
  };
  std::array<Shard, kMetricShards> shards_;
};

// One counter per value of a label, the values fixed up front and addressed by index (an API
// key, an error code + 1). Index size() - 1 is "other", for anything out of range. Only
// values that have been counted are rendered.
class LabelledCounters {
 public:
  LabelledCounters(std::string label, std::vector<std::string> values);
  void add(size_t index, uint64_t n = 1) { counters_[index < counters_.size() ? index : counters_.size() - 1].add(n); }
  uint64_t value(size_t index) const { return counters_[index].value(); }
  size_t size() const { return counters_.size(); }
  const std::string& label() const { return label_; }
  const std::string& label_value(size_t index) const { return values_[index]; }

 private:
  std::string label_;
  std::vector<std::string> values_;  // values_.back() == "other"
  std::vector<Counter> counters_;
};

// One sample of a labelled family: label name/value pairs, in the order they are written.
struct LabelledSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

// Owns metrics and renders them. Names must be valid Prometheus names and unique; breaking
// either is a programming error and throws std::invalid_argument at registration.
class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter& counter(std::string name, std::string help);
  Gauge& gauge(std::string name, std::string help);
  LatencyHistogram& histogram(std::string name, std::string help);
  LabelledCounters& labelled_counters(std::string name, std::string help, std::string label,
                                      std::vector<std::string> values);
  // Values read at scrape time (process page faults, engine offsets); `read` must be safe to
  // call from the metrics thread while the broker runs.
  void callback_gauge(std::string name, std::string help, std::function<double()> read);
  void callback_counter(std::string name, std::string help, std::function<double()> read);
  // A gauge family whose labelled samples are listed at scrape time (one per consumer group
  // partition, ...); `list` appends them to the vector it gets (empty each scrape).
  void labelled_callback_gauge(std::string name, std::string help,
                               std::function<void(std::vector<LabelledSample>&)> list);

  // Every metric, in registration order: # HELP, # TYPE, then its samples.
  std::string render() const;

 private:
  struct Family {
    std::string name;
    std::string help;
    const char* type;
    std::function<void(const std::string& name, std::string& out)> render_samples;
  };
  void add_family(std::string name, std::string help, const char* type,
                  std::function<void(const std::string&, std::string&)> render_samples, std::shared_ptr<void> owned);

  mutable std::mutex mutex_;
  std::vector<Family> families_;
  std::vector<std::shared_ptr<void>> owned_;
};

// A sample value as Prometheus writes it: integers without a decimal point, +Inf, NaN.
std::string format_metric_value(double value);

}  // namespace ringmq::broker
