// PoolSegmentWriter: the `pool` write mode. Appends never touch the page cache: a window
// thread (rmq-pool-window) maps locked chunks of the TransientPool over the segment mapping
// just ahead of the writer, page tables filled, so records are copied into locked memory at
// the segment's own addresses. The SegmentCommitter writes each filled range from its chunk to
// the segment file (io_uring, O_DIRECT) and fdatasyncs it; once a chunk is wholly in the file,
// the window thread maps the file back over it and the chunk goes round again, ahead of the
// writer in this segment or at the start of the next prepared one.
//
// Readers never notice: before and after the remap the addresses hold the same bytes, and a
// view pins only its segment. The locked footprint is pool_buffers * pool_buffer_bytes,
// independent of segment_bytes.
//
// An exhausted pool is back pressure: make_writable() waits for a chunk to be mapped and
// gives up with kBusy (retriable) after append_wait_timeout_ms.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "common/service_thread.h"
#include "engine/segment_committer.h"
#include "engine/segment_writer.h"
#include "engine/transient_pool.h"

namespace ringmq::engine {

class PoolSegmentWriter final : public SegmentWriter {
 public:
  // Allocates and locks the pool, binds it to the engine's node and registers it with a ring.
  static Result<std::unique_ptr<PoolSegmentWriter>> create(const EngineConfig& config, std::shared_ptr<FileSystem> fs);
  ~PoolSegmentWriter() override;

  WriteMode mode() const override { return WriteMode::kPool; }
  std::string describe() const override;
  void start() override;
  void stop() override;
  // Registers the segment: the window thread maps chunks over it once it is next in line.
  Status prepare(const std::shared_ptr<MappedSegment>& segment, bool holds_records) override;
  std::byte* append_base(MappedSegment& segment) override { return segment.data(); }
  void activate(const std::shared_ptr<MappedSegment>& segment, const std::atomic<uint64_t>* write_offset) override;
  Status make_writable(MappedSegment& segment, uint64_t end) override {
    if (&segment == active_ && end <= active_mapped_end_.load(std::memory_order_acquire)) return {};
    return wait_writable(segment, end);
  }
  Status make_durable(std::span<const SegmentRange> ranges) override { return commit(ranges, true); }
  Status write_behind(std::span<const SegmentRange> ranges) override { return commit(ranges, false); }
  bool writes_behind() const override { return true; }
  // Pool bytes reach the file by O_DIRECT writes, not writeback: nothing to hold back.
  uint64_t async_flush_holdback_bytes() const override { return 0; }
  uint64_t locked_bytes() const override { return pool_->locked_bytes(); }

  // For tests and metrics: chunks mapped over segments right now.
  uint32_t chunks_in_use() const { return pool_->size() - pool_->available(); }
  PoolUsage pool_usage() const override { return {pool_->size(), chunks_in_use(), pool_->exhausted_waits()}; }

 private:
  // The chunks mapped over one segment, by position (chunk i covers [i * chunk, (i+1) * chunk)).
  // Entries before the active segment's are ones the writer has left: they only wait for
  // their chunks to come back; entries after it are prepared segments.
  struct Windows {
    std::shared_ptr<MappedSegment> segment;
    std::vector<std::shared_ptr<PoolLease>> chunks;  // null: the file is mapped there
    uint64_t first_mapped = 0;                       // below this the file holds the bytes (recovered data)
    uint64_t mapped_end = 0;                         // offset in the segment up to which chunks have been mapped
    bool holds_records = false;  // recovered data: a chunk mapped over it is filled from the file first
  };

  PoolSegmentWriter(const EngineConfig& config, std::shared_ptr<TransientPool> pool,
                    std::unique_ptr<SegmentCommitter> committer);
  Status wait_writable(MappedSegment& segment, uint64_t end);
  Status commit(std::span<const SegmentRange> ranges, bool sync);
  Windows* find(const MappedSegment& segment);  // with mutex_ held
  // The segment's entry, made if it has none yet. With mutex_ held.
  Windows& register_segment(const std::shared_ptr<MappedSegment>& segment, bool holds_records);
  // The window thread's round: give back committed chunks, then map free ones ahead.
  void run_once();
  bool recycle_one();
  bool map_one();

  const EngineConfig& config_;
  const uint64_t chunk_bytes_;
  // Shared with every lease: a chunk is returned to the pool even after the writer is gone.
  std::shared_ptr<TransientPool> pool_;
  std::unique_ptr<SegmentCommitter> committer_;
  ServiceThread window_thread_;

  mutable std::mutex mutex_;
  std::condition_variable mapped_cv_;  // a chunk was mapped (make_writable waits on it)
  std::deque<Windows> windows_;        // in offset order: left behind, active, prepared
  std::optional<Error> map_failure_;   // why a chunk could not be mapped (reported to appends)
  std::atomic<bool> stopping_{false};
  // Chunks whose file could not be mapped back over them (window thread only): never reused.
  std::vector<std::shared_ptr<PoolLease>> withdrawn_;

  // The active segment (set in activate, under the commit log's write lock and mutex_) and how
  // far it is mapped (published by the window thread).
  MappedSegment* active_ = nullptr;
  std::atomic<uint64_t> active_mapped_end_{0};
  // Commit-log offset up to which the committer has written the files (flusher thread).
  uint64_t committed_ = 0;
  std::atomic<uint64_t> committed_published_{0};
};

}  // namespace ringmq::engine
