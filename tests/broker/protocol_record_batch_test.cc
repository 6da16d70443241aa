// RecordBatch v2 validation: a hand-built batch passes; flipped bytes, truncation, impossible
// lengths, wrong magic and inconsistent counts fail with a clear error; several batches in one
// blob iterate; base offset and leader epoch can be patched without breaking the CRC.
#include <gtest/gtest.h>

#include "broker/protocol/record_batch.h"
#include "tests/broker/protocol_batch_builder.h"

namespace ringmq::broker::protocol {
namespace {

using testing::BatchOptions;
using testing::build_batch;
using testing::Bytes;
using testing::sample_records;

TEST(ProtocolRecordBatch, AHandBuiltBatchPassesAndItsHeaderIsRead) {
  BatchOptions o;
  o.producer_id = 4242;
  o.producer_epoch = 3;
  o.base_sequence = 17;
  Bytes batch = build_batch(sample_records(), o);
  auto view = parse_record_batch(batch);
  ASSERT_TRUE(view) << view.error().message;
  const RecordBatchHeader& h = view->header;
  EXPECT_EQ(h.base_offset, 0);
  EXPECT_EQ(h.magic, 2);
  EXPECT_EQ(h.record_count, 3);
  EXPECT_EQ(h.last_offset_delta, 2);
  EXPECT_EQ(h.producer_id, 4242);
  EXPECT_EQ(h.producer_epoch, 3);
  EXPECT_EQ(h.base_sequence, 17);
  EXPECT_EQ(h.base_timestamp, 1700000000000);
  EXPECT_EQ(h.max_timestamp, 1700000000006);
  EXPECT_EQ(h.compression(), Compression::kNone);
  EXPECT_FALSE(h.transactional());
  EXPECT_FALSE(h.control());
  EXPECT_EQ(h.size_bytes(), batch.size());
  EXPECT_EQ(view->bytes.data(), batch.data());  // a view, not a copy
  EXPECT_EQ(view->records().size(), batch.size() - kRecordBatchHeaderBytes);
}

TEST(ProtocolRecordBatch, AttributesDecodeCompressionTimestampTypeAndFlags) {
  BatchOptions o;
  o.attributes = 0x4 | 0x8 | 0x10;  // zstd, log append time, transactional
  o.raw_records = Bytes(20, std::byte{0x5a});
  o.record_count = 7;
  Bytes batch = build_batch({}, o);
  auto view = parse_record_batch(batch);
  ASSERT_TRUE(view) << view.error().message;
  EXPECT_EQ(view->header.compression(), Compression::kZstd);
  EXPECT_TRUE(view->header.log_append_time());
  EXPECT_TRUE(view->header.transactional());
  EXPECT_FALSE(view->header.control());
}

TEST(ProtocolRecordBatch, ACompressedBatchIsCheckedByHeaderAndCrcOnly) {
  BatchOptions o;
  o.attributes = 1;  // gzip: the records are one opaque block
  o.raw_records = Bytes{std::byte{0x1f}, std::byte{0x8b}, std::byte{0x08}};
  o.record_count = 5;
  auto view = parse_record_batch(build_batch({}, o));
  ASSERT_TRUE(view) << view.error().message;
  EXPECT_EQ(view->header.compression(), Compression::kGzip);
  EXPECT_EQ(view->header.record_count, 5);
}

TEST(ProtocolRecordBatch, EveryFlippedByteCoveredByTheCrcIsCaught) {
  Bytes good = build_batch(sample_records());
  for (size_t i = 21; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= std::byte{0x01};
    auto view = parse_record_batch(bad);
    ASSERT_FALSE(view) << "flip at byte " << i;
    EXPECT_EQ(view.error().code, ErrorCode::kCorrupt);
    EXPECT_NE(view.error().message.find("CRC32C mismatch"), std::string::npos) << view.error().message;
    EXPECT_EQ(record_batch_kafka_error(view.error()), KafkaError::kCorruptMessage);
  }
}

TEST(ProtocolRecordBatch, AFlippedCrcByteIsCaught) {
  Bytes bad = build_batch(sample_records());
  bad[18] ^= std::byte{0x80};
  auto view = parse_record_batch(bad);
  ASSERT_FALSE(view);
  EXPECT_NE(view.error().message.find("CRC32C"), std::string::npos);
}

TEST(ProtocolRecordBatch, EveryTruncationFailsCleanly) {
  Bytes good = build_batch(sample_records());
  for (size_t n = 0; n < good.size(); ++n) {
    auto view = parse_record_batch(std::span(good).first(n));
    ASSERT_FALSE(view) << "prefix of " << n << " bytes";
    EXPECT_EQ(view.error().code, ErrorCode::kCorrupt) << view.error().message;
  }
}

TEST(ProtocolRecordBatch, ImpossibleBatchLengthsAreRefused) {
  Bytes good = build_batch(sample_records());
  auto with_length = [&](int32_t length) {
    Bytes b = good;
    testing::WireBuilder w;
    w.i32(length);
    std::copy(w.out.begin(), w.out.end(), b.begin() + 8);
    return b;
  };
  for (int32_t length : {-1, 0, 48, INT32_MAX, static_cast<int32_t>(good.size())}) {
    auto view = parse_record_batch(with_length(length));
    ASSERT_FALSE(view) << length;
    EXPECT_EQ(view.error().code, ErrorCode::kCorrupt) << view.error().message;
  }
}

TEST(ProtocolRecordBatch, ABatchAboveTheLimitIsTooLarge) {
  Bytes good = build_batch(sample_records());
  RecordBatchLimits limits;
  limits.max_batch_bytes = good.size() - 1;
  auto view = parse_record_batch(good, limits);
  ASSERT_FALSE(view);
  EXPECT_EQ(view.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(record_batch_kafka_error(view.error()), KafkaError::kMessageTooLarge);
  limits.max_batch_bytes = good.size();
  EXPECT_TRUE(parse_record_batch(good, limits));
}

TEST(ProtocolRecordBatch, MagicOtherThanTwoIsRefused) {
  for (int8_t magic : {0, 1, 3}) {
    BatchOptions o;
    o.magic = magic;
    auto view = parse_record_batch(build_batch(sample_records(), o));
    ASSERT_FALSE(view) << int{magic};
    EXPECT_EQ(view.error().code, ErrorCode::kUnsupported);
    EXPECT_NE(view.error().message.find("magic"), std::string::npos);
    EXPECT_EQ(record_batch_kafka_error(view.error()), KafkaError::kUnsupportedForMessageFormat);
  }
}

TEST(ProtocolRecordBatch, RecordCountMustMatchLastOffsetDeltaAndBePositive) {
  BatchOptions mismatch;
  mismatch.last_offset_delta = 5;
  EXPECT_FALSE(parse_record_batch(build_batch(sample_records(), mismatch)));

  BatchOptions empty;
  empty.raw_records = Bytes{};
  empty.record_count = 0;
  EXPECT_FALSE(parse_record_batch(build_batch({}, empty)));
}

TEST(ProtocolRecordBatch, UncompressedRecordsMustFillTheBatchExactly) {
  BatchOptions too_few;
  too_few.record_count = 4;
  too_few.last_offset_delta = 3;
  auto view = parse_record_batch(build_batch(sample_records(), too_few));
  ASSERT_FALSE(view);
  EXPECT_NE(view.error().message.find("found 3"), std::string::npos) << view.error().message;

  Bytes records = testing::encode_records(sample_records());
  records.push_back(std::byte{0x7f});  // a record length with nothing after it
  BatchOptions trailing;
  trailing.raw_records = records;
  trailing.record_count = 3;
  EXPECT_FALSE(parse_record_batch(build_batch({}, trailing)));

  // With record validation off only the header and CRC are checked.
  RecordBatchLimits header_only;
  header_only.validate_records = false;
  EXPECT_TRUE(parse_record_batch(build_batch({}, trailing), header_only));
}

TEST(ProtocolRecordBatch, ARecordWithANegativeKeyLengthIsRefused) {
  testing::WireBuilder body;
  body.i8(0).varint(0).varint(0).varint(-5).varint(-1).varint(0);
  testing::WireBuilder records;
  records.varint(static_cast<int64_t>(body.out.size())).raw(body.out);
  BatchOptions o;
  o.raw_records = records.out;
  o.record_count = 1;
  auto view = parse_record_batch(build_batch({}, o));
  ASSERT_FALSE(view);
  EXPECT_NE(view.error().message.find("key length"), std::string::npos) << view.error().message;
}

TEST(ProtocolRecordBatch, SeveralBatchesInOneBlobIterate) {
  Bytes blob = build_batch(sample_records());
  BatchOptions second;
  second.base_offset = 3;
  Bytes b2 = build_batch({{"a", "b", {}}}, second);
  blob.insert(blob.end(), b2.begin(), b2.end());

  RecordBatchIterator it(blob);
  auto first = it.next();
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->header.record_count, 3);
  auto next = it.next();
  ASSERT_TRUE(next && *next);
  EXPECT_EQ((*next)->header.base_offset, 3);
  EXPECT_EQ((*next)->bytes.data(), blob.data() + blob.size() - b2.size());
  auto end = it.next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
}

TEST(ProtocolRecordBatch, AGarbledSecondBatchStopsTheIterationWithItsOffset) {
  Bytes blob = build_batch(sample_records());
  size_t first_size = blob.size();
  Bytes b2 = build_batch(sample_records());
  b2[30] ^= std::byte{0xff};
  blob.insert(blob.end(), b2.begin(), b2.end());
  RecordBatchIterator it(blob);
  ASSERT_TRUE(it.next());
  auto bad = it.next();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("byte " + std::to_string(first_size)), std::string::npos) << bad.error().message;
}

TEST(ProtocolRecordBatch, AnEmptyBlobHasNoBatches) {
  RecordBatchIterator it({});
  auto end = it.next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
}

TEST(ProtocolRecordBatch, BaseOffsetAndLeaderEpochArePatchedWithoutBreakingTheCrc) {
  Bytes batch = build_batch(sample_records());
  ASSERT_TRUE(set_base_offset(batch, 123456789012));
  ASSERT_TRUE(set_partition_leader_epoch(batch, 7));
  auto view = parse_record_batch(batch);
  ASSERT_TRUE(view) << view.error().message;
  EXPECT_EQ(view->header.base_offset, 123456789012);
  EXPECT_EQ(view->header.partition_leader_epoch, 7);
  EXPECT_EQ(view->header.last_offset(), 123456789014);

  Bytes tiny(4);
  EXPECT_FALSE(set_base_offset(tiny, 1));
  EXPECT_FALSE(set_partition_leader_epoch(tiny, 1));
}

}  // namespace
}  // namespace ringmq::broker::protocol
