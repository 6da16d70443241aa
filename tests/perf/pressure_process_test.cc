// PressureProcess: the memory-pressure generator in a child process (the real ringmq-jitter
// binary, `pressure --control`), driven over its socket: it builds up in its own address
// space, gives way and grows back on command, reports what it did, and neither hangs nor
// outlives a conversation that breaks.
#include "perf/pressure_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace ringmq::perf {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kMiB = 1ull << 20;

// Resident memory of `pid` (VmRSS), 0 if it is gone.
uint64_t resident_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // in kB
  return 0;
}

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0; }

std::vector<std::string> hog_only(const std::string& size) {
  return {"pressure", "--control", "--parts", "hog", "--hog", size};
}

TEST(PressureProcess, BuildsUpInItsOwnProcessGivesWayAndReports) {
  auto spawned = PressureProcess::spawn(RINGMQ_JITTER_BINARY, hog_only("128M"), 60s);
  ASSERT_TRUE(spawned) << spawned.error().message;
  PressureProcess& p = **spawned;
  const pid_t child = p.pid();
  EXPECT_NE(child, ::getpid());
  EXPECT_GE(p.safety_margin_bytes(), 1536 * kMiB) << "max(1.5 GiB, 10% of MemTotal)";
  ASSERT_TRUE(p.wait_until_established(30s));
  EXPECT_EQ(p.hog_bytes(), 128 * kMiB);
  EXPECT_GE(resident_bytes(child), 128 * kMiB) << "the hog lives in the child";

  EXPECT_EQ(p.hold(1), 64 * kMiB) << "freed in whole chunks of 64 MiB";
  EXPECT_EQ(p.hog_bytes(), 64 * kMiB);
  p.resume();
  ASSERT_TRUE(p.wait_until_settled(20s));
  EXPECT_EQ(p.hog_bytes(), 128 * kMiB) << "after resume() it grows back to its size";

  const PressureReport live = p.report();
  EXPECT_EQ(live.hog_peak_bytes, 128 * kMiB);
  EXPECT_TRUE(live.warnings.empty());
  p.stop();
  const PressureReport last = p.report();
  EXPECT_EQ(last.hog_peak_bytes, 128 * kMiB);
  EXPECT_EQ(last.hog_bytes_at_stop, 128 * kMiB) << "what it held when told to stop";
  EXPECT_GT(last.safety_margin_bytes, 0u);
  EXPECT_EQ(p.hold(1), 0u) << "a stopped generator holds nothing";
  spawned->reset();  // reaps the child
  EXPECT_FALSE(process_exists(child));
}

// A child that dies mid-run: every call returns at once with "nothing", the report says what
// happened, and the destructor reaps it.
TEST(PressureProcess, AChildThatDiedIsReportedNotWaitedFor) {
  auto spawned = PressureProcess::spawn(RINGMQ_JITTER_BINARY, hog_only("64M"), 60s);
  ASSERT_TRUE(spawned) << spawned.error().message;
  PressureProcess& p = **spawned;
  ASSERT_TRUE(p.wait_until_established(30s));
  ASSERT_EQ(::kill(p.pid(), SIGKILL), 0);
  EXPECT_FALSE(p.wait_until_established(5s));
  EXPECT_EQ(p.hold(64 * kMiB), 0u);
  EXPECT_FALSE(p.wait_until_settled(1s));
  const PressureReport r = p.report();
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings.front().find("stopped answering"), std::string::npos) << r.warnings.front();
  p.stop();
  EXPECT_FALSE(p.report().warnings.empty());
}

// A child that cannot start says why (or, when it could not parse its options, that it ended:
// its stderr has the reason), instead of leaving the parent waiting for "ready".
TEST(PressureProcess, AChildThatCannotStartIsAnError) {
  auto bad_size = PressureProcess::spawn(RINGMQ_JITTER_BINARY, hog_only("12Q"), 10s);
  ASSERT_FALSE(bad_size);
  EXPECT_NE(bad_size.error().message.find("exited before it was ready"), std::string::npos) << bad_size.error().message;
  auto no_program = PressureProcess::spawn("/nonexistent/ringmq-jitter", hog_only("64M"), 10s);
  ASSERT_FALSE(no_program);
  auto below_margin = PressureProcess::spawn(
      RINGMQ_JITTER_BINARY, {"pressure", "--control", "--parts", "hog", "--leave", "1G", "--margin", "2G"}, 10s);
  ASSERT_FALSE(below_margin);
  EXPECT_NE(below_margin.error().message.find("below the safety margin"), std::string::npos)
      << "the child's own reason: " << below_margin.error().message;
}

TEST(PressureReportLines, RoundTripEveryFieldNoteAndWarning) {
  PressureReport r;
  r.safety_margin_bytes = 1;
  r.target_available_bytes = 2;
  r.hog_peak_bytes = 3;
  r.hog_bytes_at_stop = 4;
  r.safety_shrinks = 5;
  r.min_available_bytes = 6;
  r.churn_file_bytes = 7;
  r.churn_bytes_read = 8;
  r.reclaim_pulses = 9;
  r.churn_file_note = "O_DIRECT";
  r.warnings = {"first\nsecond line", "another"};
  PressureReport back;
  std::istringstream lines(format_pressure_report_lines(r));
  for (std::string line; std::getline(lines, line);) EXPECT_TRUE(parse_pressure_report_line(line, back)) << line;
  EXPECT_EQ(back.safety_margin_bytes, 1u);
  EXPECT_EQ(back.target_available_bytes, 2u);
  EXPECT_EQ(back.hog_peak_bytes, 3u);
  EXPECT_EQ(back.hog_bytes_at_stop, 4u);
  EXPECT_EQ(back.safety_shrinks, 5u);
  EXPECT_EQ(back.min_available_bytes, 6u);
  EXPECT_EQ(back.churn_file_bytes, 7u);
  EXPECT_EQ(back.churn_bytes_read, 8u);
  EXPECT_EQ(back.reclaim_pulses, 9u);
  EXPECT_EQ(back.churn_file_note, "O_DIRECT");
  EXPECT_EQ(back.warnings, (std::vector<std::string>{"first second line", "another"}));
  EXPECT_FALSE(parse_pressure_report_line("status 1 2 3", back));
}

}  // namespace
}  // namespace ringmq::perf
