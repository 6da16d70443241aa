// Dispatcher: follows the commit log and appends one ConsumeQueue entry per record. Runs on
// its own thread while the store is open, and synchronously at open to bring the indexes up
// to the recovered end of the log.
//
// Dispatch is idempotent, so it can always restart from an earlier offset: a record whose
// base offset is below its queue's next offset is already indexed and skipped. A record above
// it means index entries are missing (a lost index file): kCorrupt, and the store rebuilds.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/service_thread.h"
#include "engine/commit_log.h"
#include "engine/queue_indexes.h"

namespace ringmq::engine {

// What the checkpoint records of the indexes: everything below `offset` is indexed, and each
// queue's next offset at that point.
struct DispatchSnapshot {
  uint64_t offset = 0;
  std::vector<std::pair<uint32_t, uint64_t>> next_offsets;
};

class Dispatcher {
 public:
  Dispatcher(CommitLog& log, QueueIndexes& indexes) : log_(log), indexes_(indexes) {}
  ~Dispatcher() { stop(); }

  // Indexes [from, to). With `rebuilding`, an empty queue accepts whatever base offset it
  // meets first (the scan started at the log start, so that is the queue's first record).
  Status dispatch_range(uint64_t from, uint64_t to, bool rebuilding);

  void start(std::function<void()> on_start = {});
  void stop();
  // Called after an append; wakes the thread only if it went idle (no system call otherwise;
  // under a dense stream it never is).
  void notify() {
    // The append's store of the written offset must be visible before idle_ is read, or this
    // and the dispatcher's "idle_ = true, then read the written offset" can both miss (x86
    // reorders a store with a later load): the thread would sleep its full nap with records
    // waiting. A full fence per append batch closes that.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (idle_.load(std::memory_order_relaxed) && idle_.exchange(false)) {
      wakeups_.fetch_add(1, std::memory_order_relaxed);
      thread_.wake();
    }
  }
  uint64_t wakeups() const { return wakeups_.load(std::memory_order_relaxed); }
  uint64_t dispatched_offset() const { return dispatched_.load(std::memory_order_acquire); }
  // Called on the dispatcher thread after each round that indexed new records (a front end
  // wakes its long-polling readers with it). Keep it short.
  void set_listener(std::function<void()> listener) {
    std::lock_guard lock(listener_mutex_);
    listener_ = std::move(listener);
  }
  // Runs `done` once everything below commit-log offset `end` is indexed: at once (on the
  // caller's thread) if it is, else on the dispatcher thread after the round that indexes it.
  // A round that fails runs every pending waiter with its error (the records are in the log
  // but not readable yet: nobody waits forever on a dispatcher that retries); waiters still
  // pending at stop() run with success (the next open indexes what is left). Produce answers
  // with it, so that an acknowledged record is already visible to ListOffsets and Fetch.
  void when_dispatched(uint64_t end, std::function<void(Status)> done);
  DispatchSnapshot snapshot() const;
  // Retention: trims every index to the new log start, serialised with dispatching.
  Status trim_indexes(LogPosition log_start);

 private:
  void run_once();

  CommitLog& log_;
  QueueIndexes& indexes_;
  ServiceThread thread_;
  mutable std::mutex mutex_;  // held for each batch, so snapshot() sees a consistent state
  std::atomic<uint64_t> dispatched_{0};
  std::atomic<bool> idle_{false};
  std::atomic<uint64_t> wakeups_{0};
  // Once appends woke the idle thread within kDenseGap kQuickWakeupsForDense times in a row,
  // it naps kBatchNap between rounds
  // (indexes lag appends by up to that much) until kQuietRoundsBeforeIdle rounds found
  // nothing new; then it goes idle again.
  static constexpr std::chrono::microseconds kDenseGap{250};
  static constexpr std::chrono::microseconds kBatchNap{100};
  static constexpr int kQuietRoundsBeforeIdle = 20;
  static constexpr int kQuickWakeupsForDense = 16;
  bool napping_ = false;   // dispatcher thread only
  int quick_wakeups_ = 0;  // dispatcher thread only
  int quiet_rounds_ = 0;   // dispatcher thread only
  std::mutex listener_mutex_;
  std::function<void()> listener_;  // guarded by listener_mutex_
  // Runs the waiters whose offset is dispatched (all of them with `all`) with `status`.
  void run_waiters(bool all, const Status& status);
  std::mutex waiters_mutex_;
  std::vector<std::pair<uint64_t, std::function<void(Status)>>> waiters_;  // guarded by waiters_mutex_
  std::vector<std::function<void(Status)>> ready_;                         // run_waiters' scratch
};

}  // namespace ringmq::engine
