#include "perf/engine_log.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "perf/proc_stats.h"

namespace ringmq::perf {
namespace {

TEST(EngineLogCapture, KeepsWarningsWithTheirTimeAndLeavesTheLoggerAsItFoundIt) {
  const size_t sinks_before = spdlog::default_logger()->sinks().size();
  const auto level_before = spdlog::get_level();
  spdlog::set_level(spdlog::level::info);
  {
    EngineLogCapture capture;
    EXPECT_EQ(spdlog::default_logger()->sinks().size(), sinks_before + 1);
    const uint64_t start = monotonic_ns();
    spdlog::info("just information");
    spdlog::warn("preparing commit-log segment at offset {} took {} ms", 1073741824, 870);
    spdlog::error("something worse");
    const auto messages = capture.between(start, monotonic_ns());
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[0].level, "warning");
    EXPECT_EQ(messages[0].text, "preparing commit-log segment at offset 1073741824 took 870 ms");
    EXPECT_EQ(messages[1].level, "error");
    EXPECT_TRUE(capture.between(0, start - 1).empty());
  }
  EXPECT_EQ(spdlog::default_logger()->sinks().size(), sinks_before);
  spdlog::set_level(level_before);
}

}  // namespace
}  // namespace ringmq::perf
