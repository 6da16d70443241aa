// LatencyHistogram against the exact answer: every percentile is checked against a sorted
// copy of the recorded values, and must be within the histogram's stated precision.
#include "perf/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace ringmq::perf {
namespace {

// The reference answer: the value of rank ceil(p/100 * n) in sorted order.
uint64_t reference_percentile(const std::vector<uint64_t>& sorted, double p) {
  if (p <= 0) return sorted.front();
  const double exact = p / 100.0 * static_cast<double>(sorted.size());
  uint64_t rank = static_cast<uint64_t>(std::ceil(exact - 1e-9));
  rank = std::clamp<uint64_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void expect_matches_reference(const std::vector<uint64_t>& values) {
  LatencyHistogram h;
  for (uint64_t v : values) h.record(v);
  std::vector<uint64_t> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(h.count(), sorted.size());
  EXPECT_EQ(h.min(), sorted.front());
  EXPECT_EQ(h.max(), sorted.back());
  for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.5, 99.9, 99.99, 99.999, 100.0}) {
    const uint64_t want = reference_percentile(sorted, p);
    const uint64_t got = h.value_at_percentile(p);
    // Reported as the top of the reference value's bucket: never below, at most 1/1024 above.
    EXPECT_GE(got, want) << "p" << p;
    EXPECT_LE(got, want + want / 1024 + 1) << "p" << p;
  }
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 0; v < 2048; ++v) h.record(v);
  EXPECT_EQ(h.value_at_percentile(50), 1023u);
  EXPECT_EQ(h.value_at_percentile(100), 2047u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(LatencyHistogram, PercentilesMatchASortedReferenceForALongTailedDistribution) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> body(std::log(800.0), 0.6);  // ~800 ns appends
  std::uniform_real_distribution<double> coin(0, 1);
  std::vector<uint64_t> values;
  values.reserve(1'000'000);
  for (int i = 0; i < 1'000'000; ++i) {
    double v = body(rng);
    if (coin(rng) < 0.001) v *= 1000;       // faults: ~1 ms
    if (coin(rng) < 0.00002) v *= 100'000;  // stalls: ~100 ms and more
    values.push_back(static_cast<uint64_t>(v));
  }
  expect_matches_reference(values);
}

TEST(LatencyHistogram, PercentilesMatchASortedReferenceForUniformAndTinySets) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> uniform(0, 50'000'000);
  std::vector<uint64_t> values;
  for (int i = 0; i < 100'000; ++i) values.push_back(uniform(rng));
  expect_matches_reference(values);
  expect_matches_reference({123'456'789});
  expect_matches_reference({5, 5'000, 5'000'000, 5'000'000'000});
}

TEST(LatencyHistogram, BucketsTileTheRangeWithoutGapsOrOverlap) {
  for (uint32_t i = 0; i + 1 < LatencyHistogram::bucket_count(); ++i) {
    ASSERT_EQ(LatencyHistogram::highest_in_bucket(i) + 1, LatencyHistogram::lowest_in_bucket(i + 1)) << i;
    ASSERT_EQ(LatencyHistogram::index_of(LatencyHistogram::lowest_in_bucket(i)), i);
    ASSERT_EQ(LatencyHistogram::index_of(LatencyHistogram::highest_in_bucket(i)), i);
  }
  // Relative width of every bucket above the linear range is at most 1/1024.
  for (uint32_t i = 2048; i < LatencyHistogram::bucket_count(); i += 97) {
    const double lo = static_cast<double>(LatencyHistogram::lowest_in_bucket(i));
    const double width = static_cast<double>(LatencyHistogram::highest_in_bucket(i)) - lo + 1;
    ASSERT_LE(width / lo, 1.0 / 1024 + 1e-12) << i;
  }
}

TEST(LatencyHistogram, MergeIsTheSameAsRecordingIntoOne) {
  std::mt19937_64 rng(3);
  std::exponential_distribution<double> dist(1e-4);
  LatencyHistogram a, b, all;
  for (int i = 0; i < 50'000; ++i) {
    const uint64_t v = static_cast<uint64_t>(dist(rng));
    (i % 3 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double p : {50.0, 99.0, 99.99}) EXPECT_EQ(a.value_at_percentile(p), all.value_at_percentile(p));
}

TEST(LatencyHistogram, PercentileCurveRisesAndEndsAtTheMax) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100'000; ++v) h.record(v * 10);
  const auto curve = h.percentile_curve(10);
  ASSERT_GT(curve.size(), 40u);  // 5 decades of 1/(1-p) at 10 points each
  for (size_t i = 1; i < curve.size(); ++i) {
    EXPECT_GE(curve[i].percentile, curve[i - 1].percentile);
    EXPECT_GE(curve[i].value_ns, curve[i - 1].value_ns);
  }
  EXPECT_EQ(curve.back().percentile, 100.0);
  EXPECT_EQ(curve.back().value_ns, h.max());
}

TEST(LatencyHistogram, HugeValuesAreClampedAndEmptyHistogramsReadZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.value_at_percentile(99), 0u);
  EXPECT_TRUE(h.percentile_curve().empty());
  h.record(UINT64_MAX);
  EXPECT_EQ(h.max(), LatencyHistogram::kMaxTrackableNs);
  EXPECT_EQ(h.value_at_percentile(50), LatencyHistogram::kMaxTrackableNs);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
}

}  // namespace
}  // namespace ringmq::perf
