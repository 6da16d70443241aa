// GroupCommitFlusher: the one thread that makes the commit log durable.
//
// async: flushes what was written every flush_interval_ms, or sooner once flush_dirty_bytes
//        are waiting; appends never wait. In the mmap modes it stops short of the folio the
//        writer is filling (for up to an interval), so that no flush makes the writer fault.
// sync:  an append waits in wait_flushed() until a flush covers its end offset. One msync
//        covers every waiter that arrived before it started (group commit); a wait that runs
//        past sync_flush_timeout_ms returns kTimeout, which a front end answers with a
//        retriable error.
// After a failed flush the page cache state is unknown (fsyncgate), so the error sticks:
// every later wait and append gets it.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "common/result.h"
#include "common/service_thread.h"
#include "engine/commit_log.h"
#include "engine/config.h"
#include "engine/segment_writer.h"

namespace ringmq::engine {

class GroupCommitFlusher {
 public:
  // `writer` says how much an async flush may hold back and whether to write behind.
  GroupCommitFlusher(const EngineConfig& config, CommitLog& log, const SegmentWriter& writer);
  ~GroupCommitFlusher() { stop(); }

  void start(uint64_t flushed_offset);
  void stop();

  // Blocks until everything below `end_offset` is durable, or the timeout / a flush error.
  Status wait_flushed(uint64_t end_offset);
  // The same without blocking: `done` runs on the flusher thread once a flush covers
  // `end_offset` (ok), or with the flush error, kTimeout after sync_flush_timeout_ms, or
  // kClosed at stop. For front ends that must not block a network thread.
  void when_flushed(uint64_t end_offset, std::function<void(Status)> done);
  // Async mode: called after an append; wakes the flusher once enough bytes are dirty, counted
  // from the last flush or, for a writer that writes behind, from the last write-behind (else
  // every append after the first flush_dirty_bytes would wake it until the next fdatasync).
  void note_written(uint64_t end_offset) {
    const uint64_t clean =
        std::max(flushed_.load(std::memory_order_relaxed), written_behind_.load(std::memory_order_relaxed));
    if (end_offset - std::min(end_offset, clean) >= config_.flush_dirty_bytes + held_back_bytes_ &&
        !dirty_signalled_.exchange(true, std::memory_order_relaxed))
      wake();
  }
  // Flushes everything written so far on the calling thread (close, tests).
  Status flush_all();
  uint64_t flushed_offset() const { return flushed_.load(std::memory_order_acquire); }
  std::optional<Error> failure() const;
  uint64_t flush_count() const { return flush_count_.load(std::memory_order_relaxed); }
  // Rounds that wrote behind without syncing (a writer that writes behind, between flushes).
  uint64_t write_behind_count() const { return write_behind_count_.load(std::memory_order_relaxed); }

 private:
  void run_once();
  void wake();
  Status flush_to(uint64_t target);
  // Where an async (no waiter) flush stops: see the .cc for why not always at the end.
  uint64_t async_flush_target(std::chrono::steady_clock::time_point now);
  void record_failure(const Error& error);
  // Runs (outside the lock) the callbacks that are covered, failed, timed out or closed.
  void complete_callbacks();

  const EngineConfig& config_;
  CommitLog& log_;
  const SegmentWriter& writer_;
  ServiceThread thread_;

  mutable std::mutex mutex_;
  std::condition_variable flush_cv_;    // the flusher waits here for work
  std::condition_variable waiters_cv_;  // sync appenders wait here for their flush
  uint64_t requested_ = 0;              // largest end offset a waiter asked for
  bool stopping_ = false;
  std::optional<Error> failure_;
  struct PendingCallback {
    uint64_t end_offset;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(Status)> done;
  };
  std::vector<PendingCallback> callbacks_;  // guarded by mutex_
  std::atomic<uint64_t> flushed_{0};
  std::atomic<uint64_t> written_behind_{0};  // end of the last write-behind (in the file, not yet synced)
  std::atomic<bool> dirty_signalled_{false};
  std::atomic<uint64_t> flush_count_{0};
  std::atomic<uint64_t> write_behind_count_{0};
  std::mutex flush_mutex_;  // one flush at a time (flusher thread vs flush_all)
  std::chrono::steady_clock::time_point last_durable_;
  // What async flushes may leave unflushed at the tail (the dirty trigger allows for it).
  const uint64_t held_back_bytes_;
  uint64_t held_from_ = UINT64_MAX;  // start of the partly written stretch async flushes left out
  std::chrono::steady_clock::time_point held_since_;
};

}  // namespace ringmq::engine
