#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/common/temp_dir.h"
#include "tests/tuning/fake_host.h"
#include "tuning/apply.h"
#include "tuning/persist.h"
#include "tuning/rollback.h"

namespace ringmq::tuning {
namespace {

using test::get;
using test::has;
using test::put;
using test::snapshot_tree;

// A fake root on which some kernel files refuse writes, as /proc/sys does for a non-root
// user or sysfs does for a value the driver rejects.
class RefusingRoot : public SystemRoot {
 public:
  RefusingRoot(std::string root_dir, std::set<std::string> refuse_access, std::set<std::string> fail_write)
      : SystemRoot(std::move(root_dir)), refuse_access_(std::move(refuse_access)), fail_write_(std::move(fail_write)) {}
  bool is_writable(const std::string& host_path) const override {
    return !refuse_access_.contains(host_path) && SystemRoot::is_writable(host_path);
  }
  Status write_kernel_value(const std::string& host_path, const std::string& value) override {
    if (fail_write_.contains(host_path)) return errno_error("write '" + value + "' to " + host_path, EINVAL);
    return SystemRoot::write_kernel_value(host_path, value);
  }

 private:
  std::set<std::string> refuse_access_, fail_write_;
};

// A fake root that behaves like blk-mq: switching the scheduler resets nr_requests.
class SchedulerResettingRoot : public SystemRoot {
 public:
  using SystemRoot::SystemRoot;
  Status write_kernel_value(const std::string& host_path, const std::string& value) override {
    auto status = SystemRoot::write_kernel_value(host_path, value);
    if (status && host_path.ends_with("/queue/scheduler")) {
      const std::string nr_requests = host_path.substr(0, host_path.rfind('/')) + "/nr_requests";
      return SystemRoot::write_kernel_value(nr_requests, value == "none" ? "1023" : "256");
    }
    return status;
  }
};

// A fake root whose state directory cannot be written.
class NoStateRoot : public SystemRoot {
 public:
  using SystemRoot::SystemRoot;
  Status write_config_file(const std::string& host_path, const std::string& contents) override {
    if (host_path == kDefaultStatePath) return errno_error("open " + host_path, EROFS);
    return SystemRoot::write_config_file(host_path, contents);
  }
};

CheckOptions options_for(const std::string& root) {
  CheckOptions options;
  options.root_dir = root;
  return options;
}

ApplyReport apply_ok(SystemRoot& root, ApplyOptions apply_options = {}) {
  auto report = apply_profile(root, options_for(root.root_dir()), apply_options);
  if (!report) throw std::runtime_error(report.error().to_string());
  return *report;
}

RollbackReport rollback_ok(SystemRoot& root, RollbackOptions options = {}) {
  auto report = rollback(root, options);
  if (!report) throw std::runtime_error(report.error().to_string());
  return *report;
}

const ItemChange* change_of(const ApplyReport& report, const std::string& id) {
  for (const auto& item : report.items)
    if (item.id == id) return &item;
  return nullptr;
}

std::vector<CheckResult> check_ok(const std::string& root) {
  auto results = check_host(options_for(root));
  if (!results) throw std::runtime_error(results.error().to_string());
  return *results;
}

void build(const std::string& kind, const std::string& root) {
  if (kind == "untuned")
    test::build_untuned_host(root);
  else if (kind == "tuned")
    test::build_tuned_host(root);
  else
    test::build_old_container_host(root);
}

class EveryHost : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryHost, ApplyThenRollbackLeavesTheTreeByteForByteAsItWas) {
  ringmq::test::TempDir dir;
  build(GetParam(), dir.path());
  const auto before = snapshot_tree(dir.path());
  SystemRoot root(dir.path());
  ApplyReport applied = apply_ok(root);
  EXPECT_TRUE(applied.succeeded());
  rollback_ok(root);
  EXPECT_EQ(snapshot_tree(dir.path()), before);
}

TEST_P(EveryHost, ApplyPersistThenRollbackLeavesTheTreeByteForByteAsItWas) {
  ringmq::test::TempDir dir;
  build(GetParam(), dir.path());
  const auto before = snapshot_tree(dir.path());
  SystemRoot root(dir.path());
  apply_ok(root, {.persist = true});
  EXPECT_NE(snapshot_tree(dir.path()), before);
  RollbackReport undone = rollback_ok(root);
  EXPECT_TRUE(undone.succeeded());
  EXPECT_EQ(snapshot_tree(dir.path()), before);
}

TEST_P(EveryHost, DryRunChangesNothing) {
  ringmq::test::TempDir dir;
  build(GetParam(), dir.path());
  const auto before = snapshot_tree(dir.path());
  SystemRoot root(dir.path());
  ApplyReport report = apply_ok(root, {.dry_run = true, .persist = true});
  for (const auto& item : report.items)
    EXPECT_TRUE(item.outcome == ChangeOutcome::kWouldSet || item.outcome == ChangeOutcome::kFailed) << item.id;
  EXPECT_FALSE(report.state_written);
  rollback_ok(root, {.dry_run = true});
  EXPECT_EQ(snapshot_tree(dir.path()), before);
}

TEST_P(EveryHost, AfterApplyEveryChangeableItemIsOk) {
  ringmq::test::TempDir dir;
  build(GetParam(), dir.path());
  SystemRoot root(dir.path());
  apply_ok(root, {.persist = true});
  for (const auto& result : check_ok(dir.path()))
    EXPECT_TRUE(result.status == ItemStatus::kOk || result.status == ItemStatus::kUnsupported)
        << result.item.id << " is " << result.current << " (" << result.note << ")";
}

INSTANTIATE_TEST_SUITE_P(ApplyRollback, EveryHost, ::testing::Values("untuned", "tuned", "old_container"));

TEST(ApplyRollback, ApplyOnATunedMachineChangesNothingAndLeavesNoStateFile) {
  ringmq::test::TempDir dir;
  test::build_tuned_host(dir.path());
  const auto before = snapshot_tree(dir.path());
  SystemRoot root(dir.path());
  ApplyReport report = apply_ok(root);
  EXPECT_TRUE(report.items.empty());
  EXPECT_FALSE(report.state_written);
  EXPECT_EQ(snapshot_tree(dir.path()), before);
  EXPECT_FALSE(rollback_ok(root).state_found);
}

TEST(ApplyRollback, ApplyWritesOnlyWhatDiffersAndRecordsOldValues) {
  ringmq::test::TempDir dir;
  test::build_tuned_host(dir.path());
  put(dir.path(), "/proc/sys/vm/swappiness", "60\n");
  put(dir.path(), "/sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n");
  SystemRoot root(dir.path());
  ApplyReport report = apply_ok(root);
  ASSERT_EQ(report.items.size(), 2u);
  EXPECT_EQ(report.items[0].id, "vm.swappiness");
  EXPECT_EQ(report.items[0].outcome, ChangeOutcome::kSet);
  EXPECT_EQ(get(dir.path(), "/proc/sys/vm/swappiness"), "1\n");
  EXPECT_EQ(get(dir.path(), "/sys/kernel/mm/transparent_hugepage/enabled"), "always [madvise] never\n");
  auto state = load_state(root, kDefaultStatePath);
  ASSERT_TRUE(state && state->has_value());
  std::vector<StateRecord> values;
  for (const auto& record : (*state)->records)
    if (record.kind == RecordKind::kKernelValue) values.push_back(record);
  EXPECT_EQ(values, (std::vector<StateRecord>{
                        {RecordKind::kKernelValue, "/proc/sys/vm/swappiness", "60"},
                        {RecordKind::kKernelValue, "/sys/kernel/mm/transparent_hugepage/enabled", "always"}}));
}

TEST(ApplyRollback, ApplyingTwiceStillRollsBackToTheFirstState) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  const auto before = snapshot_tree(dir.path());
  SystemRoot root(dir.path());
  apply_ok(root);
  put(dir.path(), "/proc/sys/vm/swappiness", "30\n");  // someone changes it in between
  apply_ok(root, {.persist = true});
  rollback_ok(root);
  EXPECT_EQ(snapshot_tree(dir.path()), before);  // back to 60, the value before the first apply
}

TEST(ApplyRollback, PersistWritesSysctlUdevTmpfilesAndLimitsFilesUnderTheRoot) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  SystemRoot root(dir.path());
  ApplyReport report = apply_ok(root, {.persist = true});
  for (const char* path : {kSysctlFile, kUdevRuleFile, kTmpfilesFile, kLimitsFile})
    EXPECT_TRUE(has(dir.path(), path)) << path;
  EXPECT_EQ(report.files.size(), 4u);
  EXPECT_NE(get(dir.path(), kSysctlFile).find("vm.swappiness = 1\n"), std::string::npos);
  EXPECT_NE(get(dir.path(), kUdevRuleFile).find("KERNEL==\"nvme0n1\", ATTR{queue/scheduler}=\"none\""),
            std::string::npos);
  EXPECT_NE(get(dir.path(), kLimitsFile).find("ringmq - memlock unlimited\n"), std::string::npos);
  EXPECT_EQ(change_of(report, "limits.memlock")->outcome, ChangeOutcome::kNeedsRestart);
  // The existing README in sysctl.d is untouched, the new udev directories are recorded.
  rollback_ok(root);
  for (const char* path : {kSysctlFile, kUdevRuleFile, kTmpfilesFile, kLimitsFile, "/etc/udev", "/var/lib"})
    EXPECT_FALSE(has(dir.path(), path)) << path;
  EXPECT_TRUE(has(dir.path(), "/etc/sysctl.d/README"));
}

TEST(ApplyRollback, PersistReplacingAnExistingFileRestoresItsContents) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  put(dir.path(), kSysctlFile, "# mine\nvm.swappiness = 5\n");
  SystemRoot root(dir.path());
  ApplyReport report = apply_ok(root, {.persist = true});
  auto file =
      std::find_if(report.files.begin(), report.files.end(), [](const FileChange& f) { return f.path == kSysctlFile; });
  ASSERT_NE(file, report.files.end());
  EXPECT_EQ(file->detail, "replaced");
  rollback_ok(root);
  EXPECT_EQ(get(dir.path(), kSysctlFile), "# mine\nvm.swappiness = 5\n");
}

TEST(ApplyRollback, LimitsWithoutPersistAreReportedNotSet) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  SystemRoot root(dir.path());
  ApplyReport report = apply_ok(root);
  const ItemChange* memlock = change_of(report, "limits.memlock");
  ASSERT_NE(memlock, nullptr);
  EXPECT_EQ(memlock->outcome, ChangeOutcome::kNeedsPersist);
  EXPECT_NE(memlock->detail.find("--persist"), std::string::npos);
  EXPECT_TRUE(report.succeeded());
  EXPECT_FALSE(has(dir.path(), kLimitsFile));
}

TEST(ApplyRollback, LimitsGoToASystemdDropInWhenTheUnitExists) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  put(dir.path(), "/lib/systemd/system/ringmq.service", "[Service]\nExecStart=/usr/bin/ringmq\n");
  const auto before = snapshot_tree(dir.path());
  SystemRoot root(dir.path());
  apply_ok(root, {.persist = true});
  const std::string drop_in = systemd_drop_in_path("ringmq.service");
  EXPECT_NE(get(dir.path(), drop_in).find("[Service]\nLimitMEMLOCK=infinity\nLimitNOFILE=1048576\n"),
            std::string::npos);
  EXPECT_FALSE(has(dir.path(), kLimitsFile));
  rollback_ok(root);
  EXPECT_EQ(snapshot_tree(dir.path()), before);
}

TEST(ApplyRollback, ItemsWithoutPermissionAreReportedAndTheRestApplied) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  const auto before = snapshot_tree(dir.path());
  RefusingRoot root(dir.path(), {"/proc/sys/vm/swappiness", "/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor"},
                    {});
  ApplyReport report = apply_ok(root);
  EXPECT_FALSE(report.succeeded());
  const ItemChange* swappiness = change_of(report, "vm.swappiness");
  ASSERT_NE(swappiness, nullptr);
  EXPECT_EQ(swappiness->outcome, ChangeOutcome::kFailed);
  EXPECT_NE(swappiness->detail.find("no permission to write"), std::string::npos);
  EXPECT_NE(swappiness->detail.find("/proc/sys/vm/swappiness"), std::string::npos);
  const ItemChange* governor = change_of(report, "cpu.scaling_governor");
  EXPECT_EQ(governor->outcome, ChangeOutcome::kFailed);
  EXPECT_NE(governor->detail.find("set 1 of 2 files"), std::string::npos);
  EXPECT_EQ(change_of(report, "vm.dirty_ratio")->outcome, ChangeOutcome::kSet);
  EXPECT_EQ(get(dir.path(), "/proc/sys/vm/swappiness"), "60\n");
  EXPECT_EQ(get(dir.path(), "/proc/sys/vm/dirty_ratio"), "10\n");
  rollback_ok(root);
  EXPECT_EQ(snapshot_tree(dir.path()), before);
}

TEST(ApplyRollback, AWriteTheKernelRejectsIsReportedAndNotRecorded) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  RefusingRoot root(dir.path(), {}, {"/sys/block/nvme0n1/queue/nr_requests"});
  ApplyReport report = apply_ok(root);
  const ItemChange* nr_requests = change_of(report, "block.nvme0n1.nr_requests");
  EXPECT_EQ(nr_requests->outcome, ChangeOutcome::kFailed);
  EXPECT_NE(nr_requests->detail.find("Invalid argument"), std::string::npos);
  // Recorded only as the scheduler's side effect, with its value from before apply.
  auto state = load_state(root, kDefaultStatePath);
  const StateRecord* record = (*state)->find("/sys/block/nvme0n1/queue/nr_requests");
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->old_value, "1023");
}

TEST(ApplyRollback, WhenNothingCanBeWrittenNoStateFileIsLeft) {
  ringmq::test::TempDir dir;
  test::build_old_container_host(dir.path());
  const auto before = snapshot_tree(dir.path());
  std::set<std::string> all;
  for (const char* name : {"swappiness", "dirty_background_ratio", "dirty_ratio", "dirty_expire_centisecs",
                           "dirty_writeback_centisecs", "min_free_kbytes", "max_map_count", "page-cluster"})
    all.insert(std::string("/proc/sys/vm/") + name);
  RefusingRoot root(dir.path(), {}, all);  // access() says yes, every write fails
  ApplyReport report = apply_ok(root);
  EXPECT_FALSE(report.succeeded());
  EXPECT_FALSE(report.state_written);
  EXPECT_EQ(snapshot_tree(dir.path()), before);
}

TEST(ApplyRollback, StateFileThatCannotBeWrittenMeansNothingIsChanged) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  const auto before = snapshot_tree(dir.path());
  NoStateRoot root(dir.path());
  auto report = apply_profile(root, options_for(dir.path()), {});
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("nothing was changed"), std::string::npos);
  EXPECT_EQ(snapshot_tree(dir.path()), before);
}

TEST(ApplyRollback, RollbackRestoresNrRequestsAfterTheSchedulerResetsIt) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  put(dir.path(), "/sys/block/nvme0n1/queue/nr_requests", "48\n");  // acceptable (<= 64), set by hand
  const auto before = snapshot_tree(dir.path());
  SchedulerResettingRoot root(dir.path());
  apply_ok(root);
  // The switch to "none" reset nr_requests to 1023; apply noticed and set it to 64.
  EXPECT_EQ(get(dir.path(), "/sys/block/nvme0n1/queue/nr_requests"), "64\n");
  rollback_ok(root);
  EXPECT_EQ(get(dir.path(), "/sys/block/nvme0n1/queue/nr_requests"), "48\n");
  EXPECT_EQ(snapshot_tree(dir.path()), before);
}

TEST(ApplyRollback, RollbackThatCannotRestoreKeepsTheRestForAnotherTry) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  const auto before = snapshot_tree(dir.path());
  {
    SystemRoot root(dir.path());
    apply_ok(root);
  }
  RefusingRoot stubborn(dir.path(), {}, {"/proc/sys/vm/swappiness"});
  RollbackReport first = rollback_ok(stubborn);
  EXPECT_FALSE(first.succeeded());
  auto state = load_state(stubborn, kDefaultStatePath);
  ASSERT_TRUE(state && state->has_value());
  EXPECT_NE((*state)->find("/proc/sys/vm/swappiness"), nullptr);
  EXPECT_EQ((*state)->find("/proc/sys/vm/dirty_ratio"), nullptr);
  SystemRoot root(dir.path());
  EXPECT_TRUE(rollback_ok(root).succeeded());
  EXPECT_EQ(snapshot_tree(dir.path()), before);
}

TEST(ApplyRollback, CorruptStateFileStopsApplyAndRollback) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  put(dir.path(), kDefaultStatePath, "not a state file\n");
  SystemRoot root(dir.path());
  auto applied = apply_profile(root, options_for(dir.path()), {});
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(get(dir.path(), "/proc/sys/vm/swappiness"), "60\n");
  EXPECT_FALSE(rollback(root, {}));
}

}  // namespace
}  // namespace ringmq::tuning
