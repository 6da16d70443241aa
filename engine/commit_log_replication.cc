// CommitLog's replication side: the leader reads its log as chunks of whole slots, the follower
// appends them byte for byte after checking each one. See commit_log.h for the contract.
#include <cstring>

#include "common/little_endian.h"
#include "engine/commit_log.h"

namespace ringmq::engine {
namespace {

Error out_of_log(uint64_t offset, uint64_t start, uint64_t end) {
  return Error{ErrorCode::kOutOfRange, "commit-log offset " + std::to_string(offset) + " is outside the log [" +
                                           std::to_string(start) + ", " + std::to_string(end) + "]"};
}

}  // namespace

Result<LogChunk> CommitLog::read_chunk(uint64_t from, uint64_t max_bytes) const {
  for (;;) {
    const uint64_t written = written_offset();
    const uint64_t start = log_start_offset();
    if (from > written || from < start) return std::unexpected(out_of_log(from, start, written));
    LogChunk chunk;
    chunk.at = chunk.next = from;
    if (from == written) return chunk;
    auto segment = segment_containing(from);
    if (!segment) return std::unexpected(out_of_log(from, log_start_offset(), written));  // retention meanwhile
    const uint64_t base = segment->base_offset();
    const uint64_t limit = std::min(written, segment->end_offset()) - base;
    const uint64_t first = from - base;
    uint64_t p = first;
    bool segment_ended = false;
    while (p < limit) {
      auto slot = decode_slot(segment->read_from(p), base + p, /*verify_crc=*/false);
      if (!slot)
        return make_error(ErrorCode::kCorrupt, "no slot of this log starts at " + std::to_string(base + p) +
                                                   " (a replica whose log diverged?): " + slot.error().message);
      if (slot->kind == SlotKind::kEmpty)
        return make_error(ErrorCode::kCorrupt, "zeros at " + std::to_string(base + p) + ", below the written offset");
      if (slot->kind == SlotKind::kEndOfSegment) {
        // A marker is sent and the next chunk starts at the next segment; a tail too short for
        // one is not (the next read_chunk skips it once the leader has rolled).
        if (segment->size() - p >= kEndOfSegmentMarkerSize) {
          p += kEndOfSegmentMarkerSize;
          segment_ended = true;
        }
        break;
      }
      const uint32_t total = slot->record.total_size;
      if (p > first && p + total - first > max_bytes) break;
      p += total;
      ++chunk.records;
    }
    if (p == first) {
      // `from` is in a tail too short for a marker: the leader rolls there on its next append.
      if (written < segment->end_offset()) return chunk;
      from = segment->end_offset();
      continue;
    }
    chunk.bytes = segment->read_from(first).first(p - first);
    chunk.next = segment_ended ? segment->end_offset() : base + p;
    chunk.segment = std::move(segment);
    return chunk;
  }
}

Result<ReplicatedAppend> CommitLog::append_replicated(uint64_t at, std::span<const std::byte> bytes) {
  std::lock_guard lock(write_mutex_);
  if (disk_full_.load(std::memory_order_relaxed)) return make_error(ErrorCode::kDiskFull, disk_full_reason_);
  if (at != write_offset_) {
    const bool leader_rolled =
        at == active_->end_offset() && active_->end_offset() - write_offset_ < kEndOfSegmentMarkerSize;
    if (!leader_rolled)
      return make_error(ErrorCode::kInvalidArgument, "a chunk at commit-log offset " + std::to_string(at) +
                                                         " does not follow this replica's log end " +
                                                         std::to_string(write_offset_));
    if (auto s = roll(at); !s) return std::unexpected(s.error());
  }
  ReplicatedAppend result;
  Status failure;
  size_t p = 0;
  while (p < bytes.size()) {
    const uint64_t in_segment = write_offset_ - active_->base_offset();
    const uint64_t left = active_->size() - in_segment;
    const auto rest = bytes.subspan(p);
    if (rest.size() >= kEndOfSegmentMarkerSize && load_le<uint32_t>(rest.data() + 4) == kEndOfSegmentMagic) {
      if (rest.size() != kEndOfSegmentMarkerSize || load_le<uint32_t>(rest.data()) != left) {
        failure = make_error(ErrorCode::kCorrupt, "end-of-segment marker at " + std::to_string(write_offset_) +
                                                      " does not end this replica's segment (" + std::to_string(left) +
                                                      " bytes left; are segment_bytes the same?)");
        break;
      }
      if (failure = writer_.make_writable(*active_, in_segment + kEndOfSegmentMarkerSize); !failure) break;
      std::memcpy(active_base_ + in_segment, rest.data(), kEndOfSegmentMarkerSize);
      if (failure = roll(active_->end_offset()); !failure) break;
      p += kEndOfSegmentMarkerSize;
      continue;
    }
    auto slot = decode_slot(rest, write_offset_, /*verify_crc=*/true);
    if (!slot || slot->kind != SlotKind::kRecord) {
      failure = make_error(
          ErrorCode::kCorrupt,
          slot ? "not a record at " + std::to_string(write_offset_) + " in a replicated chunk" : slot.error().message);
      break;
    }
    const RecordFields& fields = slot->record.fields;
    const uint32_t total = slot->record.total_size;
    const uint64_t expected =
        fields.queue_id < next_queue_offset_.size() ? next_queue_offset_[fields.queue_id] : uint64_t{0};
    if (total > left || fields.queue_id > config_.max_queue_id || fields.queue_offset != expected) {
      failure = make_error(ErrorCode::kCorrupt,
                           "record at " + std::to_string(write_offset_) + " (queue " + std::to_string(fields.queue_id) +
                               ", queue offset " + std::to_string(fields.queue_offset) + ", " + std::to_string(total) +
                               " bytes) does not fit this replica: " + std::to_string(left) +
                               " bytes left in the segment, next queue offset " + std::to_string(expected));
      break;
    }
    if (failure = writer_.make_writable(*active_, in_segment + total); !failure) break;
    std::memcpy(active_base_ + in_segment, rest.data(), total);
    if (fields.queue_id >= next_queue_offset_.size()) next_queue_offset_.resize(fields.queue_id + 1, 0);
    next_queue_offset_[fields.queue_id] += fields.record_count;
    last_record_at_ = write_offset_;
    write_offset_ += total;
    p += total;
    ++result.records;
  }
  // Whatever was checked and copied is published, also when a later slot was refused.
  written_offset_.store(write_offset_, std::memory_order_release);
  result.end_offset = write_offset_;
  if (!failure) return std::unexpected(failure.error());
  return result;
}

std::optional<RecordTip> CommitLog::last_record() const {
  uint64_t at = 0;
  {
    std::lock_guard lock(write_mutex_);
    at = last_record_at_;
  }
  if (at == UINT64_MAX) return std::nullopt;
  auto tip = record_tip(at);
  if (!tip) return std::nullopt;  // retention took it
  return *tip;
}

Result<RecordTip> CommitLog::record_tip(uint64_t at) const {
  if (at >= written_offset()) return std::unexpected(out_of_log(at, log_start_offset(), written_offset()));
  auto record = read_slot(at, /*verify_crc=*/false);
  if (!record) return std::unexpected(record.error());
  if (record->slot.kind != SlotKind::kRecord)
    return make_error(ErrorCode::kCorrupt, "no record starts at commit-log offset " + std::to_string(at));
  const std::byte* header = record->segment->read_from(at - record->segment->base_offset()).data();
  return RecordTip{at, at + record->slot.record.total_size, load_le<uint32_t>(header + 8)};
}

}  // namespace ringmq::engine
