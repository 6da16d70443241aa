// split_list: list settings and endpoint lists as text.
#include "common/split_list.h"

#include <gtest/gtest.h>

namespace ringmq {
namespace {

TEST(SplitList, TrimsBlanksAndDropsEmptyItems) {
  EXPECT_EQ(split_list(" a, b ,,\tc\t,", ','), (std::vector<std::string_view>{"a", "b", "c"}));
  EXPECT_EQ(split_list("User:a;User:b", ';'), (std::vector<std::string_view>{"User:a", "User:b"}));
  EXPECT_TRUE(split_list("", ',').empty());
  EXPECT_TRUE(split_list(" , ", ',').empty());
}

}  // namespace
}  // namespace ringmq
