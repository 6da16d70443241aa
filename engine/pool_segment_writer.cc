#include "engine/pool_segment_writer.h"

#include <spdlog/spdlog.h>

#include <cstring>

namespace ringmq::engine {

Result<std::unique_ptr<PoolSegmentWriter>> PoolSegmentWriter::create(const EngineConfig& config,
                                                                     std::shared_ptr<FileSystem> fs) {
  auto pool = TransientPool::create(config.pool_buffers, config.segment_bytes, config.pool_huge_pages);
  if (!pool) return std::unexpected(pool.error());
  if (config.placement.bind_memory) {
    for (const auto& buffer : (*pool)->buffers())
      if (auto s = config.placement.bind_memory(buffer.data(), buffer.size()); !s)
        spdlog::warn("binding pool memory to its NUMA node: {}", s.error().message);
  }
  auto committer = SegmentCommitter::create(**pool, std::move(fs));
  if (!committer) return std::unexpected(committer.error());
  return std::unique_ptr<PoolSegmentWriter>(new PoolSegmentWriter(config, std::move(*pool), std::move(*committer)));
}

std::string PoolSegmentWriter::describe() const {
  return std::to_string(pool_->size()) + " locked buffers of " + std::to_string(pool_->buffer_bytes()) +
         " bytes, written by io_uring; " + committer_->describe();
}

Status PoolSegmentWriter::prepare(MappedSegment& segment, bool holds_records) {
  // Short waits, so that stop() is noticed; the writer's take() gives up first.
  Result<std::shared_ptr<PoolLease>> lease = make_error(ErrorCode::kClosed, "the store is closing");
  const auto started = std::chrono::steady_clock::now();
  bool warned = false;
  while (!stopping_.load(std::memory_order_acquire)) {
    lease = pool_->acquire(std::chrono::milliseconds(20));
    if (lease || lease.error().code != ErrorCode::kBusy) break;
    if (!warned && std::chrono::steady_clock::now() - started > std::chrono::milliseconds(500)) {
      spdlog::warn("segment {} waits for a pool buffer: the disk is behind the producers", segment.path());
      warned = true;
    }
  }
  if (!lease) return std::unexpected(lease.error());
  if (holds_records) std::memcpy((*lease)->data(), segment.data(), segment.size());
  segment.attach_lease(std::move(*lease));
  return {};
}

std::byte* PoolSegmentWriter::append_base(MappedSegment& segment) {
  auto lease = segment.lease();
  return lease ? lease->data() : segment.data();
}

}  // namespace ringmq::engine
