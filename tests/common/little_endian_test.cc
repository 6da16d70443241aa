#include "common/little_endian.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ringmq {
namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

TEST(LittleEndian, AppendsTheLowByteFirst) {
  std::vector<std::byte> out;
  append_le<uint8_t>(out, 0xAB);
  append_le<uint16_t>(out, 0x0102);
  append_le<uint32_t>(out, 0x03040506);
  append_le<uint64_t>(out, 0x0708090A0B0C0D0Eull);
  append_le<int64_t>(out, -2);
  EXPECT_EQ(out, bytes({0xAB, 0x02, 0x01, 0x06, 0x05, 0x04, 0x03, 0x0E, 0x0D, 0x0C, 0x0B, 0x0A,
                        0x09, 0x08, 0x07, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
}

TEST(LittleEndian, LoadsWhatItStoresAtAnyAlignment) {
  std::vector<std::byte> buffer(32);
  for (size_t at = 0; at < 8; ++at) {
    store_le<uint16_t>(buffer.data() + at, 0xBEEF);
    EXPECT_EQ(load_le<uint16_t>(buffer.data() + at), 0xBEEF);
    store_le<uint32_t>(buffer.data() + at, 0xDEADBEEF);
    EXPECT_EQ(load_le<uint32_t>(buffer.data() + at), 0xDEADBEEFu);
    store_le<uint64_t>(buffer.data() + at, 0x0123456789ABCDEFull);
    EXPECT_EQ(load_le<uint64_t>(buffer.data() + at), 0x0123456789ABCDEFull);
    store_le<int64_t>(buffer.data() + at, INT64_MIN + 1);
    EXPECT_EQ(load_le<int64_t>(buffer.data() + at), INT64_MIN + 1);
  }
}

TEST(LittleEndian, ReadsGoldenBytes) {
  const auto golden = bytes({0x78, 0x56, 0x34, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F});
  EXPECT_EQ(load_le<uint32_t>(golden.data()), 0x12345678u);
  EXPECT_EQ(load_le<uint16_t>(golden.data() + 2), 0x1234);
  EXPECT_EQ(load_le<int64_t>(golden.data() + 4), INT64_MAX);
  EXPECT_EQ(load_le<int32_t>(golden.data() + 4), -1);
}

}  // namespace
}  // namespace ringmq
