// PoolSegmentWriter: the `pool` write mode. Each segment the writer appends to gets a buffer
// from the TransientPool (locked anonymous memory on the engine's node, registered with
// io_uring): records are copied there, never into the page cache, and the SegmentCommitter
// writes the filled range to the segment file (io_uring, O_DIRECT) and fdatasyncs it. Readers
// are served from the buffer until the segment is wholly in its file.
//
// An exhausted pool is back pressure: prepare() waits for a buffer to come back (the
// allocator's take() gives up first, with kBusy, which the front end reports as retriable).
#pragma once

#include <atomic>
#include <memory>

#include "engine/segment_committer.h"
#include "engine/segment_writer.h"
#include "engine/transient_pool.h"

namespace ringmq::engine {

class PoolSegmentWriter final : public SegmentWriter {
 public:
  // Allocates and locks the pool, binds it to the engine's node and registers it with a ring.
  static Result<std::unique_ptr<PoolSegmentWriter>> create(const EngineConfig& config, std::shared_ptr<FileSystem> fs);

  WriteMode mode() const override { return WriteMode::kPool; }
  std::string describe() const override;
  void stop() override { stopping_.store(true, std::memory_order_release); }
  // Attaches a buffer; a segment that holds records has them copied in, so that every read
  // of the active segment can come from the buffer.
  Status prepare(MappedSegment& segment, bool holds_records) override;
  std::byte* append_base(MappedSegment& segment) override;
  Status make_durable(std::span<const SegmentRange> ranges) override { return committer_->commit(ranges, true); }
  Status write_behind(std::span<const SegmentRange> ranges) override { return committer_->commit(ranges, false); }
  bool writes_behind() const override { return true; }
  // Pool bytes reach the file by O_DIRECT writes, not writeback: nothing to hold back.
  uint64_t async_flush_holdback_bytes() const override { return 0; }
  uint64_t locked_bytes() const override { return uint64_t{pool_->size()} * pool_->buffer_bytes(); }

 private:
  PoolSegmentWriter(const EngineConfig& config, std::shared_ptr<TransientPool> pool,
                    std::unique_ptr<SegmentCommitter> committer)
      : config_(config), pool_(std::move(pool)), committer_(std::move(committer)) {}

  const EngineConfig& config_;
  // Shared with every lease: a buffer a reader still views keeps the pool's memory alive.
  std::shared_ptr<TransientPool> pool_;
  std::unique_ptr<SegmentCommitter> committer_;
  std::atomic<bool> stopping_{false};
};

}  // namespace ringmq::engine
