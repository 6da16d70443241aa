// CommitLog::recover and its steps: find the segment files, check they form one run, map
// them, scan from the last safe point to the end of valid records, cut what lies beyond, and
// hand the active segment to the writer. Kept apart from the append path: it runs once, at
// open, and its correctness is subtle (what is a torn tail, what is damage).
#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/commit_log.h"

namespace ringmq::engine {

Result<CommitLogRecovery> CommitLog::recover(uint64_t trusted_offset) {
  auto bases = list_segment_bases();
  if (!bases) return std::unexpected(bases.error());
  if (auto s = drop_unwritten_segments(*bases); !s) return std::unexpected(s.error());
  CommitLogRecovery report;
  if (bases->empty()) {
    if (auto s = start_new_log(); !s) return std::unexpected(s.error());
    return report;
  }
  if (auto s = check_contiguous(*bases); !s) return std::unexpected(s.error());
  if (auto s = open_segments(*bases); !s) return std::unexpected(s.error());

  const uint64_t log_start = bases->front();
  const uint64_t log_end = bases->back() + config_.segment_bytes;
  report.log_start_offset = log_start;
  log_start_offset_.store(log_start);
  if (trusted_offset > log_end)
    return make_error(ErrorCode::kCorrupt, "the checkpoint says the commit log was flushed up to offset " +
                                               std::to_string(trusted_offset) + " but its segments end at " +
                                               std::to_string(log_end) + ": segment files are missing from " +
                                               directory_);
  auto end = scan_to_end(std::max(trusted_offset, log_start), report);
  if (!end) return std::unexpected(end.error());
  report.end_offset = *end;
  if (auto s = cut_after(*end, report); !s) return std::unexpected(s.error());
  start_writing_at(*end);
  last_record_at_ = report.last_record_at;
  return report;
}

Result<std::vector<uint64_t>> CommitLog::list_segment_bases() const {
  auto names = fs_->list_directory(directory_);
  if (!names) return std::unexpected(names.error());
  std::vector<uint64_t> bases;
  for (const auto& name : *names)
    if (auto base = parse_segment_file_name(name)) bases.push_back(*base);
  std::sort(bases.begin(), bases.end());
  return bases;
}

// Segments made ahead of time and never written to (the allocator's next one) carry no data:
// drop them from the end so that the newest segment with data is the last one.
Status CommitLog::drop_unwritten_segments(std::vector<uint64_t>& bases) const {
  while (bases.size() > 1) {
    const std::string path = directory_ + "/" + segment_file_name(bases.back());
    auto fd = fs_->open(path, O_RDONLY);
    if (!fd) return std::unexpected(fd.error());
    std::byte head[kEndOfSegmentMarkerSize] = {};
    auto n = fs_->read(fd->get(), path, head, 0);
    if (!n) return std::unexpected(n.error());
    if (std::any_of(std::begin(head), std::end(head), [](std::byte b) { return b != std::byte{0}; })) break;
    if (auto s = fs_->remove(path); !s) return s;
    bases.pop_back();
  }
  return {};
}

Status CommitLog::check_contiguous(const std::vector<uint64_t>& bases) const {
  const uint64_t size = config_.segment_bytes;
  for (size_t i = 0; i < bases.size(); ++i) {
    if (bases[i] % size != 0)
      return make_error(ErrorCode::kCorrupt, "segment " + segment_file_name(bases[i]) + " in " + directory_ +
                                                 " does not start at a multiple of segment_bytes (" +
                                                 std::to_string(size) + "); was segment_bytes changed?");
    if (i > 0 && bases[i] != bases[i - 1] + size)
      return make_error(ErrorCode::kCorrupt, "commit log in " + directory_ + " has a gap: segment " +
                                                 segment_file_name(bases[i - 1] + size) + " is missing");
  }
  return {};
}

Status CommitLog::open_segments(const std::vector<uint64_t>& bases) {
  const uint64_t size = config_.segment_bytes;
  for (size_t i = 0; i < bases.size(); ++i) {
    const std::string path = directory_ + "/" + segment_file_name(bases[i]);
    if (i + 1 == bases.size()) {
      // The newest file may be short if the process died while reserving it: extend it.
      auto fd = fs_->open(path, O_RDWR);
      if (!fd) return std::unexpected(fd.error());
      auto actual = fs_->file_size(fd->get(), path);
      if (!actual) return std::unexpected(actual.error());
      if (*actual < size) {
        spdlog::warn("segment {} is {} bytes, less than segment_bytes {}: extending it", path, *actual, size);
        if (auto s = fs_->allocate(fd->get(), path, size); !s) return s;
      }
    }
    auto segment = MappedSegment::open_existing(fs_, path, bases[i], size);
    if (!segment) return std::unexpected(segment.error());
    segments_.push_back(std::move(*segment));
  }
  return {};
}

// Scans from the start of the segment holding the trusted offset (segment starts are always
// record boundaries, and a checkpoint can lag the data by up to one interval). A bad record at
// or beyond the trusted offset is a torn tail; one below it was durable and then damaged.
Result<uint64_t> CommitLog::scan_to_end(uint64_t trusted_offset, CommitLogRecovery& report) const {
  const uint64_t size = config_.segment_bytes;
  const uint64_t log_end = segments_.back()->end_offset();
  uint64_t pos = std::min(trusted_offset, log_end - 1) / size * size;
  report.scanned_from = pos;
  for (;;) {
    auto segment = segment_containing(pos);
    if (!segment) return pos;  // the last segment ended with an end-of-segment marker
    auto slot = decode_slot(segment->mapped_bytes_from(pos - segment->base_offset()), pos, true);
    if (slot && slot->kind == SlotKind::kRecord) {
      report.last_record_at = pos;
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
    return pos;
  }
}

// Cuts off everything after `end`: later segments, and stale bytes in the one holding it,
// durably, so they cannot come back; then readies that segment for the writer.
Status CommitLog::cut_after(uint64_t end, CommitLogRecovery& report) {
  const uint64_t active_base = end / config_.segment_bytes * config_.segment_bytes;
  while (segments_.size() > 1 && segments_.back()->base_offset() > active_base) {
    if (auto s = segments_.back()->remove_file(); !s) return s;
    segments_.pop_back();
    report.truncated = true;
    if (report.truncation_reason.empty()) report.truncation_reason = "segments after the end removed";
  }
  if (segments_.back()->base_offset() < active_base) {  // the end is exactly a segment boundary
    auto next = allocator_.prepare_now(active_base, false);
    if (!next) return std::unexpected(next.error());
    segments_.push_back(*next);
  } else {
    if (auto s = segments_.back()->zero_from(end - active_base); !s) return s;
    if (auto s = writer_.prepare(segments_.back(), true); !s) return s;
  }
  if (report.truncated) {
    spdlog::warn("commit log truncated at offset {}: {}", end, report.truncation_reason);
    if (auto s = fs_->sync_directory(directory_); !s) return s;
  }
  return {};
}

Status CommitLog::start_new_log() {
  auto first = allocator_.prepare_now(0, false);
  if (!first) return std::unexpected(first.error());
  segments_ = {*first};
  start_writing_at(0);
  return {};
}

void CommitLog::start_writing_at(uint64_t offset) {
  active_ = segments_.back();
  write_offset_ = offset;
  active_base_ = writer_.append_base(*active_);
  written_offset_.store(offset, std::memory_order_release);
  writer_.activate(active_, &written_offset_);
  allocator_.request(active_->end_offset());
}

}  // namespace ringmq::engine
