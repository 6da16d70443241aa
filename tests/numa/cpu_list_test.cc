#include "numa/cpu_list.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "numa/bitmap.h"

namespace ringmq::numa {
namespace {

using ::testing::HasSubstr;

TEST(CpuList, ParsesSinglesAndRanges) {
  auto cpus = parse_cpu_list("0-3,8, 10-11");
  ASSERT_TRUE(cpus.has_value()) << cpus.error().to_string();
  EXPECT_EQ(*cpus, (std::vector<unsigned>{0, 1, 2, 3, 8, 10, 11}));
}

TEST(CpuList, SortsAndDropsDuplicates) {
  auto cpus = parse_cpu_list("5,1-2,2,1");
  ASSERT_TRUE(cpus.has_value());
  EXPECT_EQ(*cpus, (std::vector<unsigned>{1, 2, 5}));
}

TEST(CpuList, RejectsGarbageAndNamesTheBadItem) {
  auto cpus = parse_cpu_list("0-3,x7");
  ASSERT_FALSE(cpus.has_value());
  EXPECT_EQ(cpus.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(cpus.error().message, HasSubstr("\"x7\""));
}

TEST(CpuList, RejectsBackwardsRangesAndEmptyLists) {
  EXPECT_FALSE(parse_cpu_list("7-3").has_value());
  EXPECT_FALSE(parse_cpu_list("").has_value());
  EXPECT_FALSE(parse_cpu_list("1,,2").has_value());
  EXPECT_FALSE(parse_cpu_list("0-99999999").has_value());
}

TEST(CpuList, FormatsRunsAsRanges) {
  std::vector<unsigned> cpus = {8, 0, 1, 2, 3, 10, 12, 13};
  EXPECT_EQ(format_cpu_list(cpus), "0-3,8,10,12-13");
  EXPECT_EQ(format_cpu_list(std::vector<unsigned>{}), "");
}

TEST(Bitmap, RoundTripsIndexesAndPrintsTheCpuListFormat) {
  std::vector<unsigned> cpus = {0, 1, 2, 5};
  Bitmap bitmap = Bitmap::from_indexes(cpus);
  EXPECT_EQ(bitmap.indexes(), cpus);
  EXPECT_EQ(bitmap.to_list_string(), "0-2,5");
  EXPECT_FALSE(bitmap.empty());
  EXPECT_TRUE(Bitmap().empty());
}

TEST(Bitmap, MovingTransfersOwnership) {
  std::vector<unsigned> cpus = {3};
  Bitmap original = Bitmap::from_indexes(cpus);
  hwloc_bitmap_t raw = original.get();
  Bitmap moved(std::move(original));
  EXPECT_EQ(moved.get(), raw);
  EXPECT_EQ(original.get(), nullptr);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  Bitmap assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.indexes(), cpus);
}

}  // namespace
}  // namespace ringmq::numa
