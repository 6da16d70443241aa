// The two layouts OffsetStore writes, documented here and nowhere else. Integers are
// little-endian; strings are a length then that many bytes (no terminator).
//
// 1. Offsets record: the payload of one engine record in the internal queue 0. The engine's
//    record CRC covers it, so it carries no checksum of its own.
//
//   offset size field
//   0      4    magic "RMOF" (bytes 52 4D 4F 46)
//   4      1    version (1)
//   5      1    kind: 1 commit, 2 delete-topic, 3 delete-group, 4 snapshot-begin,
//                 5 delete-offsets
//   6      2    reserved (0)
//   8      ...  body, by kind:
//     commit:         u16 group_size, group, u32 entry_count, then per entry:
//                       u16 topic_size, topic, i32 partition, i64 offset, i32 leader_epoch,
//                       i64 commit_timestamp_ms, u16 metadata_size, metadata
//     delete-topic:   u16 topic_size, topic   (every group's offsets of the topic are gone)
//     delete-group:   u16 group_size, group   (all of the group's offsets are gone)
//     snapshot-begin: u64 live_entry_count    (the commit records that follow, up to the
//                     next snapshot-begin or the end, restate every live offset)
//     delete-offsets: u16 group_size, group, u32 entry_count, then per entry:
//                       u16 topic_size, topic, i32 partition
//                     (OffsetDelete: those partitions' offsets of the group are gone)
//
//    Replay applies records in queue order; a later record wins.
//
// 2. Snapshot pointer, <data_dir>/offsets_snapshot, replaced atomically after a snapshot's
//    records are durable: where replay may start instead of the queue's first record.
//
//   offset size field
//   0      4    magic "RMOS" (bytes 52 4D 4F 53)
//   4      2    version (1)
//   6      2    reserved (0)
//   8      8    snapshot_offset   queue-0 offset of the snapshot-begin record
//   16     4    CRC32C of bytes [0, 16)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace ringmq::broker::kafka {

inline constexpr uint32_t kOffsetsRecordMagic = 0x464F4D52;  // "RMOF" little-endian
inline constexpr uint8_t kOffsetsRecordVersion = 1;
inline constexpr size_t kOffsetsRecordHeaderSize = 8;
inline constexpr uint32_t kOffsetsSnapshotMagic = 0x534F4D52;  // "RMOS" little-endian
inline constexpr uint16_t kOffsetsSnapshotVersion = 1;
inline constexpr size_t kOffsetsSnapshotFileSize = 20;

enum class OffsetsRecordKind : uint8_t {
  kCommit = 1,
  kDeleteTopic = 2,
  kDeleteGroup = 3,
  kSnapshotBegin = 4,
  kDeleteOffsets = 5,
};

struct StoredOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  int64_t commit_timestamp_ms = -1;
  std::string metadata;
};

struct OffsetsRecord {
  OffsetsRecordKind kind = OffsetsRecordKind::kCommit;
  std::string group;                  // commit, delete-group, delete-offsets
  std::string topic;                  // delete-topic
  std::vector<StoredOffset> offsets;  // commit; delete-offsets (topic and partition only)
  uint64_t live_entry_count = 0;      // snapshot-begin
};

// Bytes one entry takes in a commit record, and the fixed part before the entries.
size_t encoded_offset_size(const StoredOffset& offset);
size_t encoded_commit_prefix_size(std::string_view group);

// The caller has checked that every string fits its u16 length.
std::vector<std::byte> encode_offsets_record(const OffsetsRecord& record);
// kCorrupt naming what is wrong (the caller adds where the record was).
Result<OffsetsRecord> decode_offsets_record(std::span<const std::byte> bytes);

std::vector<std::byte> encode_offsets_snapshot(uint64_t snapshot_offset);
Result<uint64_t> decode_offsets_snapshot(std::span<const std::byte> bytes);

}  // namespace ringmq::broker::kafka
