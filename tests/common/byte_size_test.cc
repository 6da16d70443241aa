#include "common/byte_size.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace ringmq {
namespace {

TEST(FormatBytes, WholeUnitsPrintWithoutAFraction) {
  EXPECT_EQ(format_bytes(0), "0 bytes");
  EXPECT_EQ(format_bytes(1), "1 byte");
  EXPECT_EQ(format_bytes(512), "512 bytes");
  EXPECT_EQ(format_bytes(64u << 10), "64 KiB");
  EXPECT_EQ(format_bytes(8u << 20), "8 MiB");
  EXPECT_EQ(format_bytes(1u << 30), "1 GiB");
  EXPECT_EQ(format_bytes(2ull << 40), "2 TiB");
}

TEST(FormatBytes, OtherSizesPrintOneDecimalOfTheLargestUnit) {
  EXPECT_EQ(format_bytes(3ull << 29), "1.5 GiB");
  EXPECT_EQ(format_bytes(1025), "1.0 KiB");
  EXPECT_EQ(format_bytes((1u << 20) - 1), "1.0 MiB");  // not "1024.0 KiB"
  EXPECT_EQ(format_bytes(UINT64_MAX), "16.0 EiB");
}

TEST(FormatByteSize, PicksTheLargestWholeUnitAndReadsBackExactly) {
  EXPECT_EQ(format_byte_size(0), "0");
  EXPECT_EQ(format_byte_size(4097), "4097");
  EXPECT_EQ(format_byte_size(4096), "4KiB");
  EXPECT_EQ(format_byte_size(64u << 20), "64MiB");
  EXPECT_EQ(format_byte_size(1024ull << 40), "1024TiB");
  for (uint64_t bytes : {uint64_t{0}, uint64_t{12}, uint64_t{3} << 29, uint64_t{5} << 40, UINT64_MAX})
    EXPECT_EQ(parse_byte_size(format_byte_size(bytes)), bytes) << bytes;
}

TEST(ParseByteSize, AcceptsPlainNumbersAndBinaryUnits) {
  EXPECT_EQ(parse_byte_size("4096"), 4096u);
  EXPECT_EQ(parse_byte_size("12B"), 12u);
  EXPECT_EQ(parse_byte_size("64K"), 64u << 10);
  EXPECT_EQ(parse_byte_size("64k"), 64u << 10);
  EXPECT_EQ(parse_byte_size("64KiB"), 64u << 10);
  EXPECT_EQ(parse_byte_size("512M"), 512u << 20);
  EXPECT_EQ(parse_byte_size("1 GiB"), 1u << 30);
  EXPECT_EQ(parse_byte_size(" 4G "), 4ull << 30);
  EXPECT_EQ(parse_byte_size("2TiB"), 2ull << 40);
  EXPECT_EQ(parse_byte_size("18446744073709551615"), UINT64_MAX);
}

TEST(ParseByteSize, RoundsAFractionToTheNearestByte) {
  EXPECT_EQ(parse_byte_size("1.5G"), 3ull << 29);
  EXPECT_EQ(parse_byte_size("0.5KiB"), 512u);
  EXPECT_EQ(parse_byte_size("1.0005K"), 1025u);  // 1024.512
  EXPECT_EQ(parse_byte_size("2.5"), 3u);
}

TEST(ParseByteSize, RefusesWhatItCannotReadUnambiguously) {
  EXPECT_FALSE(parse_byte_size(""));
  EXPECT_FALSE(parse_byte_size("four"));
  EXPECT_FALSE(parse_byte_size("MiB"));
  EXPECT_FALSE(parse_byte_size("64MB"));  // decimal or binary megabytes?
  EXPECT_FALSE(parse_byte_size("64 kiB"));
  EXPECT_FALSE(parse_byte_size("4X"));
  EXPECT_FALSE(parse_byte_size("-1"));
  EXPECT_FALSE(parse_byte_size("-1G"));
  EXPECT_FALSE(parse_byte_size("+1G"));
  EXPECT_FALSE(parse_byte_size("5.G"));
  EXPECT_FALSE(parse_byte_size(".5G"));
  EXPECT_FALSE(parse_byte_size("99999999999TiB"));
  EXPECT_FALSE(parse_byte_size("18446744073709551616"));
  EXPECT_FALSE(parse_byte_size("16777215.999999999999999999TiB"));  // rounds up to 2^64
}

}  // namespace
}  // namespace ringmq
