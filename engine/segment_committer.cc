#include "engine/segment_committer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace ringmq::engine {

Result<std::unique_ptr<SegmentCommitter>> SegmentCommitter::create(TransientPool& pool,
                                                                   std::shared_ptr<FileSystem> fs) {
  io::RingOptions options;
  options.sq_entries = 64;
  auto ring = io::Ring::create(options);
  if (!ring) return std::unexpected(ring.error());
  for (const auto& line : ring->fallbacks()) spdlog::warn("io_uring: {}", line);
  std::vector<iovec> iovecs;
  for (const auto& buffer : pool.buffers()) iovecs.push_back(buffer.as_iovec());
  if (auto s = ring->register_buffers(iovecs); !s)
    return make_error(s.error().code, "registering the transient pool with io_uring: " + s.error().message);
  std::unique_ptr<SegmentCommitter> committer(new SegmentCommitter(std::move(*ring), std::move(fs)));
  const size_t max_files = std::max<size_t>(pool.size() + 1, kMaxOpenFiles);
  committer->files_.reserve(max_files);
  committer->sync_targets_.reserve(max_files);
  committer->sync_files_index_.reserve(max_files);
  committer->synced_ = std::make_unique<bool[]>(max_files);
  return committer;
}

std::string SegmentCommitter::describe() const { return ring_.probe().describe(); }

Result<SegmentCommitter::OpenFile*> SegmentCommitter::file_for(const MappedSegment& segment) {
  for (auto& open : files_)
    if (open.base == segment.base_offset()) return &open;
  if (files_.size() == files_.capacity())
    return make_error(ErrorCode::kBusy,
                      "the committer has " + std::to_string(files_.size()) + " segment files open and none synced yet");
  auto file = fs_->open_direct(segment.path());
  if (!file) return std::unexpected(file.error());
  if (!file->is_direct())
    spdlog::warn("{}: O_DIRECT refused by the file system, committing through the page cache", segment.path());
  files_.push_back(OpenFile{segment.base_offset(), segment.path(), std::move(*file), false, false});
  return &files_.back();
}

Status SegmentCommitter::write_segment_range(MappedSegment& segment, PoolLease& lease, uint64_t from, uint64_t to) {
  auto open = file_for(segment);
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
    auto outcome = fs_->write_through_ring(ring_, target, batch_);
    if (!outcome.ok()) return outcome.status;
  }
  return {};
}

Status SegmentCommitter::sync_files() {
  sync_targets_.clear();
  sync_files_index_.clear();
  for (size_t i = 0; i < files_.size(); ++i) {
    if (!files_[i].unsynced) continue;
    sync_targets_.push_back({files_[i].file.fd(), &files_[i].path});
    sync_files_index_.push_back(i);
  }
  std::span<bool> synced(synced_.get(), sync_targets_.size());
  auto result = fs_->datasync_through_ring(ring_, sync_targets_, synced);
  for (size_t k = 0; k < sync_targets_.size(); ++k)
    if (synced[k]) files_[sync_files_index_[k]].unsynced = false;
  // A failed fdatasync is not retried (the kernel may have dropped the pages): the flusher
  // makes the error stick.
  if (!result) return result;
  std::erase_if(files_, [](const OpenFile& open) { return open.complete && !open.unsynced; });
  return {};
}

Status SegmentCommitter::commit(std::span<const SegmentRange> ranges, bool sync) {
  for (const SegmentRange& r : ranges) {
    MappedSegment& segment = *r.segment;
    const uint64_t base = segment.base_offset();
    const uint64_t from = std::max(r.from, committed_);
    if (from >= r.to) continue;
    auto lease = segment.lease();
    if (!lease) {  // bytes that reached the file another way (recovery): msync covers them
      if (auto s = segment.flush(from - base, r.to - base); !s) return s;
    } else {
      if (auto s = write_segment_range(segment, *lease, from - base, r.to - base); !s) return s;
      if (r.to == segment.end_offset()) {  // the whole segment is in its file
        for (auto& open : files_)
          if (open.base == base) open.complete = true;
        segment.detach_lease();
      }
    }
    committed_ = std::max(committed_, r.to);
  }
  return sync ? sync_files() : Status{};
}

}  // namespace ringmq::engine
