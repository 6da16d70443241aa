// Runs the ringmq-tune binary as a subprocess against fake roots, the way a user would.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <set>

#include "tests/common/require.h"
#include "tests/common/temp_dir.h"
#include "tests/tuning/fake_host.h"
#include "tests/tuning/json_parse.h"

namespace ringmq::tuning {
namespace {

using test::snapshot_tree;

struct ProcessRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` through the shell (arguments here never hold spaces or quotes).
ProcessRun run(const std::string& command) {
  ProcessRun result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

ProcessRun tune(const std::string& arguments) { return run(std::string(RINGMQ_TUNE_BINARY) + " " + arguments); }

TEST(Cli, CheckPrintsATableAndExitsOneWhenSomethingDiffers) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  ProcessRun check = tune("check --root " + dir.path());
  EXPECT_EQ(check.exit_code, 1) << check.output;
  EXPECT_NE(check.output.find("GROUP"), std::string::npos);
  EXPECT_NE(check.output.find("vm.swappiness"), std::string::npos);
  EXPECT_NE(check.output.find("differs"), std::string::npos);
}

TEST(Cli, CheckOnATunedHostExitsZero) {
  ringmq::test::TempDir dir;
  test::build_tuned_host(dir.path());
  ProcessRun check = tune("check --root " + dir.path());
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("0 differ"), std::string::npos);
}

TEST(Cli, CheckJsonIsWellFormedAndListsEveryItem) {
  ringmq::test::TempDir dir;
  test::build_old_container_host(dir.path());
  ProcessRun check = tune("check --json --root " + dir.path());
  auto json = test::parse_json(check.output);
  ASSERT_TRUE(json) << check.output;
  std::set<std::string> ids;
  for (const auto& item : (*json)["items"].items) ids.insert(item["id"].text);
  for (const char* id : {"vm.swappiness", "kernel.numa_balancing", "block.scheduler", "cpu.scaling_governor",
                         "cpu.idle_states", "limits.memlock", "limits.nofile", "kernel.io_uring_disabled",
                         "clocksource.current", "mm.transparent_hugepage.defrag"})
    EXPECT_TRUE(ids.contains(id)) << id;
}

TEST(Cli, VerboseCheckShowsWhy) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  ProcessRun check = tune("check --verbose --profile throughput --root " + dir.path());
  EXPECT_NE(check.output.find("why: "), std::string::npos);
  EXPECT_NE(check.output.find("profile throughput"), std::string::npos);
}

TEST(Cli, ApplyThenRollbackLeavesTheTreeAsItWas) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  const auto before = snapshot_tree(dir.path());
  ProcessRun apply = tune("apply --persist --root " + dir.path());
  EXPECT_EQ(apply.exit_code, 0) << apply.output;
  EXPECT_NE(apply.output.find("vm.swappiness"), std::string::npos);
  EXPECT_NE(apply.output.find("rollback"), std::string::npos);
  EXPECT_EQ(tune("check --root " + dir.path()).exit_code, 0);
  ProcessRun undo = tune("rollback --root " + dir.path());
  EXPECT_EQ(undo.exit_code, 0) << undo.output;
  EXPECT_EQ(snapshot_tree(dir.path()), before);
  EXPECT_NE(tune("rollback --root " + dir.path()).output.find("Nothing to roll back"), std::string::npos);
}

TEST(Cli, DryRunChangesNothing) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  const auto before = snapshot_tree(dir.path());
  ProcessRun apply = tune("apply --dry-run --persist --root " + dir.path());
  EXPECT_EQ(apply.exit_code, 0) << apply.output;
  EXPECT_NE(apply.output.find("would set"), std::string::npos);
  EXPECT_NE(apply.output.find("would write"), std::string::npos);
  EXPECT_EQ(snapshot_tree(dir.path()), before);
}

TEST(Cli, ApplyJsonIsWellFormed) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  ProcessRun apply = tune("apply --json --root " + dir.path());
  auto json = test::parse_json(apply.output);
  ASSERT_TRUE(json) << apply.output;
  EXPECT_TRUE((*json)["state_written"].flag);
  auto undo = test::parse_json(tune("rollback --json --root " + dir.path()).output);
  ASSERT_TRUE(undo);
  EXPECT_TRUE((*undo)["succeeded"].flag);
}

TEST(Cli, UnknownProfileIsAUsageError) {
  ProcessRun check = tune("check --profile fastest --root /tmp");
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_NE(check.output.find("fastest"), std::string::npos);
}

TEST(Cli, ApplyAsAnUnprivilegedUserSaysWhichItemsItCouldNotSet) {
  RINGMQ_REQUIRE_CAPABILITY(::geteuid() == 0, "root, to switch to an unprivileged user (run as root)");
  RINGMQ_REQUIRE_CAPABILITY(run("command -v setpriv").exit_code == 0, "setpriv (Debian package util-linux)");
  const std::string as_nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
  RINGMQ_REQUIRE_CAPABILITY(run(as_nobody + RINGMQ_TUNE_BINARY + " --help").exit_code == 0,
                            "ringmq-tune reachable by user nobody (a build tree others can read)");
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  ::chmod(dir.path().c_str(), 0755);  // readable, and every file in it root's 0644
  const auto before = snapshot_tree(dir.path());
  ProcessRun apply = run(as_nobody + RINGMQ_TUNE_BINARY + " apply --root " + dir.path());
  EXPECT_EQ(apply.exit_code, 3) << apply.output;
  EXPECT_NE(apply.output.find("could not set"), std::string::npos) << apply.output;
  EXPECT_NE(apply.output.find("no permission to write " + dir.path() + "/proc/sys/vm/swappiness"), std::string::npos);
  EXPECT_NE(apply.output.find("(run as root)"), std::string::npos);
  EXPECT_EQ(snapshot_tree(dir.path()), before);
  ProcessRun check = run(as_nobody + RINGMQ_TUNE_BINARY + " check --root " + dir.path());
  EXPECT_EQ(check.exit_code, 1) << check.output;  // check needs no privilege
}

}  // namespace
}  // namespace ringmq::tuning
