#include "engine/pool_segment_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "common/byte_size.h"

namespace ringmq::engine {

Result<std::unique_ptr<PoolSegmentWriter>> PoolSegmentWriter::create(const EngineConfig& config,
                                                                     std::shared_ptr<FileSystem> fs) {
  auto pool = TransientPool::create(config.pool_buffers, config.pool_chunk_bytes(), config.pool_huge_pages);
  if (!pool) return std::unexpected(pool.error());
  if (config.placement.bind_memory) {
    for (uint32_t i = 0; i < (*pool)->size(); ++i)
      if (auto s = config.placement.bind_memory((*pool)->chunk_data(i), (*pool)->chunk_bytes()); !s)
        spdlog::warn("binding pool memory to its NUMA node: {}", s.error().message);
  }
  auto committer = SegmentCommitter::create(**pool, std::move(fs));
  if (!committer) return std::unexpected(committer.error());
  return std::unique_ptr<PoolSegmentWriter>(new PoolSegmentWriter(config, std::move(*pool), std::move(*committer)));
}

PoolSegmentWriter::PoolSegmentWriter(const EngineConfig& config, std::shared_ptr<TransientPool> pool,
                                     std::unique_ptr<SegmentCommitter> committer)
    : config_(config), chunk_bytes_(pool->chunk_bytes()), pool_(std::move(pool)), committer_(std::move(committer)) {}

PoolSegmentWriter::~PoolSegmentWriter() { stop(); }

std::string PoolSegmentWriter::describe() const {
  return std::to_string(pool_->size()) + " locked chunks of " + format_bytes(chunk_bytes_) + " (" +
         format_bytes(pool_->locked_bytes()) + ") mapped ahead of the writer, written by io_uring; " +
         committer_->describe();
}

void PoolSegmentWriter::start() {
  stopping_.store(false, std::memory_order_release);
  // Placed like the allocator: both prepare memory for the writer.
  window_thread_.start(
      "rmq-pool-window", [this] { run_once(); },
      [this] {
        if (config_.placement.pin_thread) config_.placement.pin_thread("allocator");
      });
}

void PoolSegmentWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  mapped_cv_.notify_all();
  window_thread_.stop();
}

PoolSegmentWriter::Windows* PoolSegmentWriter::find(const MappedSegment& segment) {
  for (auto& w : windows_)
    if (w.segment.get() == &segment) return &w;
  return nullptr;
}

PoolSegmentWriter::Windows& PoolSegmentWriter::register_segment(const std::shared_ptr<MappedSegment>& segment,
                                                                bool holds_records) {
  if (Windows* known = find(*segment)) return *known;
  Windows w;
  w.segment = segment;
  w.chunks.resize(segment->size() / chunk_bytes_);
  w.holds_records = holds_records;
  windows_.push_back(std::move(w));
  return windows_.back();
}

Status PoolSegmentWriter::prepare(const std::shared_ptr<MappedSegment>& segment, bool holds_records) {
  {
    std::lock_guard lock(mutex_);
    register_segment(segment, holds_records);
  }
  window_thread_.wake();
  return {};
}

void PoolSegmentWriter::activate(const std::shared_ptr<MappedSegment>& segment,
                                 const std::atomic<uint64_t>* write_offset) {
  {
    std::lock_guard lock(mutex_);
    Windows& w = register_segment(segment, false);  // prepared through us in the store
    // Bytes below the write position are already in the file (recovery): windows start at
    // the chunk that holds it.
    const uint64_t written = write_offset->load(std::memory_order_acquire);
    const uint64_t at =
        written > segment->base_offset() ? std::min(written - segment->base_offset(), segment->size()) : 0;
    w.first_mapped = std::max(w.first_mapped, at / chunk_bytes_ * chunk_bytes_);
    w.mapped_end = std::max(w.mapped_end, w.first_mapped);
    active_ = segment.get();
    active_mapped_end_.store(w.mapped_end, std::memory_order_release);
  }
  window_thread_.wake();
}

Status PoolSegmentWriter::wait_writable(MappedSegment& segment, uint64_t end) {
  if (&segment != active_)
    return make_error(ErrorCode::kInvalidArgument, "append to " + segment.path() + ", which is not the active segment");
  window_thread_.wake();
  std::unique_lock lock(mutex_);
  mapped_cv_.wait_for(lock, std::chrono::milliseconds(config_.append_wait_timeout_ms), [&] {
    return end <= active_mapped_end_.load(std::memory_order_acquire) || map_failure_ ||
           stopping_.load(std::memory_order_acquire);
  });
  if (end <= active_mapped_end_.load(std::memory_order_acquire)) return {};
  if (map_failure_) return std::unexpected(*map_failure_);
  if (stopping_.load(std::memory_order_acquire)) return make_error(ErrorCode::kClosed, "the store is closing");
  return make_error(ErrorCode::kBusy, "transient pool exhausted: all " + std::to_string(pool_->size()) + " chunks of " +
                                          format_bytes(chunk_bytes_) + " hold data not yet written to disk after " +
                                          std::to_string(config_.append_wait_timeout_ms) +
                                          " ms; the disk is slower than the producers (retry, or raise pool_buffers)");
}

Status PoolSegmentWriter::commit(std::span<const SegmentRange> ranges, bool sync) {
  const uint64_t committed_before = committed_;
  for (const SegmentRange& r : ranges) {
    MappedSegment& segment = *r.segment;
    const uint64_t base = segment.base_offset();
    const uint64_t from = std::max(r.from, committed_);
    if (from >= r.to) continue;
    for (uint64_t pos = from - base, end = r.to - base; pos < end;) {
      const uint64_t index = pos / chunk_bytes_;
      const uint64_t piece_end = std::min(end, (index + 1) * chunk_bytes_);
      std::shared_ptr<PoolLease> chunk;
      bool before_windows = true;
      {
        std::lock_guard lock(mutex_);
        if (const Windows* w = find(segment)) {
          chunk = w->chunks[index];
          before_windows = pos < w->first_mapped;
        }
      }
      Status s;
      if (chunk)
        s = committer_->write(segment, *chunk, index * chunk_bytes_, pos, piece_end);
      else if (before_windows)  // recovered bytes, or a segment this run never appended to
        s = segment.flush(pos, piece_end);
      // else: past every chunk mapped over the segment, where nothing was ever written
      if (!s) return s;
      pos = piece_end;
    }
    if (r.to == segment.end_offset()) committer_->segment_complete(segment);
    committed_ = std::max(committed_, r.to);
  }
  committed_published_.store(committed_, std::memory_order_release);
  Status synced = sync ? committer_->sync() : Status{};
  if (committed_ / chunk_bytes_ != committed_before / chunk_bytes_) window_thread_.wake();  // a chunk is done
  return synced;
}

void PoolSegmentWriter::run_once() {
  while (!stopping_.load(std::memory_order_acquire) && (recycle_one() || map_one())) {
  }
  window_thread_.sleep_for(std::chrono::milliseconds(10));
}

bool PoolSegmentWriter::recycle_one() {
  std::shared_ptr<MappedSegment> segment;
  std::shared_ptr<PoolLease> chunk;
  uint64_t at = 0;
  {
    std::lock_guard lock(mutex_);
    const uint64_t committed = committed_published_.load(std::memory_order_acquire);
    for (auto& w : windows_) {
      const uint64_t base = w.segment->base_offset();
      for (size_t i = 0; i < w.chunks.size() && !chunk; ++i)
        if (w.chunks[i] && base + (i + 1) * chunk_bytes_ <= committed) {
          chunk = std::move(w.chunks[i]);
          segment = w.segment;
          at = i * chunk_bytes_;
        }
      if (chunk) break;
    }
    // Segments the writer has left, with nothing mapped any more, are done with.
    auto left_and_empty = [&](const Windows& w) {
      return active_ != nullptr && w.segment->base_offset() < active_->base_offset() &&
             std::none_of(w.chunks.begin(), w.chunks.end(), [](const auto& c) { return c != nullptr; });
    };
    while (!windows_.empty() && left_and_empty(windows_.front())) windows_.pop_front();
  }
  if (!chunk) return false;
  // Every byte of the chunk is in the file: map the file back (readers see the same bytes)
  // before the chunk can be reused anywhere else.
  if (auto s = segment->unmap_window(at, chunk_bytes_); !s) {
    // The chunk stays mapped there and out of the pool: reusing it would change those bytes.
    spdlog::error("{}; pool chunk {} is withdrawn", s.error().message, chunk->index());
    withdrawn_.push_back(std::move(chunk));
    return true;
  }
  chunk.reset();  // zeroed and back in the pool
  return true;
}

bool PoolSegmentWriter::map_one() {
  Windows* target = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (map_failure_ || active_ == nullptr) return false;  // activation says where appends start
    // In offset order from the active segment on: never over one the writer has left (that
    // would take a chunk for nothing and publish that segment's mapped end as the active one's).
    for (auto& w : windows_) {
      if (w.segment->base_offset() < active_->base_offset() || w.mapped_end >= w.segment->size()) continue;
      target = &w;
      break;
    }
  }
  if (target == nullptr) return false;
  auto chunk = pool_->acquire(std::chrono::milliseconds(0));
  if (!chunk) return false;  // all in use: the committer gives one back when it is written
  // Only this thread changes mapped_end and chunks[] of an entry, and entries are removed only
  // by this thread: `target` stays valid without the lock.
  const uint64_t at = target->mapped_end;
  MappedSegment& segment = *target->segment;
  // A chunk over recovered records starts as a copy of them (the rest of the file is zeros).
  if (target->holds_records && at < segment.size()) std::memcpy((*chunk)->data(), segment.data() + at, chunk_bytes_);
  Status s = segment.map_window(at, chunk_bytes_, pool_->memory_fd(), (*chunk)->file_offset());
  {
    std::lock_guard lock(mutex_);
    if (!s) {
      spdlog::error("{}", s.error().message);
      map_failure_ = s.error();
    } else {
      target->chunks[at / chunk_bytes_] = std::move(*chunk);
      target->mapped_end = at + chunk_bytes_;
      if (target->segment.get() == active_) active_mapped_end_.store(target->mapped_end, std::memory_order_release);
    }
  }
  mapped_cv_.notify_all();
  return s.has_value();
}

}  // namespace ringmq::engine
