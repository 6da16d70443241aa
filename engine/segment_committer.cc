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

Result<io::DirectFile*> SegmentCommitter::file_for(uint64_t base, const std::string& path) {
  for (auto& [b, file] : files_)
    if (b == base) return &file;
  io::DirectFileOptions options;
  options.flags = O_RDWR;
  auto file = io::DirectFile::open(path, options);
  if (!file) return std::unexpected(file.error());
  if (!file->is_direct()) spdlog::warn("{}: O_DIRECT refused by the file system, committing through the page cache", path);
  files_.emplace_back(base, std::move(*file));
  return &files_.back().second;
}

void SegmentCommitter::close_file(uint64_t base) {
  std::erase_if(files_, [&](const auto& entry) { return entry.first == base; });
}

Status SegmentCommitter::commit(CommitLog& log, uint64_t from, uint64_t to) {
  uint64_t pos = from;
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
      pos = end;
      continue;
    }
    auto file = file_for(base, segment->path());
    if (!file) return std::unexpected(file.error());
    const io::IoAlignment align = (*file)->alignment();
    const uint64_t block = std::max<uint64_t>(align.offset_bytes, 1);
    const uint64_t first = (pos - base) / block * block;
    const uint64_t last = std::min(segment->size(), (end - base + block - 1) / block * block);
    io::WriteTarget target{io::FileRef::fd((*file)->fd()), align, segment->path()};
    io::WriteChunk chunk{{lease->data() + first, last - first}, first, static_cast<int>(lease->index())};
    auto outcome = io::write_all(ring_, target, chunk, io::SyncAfter::kDatasync);
    if (!outcome.ok()) return outcome.status;
    if (end == segment->end_offset()) {  // the whole segment is in its file
      close_file(base);
      segment->detach_lease();
    }
    pos = end;
  }
  return {};
}

}  // namespace ringmq::engine
