// Short runs of the real workload against the real engine, in every write mode: every
// append is counted once, the data directory is removed, faults are seen where the mode
// takes them. No latency or throughput is asserted.
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <set>

#include "engine/memlock_check.h"
#include "perf/jitter_workload.h"
#include "tests/common/require.h"
#include "tests/common/temp_dir.h"

namespace ringmq::perf {
namespace {

using engine::WriteMode;

WorkloadOptions small_options(const std::string& dir) {
  WorkloadOptions o;
  o.data_dir = dir;
  o.record_bytes = 1000;
  o.bytes_per_mode = 8ull << 20;
  o.segment_bytes = 4ull << 20;
  o.pool_buffers = 3;
  o.warm_ahead_bytes = 1ull << 20;
  o.flush_interval_ms = 20;
  o.warmup_ops = 500;
  o.spike_threshold_ns = 50'000;
  return o;
}

bool can_lock(const WorkloadOptions& o, WriteMode mode) {
  engine::EngineConfig c;
  c.write_mode = mode;
  c.segment_bytes = o.segment_bytes;
  c.pool_buffers = o.pool_buffers;
  return mode == WriteMode::kMmap || static_cast<bool>(engine::check_memlock_allowance(
                                         c.effective_mlock_budget_bytes(), engine::current_memlock_allowance()));
}

uint64_t ops_in_bins(const ModeResult& r) {
  return std::accumulate(r.bins.begin(), r.bins.end(), uint64_t{0},
                         [](uint64_t sum, const TimeBin& b) { return sum + b.ops; });
}

class WorkloadInEveryMode : public ::testing::TestWithParam<WriteMode> {};

TEST_P(WorkloadInEveryMode, CountsEveryAppendOnceAndCleansUp) {
  ringmq::test::TempDir dir;
  const WorkloadOptions o = small_options(dir.path());
  RINGMQ_REQUIRE_CAPABILITY(can_lock(o, GetParam()),
                            "RLIMIT_MEMLOCK for this mode's locked memory (ulimit -l, or run as root)");
  const ModeResult r = run_mode(o, GetParam(), {});
  ASSERT_EQ(r.error, "");
  const uint64_t expected = o.bytes_per_mode / o.record_bytes;
  EXPECT_EQ(r.ops, expected);
  EXPECT_EQ(r.bytes, expected * o.record_bytes);
  EXPECT_EQ(r.latency.count() + r.warmup_ops, r.ops);
  EXPECT_EQ(r.warmup_ops, o.warmup_ops);
  EXPECT_EQ(ops_in_bins(r), r.ops);
  EXPECT_FALSE(r.writer.backend.empty());
  EXPECT_GT(r.seconds, 0);
  for (const Spike& s : r.spikes) EXPECT_GT(s.latency_ns, o.spike_threshold_ns);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/jitter-" + engine::write_mode_name(GetParam())));
  EXPECT_FALSE(r.threads.empty());
}

INSTANTIATE_TEST_SUITE_P(Modes, WorkloadInEveryMode,
                         ::testing::Values(WriteMode::kMmap, WriteMode::kMmapLocked, WriteMode::kPool),
                         [](const auto& info) {
                           std::string name = engine::write_mode_name(info.param);
                           std::erase(name, '-');
                           return name;
                         });

TEST(Workload, MmapWriterFaultsOnTheSegmentPagesItFillsFirst) {
  ringmq::test::TempDir dir;
  WorkloadOptions o = small_options(dir.path());
  o.warmup_ops = 0;
  const ModeResult r = run_mode(o, WriteMode::kMmap, {});
  ASSERT_EQ(r.error, "");
  // 8 MiB of fresh, never-touched segment pages: the writer must fault on them (one fault
  // may map a large folio, so fewer faults than pages).
  EXPECT_GT(r.writer.in_appends.faults(), 8u);
  EXPECT_GE(r.writer.measured.faults(), r.writer.in_appends.faults());
  EXPECT_GT(r.writer.ops_with_faults, 0u);
  EXPECT_GT(r.faulted_latency.count(), 0u);
  EXPECT_GT(r.faults_per_million(), 0);
  if (r.writer.per_operation) {
    // The writer's faults are on the segment pages its records go to.
    EXPECT_GT(r.writer.fault_locations[static_cast<int>(FaultLocation::kWritePosition)], r.writer.ops_with_faults / 2);
  }
}

TEST(Workload, SeveralProducersShareTheWork) {
  ringmq::test::TempDir dir;
  WorkloadOptions o = small_options(dir.path());
  o.producers = 3;
  const ModeResult r = run_mode(o, WriteMode::kMmap, {});
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.ops, o.bytes_per_mode / o.record_bytes);
  EXPECT_EQ(ops_in_bins(r), r.ops);
  std::set<std::string> names;
  for (const auto& t : r.threads) names.insert(t.name);
  EXPECT_TRUE(names.count("rmqj-writer-2")) << "writer threads are named";
}

TEST(Workload, ADurationBoundRunStopsOnTime) {
  ringmq::test::TempDir dir;
  WorkloadOptions o = small_options(dir.path());
  o.bytes_per_mode = 0;
  o.duration_ms = 300;
  o.rate_per_s = 20'000;  // open loop, so the disk use stays small
  const ModeResult r = run_mode(o, WriteMode::kMmap, {});
  ASSERT_EQ(r.error, "");
  EXPECT_GT(r.ops, 0u);
  EXPECT_LE(r.ops, 20'000u);  // at most ~300 ms at the rate, with slack for a slow start
  // Open loop keeps both views of every append: response time (from when it was due) is
  // never below the service time (the call alone).
  EXPECT_EQ(r.other_latency.count(), r.latency.count());
  EXPECT_GE(r.latency.max(), r.other_latency.max());
  EXPECT_GE(r.latency.value_at_percentile(99), r.other_latency.value_at_percentile(99));
}

TEST(Spike, AnOpenLoopAppendThatStartedLateIsQueuedWhateverElseHappened) {
  Spike s;
  s.minor_faults = 1;
  EXPECT_EQ(s.cause(), SpikeCause::kMinorFault);
  s.queued = true;
  EXPECT_EQ(s.cause(), SpikeCause::kQueued);
  Spike t;
  t.context_switches = 1;
  t.segment_roll = true;
  EXPECT_EQ(t.cause(), SpikeCause::kSegmentRoll);
}

TEST(Workload, AnInterruptStopsTheModeEarly) {
  ringmq::test::TempDir dir;
  WorkloadOptions o = small_options(dir.path());
  o.bytes_per_mode = 1ull << 40;  // would never finish
  o.segment_bytes = 4ull << 20;
  o.retention_bytes = 16ull << 20;
  o.rate_per_s = 50'000;  // ~50 MB/s: a bounded amount of disk until the first progress report
  std::atomic<bool> interrupt{false};
  RunControls controls;
  controls.interrupt = &interrupt;
  int progress_calls = 0;
  controls.on_progress = [&](const ProgressSnapshot& s) {
    ++progress_calls;
    EXPECT_EQ(s.mode, "mmap");
    interrupt = true;  // first progress report: stop
  };
  const ModeResult r = run_mode(o, WriteMode::kMmap, controls);
  EXPECT_TRUE(r.interrupted);
  EXPECT_GE(progress_calls, 1);
  EXPECT_GT(r.ops, 0u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/jitter-mmap"));
}

TEST(FaultLocation, AddressesResolveAgainstTheSegmentMappings) {
  const std::string maps =
      "7f0000000000-7f0040000000 rw-s 00000000 fd:00 1234    /data/jitter-mmap/commitlog/00000000000000000000\n"
      "7f0040000000-7f0080000000 rw-s 00000000 fd:00 1235    /data/jitter-mmap/commitlog/00000000001073741824 "
      "(deleted)\n"
      "7f1000000000-7f1000100000 rw-s 00000000 fd:00 1236    /data/jitter-mmap/index/0000000001/00000000000000000000\n"
      "55d000000000-55d000100000 rw-p 00000000 00:00 0       [heap]\n";
  const auto segments = read_file_mappings("/data/jitter-mmap/commitlog/", maps);
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[1].path, "/data/jitter-mmap/commitlog/00000000001073741824");
  const uint64_t second = 0x7f0040000000;
  // A record at commit-log offset 1 GiB + 8192 + 100, 1 KiB long, in the second segment.
  const uint64_t record = (1ull << 30) + 8192 + 100;
  auto at = [&](uint64_t address) { return locate_fault({address, record, record + 1088}, segments); };
  EXPECT_EQ(at(second + 8192), FaultLocation::kWritePosition);
  EXPECT_EQ(at(second + 8192 + 4095), FaultLocation::kWritePosition);
  EXPECT_EQ(at(second + 3 * 4096), FaultLocation::kAheadOfWriter);
  EXPECT_EQ(at(second), FaultLocation::kBehindWriter);
  EXPECT_EQ(at(0x55d000000100), FaultLocation::kOtherMemory);
  EXPECT_EQ(at(0), FaultLocation::kUnknown);
}

TEST(Workload, ThePoolsBuffersAreTheMemoryLockedAtOpen) {
  WorkloadOptions o;
  o.segment_bytes = 64ull << 20;
  o.pool_buffers = 4;
  EXPECT_EQ(locked_bytes_for(o, WriteMode::kMmap), 0u);
  EXPECT_EQ(locked_bytes_for(o, WriteMode::kMmapLocked), 0u);  // locked window by window later
  EXPECT_EQ(locked_bytes_for(o, WriteMode::kPool), 256ull << 20);
}

}  // namespace
}  // namespace ringmq::perf
