#include "perf/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace ringmq::perf {

namespace {
constexpr uint64_t kHalf = uint64_t{1} << (LatencyHistogram::kSubBucketBits - 1);
constexpr uint64_t kLinear = uint64_t{1} << LatencyHistogram::kSubBucketBits;
}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(bucket_count(), 0) {}

// Index layout: [0, 2048) hold the values themselves; from there on, index
// shift * 1024 + (value >> shift) for shift = msb - 10, whose sub-bucket part is in [1024, 2048).
uint64_t LatencyHistogram::lowest_in_bucket(uint32_t index) {
  if (index < kLinear) return index;
  const uint64_t shift = index / kHalf - 1;
  const uint64_t sub = index - shift * kHalf;
  return sub << shift;
}

uint64_t LatencyHistogram::highest_in_bucket(uint32_t index) {
  if (index < kLinear) return index;
  const uint64_t shift = index / kHalf - 1;
  return lowest_in_bucket(index) + (uint64_t{1} << shift) - 1;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

void LatencyHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = sum_ = max_ = 0;
  min_ = UINT64_MAX;
}

uint64_t LatencyHistogram::value_at_percentile(double percentile) const {
  if (count_ == 0) return 0;
  if (percentile <= 0) return min();
  if (percentile >= 100) return max_;
  // The rank of the value: ceil(p/100 * n), at least 1. Computed with a little slack so that
  // 99.99% of 10000 values is rank 9999, not 10000 after a rounding error.
  const double exact = percentile / 100.0 * static_cast<double>(count_);
  uint64_t rank = static_cast<uint64_t>(std::ceil(exact - 1e-9));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (uint32_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(highest_in_bucket(i), min(), max_);
  }
  return max_;
}

std::vector<LatencyHistogram::CurvePoint> LatencyHistogram::percentile_curve(int points_per_decade) const {
  std::vector<CurvePoint> curve;
  if (count_ == 0) return curve;
  // x = log10(1 / (1 - p)); the last resolvable x is where 1 - p = 1 / count.
  const double last_x = std::log10(static_cast<double>(count_));
  const int steps = static_cast<int>(std::floor(last_x * points_per_decade));
  curve.reserve(static_cast<size_t>(steps) + 2);
  for (int k = 0; k <= steps; ++k) {
    const double x = static_cast<double>(k) / points_per_decade;
    const double p = 100.0 * (1.0 - std::pow(10.0, -x));
    curve.push_back({p, value_at_percentile(p)});
  }
  curve.push_back({100.0, max_});
  return curve;
}

}  // namespace ringmq::perf
