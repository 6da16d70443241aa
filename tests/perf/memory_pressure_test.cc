// MemoryPressure: the safety controller against a fake machine (no real pressure needed),
// then one small real run -- a 256 MiB hog, a 256 MiB churn file, a small reclaim pulse --
// checking that the counters moved and that everything it took came back. Nothing here
// takes the machine near its safety margin; other tests run beside it.
#include "perf/memory_pressure.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

#include "perf/proc_stats.h"
#include "tests/common/require.h"
#include "tests/common/temp_dir.h"

namespace ringmq::perf {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

uint64_t rss_anon_bytes() {
  const std::string status = read_text_file("/proc/self/status");
  const size_t at = status.find("RssAnon:");
  if (at == std::string::npos) return 0;
  return std::strtoull(status.c_str() + at + 8, nullptr, 10) * 1024;
}

// Open descriptors of this process that point into `dir` (the churn file would be one).
int open_files_under(const std::string& dir) {
  int count = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (dirent* e = d ? ::readdir(d) : nullptr) {
    char target[4096];
    const std::string link = std::string("/proc/self/fd/") + e->d_name;
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n > 0 && std::string(target, static_cast<size_t>(n)).starts_with(dir)) ++count;
  }
  if (d) ::closedir(d);
  return count;
}

template <typename Pred>
bool eventually(Pred pred, int timeout_ms = 10'000) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// A pretend machine: `free` bytes minus what the hog and an "other process" hold.
struct FakeMachine {
  std::atomic<uint64_t> free{0};
  std::atomic<uint64_t> other{0};
  std::atomic<MemoryPressure*> pressure{nullptr};
  uint64_t available() const {
    const MemoryPressure* p = pressure.load();
    const uint64_t used = (p ? p->hog_bytes() : 0) + other.load();
    return free.load() > used ? free.load() - used : 0;
  }
};

PressureOptions hog_only(uint64_t leave, uint64_t margin) {
  PressureOptions o;
  o.churn = false;
  o.leave_available_bytes = leave;
  o.safety_margin_bytes = margin;
  o.hog_chunk_bytes = 32 * kMiB;
  o.hysteresis_bytes = 32 * kMiB;  // a chunk: the fake machines below are sized for it
  o.control_interval_ms = 5;
  return o;
}

TEST(MemoryPressure, RefusesToLeaveLessThanTheSafetyMargin) {
  auto p = MemoryPressure::create(hog_only(512 * kMiB, 1024 * kMiB), [] { return uint64_t{8} << 30; });
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(p.error().message.find("safety margin"), std::string::npos);
}

TEST(MemoryPressure, DefaultMarginIsTheLargerOfOneAndAHalfGibOrTenPercent) {
  EXPECT_EQ(MemoryPressure::default_safety_margin(8ull << 30), 3ull << 29);
  EXPECT_EQ(MemoryPressure::default_safety_margin(100ull << 30), 10ull << 30);
}

TEST(MemoryPressure, HogTracksItsTargetAndGivesMemoryBackWhenOthersNeedIt) {
  FakeMachine machine;
  machine.free = 1024 * kMiB + 192 * kMiB;  // the hog may take up to ~192 MiB
  auto created = MemoryPressure::create(hog_only(1024 * kMiB, 512 * kMiB), [&] { return machine.available(); });
  ASSERT_TRUE(created) << created.error().message;
  MemoryPressure& p = **created;
  machine.pressure = &p;
  ASSERT_TRUE(p.start());
  ASSERT_TRUE(p.wait_until_established(std::chrono::seconds(20)));
  EXPECT_GE(p.hog_bytes(), 128 * kMiB);
  EXPECT_GE(machine.available(), 1024 * kMiB - 32 * kMiB);  // never more than a chunk below target

  machine.other = 512 * kMiB;  // something else takes memory: the hog must make room at once
  ASSERT_TRUE(eventually([&] { return p.hog_bytes() == 0; }));
  EXPECT_GE(p.report().safety_shrinks, 1u);

  machine.other = 0;  // and grows back when it is gone
  ASSERT_TRUE(eventually([&] { return p.hog_bytes() >= 128 * kMiB; }));
  EXPECT_TRUE(p.wait_until_settled(std::chrono::seconds(10)));
  EXPECT_EQ(p.hog_bytes(), 192 * kMiB);
  p.stop();
  EXPECT_EQ(p.hog_bytes(), 0u);
}

TEST(MemoryPressure, AFixedHogStopsAtTheSafetyMargin) {
  FakeMachine machine;
  machine.free = 512 * kMiB + 128 * kMiB;  // margin 512 MiB: at most 128 MiB to take
  PressureOptions o = hog_only(0, 512 * kMiB);
  o.hog_bytes = 1024 * kMiB;
  auto created = MemoryPressure::create(o, [&] { return machine.available(); });
  ASSERT_TRUE(created) << created.error().message;
  MemoryPressure& p = **created;
  machine.pressure = &p;
  ASSERT_TRUE(p.start());
  ASSERT_TRUE(p.wait_until_established(std::chrono::seconds(20)));
  EXPECT_LE(p.hog_bytes(), 128 * kMiB);
  EXPECT_GE(machine.available(), 512 * kMiB);
}

TEST(MemoryPressure, TheHogDoesNotChaseSmallSwings) {
  FakeMachine machine;
  machine.free = 1024 * kMiB + 512 * kMiB;
  PressureOptions o = hog_only(1024 * kMiB, 512 * kMiB);
  o.hysteresis_bytes = 128 * kMiB;
  auto created = MemoryPressure::create(o, [&] { return machine.available(); });
  ASSERT_TRUE(created);
  MemoryPressure& p = **created;
  machine.pressure = &p;
  ASSERT_TRUE(p.start());
  ASSERT_TRUE(p.wait_until_established(std::chrono::seconds(20)));
  const uint64_t settled = p.hog_bytes();
  EXPECT_GE(settled, 384 * kMiB - 128 * kMiB);
  machine.other = 96 * kMiB;  // less than the hysteresis: no change
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(p.hog_bytes(), settled);
  EXPECT_EQ(p.report().safety_shrinks, 0u);
  machine.other = 256 * kMiB;  // more: the hog makes room
  EXPECT_TRUE(eventually([&] { return p.hog_bytes() < settled; }));
}

TEST(MemoryPressure, HoldFreesMemoryAtOnceAndResumeLetsTheHogGrowBack) {
  FakeMachine machine;
  machine.free = 1024 * kMiB + 160 * kMiB;
  auto created = MemoryPressure::create(hog_only(1024 * kMiB, 512 * kMiB), [&] { return machine.available(); });
  ASSERT_TRUE(created);
  MemoryPressure& p = **created;
  machine.pressure = &p;
  ASSERT_TRUE(p.start());
  ASSERT_TRUE(p.wait_until_established(std::chrono::seconds(20)));
  const uint64_t before = p.hog_bytes();
  ASSERT_GE(before, 96 * kMiB);
  const uint64_t freed = p.hold(64 * kMiB);
  EXPECT_GE(freed, 64 * kMiB);
  EXPECT_EQ(p.hog_bytes(), before - freed);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(p.hog_bytes(), before - freed);  // held: no regrowth
  p.resume();
  EXPECT_TRUE(eventually([&] { return p.hog_bytes() >= before; }));
}

// The real thing, small: a 256 MiB hog, a 256 MiB churn file streamed twice, and (where the
// kernel has it) a proactive-reclaim pulse of 8 MiB.
TEST(MemoryPressure, SmallRealRunMovesTheCountersAndGivesEverythingBack) {
  ringmq::test::TempDir dir;
  PressureOptions o;
  o.hog_bytes = 256 * kMiB;
  o.churn_dir = dir.path();
  o.churn_file_bytes = 256 * kMiB;
  o.reclaim_pulse_bytes = 8 * kMiB;
  o.reclaim_pulse_interval_ms = 200;
  auto created = MemoryPressure::create(o);
  ASSERT_TRUE(created) << created.error().message;
  MemoryPressure& p = **created;
  RINGMQ_REQUIRE_CAPABILITY(MemoryPressure::system_available_bytes() >= p.safety_margin_bytes() + 1024 * kMiB,
                            "1 GiB of available memory above the safety margin (a less loaded machine)");

  const uint64_t rss_before = rss_anon_bytes();
  const SystemSample before = read_system_sample();
  ASSERT_TRUE(p.start());
  ASSERT_TRUE(p.wait_until_established(std::chrono::seconds(60)))
      << (p.report().warnings.empty() ? "" : p.report().warnings[0]);
  ASSERT_TRUE(eventually([&] { return p.churned_bytes() >= 2 * o.churn_file_bytes; }, 60'000));
  EXPECT_EQ(p.hog_bytes(), 256 * kMiB);
  EXPECT_GE(rss_anon_bytes(), rss_before + 200 * kMiB);
  EXPECT_EQ(open_files_under(dir.path()), 1);                   // the churn file, open but nameless
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let a few pulses happen
  const PressureReport running = p.report();
  const SystemSample during = read_system_sample();
  p.stop();

  const VmCounters d = during.vm - before.vm;
  EXPECT_GE(d[VmCounter::kPgFault], 256 * kMiB / 4096 * 9 / 10) << "the hog's pages were faulted in";
  EXPECT_GT(d[VmCounter::kPgPgIn], 0u) << "the churn read its file from the disk";
  if (running.reclaim_pulses > 0) {
    EXPECT_GT(d[VmCounter::kPgScanProactive] + d[VmCounter::kPgStealProactive], 0u) << "pulses reclaimed pages";
  } else {
    std::cerr << "[ note     ] no proactive reclaim here: " << (running.warnings.empty() ? "" : running.warnings[0])
              << "\n";
  }

  // Everything given back: the hog, the churn file (and its blocks), nothing left in the dir.
  const PressureReport final_report = p.report();
  EXPECT_EQ(p.hog_bytes(), 0u);
  EXPECT_EQ(final_report.hog_peak_bytes, 256 * kMiB);
  EXPECT_LE(rss_anon_bytes(), rss_before + 32 * kMiB);
  EXPECT_EQ(open_files_under(dir.path()), 0);
  DIR* d2 = ::opendir(dir.path().c_str());
  int entries = 0;
  while (dirent* e = ::readdir(d2)) entries += e->d_name[0] != '.';
  ::closedir(d2);
  EXPECT_EQ(entries, 0);
  EXPECT_GE(final_report.churn_bytes_read, 2 * o.churn_file_bytes);
}

}  // namespace
}  // namespace ringmq::perf
