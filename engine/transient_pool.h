// TransientPool: the `pool` write mode's memory. A fixed set of equal chunks of one locked
// shared-memory file (memfd), which the page cache cannot reclaim. A chunk is much smaller
// than a segment: the writer maps chunks, one after another, over the part of the active
// segment's mapping it is about to write (PoolSegmentWriter), so the locked footprint is
// `count * chunk_bytes` whatever the segment size. The committer writes a filled chunk to the
// segment file through io_uring from the chunk's own mapping here (registered with the ring);
// then the chunk goes back to the pool and is mapped ahead of the writer again.
//
// Exhaustion is back pressure, not a crash: acquire() waits up to a bounded time and then
// fails with kBusy, which a front end reports as a retriable error.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "common/result.h"
#include "io/unique_fd.h"

namespace ringmq::engine {

class TransientPool;

// One leased chunk. Destroying the last reference zeroes it and returns it to its pool; a
// lease keeps the pool alive.
class PoolLease {
 public:
  PoolLease(std::shared_ptr<TransientPool> pool, uint32_t index, std::byte* data, uint64_t size)
      : pool_(std::move(pool)), index_(index), data_(data), size_(size) {}
  ~PoolLease();
  PoolLease(const PoolLease&) = delete;
  PoolLease& operator=(const PoolLease&) = delete;

  // The chunk in the pool's own mapping (what io_uring writes from).
  std::byte* data() const { return data_; }
  uint64_t size() const { return size_; }
  // Index of the chunk in the pool, which is also its io_uring registered-buffer index.
  uint32_t index() const { return index_; }
  // Where the chunk lies in the pool's memory file (what a window maps).
  uint64_t file_offset() const { return uint64_t{index_} * size_; }

 private:
  std::shared_ptr<TransientPool> pool_;
  uint32_t index_;
  std::byte* data_;
  uint64_t size_;
};

class TransientPool : public std::enable_shared_from_this<TransientPool> {
 public:
  // Creates the memory file with `count` chunks of `chunk_bytes` (a multiple of 4 KiB), maps
  // and locks it. Fails with the RLIMIT_MEMLOCK advice when the lock is refused. Start-up only.
  static Result<std::shared_ptr<TransientPool>> create(uint32_t count, uint64_t chunk_bytes, bool huge_pages);
  ~TransientPool();
  TransientPool(const TransientPool&) = delete;
  TransientPool& operator=(const TransientPool&) = delete;

  // A zeroed chunk, waiting up to `timeout` for one to come back. kBusy on timeout.
  Result<std::shared_ptr<PoolLease>> acquire(std::chrono::milliseconds timeout);
  uint32_t available() const;
  uint32_t size() const { return count_; }
  uint64_t chunk_bytes() const { return chunk_bytes_; }
  uint64_t locked_bytes() const { return uint64_t{count_} * chunk_bytes_; }
  int memory_fd() const { return memory_fd_.get(); }
  std::byte* chunk_data(uint32_t index) const { return data_ + uint64_t{index} * chunk_bytes_; }
  // One iovec per chunk, for io_uring buffer registration.
  std::vector<iovec> iovecs() const;
  uint64_t exhausted_waits() const;

 private:
  friend class PoolLease;
  TransientPool(io::UniqueFd memory_fd, std::byte* data, uint32_t count, uint64_t chunk_bytes);
  void release(uint32_t index, uint64_t dirty_bytes);

  io::UniqueFd memory_fd_;
  std::byte* data_;  // the whole memory file, mapped shared and locked
  const uint32_t count_;
  const uint64_t chunk_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<uint32_t> free_;  // indexes of chunks not leased
  uint64_t exhausted_waits_ = 0;
};

}  // namespace ringmq::engine
