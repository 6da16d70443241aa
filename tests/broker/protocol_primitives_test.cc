// Reader and Writer: golden bytes for every primitive (varint examples from the protocol
// guide and Protocol Buffers' encoding page), round trips, and clean errors on bad input.
#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <vector>

#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "tests/broker/protocol_wire.h"

namespace ringmq::broker::protocol {
namespace {

using testing::Bytes;
using testing::hex;

template <typename Fn>
Bytes written(Fn fn) {
  Bytes out;
  Writer w(out);
  fn(w);
  EXPECT_TRUE(w.ok());
  return out;
}

TEST(ProtocolPrimitives, IntegersAreBigEndian) {
  EXPECT_EQ(written([](Writer& w) { w.write_int8(-2); }), hex("fe"));
  EXPECT_EQ(written([](Writer& w) { w.write_int16(0x0102); }), hex("0102"));
  EXPECT_EQ(written([](Writer& w) { w.write_int32(-2); }), hex("fffffffe"));
  EXPECT_EQ(written([](Writer& w) { w.write_int64(0x0102030405060708); }), hex("0102030405060708"));
  EXPECT_EQ(written([](Writer& w) { w.write_uint32(0xE3069283u); }), hex("e3069283"));

  Bytes in = hex("fe 0102 fffffffe 0102030405060708 e3069283 01");
  Reader r(in);
  EXPECT_EQ(r.read_int8(), -2);
  EXPECT_EQ(r.read_int16(), 0x0102);
  EXPECT_EQ(r.read_int32(), -2);
  EXPECT_EQ(r.read_int64(), 0x0102030405060708);
  EXPECT_EQ(r.read_uint32(), 0xE3069283u);
  EXPECT_TRUE(r.read_bool());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ProtocolPrimitives, UnsignedVarintsMatchTheProtobufExamples) {
  const std::vector<std::pair<uint32_t, const char*>> cases = {
      {0, "00"}, {1, "01"}, {127, "7f"}, {128, "8001"}, {300, "ac02"}, {16384, "808001"}, {UINT32_MAX, "ffffffff0f"}};
  for (const auto& [value, golden] : cases) {
    EXPECT_EQ(written([&](Writer& w) { w.write_unsigned_varint(value); }), hex(golden)) << value;
    Bytes in = hex(golden);
    Reader r(in);
    EXPECT_EQ(r.read_unsigned_varint(), value);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(ProtocolPrimitives, VarintsAreZigZagEncoded) {
  const std::vector<std::pair<int32_t, const char*>> cases = {{0, "00"},
                                                              {-1, "01"},
                                                              {1, "02"},
                                                              {-2, "03"},
                                                              {63, "7e"},
                                                              {-64, "7f"},
                                                              {64, "8001"},
                                                              {INT32_MAX, "feffffff0f"},
                                                              {INT32_MIN, "ffffffff0f"}};
  for (const auto& [value, golden] : cases) {
    EXPECT_EQ(written([&](Writer& w) { w.write_varint(value); }), hex(golden)) << value;
    Bytes in = hex(golden);
    Reader r(in);
    EXPECT_EQ(r.read_varint(), value);
    EXPECT_TRUE(r.ok());
  }
}

TEST(ProtocolPrimitives, VarlongsCoverTheWholeInt64Range) {
  const std::vector<std::pair<int64_t, const char*>> cases = {
      {0, "00"}, {-1, "01"}, {150, "ac02"}, {INT64_MAX, "feffffffffffffffff01"}, {INT64_MIN, "ffffffffffffffffff01"}};
  for (const auto& [value, golden] : cases) {
    EXPECT_EQ(written([&](Writer& w) { w.write_varlong(value); }), hex(golden)) << value;
    Bytes in = hex(golden);
    Reader r(in);
    EXPECT_EQ(r.read_varlong(), value);
    EXPECT_TRUE(r.ok());
  }
}

TEST(ProtocolPrimitives, OverlongVarintsAreRefused) {
  Bytes six_bytes = hex("8080808080 01");
  Reader a(six_bytes);
  a.read_unsigned_varint();
  EXPECT_FALSE(a.ok());

  Bytes overflow = hex("ffffffff1f");  // a fifth byte with more than 4 bits
  Reader b(overflow);
  b.read_unsigned_varint();
  EXPECT_FALSE(b.ok());

  Bytes eleven = hex("ffffffffffffffffff02");  // tenth byte carries more than the top bit
  Reader c(eleven);
  c.read_varlong();
  EXPECT_FALSE(c.ok());
}

TEST(ProtocolPrimitives, StringsComeInFourForms) {
  EXPECT_EQ(written([](Writer& w) { w.write_string("kafka"); }), hex("0005 6b61666b61"));
  EXPECT_EQ(written([](Writer& w) { w.write_nullable_string(std::nullopt); }), hex("ffff"));
  EXPECT_EQ(written([](Writer& w) { w.write_compact_string("kafka"); }), hex("06 6b61666b61"));
  EXPECT_EQ(written([](Writer& w) { w.write_compact_nullable_string(std::nullopt); }), hex("00"));
  EXPECT_EQ(written([](Writer& w) { w.write_compact_string(""); }), hex("01"));

  Bytes in = hex("0005 6b61666b61 ffff 06 6b61666b61 00 01");
  Reader r(in);
  EXPECT_EQ(r.read_string(), "kafka");
  EXPECT_EQ(r.read_nullable_string(), std::nullopt);
  EXPECT_EQ(r.read_compact_string(), "kafka");
  EXPECT_EQ(r.read_compact_nullable_string(), std::nullopt);
  EXPECT_EQ(r.read_compact_nullable_string(), std::optional<std::string_view>(""));
  EXPECT_TRUE(r.ok());
}

TEST(ProtocolPrimitives, StringsAreViewsIntoTheFrame) {
  Bytes in = hex("0003 616263");
  Reader r(in);
  std::string_view s = r.read_string();
  EXPECT_EQ(static_cast<const void*>(s.data()), static_cast<const void*>(in.data() + 2));
}

TEST(ProtocolPrimitives, NullWhereNullIsNotAllowedIsAnError) {
  Bytes legacy = hex("ffff");
  Reader a(legacy);
  a.read_string();
  EXPECT_FALSE(a.ok());
  EXPECT_NE(a.status().error().message.find("null"), std::string::npos);

  Bytes compact = hex("00");
  Reader b(compact);
  b.read_compact_string();
  EXPECT_FALSE(b.ok());

  Bytes negative = hex("fffe");
  Reader c(negative);
  c.read_nullable_string();
  EXPECT_FALSE(c.ok());
}

TEST(ProtocolPrimitives, BytesComeBackAsViews) {
  EXPECT_EQ(written([](Writer& w) { w.write_bytes(hex("0102")); }), hex("00000002 0102"));
  EXPECT_EQ(written([](Writer& w) { w.write_nullable_bytes(std::nullopt); }), hex("ffffffff"));
  EXPECT_EQ(written([](Writer& w) { w.write_compact_bytes(hex("0102")); }), hex("03 0102"));
  EXPECT_EQ(written([](Writer& w) { w.write_compact_nullable_bytes(std::nullopt); }), hex("00"));

  Bytes in = hex("00000002 0102 ffffffff 03 0102 00");
  Reader r(in);
  auto b = r.read_bytes();
  EXPECT_EQ(b.data(), in.data() + 4);
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(r.read_nullable_bytes(), std::nullopt);
  EXPECT_EQ(r.read_compact_bytes().size(), 2u);
  EXPECT_EQ(r.read_compact_nullable_bytes(), std::nullopt);
  EXPECT_TRUE(r.ok());
}

TEST(ProtocolPrimitives, UuidsAreSixteenRawBytes) {
  Uuid id;
  for (int i = 0; i < 16; ++i) id.bytes[i] = static_cast<uint8_t>(i);
  Bytes out = written([&](Writer& w) { w.write_uuid(id); });
  EXPECT_EQ(out, hex("000102030405060708090a0b0c0d0e0f"));
  Reader r(out);
  EXPECT_EQ(r.read_uuid(), id);
  EXPECT_TRUE(Uuid{}.is_zero());
  EXPECT_FALSE(id.is_zero());
}

TEST(ProtocolPrimitives, ArrayLengthsAndNullArrays) {
  EXPECT_EQ(written([](Writer& w) { w.write_array_length(3); }), hex("00000003"));
  EXPECT_EQ(written([](Writer& w) { w.write_null_array(); }), hex("ffffffff"));
  EXPECT_EQ(written([](Writer& w) { w.write_compact_array_length(3); }), hex("04"));
  EXPECT_EQ(written([](Writer& w) { w.write_compact_null_array(); }), hex("00"));

  Bytes in = hex("00000002 aabb ffffffff 03 ccdd 00");
  Reader r(in);
  EXPECT_EQ(r.read_array_length(), 2);
  r.read_raw(2);
  EXPECT_EQ(r.read_array_length(), -1);
  EXPECT_EQ(r.read_compact_array_length(), 2);
  r.read_raw(2);
  EXPECT_EQ(r.read_compact_array_length(), -1);
  EXPECT_TRUE(r.ok());
}

TEST(ProtocolPrimitives, AnArrayLongerThanTheBytesLeftIsRefusedBeforeAnyAllocation) {
  Bytes in = hex("7fffffff 00");
  Reader r(in);
  EXPECT_EQ(r.read_array_length(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().error().message.find("2147483647"), std::string::npos);

  Bytes four_ints_claimed = hex("00000004 00000001");
  Reader s(four_ints_claimed);
  s.read_array_length(4);
  EXPECT_FALSE(s.ok());

  Bytes negative = hex("fffffffe");
  Reader t(negative);
  t.read_array_length();
  EXPECT_FALSE(t.ok());
}

TEST(ProtocolPrimitives, TaggedFieldsAreSkipped) {
  // two fields: tag 0 with 2 bytes, tag 5 with 1 byte; then an int8 after the buffer
  Bytes in = hex("02 00 02 aaaa 05 01 bb 7f");
  Reader r(in);
  r.skip_tagged_fields();
  EXPECT_EQ(r.read_int8(), 0x7f);
  EXPECT_TRUE(r.ok());
}

TEST(ProtocolPrimitives, TaggedFieldsOutOfOrderOrOverrunningAreRefused) {
  Bytes out_of_order = hex("02 05 00 01 00");
  Reader a(out_of_order);
  a.skip_tagged_fields();
  EXPECT_FALSE(a.ok());

  Bytes overrun = hex("01 00 05 aa");
  Reader b(overrun);
  b.skip_tagged_fields();
  EXPECT_FALSE(b.ok());

  Bytes huge_count = hex("ffffffff0f");
  Reader c(huge_count);
  c.skip_tagged_fields();
  EXPECT_FALSE(c.ok());
}

TEST(ProtocolPrimitives, TruncationIsStickyAndNamesTheOffset) {
  Bytes in = hex("0001 02");
  Reader r(in);
  EXPECT_EQ(r.read_int16(), 1);
  EXPECT_EQ(r.read_int32(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.read_int8(), 0);  // sticky: no further reads succeed
  EXPECT_EQ(r.offset(), 2u);    // and nothing is consumed
  auto status = r.status();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(status.error().message.find("byte 2"), std::string::npos) << status.error().message;
}

TEST(ProtocolPrimitives, StringLengthPastTheEndIsRefused) {
  Bytes in = hex("0010 6162");
  Reader r(in);
  r.read_string();
  EXPECT_FALSE(r.ok());
}

TEST(ProtocolPrimitives, WriterAppendsToTheCallersBufferAndPatchesPlaceholders) {
  Bytes out = hex("aa");
  Writer w(out);
  size_t at = w.write_int32_placeholder();
  w.write_int16(7);
  w.patch_int32(at, 2);
  EXPECT_EQ(out, hex("aa 00000002 0007"));
  EXPECT_EQ(w.size(), 7u);
}

TEST(ProtocolPrimitives, WriterRefusesAStringTooLongForItsLengthField) {
  Bytes out;
  Writer w(out);
  std::string long_string(40000, 'x');
  w.write_string(long_string);
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.status().error().code, ErrorCode::kInvalidArgument);
  w.write_compact_string(long_string);  // compact strings have no such limit, but the error stays
  EXPECT_FALSE(w.ok());
}

TEST(ProtocolPrimitives, WriterEmitsEmptyTagBuffersAsOneZeroByte) {
  EXPECT_EQ(written([](Writer& w) { w.write_empty_tagged_fields(); }), hex("00"));
}

}  // namespace
}  // namespace ringmq::broker::protocol
