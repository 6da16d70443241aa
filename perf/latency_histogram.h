// LatencyHistogram: a log-linear histogram of nanosecond latencies, laid out like
// HdrHistogram. Values below 2^kSubBucketBits are counted exactly; above that each power of
// two is split into 2^(kSubBucketBits-1) equal sub-buckets, so every recorded value is known
// to within 1/1024 of itself (three significant digits) up to kMaxTrackableNs. min and max
// are kept exactly. record() is a handful of instructions and never allocates, so one
// histogram per writer thread can sit on the hot path; merge() sums them afterwards.
#pragma once

#include <cstdint>
#include <vector>

namespace ringmq::perf {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 11;                       // 2048 sub-buckets, 1/1024 precision
  static constexpr uint64_t kMaxTrackableNs = uint64_t{1} << 40;  // ~18 minutes; larger values clamp

  LatencyHistogram();

  void record(uint64_t value_ns) {
    if (value_ns > kMaxTrackableNs) value_ns = kMaxTrackableNs;
    ++counts_[index_of(value_ns)];
    ++count_;
    sum_ += value_ns;
    if (value_ns > max_) max_ = value_ns;
    if (value_ns < min_) min_ = value_ns;
  }
  void merge(const LatencyHistogram& other);
  void reset();

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }

  // The smallest recorded value v such that at least `percentile`% of the values are <= v,
  // reported as the highest value its bucket can hold (never above max()). percentile in
  // [0, 100]; 0 gives min(), 100 gives max(). 0 for an empty histogram.
  uint64_t value_at_percentile(double percentile) const;

  // (percentile, latency) points for a percentile curve: percentiles spaced evenly on the
  // 1/(1-p) log axis HdrHistogram plots use, `points_per_decade` per factor of ten, up to
  // the last one the count can resolve, then (100, max).
  struct CurvePoint {
    double percentile;
    uint64_t value_ns;
  };
  std::vector<CurvePoint> percentile_curve(int points_per_decade = 20) const;

  // Bucket layout, exposed for tests: the bucket of a value and the range a bucket covers.
  static uint32_t index_of(uint64_t value_ns) {
    const uint64_t v = value_ns | 1;  // clz(0) is undefined; 0 and 1 share bucket 0/1 exactly below
    const int msb = 63 - __builtin_clzll(v);
    if (msb < kSubBucketBits) return static_cast<uint32_t>(value_ns);
    const int shift = msb - kSubBucketBits + 1;
    return static_cast<uint32_t>((uint64_t(shift) << (kSubBucketBits - 1)) + (value_ns >> shift));
  }
  static uint64_t lowest_in_bucket(uint32_t index);
  static uint64_t highest_in_bucket(uint32_t index);
  static uint32_t bucket_count() { return index_of(kMaxTrackableNs) + 1; }

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace ringmq::perf
