// The /proc readers against golden copies of the files, and once against the live ones.
#include "perf/proc_stats.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "perf/system_sampler.h"

namespace ringmq::perf {
namespace {

TEST(ProcStats, VmstatSumsAllocstallZonesAndKeepsTheCountersItKnows) {
  const auto c = parse_vmstat(
      "nr_free_pages 123\n"
      "pgfault 1000\n"
      "pgmajfault 7\n"
      "allocstall_dma 1\n"
      "allocstall_dma32 2\n"
      "allocstall_normal 30\n"
      "allocstall_movable 400\n"
      "pgscan_direct 55\n"
      "pgscan_kswapd 66\n"
      "compact_stall 3\n"
      "workingset_refault_file 9\n"
      "thp_fault_alloc 11\n");
  EXPECT_EQ(c[VmCounter::kPgFault], 1000u);
  EXPECT_EQ(c[VmCounter::kPgMajFault], 7u);
  EXPECT_EQ(c[VmCounter::kAllocStall], 433u);
  EXPECT_EQ(c[VmCounter::kPgScanDirect], 55u);
  EXPECT_EQ(c[VmCounter::kPgScanKswapd], 66u);
  EXPECT_EQ(c[VmCounter::kCompactStall], 3u);
  EXPECT_EQ(c[VmCounter::kWorkingsetRefaultFile], 9u);
  EXPECT_EQ(c[VmCounter::kThpFaultAlloc], 11u);
  EXPECT_TRUE(c.present[static_cast<int>(VmCounter::kAllocStall)]);
  EXPECT_FALSE(c.present[static_cast<int>(VmCounter::kPSwpIn)]);
}

TEST(ProcStats, VmstatDifferencesNeverGoNegative) {
  const auto a = parse_vmstat("pgfault 10\npgscan_direct 5\n");
  const auto b = parse_vmstat("pgfault 25\npgscan_direct 3\n");
  const auto d = b - a;
  EXPECT_EQ(d[VmCounter::kPgFault], 15u);
  EXPECT_EQ(d[VmCounter::kPgScanDirect], 0u);
}

TEST(ProcStats, MeminfoIsInBytes) {
  const auto m = parse_meminfo(
      "MemTotal:       24683904 kB\n"
      "MemFree:        22720000 kB\n"
      "MemAvailable:   24283000 kB\n"
      "Buffers:           1000 kB\n"
      "Cached:         1843200 kB\n"
      "Dirty:              128 kB\n"
      "Writeback:            4 kB\n"
      "AnonPages:       300000 kB\n"
      "Mlocked:           2048 kB\n");
  EXPECT_TRUE(m.present);
  EXPECT_EQ(m.total, 24683904ull * 1024);
  EXPECT_EQ(m.available, 24283000ull * 1024);
  EXPECT_EQ(m.cached, 1843200ull * 1024);
  EXPECT_EQ(m.dirty, 128u * 1024);
  EXPECT_EQ(m.writeback, 4u * 1024);
  EXPECT_EQ(m.mlocked, 2048u * 1024);
}

TEST(ProcStats, PressureReadsSomeAndFullTotals) {
  const auto p = parse_pressure(
      "some avg10=1.50 avg60=0.20 avg300=0.05 total=123456\n"
      "full avg10=0.50 avg60=0.10 avg300=0.01 total=7890\n");
  EXPECT_TRUE(p.present);
  EXPECT_EQ(p.some_us, 123456u);
  EXPECT_EQ(p.full_us, 7890u);
  const auto cpu_only = parse_pressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=42\n");
  EXPECT_EQ(cpu_only.some_us, 42u);
  EXPECT_EQ(cpu_only.full_us, 0u);
  EXPECT_FALSE(parse_pressure("").present);
}

TEST(ProcStats, CpuTimesComeFromTheAggregateLine) {
  const auto t = parse_cpu_times(
      "cpu  100 2 30 4000 50 6 7 8 0 0\n"
      "cpu0 50 1 15 2000 25 3 3 4 0 0\n");
  EXPECT_EQ(t.user, 100u);
  EXPECT_EQ(t.idle, 4000u);
  EXPECT_EQ(t.iowait, 50u);
  EXPECT_EQ(t.steal, 8u);
  EXPECT_EQ(t.total(), 100u + 2 + 30 + 4000 + 50 + 6 + 7 + 8);
}

TEST(ProcStats, TaskStatHandlesThreadNamesWithSpacesAndParentheses) {
  const auto s =
      parse_task_stat("4242 (rmq (odd) name) S 1 4242 4242 0 -1 4194560 1500 0 3 0 120 45 0 0 20 0 9 0 12345 0 0\n");
  ASSERT_TRUE(s.present);
  EXPECT_EQ(s.tid, 4242);
  EXPECT_EQ(s.name, "rmq (odd) name");
  EXPECT_EQ(s.minor_faults, 1500u);
  EXPECT_EQ(s.major_faults, 3u);
  EXPECT_EQ(s.user_ticks, 120u);
  EXPECT_EQ(s.system_ticks, 45u);
  EXPECT_FALSE(parse_task_stat("garbage").present);
}

TEST(ProcStats, LiveFilesOfThisMachineParse) {
  const SystemSample s = read_system_sample();
  EXPECT_TRUE(s.mem.present);
  EXPECT_GT(s.mem.total, 0u);
  EXPECT_TRUE(s.vm.present[static_cast<int>(VmCounter::kPgFault)]);
  EXPECT_GT(s.cpu.total(), 0u);
  const auto threads = read_process_threads(::getpid());
  ASSERT_FALSE(threads.empty());
  EXPECT_EQ(threads.front().tid, ::getpid());
}

TEST(SystemSampler, SamplesUntilStoppedAndOnRequest) {
  SystemSampler sampler(10);
  int annotated = 0;
  sampler.set_annotator([&](SampledPoint& p) {
    p.hog_bytes = 7;
    ++annotated;
  });
  sampler.start();
  while (sampler.samples().size() < 3) ::usleep(5'000);
  sampler.stop();
  const size_t n = sampler.samples().size();
  sampler.sample_now();
  EXPECT_EQ(sampler.samples().size(), n + 1);
  EXPECT_EQ(sampler.latest().hog_bytes, 7u);
  const auto [a, b] = sampler.last_two();
  EXPECT_LE(a.system.time_ns, b.system.time_ns);
  EXPECT_GE(annotated, 4);
}

}  // namespace
}  // namespace ringmq::perf
