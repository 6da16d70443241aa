// SegmentWriter: the write path, as one object. How appended bytes get into a segment and
// from there onto the disk differs by write mode (mmap, mmap-locked, pool); each mode is one
// implementation of this interface, chosen once when the store opens (make_segment_writer),
// and nothing else in the engine or above it asks which mode is in use.
//
//   prepare(segment)       a segment file was just made or opened: get it ready for appends
//   append_base(segment)   where the commit log copies records while `segment` is active
//   make_writable(seg, to) before a copy: wait until [.., to) of the active segment may be written
//   activate(segment, at)  the commit log now appends to `segment`, at positions read from `at`
//   retire(segment)        the commit log has left `segment` (off the append path)
//   make_durable(ranges)   when it returns ok, every byte in `ranges` is durable
//   write_behind(ranges)   start moving bytes towards the disk without making them durable
//
// Invariants: make_durable and write_behind are called by one thread at a time (the flusher,
// under its flush mutex) with ranges in commit-log order, each inside one segment. prepare
// and retire run on the allocator thread (or at open, before it starts). append_base and
// make_writable run under the commit log's write lock; append_base must not block, and
// make_writable blocks only when the writer is out of memory to write into (back pressure). A failed make_durable
// leaves the state of the failed range unknown: the caller (GroupCommitFlusher) makes the error stick.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/result.h"
#include "engine/config.h"
#include "engine/file_system.h"
#include "engine/mapped_segment.h"

namespace ringmq::engine {

// [from, to) in commit-log offsets, inside `segment`.
struct SegmentRange {
  MappedSegment* segment = nullptr;
  uint64_t from = 0;
  uint64_t to = 0;
};

class SegmentWriter {
 public:
  virtual ~SegmentWriter() = default;

  // The write mode this writer implements (what the store reports and logs).
  virtual WriteMode mode() const = 0;
  // One line for the start-up log: what the path to disk is.
  virtual std::string describe() const = 0;
  // Background work of the writer's own (the locked mode's warmer). stop() also cancels a
  // prepare() that waits for memory.
  virtual void start() {}
  virtual void stop() {}

  // `holds_records`: the segment was opened at recovery and already has data.
  virtual Status prepare(const std::shared_ptr<MappedSegment>& segment, bool holds_records) = 0;
  virtual std::byte* append_base(MappedSegment& segment) = 0;
  // [.., end) (offsets within the active segment) may be written once this returns ok; kBusy
  // after config.append_wait_timeout_ms. Called for every append: must be cheap when ready.
  virtual Status make_writable(MappedSegment& segment, uint64_t end) {
    (void)segment, (void)end;
    return {};
  }
  virtual void activate(const std::shared_ptr<MappedSegment>& segment, const std::atomic<uint64_t>* write_offset) {
    (void)segment, (void)write_offset;
  }
  virtual void retire(MappedSegment& segment) { (void)segment; }

  virtual Status make_durable(std::span<const SegmentRange> ranges) = 0;
  virtual Status write_behind(std::span<const SegmentRange> ranges) {
    (void)ranges;
    return {};
  }
  // Whether write_behind does anything (the flusher then calls it between durable flushes).
  virtual bool writes_behind() const { return false; }
  // How much of the tail an async flush may leave for a later round (see the flusher).
  virtual uint64_t async_flush_holdback_bytes() const = 0;
  // Memory locked for segments or buffers right now.
  virtual uint64_t locked_bytes() const { return 0; }
  // Pool mode's buffers: how many there are, how many hold data not yet written, and how
  // often an append had to wait for one (all 0 in the other modes).
  struct PoolUsage {
    uint32_t chunks = 0;
    uint32_t chunks_in_use = 0;
    uint64_t exhausted_waits = 0;
  };
  virtual PoolUsage pool_usage() const { return {}; }
};

// Picks the writer for config.write_mode, after checking that the memory it must lock is
// allowed (RLIMIT_MEMLOCK / CAP_IPC_LOCK). Pool mode falls back to mmap-locked, with a
// warning, where io_uring lacks what it needs. Start-up only.
Result<std::unique_ptr<SegmentWriter>> make_segment_writer(const EngineConfig& config, std::shared_ptr<FileSystem> fs);

}  // namespace ringmq::engine
