#include "engine/segment_committer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/commit_log.h"
#include "io/write_batch.h"

namespace ringmq::engine {

Result<std::unique_ptr<SegmentCommitter>> SegmentCommitter::create(TransientPool& pool) {
  io::RingOptions options;
  options.sq_entries = 64;
  auto ring = io::Ring::create(options);
  if (!ring) return std::unexpected(ring.error());
  for (const auto& line : ring->fallbacks()) spdlog::warn("io_uring: {}", line);
  std::vector<iovec> iovecs;
  for (const auto& buffer : pool.buffers()) iovecs.push_back(buffer.as_iovec());
  if (auto s = ring->register_buffers(iovecs); !s)
    return make_error(s.error().code, "registering the transient pool with io_uring: " + s.error().message);
  std::unique_ptr<SegmentCommitter> committer(new SegmentCommitter(std::move(*ring), pool));
  committer->files_.reserve(pool.size() + 1);
  return committer;
}

std::string SegmentCommitter::describe() const { return ring_.probe().describe(); }

Result<SegmentCommitter::OpenFile*> SegmentCommitter::file_for(uint64_t base, const std::string& path) {
  for (auto& open : files_)
    if (open.base == base) return &open;
  io::DirectFileOptions options;
  options.flags = O_RDWR;
  auto file = io::DirectFile::open(path, options);
  if (!file) return std::unexpected(file.error());
  if (!file->is_direct()) spdlog::warn("{}: O_DIRECT refused by the file system, committing through the page cache", path);
  files_.push_back(OpenFile{base, std::move(*file), false, false});
  return &files_.back();
}

Status SegmentCommitter::write_segment_range(MappedSegment& segment, PoolLease& lease, uint64_t from, uint64_t to) {
  auto open = file_for(segment.base_offset(), segment.path());
  if (!open) return std::unexpected(open.error());
  const io::IoAlignment align = (*open)->file.alignment();
  const uint64_t block = std::max<uint64_t>(align.offset_bytes, 1);
  uint64_t first = from / block * block;
  const uint64_t last = std::min(segment.size(), (to + block - 1) / block * block);
  io::WriteTarget target{io::FileRef::fd((*open)->file.fd()), align, segment.path()};
  (*open)->unsynced = true;
  while (first < last) {
    batch_.clear();
    for (; first < last && batch_.size() < batch_.capacity(); first += kChunkBytes) {
      const uint64_t end = std::min(last, first + kChunkBytes);
      if (auto s = batch_.add({{lease.data() + first, end - first}, first, static_cast<int>(lease.index())}); !s)
        return s;
    }
    auto outcome = batch_.run(ring_, target);
    if (!outcome.ok()) return outcome.status;
  }
  return {};
}

Status SegmentCommitter::sync_files() {
  size_t pending = 0;
  for (size_t i = 0; i < files_.size(); ++i) {
    if (!files_[i].unsynced) continue;
    if (auto s = ring_.prepare_fsync(io::FileRef::fd(files_[i].file.fd()), io::SyncKind::kData, i); !s) return s;
    ++pending;
  }
  io::Completion completions[16];
  Status result;
  while (pending > 0) {
    auto reaped = ring_.wait(std::span(completions).first(std::min<size_t>(pending, std::size(completions))),
                             std::min<size_t>(pending, std::size(completions)));
    if (!reaped) return std::unexpected(reaped.error());
    for (size_t k = 0; k < *reaped; ++k) {
      OpenFile& open = files_[completions[k].tag];
      if (!completions[k].ok() && result) result = std::unexpected(io::completion_error(completions[k], "fdatasync of segment"));
      if (completions[k].ok()) open.unsynced = false;
    }
    pending -= *reaped;
  }
  // A failed fdatasync is not retried (the kernel may have dropped the pages): the flusher
  // makes the error stick.
  if (!result) return result;
  std::erase_if(files_, [](const OpenFile& open) { return open.complete && !open.unsynced; });
  return {};
}

Status SegmentCommitter::commit(CommitLog& log, uint64_t from, uint64_t to, bool sync) {
  uint64_t pos = std::max(from, committed_);
  while (pos < to) {
    auto segment = log.segment_containing(pos);
    if (!segment) {
      pos = log.next_segment_base(pos);
      continue;
    }
    const uint64_t base = segment->base_offset();
    const uint64_t end = std::min(to, segment->end_offset());
    auto lease = segment->lease();
    if (!lease) {  // bytes that reached the file another way (recovery): msync covers them
      if (auto s = segment->flush(pos - base, end - base); !s) return s;
    } else {
      if (auto s = write_segment_range(*segment, *lease, pos - base, end - base); !s) return s;
      if (end == segment->end_offset()) {  // the whole segment is in its file
        for (auto& open : files_)
          if (open.base == base) open.complete = true;
        segment->detach_lease();
      }
    }
    pos = end;
  }
  committed_ = std::max(committed_, to);
  return sync ? sync_files() : Status{};
}

}  // namespace ringmq::engine
