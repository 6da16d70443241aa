// SegmentAllocator: a background thread that makes the next commit-log segment ready before
// the writer needs it (fallocate, map, and in mmap-locked mode pre-fault + mlock within the
// budget), and that unlocks segments the writer has left. Rolling to a new segment then costs
// the writer a hand-over under a mutex: no fault, no allocation, no system call.
//
// Why pages are warmed a window at a time: a segment's budget is reserved whole, but its
// pages are made present, writable (MADV_POPULATE_WRITE runs the file system's page_mkwrite,
// which every first store to a shared file page needs) and locked only warm_ahead_bytes
// ahead of the writer, by the rmq-warmer thread. Populating a whole GiB at once was measured
// here at 2.2 s writable (a GiB of dirty zeros: the kernel throttles the populating thread,
// writes the zeros back - twice the disk traffic - and write-protects them again, bringing
// the faults back) and at 2.4 s even read-only while the previous segment was being written
// back. A window stays small, is overwritten by records long before writeback looks at it,
// and costs the writer nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/service_thread.h"
#include "engine/config.h"
#include "engine/mapped_segment.h"
#include "engine/transient_pool.h"

namespace ringmq::engine {

class SegmentAllocator {
 public:
  SegmentAllocator(const EngineConfig& config, std::string directory);
  ~SegmentAllocator();

  void start();
  void stop();

  // Synchronous preparation (used at open for the active segment): create or open, then
  // warm up and lock according to the write mode.
  Result<std::shared_ptr<MappedSegment>> prepare_now(uint64_t base_offset, bool existing);
  // Asks for the segment at `base_offset` to be made ready in the background.
  void request(uint64_t base_offset);
  // Hands over the segment at `base_offset`, waiting up to `timeout` for it. kBusy on timeout,
  // kDiskFull (or the allocator's error) if it could not be created.
  Result<std::shared_ptr<MappedSegment>> take(uint64_t base_offset, std::chrono::milliseconds timeout);
  // The writer is done with `segment`: unlock it off the append path.
  void retire(std::shared_ptr<MappedSegment> segment);

  // Pre-faults and locks (in mmap-locked mode) a segment opened elsewhere, e.g. at recovery.
  // In pool mode it attaches a pool buffer instead, holding a copy of what the segment has
  // (`copy_existing`), so that reads of the active segment can all come from the buffer.
  Status warm_up(MappedSegment& segment, bool copy_existing = true);
  // Pool mode: where segment buffers come from.
  void set_pool(TransientPool* pool) { pool_ = pool; }
  // The writer now appends to `segment`, at positions read from `write_offset`: keep the
  // warm window ahead of it (mmap-locked mode).
  void activate(std::shared_ptr<MappedSegment> segment, const std::atomic<uint64_t>* write_offset);

  uint64_t locked_bytes() const;

 private:
  void run_once();
  void warm_ahead_once();
  static constexpr uint64_t kRewarmBytes = 4u << 20;  // re-checked ahead of the writer each round
  Status warm_range(MappedSegment& segment, uint64_t from, uint64_t to);

  const EngineConfig& config_;
  const std::string directory_;
  ServiceThread thread_;
  ServiceThread warmer_;  // mmap-locked only: keeps the warm window ahead of the writer

  mutable std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::optional<uint64_t> wanted_;                  // base offset asked for, not yet made
  std::shared_ptr<MappedSegment> ready_;            // made, not yet taken
  std::optional<Error> failure_;                    // why the wanted segment could not be made
  std::vector<std::shared_ptr<MappedSegment>> retired_;
  uint64_t locked_bytes_ = 0;
  std::shared_ptr<MappedSegment> active_;             // the writer's segment
  const std::atomic<uint64_t>* write_offset_ = nullptr;
  uint64_t warmed_to_ = 0;                            // commit-log offset made writable up to
  TransientPool* pool_ = nullptr;
  bool warned_budget_ = false;
  bool warned_lock_ = false;
};

}  // namespace ringmq::engine
