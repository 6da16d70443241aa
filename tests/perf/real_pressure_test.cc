// Real reclaim: the hog leaves the safety margin + 2 GiB of MemAvailable and the churn streams
// through a 6 GiB file, which makes kswapd (and usually direct reclaim) run. It takes the
// machine near its limits, so it is a binary of its own that CTest runs with nothing beside it
// (RUN_SERIAL); about a minute here.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <chrono>
#include <thread>

#include "perf/memory_pressure.h"
#include "perf/proc_stats.h"
#include "tests/common/require.h"
#include "tests/common/temp_dir.h"

namespace ringmq::perf {
namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kChurnFileBytes = 6144 * kMiB;
constexpr uint64_t kLeftAboveMargin = 2048 * kMiB;

uint64_t free_disk_bytes(const std::string& dir) {
  struct statvfs st {};
  return ::statvfs(dir.c_str(), &st) == 0 ? uint64_t{st.f_bavail} * st.f_frsize : 0;
}

TEST(MemoryPressure, RealPressureMakesTheKernelReclaim) {
  ringmq::test::TempDir dir;
  const uint64_t total = read_meminfo().total;
  const uint64_t margin = MemoryPressure::default_safety_margin(total);
  RINGMQ_REQUIRE_CAPABILITY(MemoryPressure::system_available_bytes() > margin + kLeftAboveMargin + 1024 * kMiB,
                            "at least 1 GiB of MemAvailable above the safety margin + 2 GiB for the hog");
  RINGMQ_REQUIRE_CAPABILITY(free_disk_bytes(dir.path()) > kChurnFileBytes + 1024 * kMiB,
                            "7 GiB free in the temp directory for the churn file");
  PressureOptions o;
  o.leave_available_bytes = margin + kLeftAboveMargin;
  o.churn_dir = dir.path();
  o.churn_file_bytes = kChurnFileBytes;
  auto created = MemoryPressure::create(o);
  ASSERT_TRUE(created) << created.error().message;
  const SystemSample before = read_system_sample();
  ASSERT_TRUE((*created)->start());
  ASSERT_TRUE((*created)->wait_until_established(std::chrono::seconds(180)));
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const SystemSample during = read_system_sample();
  (*created)->stop();
  const VmCounters d = during.vm - before.vm;
  EXPECT_GT(d[VmCounter::kPgScanKswapd] + d[VmCounter::kPgScanDirect], 0u);
  EXPECT_GT(d[VmCounter::kPgStealKswapd] + d[VmCounter::kPgStealDirect], 0u);
  EXPECT_GE(MemoryPressure::system_available_bytes(), margin);
}

}  // namespace
}  // namespace ringmq::perf
