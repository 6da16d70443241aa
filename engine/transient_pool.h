// TransientPool: the `pool` write mode's memory. A fixed set of buffers, each one segment
// long, mlock'd anonymous memory (huge pages where available) that the page cache cannot
// reclaim. The writer leases one per active segment and copies appends into it; the committer
// writes the filled range to the segment file through io_uring; the lease goes back to the
// pool when the segment is fully written to its file and no reader still holds a view of it.
//
// Exhaustion is back pressure, not a crash: acquire() waits up to a bounded time and then
// fails with kBusy, which a front end reports as a retriable error.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "common/result.h"
#include "io/aligned_buffer.h"

namespace ringmq::engine {

class TransientPool;

// One leased buffer. Destroying the last reference returns the buffer to its pool; a lease
// keeps the pool alive, so a reader's view may safely outlive the store.
class PoolLease {
 public:
  PoolLease(std::shared_ptr<TransientPool> pool, uint32_t index, std::byte* data, uint64_t size)
      : pool_(std::move(pool)), index_(index), data_(data), size_(size) {}
  ~PoolLease();
  PoolLease(const PoolLease&) = delete;
  PoolLease& operator=(const PoolLease&) = delete;

  std::byte* data() const { return data_; }
  uint64_t size() const { return size_; }
  // Index of the buffer in the pool, which is also its io_uring registered-buffer index.
  uint32_t index() const { return index_; }

 private:
  std::shared_ptr<TransientPool> pool_;
  uint32_t index_;
  std::byte* data_;
  uint64_t size_;
};

class TransientPool : public std::enable_shared_from_this<TransientPool> {
 public:
  // Allocates `count` buffers of `buffer_bytes`, locked. Fails with the RLIMIT_MEMLOCK advice
  // when the lock is refused. Start-up only.
  static Result<std::shared_ptr<TransientPool>> create(uint32_t count, uint64_t buffer_bytes, bool huge_pages);

  // A zeroed buffer, waiting up to `timeout` for one to come back. kBusy on timeout.
  Result<std::shared_ptr<PoolLease>> acquire(std::chrono::milliseconds timeout);
  uint32_t available() const;
  uint32_t size() const { return static_cast<uint32_t>(buffers_.size()); }
  uint64_t buffer_bytes() const { return buffer_bytes_; }
  const std::vector<io::AlignedBuffer>& buffers() const { return buffers_; }
  uint64_t exhausted_waits() const;

 private:
  friend class PoolLease;
  TransientPool(std::vector<io::AlignedBuffer> buffers, uint64_t buffer_bytes);
  void release(uint32_t index, uint64_t dirty_bytes);

  std::vector<io::AlignedBuffer> buffers_;
  const uint64_t buffer_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<uint32_t> free_;  // indexes of buffers not leased
  uint64_t exhausted_waits_ = 0;
};

}  // namespace ringmq::engine
