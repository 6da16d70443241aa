// Logging: JSON lines with key=value fields lifted out of the message, and the text format.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "broker/server/logging.h"

namespace ringmq::broker {
namespace {

std::string log_one_line(LogFormat format, const std::string& message) {
  setup_logging(LogConfig{"info", format});
  testing::internal::CaptureStderr();
  spdlog::info("{}", message);
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

TEST(Logging, UnknownLevelIsAConfigError) {
  EXPECT_THROW(setup_logging(LogConfig{"loud", LogFormat::kText}), ConfigError);
}

}  // namespace
}  // namespace ringmq::broker
