// LogWaiters: threads that wait for the commit log to grow past an offset (replication
// senders), woken by appends. An append pays one atomic load while nobody waits, and one
// notification (a system call) only when a waiter sleeps: a busy sender never sleeps, so under
// load appends share none.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace ringmq::engine {

class LogWaiters {
 public:
  // After the written offset was published.
  void notify() {
    std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with the waiter's increment
    if (waiting_.load(std::memory_order_relaxed) == 0) return;
    std::lock_guard lock(mutex_);
    cv_.notify_all();
  }
  // Waits until `written()` exceeds `offset`, `timeout` passes or wake_all(); returns whether it
  // grew.
  template <typename WrittenOffset>
  bool wait_beyond(uint64_t offset, std::chrono::milliseconds timeout, WrittenOffset written) {
    if (written() > offset) return true;
    waiting_.fetch_add(1, std::memory_order_seq_cst);
    std::unique_lock lock(mutex_);
    const uint64_t generation = generation_;
    cv_.wait_for(lock, timeout, [&] { return written() > offset || generation_ != generation; });
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    return written() > offset;
  }
  // Wakes every waiter now (shutdown).
  void wake_all() {
    std::lock_guard lock(mutex_);
    ++generation_;
    cv_.notify_all();
  }

 private:
  std::atomic<int> waiting_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;  // guarded by mutex_
};

}  // namespace ringmq::engine
