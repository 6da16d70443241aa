#include "engine/commit_log.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "engine/segment_committer.h"
#include "io/file.h"

namespace ringmq::engine {
namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

CommitLog::CommitLog(const EngineConfig& config, std::string directory, SegmentAllocator& allocator)
    : config_(config), directory_(std::move(directory)), allocator_(allocator) {}

Result<CommitLogRecovery> CommitLog::recover(uint64_t trusted_offset) {
  const uint64_t size = config_.segment_bytes;
  std::vector<uint64_t> bases;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, ec)) {
    auto base = parse_segment_file_name(entry.path().filename().string());
    if (base) bases.push_back(*base);
  }
  if (ec) return make_error(ErrorCode::kIo, "list " + directory_ + ": " + ec.message());
  std::sort(bases.begin(), bases.end());

  // Segments made ahead of time and never written to (the allocator's next one) carry no data:
  // drop them from the end so that the newest segment with data is the last one.
  while (bases.size() > 1) {
    const std::string path = directory_ + "/" + segment_file_name(bases.back());
    auto fd = io::open_file(path, O_RDONLY);
    if (!fd) return std::unexpected(fd.error());
    std::byte head[kEndOfSegmentMarkerSize] = {};
    auto n = io::pread_full(fd->get(), path, head, 0);
    if (!n) return std::unexpected(n.error());
    if (std::any_of(std::begin(head), std::end(head), [](std::byte b) { return b != std::byte{0}; })) break;
    if (auto s = io::remove_file(path); !s) return std::unexpected(s.error());
    bases.pop_back();
  }

  CommitLogRecovery report;
  if (bases.empty()) {
    auto first = allocator_.prepare_now(0, false);
    if (!first) return std::unexpected(first.error());
    segments_ = {*first};
    active_ = *first;
    active_base_ = active_->write_base();
    allocator_.activate(active_, &written_offset_);
    allocator_.request(size);
    return report;
  }
  for (size_t i = 0; i < bases.size(); ++i) {
    if (bases[i] % size != 0)
      return make_error(ErrorCode::kCorrupt, "segment " + segment_file_name(bases[i]) + " in " + directory_ +
                                                 " does not start at a multiple of segment_bytes (" +
                                                 std::to_string(size) + "); was segment_bytes changed?");
    if (i > 0 && bases[i] != bases[i - 1] + size)
      return make_error(ErrorCode::kCorrupt, "commit log in " + directory_ + " has a gap: segment " +
                                                 segment_file_name(bases[i - 1] + size) + " is missing");
  }
  for (size_t i = 0; i < bases.size(); ++i) {
    const std::string path = directory_ + "/" + segment_file_name(bases[i]);
    const bool last = i + 1 == bases.size();
    if (last) {
      // The newest file may be short if the process died while reserving it: extend it.
      auto fd = io::open_file(path, O_RDWR);
      if (!fd) return std::unexpected(fd.error());
      auto actual = io::file_size(fd->get(), path);
      if (!actual) return std::unexpected(actual.error());
      if (*actual < size) {
        spdlog::warn("segment {} is {} bytes, less than segment_bytes {}: extending it", path, *actual, size);
        if (auto s = io::allocate_file(fd->get(), path, size); !s) return std::unexpected(s.error());
      }
    }
    auto segment = MappedSegment::open_existing(path, bases[i], size);
    if (!segment) return std::unexpected(segment.error());
    segments_.push_back(std::move(*segment));
  }

  const uint64_t log_start = bases.front();
  const uint64_t log_end = bases.back() + size;
  report.log_start_offset = log_start;
  log_start_offset_.store(log_start);
  if (trusted_offset > log_end)
    return make_error(ErrorCode::kCorrupt, "the checkpoint says the commit log was flushed up to offset " +
                                               std::to_string(trusted_offset) + " but its segments end at " +
                                               std::to_string(log_end) + ": segment files are missing from " +
                                               directory_);
  trusted_offset = std::max(trusted_offset, log_start);

  // Scan from the start of the segment holding the trusted offset: segment starts are always
  // record boundaries, and a checkpoint can lag the data by up to one interval.
  uint64_t pos = std::min(trusted_offset, log_end - 1) / size * size;
  report.scanned_from = pos;
  for (;;) {
    auto segment = segment_containing(pos);
    if (!segment) break;  // the last segment ended with an end-of-segment marker
    auto slot = decode_slot(segment->mapped_bytes_from(pos - segment->base_offset()), pos, true);
    if (slot && slot->kind == SlotKind::kRecord) {
      pos += slot->record.total_size;
      ++report.records_scanned;
      continue;
    }
    if (slot && slot->kind == SlotKind::kEndOfSegment) {
      pos = segment->end_offset();
      continue;
    }
    if (pos < trusted_offset) {
      std::string what = slot ? "zeros where records were flushed" : slot.error().message;
      return make_error(ErrorCode::kCorrupt,
                        what + " (offset " + std::to_string(pos) + ", below the checkpointed flush offset " +
                            std::to_string(trusted_offset) + " in " + segment->path() +
                            "): flushed data was damaged; restore the file or move it away to start from the "
                            "records before it");
    }
    if (!slot) {
      report.truncated = true;
      report.truncation_reason = slot.error().message;
    }
    break;
  }
  report.end_offset = pos;

  // Cut off everything after the end: later segments, and stale bytes in the active one.
  const uint64_t active_base = pos / size * size;
  while (segments_.size() > 1 && segments_.back()->base_offset() > active_base) {
    if (auto s = segments_.back()->remove_file(); !s) return std::unexpected(s.error());
    segments_.pop_back();
    report.truncated = true;
    if (report.truncation_reason.empty()) report.truncation_reason = "segments after the end removed";
  }
  if (segments_.back()->base_offset() < active_base) {
    auto next = allocator_.prepare_now(active_base, false);
    if (!next) return std::unexpected(next.error());
    segments_.push_back(*next);
  } else {
    if (auto s = segments_.back()->zero_from(pos - active_base); !s) return std::unexpected(s.error());
    if (auto s = allocator_.warm_up(*segments_.back()); !s) return std::unexpected(s.error());
  }
  if (report.truncated) {
    spdlog::warn("commit log truncated at offset {}: {}", pos, report.truncation_reason);
    if (auto s = io::sync_directory(directory_); !s) return std::unexpected(s.error());
  }
  active_ = segments_.back();
  write_offset_ = pos;
  active_base_ = active_->write_base();
  written_offset_.store(pos, std::memory_order_release);
  allocator_.activate(active_, &written_offset_);
  allocator_.request(active_->end_offset());
  return report;
}

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
    if (left >= kEndOfSegmentMarkerSize) encode_end_of_segment(active_base_ + in_segment, static_cast<uint32_t>(left));
    if (auto s = roll(active_->end_offset()); !s) return std::unexpected(s.error());
    in_segment = 0;
  }
  if (request.queue_id >= next_queue_offset_.size()) next_queue_offset_.resize(request.queue_id + 1, 0);

  AppendResult result;
  result.store_timestamp_ms = now_ms();
  result.commit_log_offset = write_offset_;
  result.queue_offset = next_queue_offset_[request.queue_id];
  RecordFields fields;
  fields.queue_id = request.queue_id;
  fields.record_count = request.record_count;
  fields.queue_offset = result.queue_offset;
  fields.physical_offset = write_offset_;
  fields.store_timestamp_ms = result.store_timestamp_ms;
  fields.max_timestamp_ms = request.max_timestamp_ms >= 0 ? request.max_timestamp_ms : result.store_timestamp_ms;
  encode_record(active_base_ + in_segment, fields, request.payload, request.stamp_offset_at);

  next_queue_offset_[request.queue_id] += request.record_count;
  write_offset_ += size;
  result.end_offset = write_offset_;
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
  active_base_ = active_->write_base();
  allocator_.activate(active_, &written_offset_);
  allocator_.request(next_base + active_->size());
  return {};
}

Status CommitLog::flush_range(uint64_t from, uint64_t to) {
  if (committer_) return committer_->commit(*this, from, to, true);
  uint64_t pos = from;
  while (pos < to) {
    auto segment = segment_containing(pos);
    if (!segment) {  // deleted by retention meanwhile: nothing left to flush there
      pos = next_segment_base(pos);
      continue;
    }
    const uint64_t end = std::min(to, segment->end_offset());
    if (auto s = segment->flush(pos - segment->base_offset(), end - segment->base_offset()); !s) return s;
    pos = end;
  }
  return {};
}

Status CommitLog::write_range(uint64_t from, uint64_t to) {
  return committer_ ? committer_->commit(*this, from, to, false) : Status{};
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
    return make_error(ErrorCode::kOutOfRange, "commit-log offset " + std::to_string(offset) +
                                                  " is outside the log [" + std::to_string(log_start_offset()) +
                                                  ", " + std::to_string(written_offset()) + ")");
  auto view = segment->read_from(offset - segment->base_offset());
  auto slot = decode_slot(view.bytes, offset, verify_crc);
  if (!slot) return std::unexpected(slot.error());
  return PinnedRecord{*slot, std::move(segment), std::move(view.pin)};
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
  return io::sync_directory(directory_);
}

uint64_t CommitLog::size_bytes() const {
  std::shared_lock lock(segments_mutex_);
  return segments_.size() * config_.segment_bytes;
}

void CommitLog::set_disk_full(bool full, std::string reason) {
  std::lock_guard lock(write_mutex_);
  disk_full_.store(full, std::memory_order_relaxed);
  disk_full_reason_ = std::move(reason);
}

}  // namespace ringmq::engine
