#include "perf/cli_values.h"

#include <gtest/gtest.h>

namespace ringmq::perf {
namespace {

TEST(CliValues, DurationsDefaultToSeconds) {
  EXPECT_EQ(parse_duration_ms("30"), 30'000u);
  EXPECT_EQ(parse_duration_ms("30s"), 30'000u);
  EXPECT_EQ(parse_duration_ms("250ms"), 250u);
  EXPECT_EQ(parse_duration_ms("2m"), 120'000u);
  EXPECT_EQ(parse_duration_ms("1h"), 3'600'000u);
  EXPECT_FALSE(parse_duration_ms("soon"));
}

TEST(CliValues, ModeListsNameWriteModes) {
  auto all = parse_mode_list("all");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);
  auto two = parse_mode_list("pool,mmap");
  ASSERT_TRUE(two);
  EXPECT_EQ((*two)[0], engine::WriteMode::kPool);
  EXPECT_EQ((*two)[1], engine::WriteMode::kMmap);
  EXPECT_FALSE(parse_mode_list("mmap,fast"));
  EXPECT_FALSE(parse_mode_list(""));
}

}  // namespace
}  // namespace ringmq::perf
