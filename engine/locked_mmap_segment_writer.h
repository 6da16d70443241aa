// LockedMmapSegmentWriter: the `mmap-locked` write mode. Appends and flushes as in the mmap
// mode, but pages are made present, writable and mlock'd ahead of the writer, so neither
// first-touch faults nor reclaim land on an append.
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
//
// The lock itself is taken once per segment, on fault (MLOCK_ONFAULT), when the segment is
// prepared and before the writer reaches it: populating a page then locks it too. Locking
// window by window beside the writer took the process's mmap lock for writing every few
// MiB, and the writer's write-protect faults queued behind it (874 of the writer's off-CPU
// samples in one `ringmq-jitter run --pressure` were in rwsem_down_read_slowpath, under a
// warmer mlock; docs/latency/README.md).
//
// What no lock prevents: writeback (the flusher's msync, or the kernel's flusher threads once
// dirty memory passes its background threshold) cleans and write-protects pages the writer
// is still filling, and its next store takes a write-protect fault through ext4_page_mkwrite,
// which may wait for the folio lock while the page is under writeback. The pool mode avoids
// that by never writing into the page cache.
#pragma once

#include <mutex>

#include "common/service_thread.h"
#include "engine/mmap_segment_writer.h"

namespace ringmq::engine {

class LockedMmapSegmentWriter final : public MmapSegmentWriter {
 public:
  explicit LockedMmapSegmentWriter(const EngineConfig& config) : config_(config) {}
  ~LockedMmapSegmentWriter() override { stop(); }

  WriteMode mode() const override { return WriteMode::kMmapLocked; }
  std::string describe() const override {
    return "records copied into pre-faulted, mlock'd mapped segments, msync to flush";
  }
  void start() override;
  void stop() override { warmer_.stop(); }
  // Reserves the segment's budget (or warns once and leaves it unlocked) and warms the
  // first window.
  Status prepare(const std::shared_ptr<MappedSegment>& segment, bool holds_records) override;
  void activate(const std::shared_ptr<MappedSegment>& segment, const std::atomic<uint64_t>* write_offset) override;
  // Unlocks the segment and gives its budget back.
  void retire(MappedSegment& segment) override;
  uint64_t locked_bytes() const override;

 private:
  void warm_ahead_once();
  Status warm_range(MappedSegment& segment, uint64_t from, uint64_t to);
  static constexpr uint64_t kRewarmBytes = 4u << 20;  // re-checked ahead of the writer each round
  static constexpr uint64_t kWarmStepBytes = 4u << 20;

  const EngineConfig& config_;
  ServiceThread warmer_;  // a thread of its own: preparing the next segment may be throttled
  mutable std::mutex mutex_;
  uint64_t locked_bytes_ = 0;                            // guarded by mutex_
  std::shared_ptr<MappedSegment> active_;                // guarded by mutex_
  const std::atomic<uint64_t>* write_offset_ = nullptr;  // guarded by mutex_
  uint64_t warmed_to_ = 0;                               // commit-log offset made writable up to; guarded by mutex_
  bool warned_budget_ = false;
  bool warned_lock_ = false;
};

}  // namespace ringmq::engine
