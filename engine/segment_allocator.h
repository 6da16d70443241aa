// SegmentAllocator: a background thread that makes the next commit-log segment ready before
// the writer needs it (fallocate, map, and in mmap-locked mode pre-fault + mlock within the
// budget), and that unlocks segments the writer has left. Rolling to a new segment then costs
// the writer a hand-over under a mutex: no fault, no allocation, no system call.
//
// Why pre-faulting is split in two: a whole segment is made present with MADV_POPULATE_READ
// (page cache + page tables, nothing dirtied, ~0.1 s per GiB) and locked, but the file
// system's page_mkwrite, which every first store to a shared file page needs, is run only a
// window ahead of the writer (warm_ahead_bytes, MADV_POPULATE_WRITE). Populating a whole
// GiB writable at once dirties a GiB of zeros: the kernel then throttles the populating
// thread (balance_dirty_pages), writes the zeros back (twice the disk traffic) and
// write-protects them again, which brings the faults back. A window stays small, is
// overwritten by records long before writeback looks at it, and costs the writer nothing.
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
#include "engine/config.h"
#include "engine/mapped_segment.h"
#include "engine/service_thread.h"
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

  const EngineConfig& config_;
  const std::string directory_;
  ServiceThread thread_;

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
};

}  // namespace ringmq::engine
