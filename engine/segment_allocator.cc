#include "engine/segment_allocator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace ringmq::engine {

SegmentAllocator::SegmentAllocator(const EngineConfig& config, std::string directory)
    : config_(config), directory_(std::move(directory)) {}

SegmentAllocator::~SegmentAllocator() { stop(); }

void SegmentAllocator::start() {
  auto pin = [this] {
    if (config_.placement.pin_thread) config_.placement.pin_thread("allocator");
  };
  thread_.start("rmq-allocator", [this] { run_once(); }, pin);
  // A thread of its own, so that preparing the next segment (which the kernel may throttle
  // for seconds under heavy writeback) never lets the writer catch up with the window.
  if (config_.write_mode == WriteMode::kMmapLocked) warmer_.start("rmq-warmer", [this] { warm_ahead_once(); }, pin);
}

void SegmentAllocator::stop() {
  warmer_.stop();
  thread_.stop();
}

Status SegmentAllocator::warm_up(MappedSegment& segment, bool copy_existing) {
  if (config_.write_mode == WriteMode::kPool) {
    // Waits while the pool is exhausted (the writer's take() gives up first, with kBusy).
    Result<std::shared_ptr<PoolLease>> lease = make_error(ErrorCode::kClosed, "allocator stopping");
    do {
      lease = pool_->acquire(std::chrono::milliseconds(20));  // short, so stop() is noticed
    } while (!lease && lease.error().code == ErrorCode::kBusy && !thread_.stopping());
    if (!lease) return std::unexpected(lease.error());
    if (copy_existing) std::memcpy((*lease)->data(), segment.data(), segment.size());
    segment.attach_lease(std::move(*lease));
    return {};
  }
  if (config_.write_mode != WriteMode::kMmapLocked) return {};
  {
    std::lock_guard lock(mutex_);
    if (locked_bytes_ + segment.size() > config_.effective_mlock_budget_bytes()) {
      if (!warned_budget_)
        spdlog::warn("mlock budget of {} bytes is used up; segment {} stays unlocked (raise mlock_budget_bytes)",
                     config_.effective_mlock_budget_bytes(), segment.path());
      warned_budget_ = true;
      return segment.prefault(0, config_.warm_ahead_bytes, true);
    }
    locked_bytes_ += segment.size();  // reserved whole; locked window by window
    segment.mark_locked();
  }
  return warm_range(segment, 0, config_.warm_ahead_bytes);
}

Status SegmentAllocator::warm_range(MappedSegment& segment, uint64_t from, uint64_t to) {
  if (auto s = segment.prefault(from, to, true); !s) return s;
  if (!segment.locked()) return {};
  if (auto s = segment.lock(from, to); !s) {
    if (!warned_lock_) spdlog::warn("{}; continuing without the lock", s.error().message);
    warned_lock_ = true;
  }
  return {};
}

Result<std::shared_ptr<MappedSegment>> SegmentAllocator::prepare_now(uint64_t base_offset, bool existing) {
  const std::string path = directory_ + "/" + segment_file_name(base_offset);
  auto segment = existing ? MappedSegment::open_existing(path, base_offset, config_.segment_bytes)
                          : MappedSegment::create(path, base_offset, config_.segment_bytes);
  if (!segment) return segment;
  if (auto s = warm_up(**segment, existing); !s) return std::unexpected(s.error());
  return segment;
}

void SegmentAllocator::request(uint64_t base_offset) {
  {
    std::lock_guard lock(mutex_);
    if ((ready_ && ready_->base_offset() == base_offset) || wanted_ == base_offset) return;
    wanted_ = base_offset;
    failure_.reset();
  }
  thread_.wake();
}

Result<std::shared_ptr<MappedSegment>> SegmentAllocator::take(uint64_t base_offset,
                                                              std::chrono::milliseconds timeout) {
  request(base_offset);
  std::unique_lock lock(mutex_);
  const bool done = ready_cv_.wait_for(lock, timeout, [&] {
    return (ready_ && ready_->base_offset() == base_offset) || failure_.has_value() || thread_.stopping();
  });
  if (failure_) {
    Error e = *failure_;
    failure_.reset();
    return std::unexpected(e);
  }
  if (!done || !ready_)
    return make_error(ErrorCode::kBusy, "the next commit-log segment (offset " + std::to_string(base_offset) +
                                            ") was not ready within " + std::to_string(timeout.count()) +
                                            " ms; the disk is slower than the producers");
  return std::exchange(ready_, nullptr);
}

void SegmentAllocator::retire(std::shared_ptr<MappedSegment> segment) {
  {
    std::lock_guard lock(mutex_);
    retired_.push_back(std::move(segment));
  }
  thread_.wake();
}

void SegmentAllocator::activate(std::shared_ptr<MappedSegment> segment, const std::atomic<uint64_t>* write_offset) {
  {
    std::lock_guard lock(mutex_);
    warmed_to_ = std::max(segment->base_offset(), write_offset->load(std::memory_order_acquire));
    active_ = std::move(segment);
    write_offset_ = write_offset;
  }
  warmer_.wake();
}

uint64_t SegmentAllocator::locked_bytes() const {
  std::lock_guard lock(mutex_);
  return locked_bytes_;
}

void SegmentAllocator::run_once() {
  std::optional<uint64_t> wanted;
  std::vector<std::shared_ptr<MappedSegment>> retired;
  {
    std::lock_guard lock(mutex_);
    wanted = wanted_;
    retired.swap(retired_);
  }
  for (auto& segment : retired) {
    if (!segment->locked()) continue;
    segment->unlock();
    std::lock_guard lock(mutex_);
    locked_bytes_ -= segment->size();
  }
  if (wanted) {
    const auto started = std::chrono::steady_clock::now();
    auto segment = prepare_now(*wanted, false);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    if (took > std::chrono::milliseconds(500))
      spdlog::warn("preparing commit-log segment at offset {} took {} ms ({})", *wanted, took.count(),
                   config_.write_mode == WriteMode::kPool ? "waiting for a pool buffer: the disk is behind"
                                                          : "file system busy writing back");
    {
      std::lock_guard lock(mutex_);
      if (wanted_ == wanted) {
        wanted_.reset();
        if (segment) {
          ready_ = std::move(*segment);
        } else {
          failure_ = segment.error();
          // Busy is back pressure (the pool is full until the disk catches up), retried by the
          // writer; anything else is a real failure.
          spdlog::log(segment.error().code == ErrorCode::kBusy ? spdlog::level::warn : spdlog::level::err,
                      "preparing commit-log segment at offset {} failed: {}", *wanted, segment.error().message);
        }
      }
    }
    ready_cv_.notify_all();
    return;
  }
  thread_.sleep_for(std::chrono::milliseconds(1000));
}

void SegmentAllocator::warm_ahead_once() {
  // Keep [write position, write position + warm_ahead_bytes) writable-populated.
  std::shared_ptr<MappedSegment> active;
  uint64_t from = 0, to = 0;
  {
    std::lock_guard lock(mutex_);
    if (active_) {
      active = active_;
      const uint64_t writer = write_offset_->load(std::memory_order_acquire);
      from = std::max(warmed_to_, writer);  // behind the writer there is nothing left to warm
      to = std::min(active->end_offset(), writer + config_.warm_ahead_bytes);
    }
  }
  if (active && from < to) {
    // In steps, so that a writer overtaking the window is noticed within one step.
    to = std::min(to, from + (4u << 20));
    if (auto s = warm_range(*active, from - active->base_offset(), to - active->base_offset()); !s)
      spdlog::warn("warming segment {} ahead of the writer: {}", active->path(), s.error().message);
    std::lock_guard lock(mutex_);
    if (active_ == active) warmed_to_ = std::max(warmed_to_, to);
    return;
  }
  // The kernel's writeback threads may clean warmed pages ahead of the writer (when dirty
  // memory passes dirty_background_ratio); a cleaned page is write-protected again and the
  // writer would fault on it. Re-warm the stretch just ahead of the writer each round: pages
  // still writable cost a page-table walk, cleaned ones are faulted here instead.
  // It starts at the next folio boundary: every sync flush (acks=all) cleans the folio the
  // writer is in, and re-dirtying that folio here between flushes made each flush slower:
  // with it, acks=all produce-to-consume p99 was 12 ms instead of 2 ms at 2,000 messages/s
  // (perf/broker_vs_redis.sh). The writer re-dirties it with its next append anyway.
  if (active) {
    const uint64_t writer = write_offset_->load(std::memory_order_acquire);
    const uint64_t from = (writer / MappedSegment::kLargestFolioBytes + 1) * MappedSegment::kLargestFolioBytes;
    const uint64_t end = std::min(active->end_offset(), writer + kRewarmBytes);
    if (writer >= active->base_offset() && from < end)
      (void)active->prefault(from - active->base_offset(), end - active->base_offset(), true);
  }
  // The writer needs a window's worth of appends before the next round: a few ms at the
  // highest rates, so polling this often keeps the window full without a wake-up per append.
  warmer_.sleep_for(std::chrono::milliseconds(1));
}

}  // namespace ringmq::engine
