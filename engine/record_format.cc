#include "engine/record_format.h"

#include <cstring>
#include <string>

#include "common/crc32c.h"
#include "common/little_endian.h"

namespace ringmq::engine {
namespace {

std::unexpected<Error> corrupt(uint64_t offset, const std::string& what) {
  return make_error(ErrorCode::kCorrupt, "commit log record at offset " + std::to_string(offset) + ": " + what);
}

}  // namespace

uint32_t encode_record(std::byte* dst, const RecordFields& f, std::span<const std::byte> payload,
                       int32_t stamp_offset_at) {
  const uint32_t total = record_size(payload.size());
  store_le<uint32_t>(dst, total);
  store_le<uint32_t>(dst + 4, kRecordMagic);
  store_le<uint32_t>(dst + 12, 0);
  store_le<uint32_t>(dst + 16, f.queue_id);
  store_le<uint32_t>(dst + 20, f.record_count);
  store_le<uint64_t>(dst + 24, f.queue_offset);
  store_le<uint64_t>(dst + 32, f.physical_offset);
  store_le<int64_t>(dst + 40, f.store_timestamp_ms);
  store_le<int64_t>(dst + 48, f.max_timestamp_ms);
  store_le<uint32_t>(dst + 56, static_cast<uint32_t>(payload.size()));
  store_le<uint32_t>(dst + 60, 0);
  if (!payload.empty()) std::memcpy(dst + kRecordHeaderSize, payload.data(), payload.size());
  if (stamp_offset_at >= 0) {
    const uint64_t big_endian = __builtin_bswap64(f.queue_offset);
    std::memcpy(dst + kRecordHeaderSize + stamp_offset_at, &big_endian, 8);
  }
  store_le<uint32_t>(dst + 8, crc32c(0, dst + 12, total - 12));
  return total;
}

void encode_end_of_segment(std::byte* dst, uint32_t bytes_left) {
  store_le<uint32_t>(dst, bytes_left);
  store_le<uint32_t>(dst + 4, kEndOfSegmentMagic);
}

Result<DecodedSlot> decode_slot(std::span<const std::byte> bytes, uint64_t offset, bool verify_crc) {
  if (bytes.size() < kEndOfSegmentMarkerSize) return DecodedSlot{SlotKind::kEndOfSegment, {}};
  const std::byte* p = bytes.data();
  const uint32_t total = load_le<uint32_t>(p);
  const uint32_t magic = load_le<uint32_t>(p + 4);
  if (total == 0 && magic == 0) return DecodedSlot{SlotKind::kEmpty, {}};
  if (magic == kEndOfSegmentMagic) {
    if (total != bytes.size()) return corrupt(offset, "end-of-segment marker with wrong size " + std::to_string(total));
    return DecodedSlot{SlotKind::kEndOfSegment, {}};
  }
  if (magic != kRecordMagic) return corrupt(offset, "bad magic");
  if (total < kRecordHeaderSize || total > bytes.size())
    return corrupt(offset, "impossible size " + std::to_string(total));
  DecodedSlot slot{SlotKind::kRecord, {}};
  RecordView& r = slot.record;
  r.total_size = total;
  r.fields.queue_id = load_le<uint32_t>(p + 16);
  r.fields.record_count = load_le<uint32_t>(p + 20);
  r.fields.queue_offset = load_le<uint64_t>(p + 24);
  r.fields.physical_offset = load_le<uint64_t>(p + 32);
  r.fields.store_timestamp_ms = load_le<int64_t>(p + 40);
  r.fields.max_timestamp_ms = load_le<int64_t>(p + 48);
  const uint32_t payload_size = load_le<uint32_t>(p + 56);
  if (payload_size != total - kRecordHeaderSize) return corrupt(offset, "payload size does not match total size");
  if (r.fields.physical_offset != offset)
    return corrupt(offset, "stale record (says it belongs at offset " + std::to_string(r.fields.physical_offset) + ")");
  if (r.fields.record_count == 0) return corrupt(offset, "record count 0");
  if (verify_crc && crc32c(0, p + 12, total - 12) != load_le<uint32_t>(p + 8)) return corrupt(offset, "CRC mismatch");
  r.payload = bytes.subspan(kRecordHeaderSize, payload_size);
  return slot;
}

}  // namespace ringmq::engine
