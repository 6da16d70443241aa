// The commit-log record: the one on-disk layout of RingMQ's log, written here and nowhere else.
//
// Every record is a 64-byte header followed by the payload (for the broker: one Kafka
// RecordBatch exactly as the client sent it). Integers are little-endian.
//
//   offset size field
//   0      4    total_size        header + payload bytes
//   4      4    magic             kRecordMagic, or kEndOfSegmentMagic (see below)
//   8      4    body_crc          CRC32C of bytes [12, total_size): rest of header + payload
//   12     4    flags             reserved, 0
//   16     4    queue_id          the queue (topic-partition) this record belongs to
//   20     4    record_count      logical offsets the record takes (records in the batch), >= 1
//   24     8    queue_offset      first logical offset (Kafka: base offset), assigned by the log
//   32     8    physical_offset   this record's byte offset in the whole commit log
//   40     8    store_timestamp   ms since the epoch when the log stored it
//   48     8    max_timestamp     ms, the largest timestamp in the payload (producer's clock)
//   56     4    payload_size      total_size - 64
//   60     4    reserved          0
//   64     ...  payload
//
// End of segment: a record that does not fit the rest of a segment is not split; the writer
// puts {total_size = bytes left, magic = kEndOfSegmentMagic} (8 bytes) at the write position
// and the record goes to the next segment. If fewer than 8 bytes are left, nothing is written
// and readers treat the remainder as the end. A total_size of 0 marks never-written (zeroed,
// preallocated) space: the end of the log.
//
// physical_offset makes stale bytes detectable: a record left over from before a truncation
// sits at a position that no longer matches what it says, and is rejected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/result.h"

namespace ringmq::engine {

inline constexpr uint32_t kRecordMagic = 0x52494E47;        // "RING"
inline constexpr uint32_t kEndOfSegmentMagic = 0x454E4453;  // "ENDS"
inline constexpr uint32_t kRecordHeaderSize = 64;
inline constexpr uint32_t kEndOfSegmentMarkerSize = 8;

// The header fields the writer chooses; sizes and CRC are derived.
struct RecordFields {
  uint32_t queue_id = 0;
  uint32_t record_count = 1;
  uint64_t queue_offset = 0;
  uint64_t physical_offset = 0;
  int64_t store_timestamp_ms = 0;
  int64_t max_timestamp_ms = 0;
};

// A decoded record: header fields plus a view of the payload in place (no copy).
struct RecordView {
  RecordFields fields;
  uint32_t total_size = 0;
  std::span<const std::byte> payload;
};

enum class SlotKind {
  kRecord,        // a record; `record` is filled in
  kEndOfSegment,  // the writer rolled here; continue at the next segment
  kEmpty,         // zeros: nothing was ever written here (end of the log)
};

struct DecodedSlot {
  SlotKind kind = SlotKind::kEmpty;
  RecordView record;
};

inline uint32_t record_size(size_t payload_size) { return kRecordHeaderSize + static_cast<uint32_t>(payload_size); }

// Writes header + payload to `dst` (record_size(payload.size()) bytes) and returns the size.
// With stamp_offset_at >= 0, fields.queue_offset is also written big-endian into the payload
// at that position (before the CRC is taken).
uint32_t encode_record(std::byte* dst, const RecordFields& fields, std::span<const std::byte> payload,
                       int32_t stamp_offset_at = -1);
// Writes the end-of-segment marker filling `bytes_left` (>= kEndOfSegmentMarkerSize).
void encode_end_of_segment(std::byte* dst, uint32_t bytes_left);

// Decodes the slot at the start of `bytes` (the rest of a segment), which is expected to sit at
// commit-log offset `physical_offset`. Checks magic, size bounds, the stored physical offset
// and, with verify_crc, the CRC. A record that fails any check is kCorrupt, with a message
// naming the offset and the check.
Result<DecodedSlot> decode_slot(std::span<const std::byte> bytes, uint64_t physical_offset, bool verify_crc);

}  // namespace ringmq::engine
