#include "engine/commit_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace ringmq::engine {
namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

CommitLog::CommitLog(const EngineConfig& config, std::string directory, std::shared_ptr<FileSystem> fs,
                     SegmentAllocator& allocator, SegmentWriter& writer)
    : config_(config), directory_(std::move(directory)), fs_(std::move(fs)), allocator_(allocator), writer_(writer) {}

Result<AppendResult> CommitLog::append(const AppendRequest& request) {
  if (request.payload.size() > config_.max_record_bytes)
    return make_error(ErrorCode::kTooLarge, "record of " + std::to_string(request.payload.size()) +
                                                " bytes exceeds max_record_bytes " +
                                                std::to_string(config_.max_record_bytes));
  if (request.queue_id > config_.max_queue_id)
    return make_error(ErrorCode::kInvalidArgument, "queue id " + std::to_string(request.queue_id) +
                                                       " is above max_queue_id " +
                                                       std::to_string(config_.max_queue_id));
  if (request.record_count == 0) return make_error(ErrorCode::kInvalidArgument, "record_count must be at least 1");
  if (request.stamp_offset_at >= 0 && uint64_t(request.stamp_offset_at) + 8 > request.payload.size())
    return make_error(ErrorCode::kInvalidArgument, "stamp_offset_at lies outside the payload");
  const uint32_t size = record_size(request.payload.size());

  std::lock_guard lock(write_mutex_);
  if (disk_full_.load(std::memory_order_relaxed)) return make_error(ErrorCode::kDiskFull, disk_full_reason_);
  uint64_t in_segment = write_offset_ - active_->base_offset();
  if (in_segment + size > active_->size()) {
    const uint64_t left = active_->size() - in_segment;
    if (left >= kEndOfSegmentMarkerSize) {
      if (auto s = writer_.make_writable(*active_, in_segment + kEndOfSegmentMarkerSize); !s)
        return std::unexpected(s.error());
      encode_end_of_segment(active_base_ + in_segment, static_cast<uint32_t>(left));
    }
    if (auto s = roll(active_->end_offset()); !s) return std::unexpected(s.error());
    in_segment = 0;
  }
  if (auto s = writer_.make_writable(*active_, in_segment + size); !s) return std::unexpected(s.error());
  if (request.queue_id >= next_queue_offset_.size()) next_queue_offset_.resize(request.queue_id + 1, 0);

  AppendResult result;
  result.store_timestamp_ms = now_ms();
  result.commit_log_offset = LogPosition(write_offset_);
  result.queue_offset = QueueOffset(next_queue_offset_[request.queue_id]);
  RecordFields fields;
  fields.queue_id = request.queue_id;
  fields.record_count = request.record_count;
  fields.queue_offset = result.queue_offset.value();
  fields.physical_offset = write_offset_;
  fields.store_timestamp_ms = result.store_timestamp_ms;
  fields.max_timestamp_ms = request.max_timestamp_ms >= 0 ? request.max_timestamp_ms : result.store_timestamp_ms;
  encode_record(active_base_ + in_segment, fields, request.payload, request.stamp_offset_at);

  next_queue_offset_[request.queue_id] += request.record_count;
  last_record_at_ = write_offset_;
  write_offset_ += size;
  result.end_offset = LogPosition(write_offset_);
  written_offset_.store(write_offset_, std::memory_order_release);
  return result;
}

Status CommitLog::roll(uint64_t next_base) {
  auto next = allocator_.take(next_base, std::chrono::milliseconds(config_.append_wait_timeout_ms));
  if (!next) return std::unexpected(next.error());
  {
    std::unique_lock lock(segments_mutex_);
    segments_.push_back(*next);
  }
  allocator_.retire(std::move(active_));
  active_ = std::move(*next);
  write_offset_ = next_base;
  active_base_ = writer_.append_base(*active_);
  writer_.activate(active_, &written_offset_);
  allocator_.request(next_base + active_->size());
  return {};
}

template <typename Apply>
Status CommitLog::for_segment_ranges(uint64_t from, uint64_t to, Apply&& apply) {
  // A flush rarely spans more than two segments; larger spans go a batch at a time. The
  // shared_ptrs keep each segment mapped while the writer works on it (retention may drop it).
  constexpr size_t kBatch = 8;
  std::shared_ptr<MappedSegment> held[kBatch];
  SegmentRange ranges[kBatch];
  uint64_t pos = from;
  while (pos < to) {
    size_t n = 0;
    for (; pos < to && n < kBatch;) {
      auto segment = segment_containing(pos);
      if (!segment) {  // deleted by retention meanwhile: nothing left to write there
        pos = next_segment_base(pos);
        continue;
      }
      const uint64_t end = std::min(to, segment->end_offset());
      ranges[n] = {segment.get(), pos, end};
      held[n++] = std::move(segment);
      pos = end;
    }
    if (n > 0)
      if (auto s = apply(std::span<const SegmentRange>(ranges, n)); !s) return s;
    for (size_t i = 0; i < n; ++i) held[i].reset();
  }
  return {};
}

Status CommitLog::flush_range(uint64_t from, uint64_t to) {
  return for_segment_ranges(from, to, [&](std::span<const SegmentRange> r) { return writer_.make_durable(r); });
}

Status CommitLog::write_range(uint64_t from, uint64_t to) {
  return for_segment_ranges(from, to, [&](std::span<const SegmentRange> r) { return writer_.write_behind(r); });
}

std::shared_ptr<MappedSegment> CommitLog::segment_containing(uint64_t offset) const {
  std::shared_lock lock(segments_mutex_);
  if (segments_.empty() || offset < segments_.front()->base_offset()) return nullptr;
  const size_t index = (offset - segments_.front()->base_offset()) / config_.segment_bytes;
  return index < segments_.size() ? segments_[index] : nullptr;
}

Result<PinnedRecord> CommitLog::read_slot(uint64_t offset, bool verify_crc) const {
  auto segment = segment_containing(offset);
  if (!segment)
    return make_error(ErrorCode::kOutOfRange, "commit-log offset " + std::to_string(offset) + " is outside the log [" +
                                                  std::to_string(log_start_offset()) + ", " +
                                                  std::to_string(written_offset()) + ")");
  auto slot = decode_slot(segment->read_from(offset - segment->base_offset()), offset, verify_crc);
  if (!slot) return std::unexpected(slot.error());
  return PinnedRecord{*slot, std::move(segment)};
}

std::vector<std::shared_ptr<MappedSegment>> CommitLog::inactive_segments() const {
  std::shared_lock lock(segments_mutex_);
  if (segments_.size() <= 1) return {};
  return {segments_.begin(), segments_.end() - 1};
}

Status CommitLog::delete_oldest_segment() {
  std::shared_ptr<MappedSegment> victim;
  {
    std::unique_lock lock(segments_mutex_);
    if (segments_.size() <= 1) return {};
    victim = segments_.front();
    segments_.erase(segments_.begin());
    log_start_offset_.store(segments_.front()->base_offset(), std::memory_order_release);
  }
  spdlog::info("retention: deleting commit-log segment {}", victim->path());
  if (auto s = victim->remove_file(); !s) return s;
  return fs_->sync_directory(directory_);
}

uint64_t CommitLog::size_bytes() const {
  std::shared_lock lock(segments_mutex_);
  return segments_.size() * config_.segment_bytes;
}

void CommitLog::seed_next_queue_offset(uint32_t queue_id, uint64_t next_offset) {
  std::lock_guard lock(write_mutex_);
  if (queue_id >= next_queue_offset_.size()) next_queue_offset_.resize(queue_id + 1, 0);
  next_queue_offset_[queue_id] = next_offset;
}

void CommitLog::set_disk_full(bool full, std::string reason) {
  std::lock_guard lock(write_mutex_);
  disk_full_.store(full, std::memory_order_relaxed);
  disk_full_reason_ = std::move(reason);
}

}  // namespace ringmq::engine
