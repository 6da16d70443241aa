#include "engine/transient_pool.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/byte_size.h"
#include "common/errno_text.h"
#include "io/detail/errno_text.h"

namespace ringmq::engine {

PoolLease::~PoolLease() { pool_->release(index_, size_); }

Result<std::shared_ptr<TransientPool>> TransientPool::create(uint32_t count, uint64_t chunk_bytes, bool huge_pages) {
  if (count == 0 || chunk_bytes == 0 || chunk_bytes % 4096 != 0)
    return make_error(ErrorCode::kInvalidArgument, "transient pool: " + std::to_string(count) + " chunks of " +
                                                       std::to_string(chunk_bytes) +
                                                       " bytes (need at least one chunk, a multiple of 4 KiB)");
  const uint64_t total = uint64_t{count} * chunk_bytes;
  io::UniqueFd fd(::memfd_create("ringmq-pool", MFD_CLOEXEC));
  if (fd.get() < 0) return io::detail::named_errno_error("memfd_create for the transient pool", errno);
  if (::ftruncate(fd.get(), static_cast<off_t>(total)) != 0)
    return io::detail::named_errno_error("sizing the transient pool's memory file", errno);
  void* data = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (data == MAP_FAILED) return io::detail::named_errno_error("mapping the transient pool", errno);
  // Transparent huge pages for shared memory only where shmem_enabled allows it ("advise"):
  // fewer TLB misses for the committer's writes; a refusal costs nothing.
  if (huge_pages) (void)::madvise(data, total, MADV_HUGEPAGE);
  // mlock faults every page in and keeps it resident. A raw syscall: ASan's interceptor would
  // make mlock a no-op.
  if (::syscall(SYS_mlock, data, total) != 0) {
    const int err = errno;
    ::munmap(data, total);
    return make_error(ErrorCode::kIo, "mlock of the " + format_bytes(total) + " transient pool (" +
                                          std::to_string(count) + " chunks of " + format_bytes(chunk_bytes) +
                                          ") failed: " + errno_text(err) + "; " + io::detail::memlock_advice());
  }
  return std::shared_ptr<TransientPool>(
      new TransientPool(std::move(fd), static_cast<std::byte*>(data), count, chunk_bytes));
}

TransientPool::TransientPool(io::UniqueFd memory_fd, std::byte* data, uint32_t count, uint64_t chunk_bytes)
    : memory_fd_(std::move(memory_fd)), data_(data), count_(count), chunk_bytes_(chunk_bytes) {
  for (uint32_t i = count_; i-- > 0;) free_.push_back(i);
}

TransientPool::~TransientPool() { ::munmap(data_, locked_bytes()); }

std::vector<iovec> TransientPool::iovecs() const {
  std::vector<iovec> out;
  for (uint32_t i = 0; i < count_; ++i) out.push_back({chunk_data(i), chunk_bytes_});
  return out;
}

Result<std::shared_ptr<PoolLease>> TransientPool::acquire(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (free_.empty()) {
    ++exhausted_waits_;
    if (!returned_.wait_for(lock, timeout, [&] { return !free_.empty(); }))
      return make_error(ErrorCode::kBusy, "transient pool exhausted: all " + std::to_string(count_) + " chunks of " +
                                              format_bytes(chunk_bytes_) +
                                              " hold data not yet written to disk; the disk is slower "
                                              "than the producers (raise pool_buffers or retry)");
  }
  const uint32_t index = free_.back();
  free_.pop_back();
  return std::make_shared<PoolLease>(shared_from_this(), index, chunk_data(index), chunk_bytes_);
}

void TransientPool::release(uint32_t index, uint64_t dirty_bytes) {
  // Zero on the way back (off the append path): bytes past the write position must read as
  // zeros, because the committer writes whole blocks and recovery stops at zeros.
  std::memset(chunk_data(index), 0, dirty_bytes);
  {
    std::lock_guard lock(mutex_);
    free_.push_back(index);
  }
  returned_.notify_one();
}

uint32_t TransientPool::available() const {
  std::lock_guard lock(mutex_);
  return static_cast<uint32_t>(free_.size());
}

uint64_t TransientPool::exhausted_waits() const {
  std::lock_guard lock(mutex_);
  return exhausted_waits_;
}

}  // namespace ringmq::engine
