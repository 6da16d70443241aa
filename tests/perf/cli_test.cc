// The ringmq-jitter binary end to end: a short run of all three modes writes a JSON and an
// HTML report with every mode; bad arguments exit 2; attach watches a process.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/memlock_check.h"
#include "tests/common/require.h"
#include "tests/common/temp_dir.h"
#include "tests/perf/markup_check.h"
#include "tests/tuning/json_parse.h"

namespace ringmq::perf {
namespace {

struct Outcome {
  int exit_code = -1;
  std::string out;
};

// Runs the binary with `args` through the shell, capturing stdout (stderr is dropped).
Outcome run_jitter(const std::string& args) {
  const std::string command = std::string(RINGMQ_JITTER_BINARY) + " " + args + " 2>/dev/null";
  Outcome o;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return o;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) o.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(JitterCli, ARunOfEveryModeWritesTheTableJsonAndHtml) {
  RINGMQ_REQUIRE_CAPABILITY(engine::check_memlock_allowance(4ull << 20 << 2, engine::current_memlock_allowance()),
                            "RLIMIT_MEMLOCK of 16 MiB for the locked modes (ulimit -l, or run as root)");
  ringmq::test::TempDir dir;
  const std::string json = dir.path() + "/report.json", html = dir.path() + "/report.html";
  const Outcome o = run_jitter("run --bytes 6M --segment-bytes 4M --pool-buffers 2 --warmup-ops 100 --quiet --dir " +
                               dir.path() + "/data --json " + json + " --html " + html);
  ASSERT_EQ(o.exit_code, 0) << o.out;
  for (const char* row : {"\nmmap ", "\nmmap-locked ", "\npool "})
    EXPECT_NE(o.out.find(row), std::string::npos) << o.out;
  auto doc = tuning::test::parse_json(read_file(json));
  ASSERT_TRUE(doc);
  ASSERT_EQ((*doc)["modes"].items.size(), 3u);
  for (const auto& m : (*doc)["modes"].items) {
    EXPECT_EQ(m["error"].text, "");
    EXPECT_EQ(m["ops"].number, 6 * 1024 * 1024 / 1024);
  }
  const std::string page = read_file(html);
  EXPECT_EQ(test::check_markup(page), "");
  for (const char* mode : {">mmap<", ">mmap-locked<", ">pool<"}) EXPECT_NE(page.find(mode), std::string::npos);
}

TEST(JitterCli, JsonToStdoutReplacesTheTable) {
  ringmq::test::TempDir dir;
  const Outcome o =
      run_jitter("run --modes mmap --bytes 2M --segment-bytes 4M --warmup-ops 10 --dir " + dir.path() + " --json -");
  ASSERT_EQ(o.exit_code, 0);
  auto doc = tuning::test::parse_json(o.out);
  ASSERT_TRUE(doc) << o.out.substr(0, 500);
  EXPECT_EQ((*doc)["modes"][0]["mode"].text, "mmap");
}

TEST(JitterCli, BadArgumentsExitWithTwoBeforeTouchingAnything) {
  ringmq::test::TempDir dir;
  const std::string data = " --dir " + dir.path() + "/data";
  EXPECT_EQ(run_jitter("run --bytes lots" + data).exit_code, 2);
  EXPECT_EQ(run_jitter("run --modes mmap,turbo" + data).exit_code, 2);
  EXPECT_EQ(run_jitter("run --flush sometimes" + data).exit_code, 2);
  EXPECT_EQ(run_jitter("run --pressure --pressure-margin 100M --bytes 1M" + data).exit_code, 2);
  EXPECT_EQ(run_jitter("run --writer-cpus 1 --bytes 1M" + data).exit_code, 2);
  EXPECT_EQ(run_jitter("").exit_code, 2);
  EXPECT_EQ(run_jitter("attach --interval never --pid 1").exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/data"));
}

// The generator as a process of its own (what a broker benchmark runs next to the broker):
// it builds up, says so, and stops at --duration with what it did.
TEST(JitterCli, PressureRunsAloneUntilItsDuration) {
  const Outcome o = run_jitter("pressure --parts hog --hog 64M --duration 1s");
  ASSERT_EQ(o.exit_code, 0) << o.out;
  EXPECT_NE(o.out.find("pressure: established: hog 64 MiB"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("pressure: stopped: hog peak 64 MiB"), std::string::npos) << o.out;
}

// Without --duration it runs until SIGTERM, the normal way a script stops it: exit 0.
TEST(JitterCli, PressureStopsCleanlyOnSigterm) {
  ringmq::test::TempDir dir;
  const std::string log = dir.path() + "/pressure.log";
  const Outcome o =
      run_jitter("pressure --parts hog --hog 32M > " + log + " & p=$!; for i in $(seq 100); do grep -q established " +
                 log + " && break; sleep 0.1; done; kill -TERM $p; wait $p; echo exit=$?");
  const std::string out = read_file(log);
  EXPECT_NE(o.out.find("exit=0"), std::string::npos) << o.out << out;
  EXPECT_NE(out.find("pressure: established"), std::string::npos) << out;
  EXPECT_NE(out.find("pressure: stopped"), std::string::npos) << out;
}

TEST(JitterCli, PressureRejectsBadSizesAndDurationsWithTwo) {
  EXPECT_EQ(run_jitter("pressure --hog 12Q").exit_code, 2);
  EXPECT_EQ(run_jitter("pressure --leave lots").exit_code, 2);
  EXPECT_EQ(run_jitter("pressure --duration soon").exit_code, 2);
}

TEST(JitterCli, AttachWatchesAProcess) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::sleep(30);
    ::_exit(0);
  }
  const Outcome o = run_jitter("attach --pid " + std::to_string(child) + " --interval 100ms --duration 500ms --json -");
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_EQ(o.exit_code, 0);
  auto doc = tuning::test::parse_json(o.out);
  ASSERT_TRUE(doc) << o.out.substr(0, 500);
  EXPECT_EQ((*doc)["pid"].number, child);
}

}  // namespace
}  // namespace ringmq::perf
