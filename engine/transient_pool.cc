#include "engine/transient_pool.h"

#include <cstring>

namespace ringmq::engine {

PoolLease::~PoolLease() { pool_->release(index_, size_); }

Result<std::shared_ptr<TransientPool>> TransientPool::create(uint32_t count, uint64_t buffer_bytes, bool huge_pages) {
  std::vector<io::AlignedBuffer> buffers;
  buffers.reserve(count);
  io::AlignedBufferOptions options;
  options.huge_pages = huge_pages ? io::HugePages::kPreferred : io::HugePages::kNo;
  options.lock = true;
  for (uint32_t i = 0; i < count; ++i) {
    auto buffer = io::AlignedBuffer::allocate(buffer_bytes, options);
    if (!buffer)
      return make_error(buffer.error().code, "transient pool buffer " + std::to_string(i + 1) + " of " +
                                                 std::to_string(count) + ": " + buffer.error().message);
    buffers.push_back(std::move(*buffer));
  }
  return std::shared_ptr<TransientPool>(new TransientPool(std::move(buffers), buffer_bytes));
}

TransientPool::TransientPool(std::vector<io::AlignedBuffer> buffers, uint64_t buffer_bytes)
    : buffers_(std::move(buffers)), buffer_bytes_(buffer_bytes) {
  for (uint32_t i = static_cast<uint32_t>(buffers_.size()); i-- > 0;) free_.push_back(i);
}

Result<std::shared_ptr<PoolLease>> TransientPool::acquire(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (free_.empty()) {
    ++exhausted_waits_;
    if (!returned_.wait_for(lock, timeout, [&] { return !free_.empty(); }))
      return make_error(ErrorCode::kBusy, "transient pool exhausted: all " + std::to_string(buffers_.size()) +
                                              " buffers hold data not yet written to disk; the disk is slower "
                                              "than the producers (raise pool_buffers or retry)");
  }
  const uint32_t index = free_.back();
  free_.pop_back();
  return std::make_shared<PoolLease>(shared_from_this(), index, buffers_[index].data(), buffer_bytes_);
}

void TransientPool::release(uint32_t index, uint64_t dirty_bytes) {
  // Zero on the way back (off the append path): bytes past the write position must read as
  // zeros, because the committer writes whole pages and recovery stops at zeros.
  std::memset(buffers_[index].data(), 0, dirty_bytes);
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
