#include "tuning/persist.h"

#include <gtest/gtest.h>

#include "tests/common/temp_dir.h"
#include "tests/tuning/fake_host.h"

namespace ringmq::tuning {
namespace {

std::vector<PersistFile> files_for(const std::string& root, bool from_unit = false) {
  CheckOptions options;
  options.root_dir = root;
  auto results = check_host(options);
  if (!results) throw std::runtime_error(results.error().to_string());
  return persistence_files(*results, options, from_unit);
}

const std::string kHeader =
    "# Written by `ringmq-tune apply --persist` (profile latency).\n"
    "# `ringmq-tune rollback` removes this file; edit the profile, not this file.\n";

TEST(Persist, UntunedHostGetsTheGoldenFiles) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  auto files = files_for(dir.path());
  ASSERT_EQ(files.size(), 4u);

  EXPECT_EQ(files[0].path, kSysctlFile);
  EXPECT_EQ(files[0].contents, kHeader +
                                   "vm.swappiness = 1\n"
                                   "vm.dirty_background_ratio = 3\n"
                                   "vm.dirty_ratio = 10\n"
                                   "vm.dirty_expire_centisecs = 500\n"
                                   "vm.dirty_writeback_centisecs = 100\n"
                                   "vm.min_free_kbytes = 163840\n"
                                   "vm.zone_reclaim_mode = 0\n"
                                   "vm.max_map_count = 262144\n"
                                   "vm.overcommit_memory = 0\n"
                                   "vm.page-cluster = 0\n"
                                   "kernel.numa_balancing = 0\n"
                                   "kernel.io_uring_disabled = 0\n");

  EXPECT_EQ(files[1].path, kUdevRuleFile);
  EXPECT_EQ(files[1].contents, kHeader +
                                   "ACTION==\"add|change\", SUBSYSTEM==\"block\", KERNEL==\"nvme0n1\", "
                                   "ATTR{queue/scheduler}=\"none\", ATTR{queue/nr_requests}=\"64\", "
                                   "ATTR{queue/read_ahead_kb}=\"128\", ATTR{queue/nomerges}=\"1\", "
                                   "ATTR{queue/rq_affinity}=\"2\"\n");

  EXPECT_EQ(files[2].path, kTmpfilesFile);
  const std::string cpu = "/sys/devices/system/cpu/";
  EXPECT_EQ(files[2].contents, kHeader +
                                   "# Type Path Mode User Group Age Argument\n"
                                   "w /sys/kernel/mm/transparent_hugepage/enabled - - - - madvise\n"
                                   "w /sys/kernel/mm/transparent_hugepage/defrag - - - - defer\n"
                                   "w " +
                                   cpu +
                                   "cpu0/cpufreq/scaling_governor - - - - performance\n"
                                   "w " +
                                   cpu +
                                   "cpu1/cpufreq/scaling_governor - - - - performance\n"
                                   "w " +
                                   cpu +
                                   "cpu0/cpuidle/state0/disable - - - - 0\n"
                                   "w " +
                                   cpu +
                                   "cpu1/cpuidle/state0/disable - - - - 0\n"
                                   "w " +
                                   cpu +
                                   "cpu0/cpuidle/state1/disable - - - - 0\n"
                                   "w " +
                                   cpu +
                                   "cpu1/cpuidle/state1/disable - - - - 0\n"
                                   "w " +
                                   cpu +
                                   "cpu0/cpuidle/state2/disable - - - - 1\n"
                                   "w " +
                                   cpu +
                                   "cpu1/cpuidle/state2/disable - - - - 1\n"
                                   "w /sys/devices/system/clocksource/clocksource0/current_clocksource - - - - tsc\n");

  EXPECT_EQ(files[3].path, kLimitsFile);
  EXPECT_EQ(files[3].contents, kHeader + "ringmq - memlock unlimited\nringmq - nofile 1048576\n");
}

TEST(Persist, AcceptableValuesArePersistedAsTheyAreNeverLowered) {
  ringmq::test::TempDir dir;
  test::build_tuned_host(dir.path());  // max_map_count 1048576, min_free 200000, nr_requests 32
  auto files = files_for(dir.path());
  ASSERT_GE(files.size(), 2u);
  EXPECT_NE(files[0].contents.find("vm.max_map_count = 1048576\n"), std::string::npos);
  EXPECT_NE(files[0].contents.find("vm.min_free_kbytes = 200000\n"), std::string::npos);
  EXPECT_NE(files[1].contents.find("ATTR{queue/nr_requests}=\"32\""), std::string::npos);
  for (const auto& file : files) EXPECT_NE(file.path, kLimitsFile);  // limits already right in a file
}

TEST(Persist, SystemdUnitGetsADropInInsteadOfLimitsD) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  auto files = files_for(dir.path(), true);
  EXPECT_EQ(files.back().path, "/etc/systemd/system/ringmq.service.d/90-ringmq-tune.conf");
  EXPECT_EQ(files.back().contents, kHeader + "[Service]\nLimitMEMLOCK=infinity\nLimitNOFILE=1048576\n");
}

TEST(Persist, UnsupportedItemsAreLeftOut) {
  ringmq::test::TempDir dir;
  test::build_old_container_host(dir.path());
  auto files = files_for(dir.path());
  for (const auto& file : files) {
    EXPECT_NE(file.path, kUdevRuleFile);
    EXPECT_NE(file.path, kTmpfilesFile);
    EXPECT_EQ(file.contents.find("numa_balancing"), std::string::npos);
    EXPECT_EQ(file.contents.find("io_uring"), std::string::npos);
  }
}

}  // namespace
}  // namespace ringmq::tuning
