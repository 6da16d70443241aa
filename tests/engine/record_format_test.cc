#include "engine/record_format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace ringmq::engine {
namespace {

std::string hex(const std::byte* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += digits[static_cast<unsigned>(p[i]) >> 4];
    s += digits[static_cast<unsigned>(p[i]) & 15];
  }
  return s;
}

RecordFields sample_fields() {
  RecordFields f;
  f.queue_id = 3;
  f.record_count = 2;
  f.queue_offset = 0x10;
  f.physical_offset = 0x2000;
  f.store_timestamp_ms = 0x0102030405;
  f.max_timestamp_ms = 0x0102030400;
  return f;
}

TEST(RecordFormat, EncodesTheDocumentedLayout) {
  const std::string text = "abc";
  std::vector<std::byte> buf(record_size(3));
  ASSERT_EQ(encode_record(buf.data(), sample_fields(), std::as_bytes(std::span(text))), 67u);
  // size 67, magic RING, crc (computed), flags 0, queue 3, count 2, queue offset 0x10,
  // physical 0x2000, store ts, max ts, payload size 3, reserved, "abc".
  const std::string golden =
      "43000000"
      "474e4952" +
      hex(buf.data() + 8, 4) +
      "00000000"
      "03000000"
      "02000000"
      "1000000000000000"
      "0020000000000000"
      "0504030201000000"
      "0004030201000000"
      "03000000"
      "00000000"
      "616263";
  EXPECT_EQ(hex(buf.data(), buf.size()), golden);
  EXPECT_EQ(hex(buf.data() + 8, 4), "e31e023d") << "CRC32C over bytes [12, 67) changed: the format changed";
}

TEST(RecordFormat, DecodesWhatItEncodes) {
  const std::string text = "payload bytes";
  std::vector<std::byte> buf(record_size(text.size()) + 100);
  encode_record(buf.data(), sample_fields(), std::as_bytes(std::span(text)));
  auto slot = decode_slot(buf, 0x2000, true);
  ASSERT_TRUE(slot);
  ASSERT_EQ(slot->kind, SlotKind::kRecord);
  EXPECT_EQ(slot->record.fields.queue_id, 3u);
  EXPECT_EQ(slot->record.fields.record_count, 2u);
  EXPECT_EQ(slot->record.fields.queue_offset, 0x10u);
  EXPECT_EQ(slot->record.total_size, record_size(text.size()));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(slot->record.payload.data()), slot->record.payload.size()), text);
  EXPECT_EQ(slot->record.payload.data(), buf.data() + kRecordHeaderSize) << "payload must be a view, not a copy";
}

TEST(RecordFormat, RejectsAFlippedPayloadByteByCrc) {
  std::vector<std::byte> buf(record_size(10));
  encode_record(buf.data(), sample_fields(), std::vector<std::byte>(10, std::byte{1}));
  buf[70] ^= std::byte{0x40};
  auto slot = decode_slot(buf, 0x2000, true);
  ASSERT_FALSE(slot);
  EXPECT_EQ(slot.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(slot.error().message.find("CRC"), std::string::npos);
}

TEST(RecordFormat, RejectsARecordThatClaimsAnotherPosition) {
  std::vector<std::byte> buf(record_size(10));
  encode_record(buf.data(), sample_fields(), std::vector<std::byte>(10, std::byte{1}));
  auto slot = decode_slot(buf, 0x3000, true);
  ASSERT_FALSE(slot);
  EXPECT_NE(slot.error().message.find("stale"), std::string::npos);
}

TEST(RecordFormat, RejectsASizeBeyondTheSegment) {
  std::vector<std::byte> buf(record_size(10));
  encode_record(buf.data(), sample_fields(), std::vector<std::byte>(10, std::byte{1}));
  auto slot = decode_slot(std::span(buf).first(40), 0x2000, true);
  ASSERT_FALSE(slot);
  EXPECT_NE(slot.error().message.find("impossible size"), std::string::npos);
}

TEST(RecordFormat, RecognisesZerosAndTheEndOfSegmentMarker) {
  std::vector<std::byte> buf(128);
  auto empty = decode_slot(buf, 0, true);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->kind, SlotKind::kEmpty);
  encode_end_of_segment(buf.data(), 128);
  auto end = decode_slot(buf, 0, true);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->kind, SlotKind::kEndOfSegment);
  EXPECT_EQ(decode_slot(std::span(buf).first(5), 0, true)->kind, SlotKind::kEndOfSegment);
}

TEST(RecordFormat, RejectsGarbageMagic) {
  std::vector<std::byte> buf(128, std::byte{0x5A});
  auto slot = decode_slot(buf, 0, true);
  ASSERT_FALSE(slot);
  EXPECT_NE(slot.error().message.find("bad magic"), std::string::npos);
}

}  // namespace
}  // namespace ringmq::engine
