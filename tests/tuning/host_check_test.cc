#include "tuning/host_check.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/common/temp_dir.h"
#include "tests/tuning/fake_host.h"
#include "tuning/catalogue.h"

namespace ringmq::tuning {
namespace {

const CheckResult& find(const std::vector<CheckResult>& results, const std::string& id) {
  auto it = std::find_if(results.begin(), results.end(), [&](const CheckResult& r) { return r.item.id == id; });
  if (it == results.end()) throw std::runtime_error("no item " + id);
  return *it;
}

std::vector<CheckResult> check(const std::string& root, Profile profile = Profile::kLatency) {
  CheckOptions options;
  options.root_dir = root;
  options.profile = profile;
  auto results = check_host(options);
  if (!results) throw std::runtime_error(results.error().to_string());
  return *results;
}

// Every item of the list, as the catalogue names it on the fake hosts.
const std::vector<std::string> kFullHostItems = {"vm.swappiness",
                                                 "vm.dirty_background_ratio",
                                                 "vm.dirty_ratio",
                                                 "vm.dirty_expire_centisecs",
                                                 "vm.dirty_writeback_centisecs",
                                                 "vm.min_free_kbytes",
                                                 "vm.zone_reclaim_mode",
                                                 "vm.max_map_count",
                                                 "vm.overcommit_memory",
                                                 "vm.page-cluster",
                                                 "kernel.numa_balancing",
                                                 "mm.transparent_hugepage.enabled",
                                                 "mm.transparent_hugepage.defrag",
                                                 "block.nvme0n1.scheduler",
                                                 "block.nvme0n1.nr_requests",
                                                 "block.nvme0n1.read_ahead_kb",
                                                 "block.nvme0n1.nomerges",
                                                 "block.nvme0n1.rq_affinity",
                                                 "block.nvme0n1.write_cache",
                                                 "fs.type",
                                                 "fs.atime",
                                                 "fs.lazytime",
                                                 "cpu.scaling_governor",
                                                 "cpu.idle.POLL.disable",
                                                 "cpu.idle.C1.disable",
                                                 "cpu.idle.C6.disable",
                                                 "limits.memlock",
                                                 "limits.nofile",
                                                 "kernel.io_uring_disabled",
                                                 "clocksource.current"};

TEST(HostCheck, UntunedMachineDiffersOnEveryItemThatCanChange) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  auto results = check(dir.path());
  std::vector<std::string> ids;
  for (const auto& result : results) {
    ids.push_back(result.item.id);
    if (result.item.compare == Compare::kReportOnly)
      EXPECT_EQ(result.status, ItemStatus::kOk) << result.item.id;
    else
      EXPECT_EQ(result.status, ItemStatus::kDiffers) << result.item.id << " is " << result.current;
    EXPECT_FALSE(result.item.why.empty()) << result.item.id;
  }
  EXPECT_EQ(ids, kFullHostItems);
}

TEST(HostCheck, TunedMachineIsOkEverywhere) {
  ringmq::test::TempDir dir;
  test::build_tuned_host(dir.path());
  for (const auto& result : check(dir.path()))
    EXPECT_EQ(result.status, ItemStatus::kOk) << result.item.id << " is " << result.current << ": " << result.note;
}

TEST(HostCheck, OldKernelInAContainerReportsMissingItemsAsNotSupported) {
  ringmq::test::TempDir dir;
  test::build_old_container_host(dir.path());
  auto results = check(dir.path());
  for (const char* id : {"kernel.numa_balancing", "mm.transparent_hugepage.enabled", "mm.transparent_hugepage.defrag",
                         "block.scheduler", "block.nr_requests", "block.write_cache", "cpu.scaling_governor",
                         "cpu.idle_states", "kernel.io_uring_disabled", "clocksource.current"}) {
    const CheckResult& result = find(results, id);
    EXPECT_EQ(result.status, ItemStatus::kUnsupported) << id;
    EXPECT_FALSE(result.note.empty()) << id;
  }
  EXPECT_NE(find(results, "block.scheduler").note.find("overlay"), std::string::npos);
  EXPECT_NE(find(results, "kernel.io_uring_disabled").note.find("does not exist"), std::string::npos);
  EXPECT_EQ(find(results, "vm.swappiness").status, ItemStatus::kDiffers);
}

TEST(HostCheck, SelectorValuesAreTheBracketedWord) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  auto results = check(dir.path());
  EXPECT_EQ(find(results, "mm.transparent_hugepage.enabled").current, "always");
  EXPECT_EQ(find(results, "block.nvme0n1.scheduler").current, "mq-deadline");
  EXPECT_EQ(find(results, "block.nvme0n1.scheduler").recommended, "none");  // it does not spin
  EXPECT_EQ(find(results, "block.nvme0n1.write_cache").current, "write back");
}

TEST(HostCheck, MinFreeKbytesIsScaledToRam) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());  // 16384000 kB of RAM
  EXPECT_EQ(find(check(dir.path()), "vm.min_free_kbytes").recommended, ">= 163840");
  EXPECT_EQ(find(check(dir.path(), Profile::kThroughput), "vm.min_free_kbytes").recommended, ">= 81920");
  test::put(dir.path(), "/proc/meminfo", "MemTotal: 1000000 kB\n");
  EXPECT_EQ(find(check(dir.path()), "vm.min_free_kbytes").recommended, ">= 65536");  // the floor
  const ProfileValues& v = profile_values(Profile::kLatency);
  EXPECT_EQ(recommended_min_free_kbytes(v, 1LL << 40), v.min_free_kbytes_ceiling);
}

TEST(HostCheck, MissingMeminfoMakesMinFreeKbytesUnsupported) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  std::filesystem::remove(dir.path() + "/proc/meminfo");
  const auto results = check(dir.path());
  const CheckResult& result = find(results, "vm.min_free_kbytes");
  EXPECT_EQ(result.status, ItemStatus::kUnsupported);
  EXPECT_NE(result.note.find("MemTotal"), std::string::npos);
}

TEST(HostCheck, SpinningDiskGetsMqDeadlineAndRecommendationMustBeOffered) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  test::put(dir.path(), "/sys/block/nvme0n1/queue/rotational", "1\n");
  EXPECT_EQ(find(check(dir.path()), "block.nvme0n1.scheduler").status, ItemStatus::kOk);
  test::put(dir.path(), "/sys/block/nvme0n1/queue/rotational", "0\n");
  test::put(dir.path(), "/sys/block/nvme0n1/queue/scheduler", "[mq-deadline] kyber\n");
  const auto results = check(dir.path());
  const CheckResult& result = find(results, "block.nvme0n1.scheduler");
  EXPECT_EQ(result.status, ItemStatus::kUnsupported);
  EXPECT_NE(result.note.find("'none' is not offered"), std::string::npos);
}

TEST(HostCheck, AtLeastItemsAcceptLargerValues) {
  ringmq::test::TempDir dir;
  test::build_tuned_host(dir.path());
  test::put(dir.path(), "/proc/sys/vm/max_map_count", "2147483647\n");
  EXPECT_EQ(find(check(dir.path()), "vm.max_map_count").status, ItemStatus::kOk);
  test::put(dir.path(), "/proc/sys/vm/max_map_count", "65530\n");
  EXPECT_EQ(find(check(dir.path()), "vm.max_map_count").status, ItemStatus::kDiffers);
}

TEST(HostCheck, MixedValuesAcrossCpusAreSummarized) {
  ringmq::test::TempDir dir;
  test::build_tuned_host(dir.path());
  test::put(dir.path(), "/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "powersave\n");
  const auto results = check(dir.path());
  const CheckResult& result = find(results, "cpu.scaling_governor");
  EXPECT_EQ(result.status, ItemStatus::kDiffers);
  EXPECT_EQ(result.current, "mixed: performance x1, powersave x1");
  ASSERT_EQ(result.targets.size(), 2u);
  EXPECT_FALSE(result.targets[0].differs);
  EXPECT_TRUE(result.targets[1].differs);
}

TEST(HostCheck, ThroughputProfileKeepsDeepIdleStatesOn) {
  ringmq::test::TempDir dir;
  test::build_tuned_host(dir.path());  // tuned for latency: C6 disabled
  auto results = check(dir.path(), Profile::kThroughput);
  EXPECT_EQ(find(results, "cpu.idle.C6.disable").recommended, "0");
  EXPECT_EQ(find(results, "cpu.idle.C6.disable").status, ItemStatus::kDiffers);
  EXPECT_EQ(find(results, "block.nvme0n1.scheduler").recommended, "mq-deadline");
}

TEST(HostCheck, LimitsConfiguredButNotInForceNeedARestart) {
  ringmq::test::TempDir dir;
  test::build_tuned_host(dir.path());
  CheckOptions options;
  options.root_dir = dir.path();
  options.running_limits = RunningLimits{LimitValue::of(8192), LimitValue::of(1024)};
  auto results = check_host(options);
  ASSERT_TRUE(results);
  const CheckResult& memlock = find(*results, "limits.memlock");
  EXPECT_EQ(memlock.status, ItemStatus::kNeedsRestart);
  EXPECT_NE(memlock.note.find("8192 KiB"), std::string::npos);
  options.running_limits = RunningLimits{LimitValue::infinite(), LimitValue::of(1048576)};
  EXPECT_EQ(find(*check_host(options), "limits.memlock").status, ItemStatus::kOk);
}

TEST(HostCheck, WarningLinesNameEachItemThatNeedsAttentionOnce) {
  ringmq::test::TempDir dir;
  test::build_tuned_host(dir.path());
  test::put(dir.path(), "/proc/sys/vm/swappiness", "60\n");
  test::put(dir.path(), "/etc/security/limits.d/50-ringmq.conf", "ringmq - nofile 1048576\n");
  auto lines = warning_lines(check(dir.path()), Profile::kLatency);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].starts_with("vm.swappiness is 60, latency profile recommends 1: ")) << lines[0];
  EXPECT_NE(lines[0].find("(fix: ringmq-tune apply)"), std::string::npos);
  EXPECT_TRUE(lines[1].starts_with("limits.memlock is not set")) << lines[1];
  EXPECT_NE(lines[1].find("apply --persist"), std::string::npos);
}

TEST(HostCheck, TunedMachineGivesNoWarnings) {
  ringmq::test::TempDir dir;
  test::build_tuned_host(dir.path());
  EXPECT_TRUE(warning_lines(check(dir.path()), Profile::kLatency).empty());
}

TEST(HostCheck, MissingRootIsAnError) {
  CheckOptions options;
  options.root_dir = "/nonexistent-ringmq-root";
  auto results = check_host(options);
  ASSERT_FALSE(results);
  EXPECT_NE(results.error().message.find("/nonexistent-ringmq-root"), std::string::npos);
}

TEST(HostCheck, RunsReadOnlyOnThisMachine) {
  CheckOptions options;  // root "/": reads only, so safe anywhere
  auto results = check_host(options);
  ASSERT_TRUE(results) << results.error().to_string();
  EXPECT_GE(results->size(), 20u);
}

}  // namespace
}  // namespace ringmq::tuning
