#include "tuning/kernel_value.h"

#include <gtest/gtest.h>

namespace ringmq::tuning {
namespace {

TEST(KernelValue, SelectedValueIsTheBracketedWordOfASelector) {
  EXPECT_EQ(selected_value("always [madvise] never\n"), "madvise");
  EXPECT_EQ(selected_value("[mq-deadline] none\n"), "mq-deadline");
  EXPECT_EQ(selected_value("none [mq-deadline] kyber bfq \n"), "mq-deadline");
}

TEST(KernelValue, SelectedValueOfAPlainFileIsItsTrimmedText) {
  EXPECT_EQ(selected_value("60\n"), "60");
  EXPECT_EQ(selected_value("  write back \n"), "write back");
}

TEST(KernelValue, ListedValuesDropTheBrackets) {
  EXPECT_EQ(listed_values("always [madvise] never\n"), (std::vector<std::string>{"always", "madvise", "never"}));
  EXPECT_EQ(listed_values("tsc kvm-clock \n"), (std::vector<std::string>{"tsc", "kvm-clock"}));
}

TEST(KernelValue, ParseIntegerAcceptsOnlyWholeNumbers) {
  EXPECT_EQ(parse_integer(" 65530\n"), 65530);
  EXPECT_EQ(parse_integer("-1"), -1);
  EXPECT_EQ(parse_integer("+7"), 7);
  EXPECT_FALSE(parse_integer("12abc"));
  EXPECT_FALSE(parse_integer(""));
  EXPECT_FALSE(parse_integer("madvise"));
}

}  // namespace
}  // namespace ringmq::tuning
