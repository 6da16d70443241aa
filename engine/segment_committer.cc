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
  if (auto s = ring->register_buffers(pool.iovecs()); !s)
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

Status SegmentCommitter::write(MappedSegment& segment, const PoolLease& chunk, uint64_t chunk_at, uint64_t from,
                               uint64_t to) {
  auto open = file_for(segment);
  if (!open) return std::unexpected(open.error());
  const io::IoAlignment align = (*open)->file.alignment();
  const uint64_t block = std::max<uint64_t>(align.offset_bytes, 1);
  // Chunks start and end on block boundaries, so the widened range stays inside the chunk.
  uint64_t first = std::max(chunk_at, from / block * block);
  const uint64_t last = std::min(chunk_at + chunk.size(), (to + block - 1) / block * block);
  io::WriteTarget target{io::FileRef::fd((*open)->file.fd()), align, segment.path()};
  (*open)->unsynced = true;
  while (first < last) {
    batch_.clear();
    for (; first < last && batch_.size() < batch_.capacity(); first += kPieceBytes) {
      const uint64_t end = std::min(last, first + kPieceBytes);
      if (auto s =
              batch_.add({{chunk.data() + (first - chunk_at), end - first}, first, static_cast<int>(chunk.index())});
          !s)
        return s;
    }
    auto outcome = fs_->write_through_ring(ring_, target, batch_);
    if (!outcome.ok()) return outcome.status;
  }
  return {};
}

void SegmentCommitter::segment_complete(const MappedSegment& segment) {
  for (auto& open : files_)
    if (open.base == segment.base_offset()) open.complete = true;
}

Status SegmentCommitter::sync() {
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

}  // namespace ringmq::engine
