// ListOffsets by time over real stored batches: per record (not per batch), with
// out-of-order timestamps inside and across batches, every compression codec, log-append
// time, the max-timestamp spec (-3), an empty partition and times past the last record.
#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>

#include "broker/kafka/timestamp_lookup.h"
#include "broker/protocol/batch_decompression.h"
#include "broker/protocol/record_batch.h"
#include "common/crc32c.h"
#include "tests/broker/protocol_wire.h"
#include "tests/engine/store_fixture.h"

namespace ringmq::broker::kafka {
namespace {

using protocol::Compression;
using protocol::testing::Bytes;
using protocol::testing::WireBuilder;

Bytes compress(Compression codec, const Bytes& in) {
  Bytes out;
  switch (codec) {
    case Compression::kNone:
      return in;
    case Compression::kGzip: {
      z_stream z{};
      EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);  // +16: gzip header
      out.resize(deflateBound(&z, in.size()) + 32);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
      z.avail_in = static_cast<uInt>(in.size());
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = static_cast<uInt>(out.size());
      EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
      out.resize(z.total_out);
      deflateEnd(&z);
      return out;
    }
    case Compression::kSnappy: {
      size_t n = snappy_max_compressed_length(in.size());
      out.resize(n);
      EXPECT_EQ(
          snappy_compress(reinterpret_cast<const char*>(in.data()), in.size(), reinterpret_cast<char*>(out.data()), &n),
          SNAPPY_OK);
      out.resize(n);
      return out;
    }
    case Compression::kLz4: {
      out.resize(LZ4F_compressFrameBound(in.size(), nullptr));
      size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), nullptr);
      EXPECT_FALSE(LZ4F_isError(n));
      out.resize(n);
      return out;
    }
    case Compression::kZstd: {
      out.resize(ZSTD_compressBound(in.size()));
      size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
      EXPECT_FALSE(ZSTD_isError(n));
      out.resize(n);
      return out;
    }
  }
  return out;
}

// A producer's batch whose records carry `timestamps` (the first is the base timestamp).
Bytes batch_with_timestamps(const std::vector<int64_t>& timestamps, Compression codec, bool log_append_time = false) {
  WireBuilder records;
  for (size_t i = 0; i < timestamps.size(); ++i) {
    WireBuilder body;
    body.i8(0).varint(timestamps[i] - timestamps[0]).varint(static_cast<int64_t>(i));
    body.varint(-1).varint(1).raw(std::as_bytes(std::span("v", 1))).varint(0);
    records.varint(static_cast<int64_t>(body.out.size())).raw(body.out);
  }
  const int64_t max = *std::max_element(timestamps.begin(), timestamps.end());
  const auto count = static_cast<int32_t>(timestamps.size());
  WireBuilder covered;
  covered.i16(static_cast<int16_t>(static_cast<int>(codec) | (log_append_time ? 0x8 : 0)))
      .i32(count - 1)
      .i64(timestamps[0])
      .i64(max)
      .i64(-1)
      .i16(-1)
      .i32(-1)
      .i32(count)
      .raw(compress(codec, records.out));
  WireBuilder batch;
  batch.i64(0)
      .i32(static_cast<int32_t>(4 + 1 + 4 + covered.out.size()))
      .i32(-1)
      .i8(2)
      .i32(static_cast<int32_t>(crc32c(covered.out)))
      .raw(covered.out);
  return batch.out;
}

class TimestampLookup : public ::testing::TestWithParam<Compression> {
 protected:
  void SetUp() override { store_ = engine::test::open_store(engine::test::small_config(dir_.path())); }

  void append(const std::vector<int64_t>& timestamps, bool log_append_time = false) {
    Bytes batch = batch_with_timestamps(timestamps, GetParam(), log_append_time);
    const int64_t max = *std::max_element(timestamps.begin(), timestamps.end());
    auto r = store_->append({kQueue, batch, static_cast<uint32_t>(timestamps.size()), max}, true);
    ASSERT_TRUE(r) << r.error().to_string();
    // The dispatcher indexes asynchronously: lookups see the batch once it is indexed.
    appended_ += timestamps.size();
    ASSERT_TRUE(engine::test::eventually([&] {
      auto range = store_->queue_range(kQueue);
      return range && range->next_offset.value() == appended_;
    }));
  }

  TimestampedOffset at(int64_t timestamp) {
    auto r = offset_for_timestamp(*store_, kQueue, timestamp, scratch_);
    EXPECT_TRUE(r) << r.error().to_string();
    return r.value_or(TimestampedOffset{-99, -99});
  }

  TimestampedOffset max() {
    auto r = offset_of_max_timestamp(*store_, kQueue, scratch_);
    EXPECT_TRUE(r) << r.error().to_string();
    return r.value_or(TimestampedOffset{-99, -99});
  }

  static constexpr uint32_t kQueue = 1;
  ringmq::test::TempDir dir_;
  std::unique_ptr<engine::MessageStore> store_;
  TimestampLookupScratch scratch_;
  uint64_t appended_ = 0;
};

#define EXPECT_FOUND(found, want_offset, want_timestamp) \
  do {                                                   \
    TimestampedOffset f = (found);                       \
    EXPECT_EQ(f.offset, want_offset);                    \
    EXPECT_EQ(f.timestamp, want_timestamp);              \
  } while (0)

TEST_P(TimestampLookup, FindsTheFirstRecordAtOrAfterTheTimeNotTheBatch) {
  ASSERT_TRUE(store_);
  EXPECT_FOUND(at(0), -1, -1);  // empty partition
  EXPECT_FOUND(max(), -1, -1);
  append({1000, 3000, 2000, 5000, 4000, 6000});  // offsets 0-5
  append({500, 7000});                           // offsets 6-7: starts earlier than batch 1 ended
  append({2500, 2600, 2700});                    // offsets 8-10: all earlier than what came before
  EXPECT_FOUND(at(0), 0, 1000);
  EXPECT_FOUND(at(1000), 0, 1000);
  EXPECT_FOUND(at(1500), 1, 3000);
  EXPECT_FOUND(at(3500), 3, 5000);
  EXPECT_FOUND(at(5500), 5, 6000);
  EXPECT_FOUND(at(6500), 7, 7000);
  EXPECT_FOUND(at(7000), 7, 7000);
  EXPECT_FOUND(at(7001), -1, -1);  // past the last record
  EXPECT_FOUND(max(), 7, 7000);
  append({7000, 6999});  // a tie with the maximum: the first record holding it wins
  EXPECT_FOUND(max(), 7, 7000);
}

TEST_P(TimestampLookup, RecordsBelowTheStartAreNeverTheAnswer) {
  ASSERT_TRUE(store_);
  append({1000, 3000, 2000, 5000, 4000, 6000});  // offsets 0-5
  append({500, 7000});                           // offsets 6-7
  append({2500, 2600, 2700});                    // offsets 8-10
  // DeleteRecords inside the first batch: its first two records are gone.
  ASSERT_EQ(*store_->delete_records_before(kQueue, engine::QueueOffset(2)), 2u);
  EXPECT_FOUND(at(0), 2, 2000);
  EXPECT_FOUND(at(2500), 3, 5000);
  // Past the batch holding the maximum: the answer moves on to later batches.
  ASSERT_EQ(*store_->delete_records_before(kQueue, engine::QueueOffset(8)), 8u);
  EXPECT_FOUND(at(0), 8, 2500);
  EXPECT_FOUND(at(6500), -1, -1);
  EXPECT_FOUND(max(), 10, 2700);
}

TEST_P(TimestampLookup, LogAppendTimeGivesEveryRecordTheBatchTime) {
  ASSERT_TRUE(store_);
  append({100, 200}, /*log_append_time=*/true);
  append({300, 900, 400}, /*log_append_time=*/true);
  EXPECT_FOUND(at(250), 2, 900);
  EXPECT_FOUND(max(), 2, 900);
}

std::string codec_name(const ::testing::TestParamInfo<Compression>& info) {
  static const char* const kNames[] = {"none", "gzip", "snappy", "lz4", "zstd"};
  return kNames[static_cast<int>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(EveryCodec, TimestampLookup,
                         ::testing::Values(Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                           Compression::kLz4, Compression::kZstd),
                         codec_name);

TEST(BatchDecompression, RefusesDamagedBlocksAndBombs) {
  std::vector<std::byte> out;
  Bytes garbage(100, std::byte{0x5a});
  for (Compression c : {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    auto s = protocol::decompress_records(c, garbage, out);
    ASSERT_FALSE(s) << static_cast<int>(c);
    EXPECT_EQ(s.error().code, ErrorCode::kCorrupt) << s.error().message;
  }
  Bytes zeros(1 << 20, std::byte{0});
  Bytes packed = compress(Compression::kZstd, zeros);
  auto s = protocol::decompress_records(Compression::kZstd, packed, out, 64 << 10);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kTooLarge);
  ASSERT_TRUE(protocol::decompress_records(Compression::kZstd, packed, out));
  EXPECT_EQ(out.size(), zeros.size());
  // Truncated: the first half of a valid frame.
  Bytes half(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(packed.size() / 2));
  EXPECT_FALSE(protocol::decompress_records(Compression::kZstd, half, out));
}

}  // namespace
}  // namespace ringmq::broker::kafka
