// Logging: JSON lines with key=value fields lifted out of the message, and the text format.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "broker/server/logging.h"

namespace ringmq::broker {
namespace {

std::string log_one_line(LogFormat format, const std::string& message, bool journal = false,
                         spdlog::level::level_enum level = spdlog::level::info) {
  setup_logging(LogConfig{"info", format}, journal);
  testing::internal::CaptureStderr();
  spdlog::log(level, "{}", message);
  spdlog::default_logger()->flush();
  std::string out = testing::internal::GetCapturedStderr();
  setup_logging(LogConfig{});
  return out;
}

TEST(Logging, JsonLinesCarryTheFixedFieldsAndKeyValueFields) {
  set_thread_name("log-test");
  const std::string line = log_one_line(LogFormat::kJson, "closing connection 3 peer=127.0.0.1:5000: reason=\"idle\"");
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.front(), '{');
  EXPECT_EQ(line.substr(line.size() - 2), "}\n");
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per message";
  EXPECT_NE(line.find("\"ts\":\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"level\":\"info\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"thread\":\"log-test\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"msg\":\"closing connection 3 peer=127.0.0.1:5000: reason=\\\"idle\\\"\""), std::string::npos)
      << line;
  EXPECT_NE(line.find("\"peer\":\"127.0.0.1:5000\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"reason\":\"\\\"idle\\\"\""), std::string::npos) << line;
}

TEST(Logging, TextLinesShowLevelAndThread) {
  set_thread_name("log-test");
  const std::string line = log_one_line(LogFormat::kText, "hello");
  EXPECT_NE(line.find("info"), std::string::npos) << line;
  EXPECT_NE(line.find("[log-test] hello"), std::string::npos) << line;
  EXPECT_NE(line.find('Z'), std::string::npos) << line;  // UTC timestamp
}

TEST(Logging, UnderTheJournalTextLinesCarryThePriorityInsteadOfATimestamp) {
  set_thread_name("log-test");
  EXPECT_EQ(log_one_line(LogFormat::kText, "hello", true), "<6>[log-test] hello\n");
  EXPECT_EQ(log_one_line(LogFormat::kText, "careful", true, spdlog::level::warn), "<4>[log-test] careful\n");
  EXPECT_EQ(log_one_line(LogFormat::kText, "broken", true, spdlog::level::err), "<3>[log-test] broken\n");
  EXPECT_EQ(log_one_line(LogFormat::kJson, "hello", true).front(), '{') << "JSON stays JSON for log shippers";
}

TEST(Logging, TheJournalIsRecognisedByStderrsDeviceAndInode) {
  struct stat st {};
  ASSERT_EQ(::fstat(STDERR_FILENO, &st), 0);
  ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(), 1);
  EXPECT_TRUE(stderr_is_journal());
  ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1)).c_str(), 1);
  EXPECT_FALSE(stderr_is_journal()) << "another stream: stderr was redirected";
  ::unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(stderr_is_journal());
}

TEST(Logging, UnknownLevelIsAConfigError) {
  EXPECT_THROW(setup_logging(LogConfig{"loud", LogFormat::kText}), ConfigError);
}

}  // namespace
}  // namespace ringmq::broker
