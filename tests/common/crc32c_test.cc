#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace ringmq {
namespace {

TEST(Crc32c, MatchesTheStandardCheckValue) {
  const std::string check = "123456789";
  EXPECT_EQ(crc32c(0, check.data(), check.size()), 0xE3069283u);
  EXPECT_EQ(crc32c_software(0, check.data(), check.size()), 0xE3069283u);
}

TEST(Crc32c, HardwareAndSoftwareAgreeOnEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::vector<unsigned char> data(4096 + 16);
  for (auto& b : data) b = static_cast<unsigned char>(rng());
  for (size_t start = 0; start < 9; ++start)
    for (size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 1000u, 4096u})
      EXPECT_EQ(crc32c(0, data.data() + start, len), crc32c_software(0, data.data() + start, len));
}

TEST(Crc32c, ExtendsIncrementally) {
  const std::string a = "hello ", b = "world";
  EXPECT_EQ(crc32c(crc32c(0, a.data(), a.size()), b.data(), b.size()), crc32c(0, (a + b).data(), a.size() + b.size()));
}

TEST(Crc32c, ThirtyTwoZeroBytesGiveTheRfc3720Value) {
  std::vector<unsigned char> zeros(32, 0);
  EXPECT_EQ(crc32c(0, zeros.data(), zeros.size()), 0x8A9136AAu);  // RFC 3720 B.4
}

}  // namespace
}  // namespace ringmq
