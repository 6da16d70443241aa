// RecordBatch v2 ("magic 2"), the unit a producer sends and the broker stores as received.
// Validation here reads the batch in place, never copying it. Layout (big-endian), documented
// here and nowhere else:
//
//   offset size field                   in CRC  notes
//   0      8    base_offset             no      assigned by the broker; producers send 0
//   8      4    batch_length            no      bytes after this field: total = 12 + length
//   12     4    partition_leader_epoch  no      set by the leader
//   16     1    magic                   no      2 (message sets v0/v1 also keep magic here)
//   17     4    crc                     no      CRC32C (Castagnoli) of bytes [21, end)
//   21     2    attributes              yes     bits 0-2 compression: 0 none, 1 gzip,
//                                               2 snappy, 3 lz4, 4 zstd; bit 3 timestamp
//                                               type (1 = log append time); bit 4
//                                               transactional; bit 5 control batch; bit 6
//                                               delete horizon set (KIP-534)
//   23     4    last_offset_delta       yes     record_count - 1 for a producer's batch
//   27     8    base_timestamp          yes
//   35     8    max_timestamp           yes
//   43     8    producer_id             yes     -1 unless idempotent / transactional
//   51     2    producer_epoch          yes
//   53     4    base_sequence           yes
//   57     4    record_count            yes
//   61     ...  records                 yes     one compressed block unless codec is none
//
// Each record (inside an uncompressed batch, or after decompression):
//   length varint (bytes after it) | attributes int8 | timestamp_delta varlong |
//   offset_delta varint | key_length varint (-1 null) | key | value_length varint (-1 null) |
//   value | header_count varint | per header: key_length varint, key, value_length varint
//   (-1 null), value
//
// Because base_offset, batch_length, partition_leader_epoch, magic and the crc itself lie
// outside the CRC, the broker can store a batch exactly as received and patch base_offset
// (and partition_leader_epoch) in the copy it sends to a consumer, or patch them before
// storing; either way the CRC stays valid. Compressed batches are validated by header and CRC
// only and stored as they come.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "broker/protocol/error_codes.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

// Bytes before the records: the fixed header above.
inline constexpr size_t kRecordBatchHeaderBytes = 61;
// base_offset + batch_length: the bytes not counted by batch_length.
inline constexpr size_t kRecordBatchLogOverhead = 12;
inline constexpr int8_t kRecordBatchMagic = 2;
// Kafka's default message.max.bytes: 1 MiB of batch plus the log overhead.
inline constexpr size_t kDefaultMaxBatchBytes = 1048588;

enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

struct RecordBatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = 0;
  int8_t magic = 0;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  Compression compression() const { return static_cast<Compression>(attributes & 0x7); }
  bool log_append_time() const { return (attributes & 0x8) != 0; }
  bool transactional() const { return (attributes & 0x10) != 0; }
  bool control() const { return (attributes & 0x20) != 0; }
  // The whole batch, header included.
  size_t size_bytes() const { return kRecordBatchLogOverhead + static_cast<size_t>(batch_length); }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
};

struct RecordBatchLimits {
  // Largest accepted batch, header included (kTooLarge beyond).
  size_t max_batch_bytes = kDefaultMaxBatchBytes;
  // Walk the records of uncompressed batches and check every length in them.
  bool validate_records = true;
};

// A validated batch: its header and its bytes (a view into the input).
struct RecordBatchView {
  RecordBatchHeader header;
  std::span<const std::byte> bytes;

  std::span<const std::byte> records() const { return bytes.subspan(kRecordBatchHeaderBytes); }
};

// Reads the fixed header at the start of `data` without checking anything but its presence.
Result<RecordBatchHeader> read_record_batch_header(std::span<const std::byte> data);

// Validates the batch at the start of `data` (further bytes are ignored): the header is
// complete, batch_length is at least a header and fits both `data` and the limit, magic is 2,
// the CRC matches, record_count >= 1 and equals last_offset_delta + 1, and (uncompressed,
// when asked) the records parse to exactly record_count records filling the batch.
// Errors: kCorrupt (truncated, inconsistent, CRC), kTooLarge, kUnsupported (magic != 2).
Result<RecordBatchView> parse_record_batch(std::span<const std::byte> data, const RecordBatchLimits& limits = {});

// Walks the batches of one partition's records blob (several may be concatenated).
class RecordBatchIterator {
 public:
  explicit RecordBatchIterator(std::span<const std::byte> records, RecordBatchLimits limits = {})
      : records_(records), limits_(limits) {}

  // The next validated batch; std::nullopt once the blob is used up; an error for a bad batch
  // (after which the iterator stays at that batch).
  Result<std::optional<RecordBatchView>> next();
  size_t offset() const { return offset_; }

 private:
  std::span<const std::byte> records_;
  RecordBatchLimits limits_;
  size_t offset_ = 0;
};

// In-place patches of a stored or fetched copy; neither field is covered by the CRC. Fail
// (kInvalidArgument) if `batch` is too short to hold the field.
Status set_base_offset(std::span<std::byte> batch, int64_t base_offset);
Status set_partition_leader_epoch(std::span<std::byte> batch, int32_t epoch);

// The produce-response error for a batch that failed parse_record_batch: CORRUPT_MESSAGE,
// MESSAGE_TOO_LARGE, or UNSUPPORTED_FOR_MESSAGE_FORMAT for magic != 2.
KafkaError record_batch_kafka_error(const Error& error);

}  // namespace ringmq::broker::protocol
