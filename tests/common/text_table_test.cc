#include "common/text_table.h"

#include <gtest/gtest.h>

namespace ringmq {
namespace {

TEST(TextTable, ColumnsLineUpAndTheLastIsNotPadded) {
  EXPECT_EQ(format_table({{"A", "BB", "C"}, {"aaa", "b", ""}}), "A    BB  C\naaa  b\n");
  EXPECT_EQ(format_table({}), "");
}

}  // namespace
}  // namespace ringmq
