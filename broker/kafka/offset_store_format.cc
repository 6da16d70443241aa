#include "broker/kafka/offset_store_format.h"

#include <string_view>

#include "broker/kafka/le_bytes.h"
#include "common/crc32c.h"

namespace ringmq::broker::kafka {
namespace {

std::unexpected<Error> corrupt(const std::string& what) { return make_error(ErrorCode::kCorrupt, what); }

// topic_size + topic + partition + offset + leader_epoch + timestamp + metadata_size + metadata
constexpr size_t kFixedEntryBytes = 2 + 4 + 8 + 4 + 8 + 2;
// Smallest entry (empty topic and metadata): bounds entry_count before reserving memory.
constexpr size_t kMinEntryBytes = kFixedEntryBytes;
// A delete-offsets entry: topic_size + topic + partition.
constexpr size_t kMinDeletedEntryBytes = 2 + 4;

}  // namespace

size_t encoded_offset_size(const StoredOffset& offset) {
  return kFixedEntryBytes + offset.topic.size() + offset.metadata.size();
}

size_t encoded_commit_prefix_size(std::string_view group) { return kOffsetsRecordHeaderSize + 2 + group.size() + 4; }

std::vector<std::byte> encode_offsets_record(const OffsetsRecord& record) {
  std::vector<std::byte> out;
  append_le<uint32_t>(out, kOffsetsRecordMagic);
  append_le<uint8_t>(out, kOffsetsRecordVersion);
  append_le<uint8_t>(out, static_cast<uint8_t>(record.kind));
  append_le<uint16_t>(out, 0);
  switch (record.kind) {
    case OffsetsRecordKind::kCommit:
      put_string(out, record.group);
      append_le<uint32_t>(out, record.offsets.size());
      for (const StoredOffset& o : record.offsets) {
        put_string(out, o.topic);
        append_le<uint32_t>(out, static_cast<uint32_t>(o.partition));
        append_le<uint64_t>(out, static_cast<uint64_t>(o.offset));
        append_le<uint32_t>(out, static_cast<uint32_t>(o.leader_epoch));
        append_le<uint64_t>(out, static_cast<uint64_t>(o.commit_timestamp_ms));
        put_string(out, o.metadata);
      }
      break;
    case OffsetsRecordKind::kDeleteTopic:
      put_string(out, record.topic);
      break;
    case OffsetsRecordKind::kDeleteGroup:
      put_string(out, record.group);
      break;
    case OffsetsRecordKind::kSnapshotBegin:
      append_le<uint64_t>(out, record.live_entry_count);
      break;
    case OffsetsRecordKind::kDeleteOffsets:
      put_string(out, record.group);
      append_le<uint32_t>(out, record.offsets.size());
      for (const StoredOffset& o : record.offsets) {
        put_string(out, o.topic);
        append_le<uint32_t>(out, static_cast<uint32_t>(o.partition));
      }
      break;
  }
  return out;
}

Result<OffsetsRecord> decode_offsets_record(std::span<const std::byte> bytes) {
  LeReader in(bytes);
  const auto magic = in.read<uint32_t>();
  const auto version = in.read<uint8_t>();
  const auto kind = in.read<uint8_t>();
  in.read<uint16_t>();
  if (in.failed()) return corrupt("record is " + std::to_string(bytes.size()) + " bytes, shorter than its header");
  if (magic != kOffsetsRecordMagic) return corrupt("not an offsets record (bad magic)");
  if (version != kOffsetsRecordVersion)
    return corrupt("offsets record version " + std::to_string(version) + " is not one this broker reads (" +
                   std::to_string(kOffsetsRecordVersion) + "); was it written by a newer RingMQ?");
  OffsetsRecord record;
  switch (kind) {
    case static_cast<uint8_t>(OffsetsRecordKind::kCommit): {
      record.kind = OffsetsRecordKind::kCommit;
      record.group = in.string();
      const auto count = in.read<uint32_t>();
      if (in.failed() || count > in.remaining() / kMinEntryBytes)
        return corrupt("commit record claims " + std::to_string(count) + " entries in " +
                       std::to_string(in.remaining()) + " bytes");
      record.offsets.resize(count);
      for (StoredOffset& o : record.offsets) {
        o.topic = in.string();
        o.partition = static_cast<int32_t>(in.read<uint32_t>());
        o.offset = static_cast<int64_t>(in.read<uint64_t>());
        o.leader_epoch = static_cast<int32_t>(in.read<uint32_t>());
        o.commit_timestamp_ms = static_cast<int64_t>(in.read<uint64_t>());
        o.metadata = in.string();
      }
      break;
    }
    case static_cast<uint8_t>(OffsetsRecordKind::kDeleteTopic):
      record.kind = OffsetsRecordKind::kDeleteTopic;
      record.topic = in.string();
      break;
    case static_cast<uint8_t>(OffsetsRecordKind::kDeleteGroup):
      record.kind = OffsetsRecordKind::kDeleteGroup;
      record.group = in.string();
      break;
    case static_cast<uint8_t>(OffsetsRecordKind::kSnapshotBegin):
      record.kind = OffsetsRecordKind::kSnapshotBegin;
      record.live_entry_count = in.read<uint64_t>();
      break;
    case static_cast<uint8_t>(OffsetsRecordKind::kDeleteOffsets): {
      record.kind = OffsetsRecordKind::kDeleteOffsets;
      record.group = in.string();
      const auto count = in.read<uint32_t>();
      if (in.failed() || count > in.remaining() / kMinDeletedEntryBytes)
        return corrupt("delete-offsets record claims " + std::to_string(count) + " entries in " +
                       std::to_string(in.remaining()) + " bytes");
      record.offsets.resize(count);
      for (StoredOffset& o : record.offsets) {
        o.topic = in.string();
        o.partition = static_cast<int32_t>(in.read<uint32_t>());
      }
      break;
    }
    default:
      return corrupt("unknown offsets record kind " + std::to_string(kind));
  }
  if (in.failed()) return corrupt("record ends inside its body");
  if (in.remaining() != 0) return corrupt(std::to_string(in.remaining()) + " unexpected bytes after the body");
  return record;
}

std::vector<std::byte> encode_offsets_snapshot(uint64_t snapshot_offset) {
  std::vector<std::byte> out;
  append_le<uint32_t>(out, kOffsetsSnapshotMagic);
  append_le<uint16_t>(out, kOffsetsSnapshotVersion);
  append_le<uint16_t>(out, 0);
  append_le<uint64_t>(out, snapshot_offset);
  append_le<uint32_t>(out, crc32c(out));
  return out;
}

Result<uint64_t> decode_offsets_snapshot(std::span<const std::byte> bytes) {
  if (bytes.size() != kOffsetsSnapshotFileSize)
    return corrupt("is " + std::to_string(bytes.size()) + " bytes, not " + std::to_string(kOffsetsSnapshotFileSize));
  LeReader in(bytes);
  const auto magic = in.read<uint32_t>();
  const auto version = in.read<uint16_t>();
  in.read<uint16_t>();
  const uint64_t offset = in.read<uint64_t>();
  const auto crc = in.read<uint32_t>();
  if (magic != kOffsetsSnapshotMagic) return corrupt("bad magic");
  if (version != kOffsetsSnapshotVersion) return corrupt("unknown version " + std::to_string(version));
  if (crc32c(bytes.first(16)) != crc) return corrupt("CRC mismatch");
  return offset;
}

}  // namespace ringmq::broker::kafka
