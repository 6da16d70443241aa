#include "engine/flusher.h"

#include <spdlog/spdlog.h>

namespace ringmq::engine {

GroupCommitFlusher::GroupCommitFlusher(const EngineConfig& config, CommitLog& log, const SegmentWriter& writer)
    : config_(config), log_(log), writer_(writer), held_back_bytes_(writer.async_flush_holdback_bytes()) {}

void GroupCommitFlusher::start(uint64_t flushed_offset) {
  flushed_.store(flushed_offset);
  written_behind_.store(flushed_offset);
  requested_ = flushed_offset;
  stopping_ = false;
  thread_.start(
      "rmq-flusher", [this] { run_once(); },
      [this] {
        if (config_.placement.pin_thread) config_.placement.pin_thread("flusher");
      });
}

void GroupCommitFlusher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  flush_cv_.notify_all();
  waiters_cv_.notify_all();
  thread_.stop();
  complete_callbacks();  // anything still waiting hears kClosed
}

void GroupCommitFlusher::wake() {
  std::lock_guard lock(mutex_);
  flush_cv_.notify_one();
}

std::optional<Error> GroupCommitFlusher::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

Status GroupCommitFlusher::wait_flushed(uint64_t end_offset) {
  if (flushed_.load(std::memory_order_acquire) >= end_offset) return {};
  std::unique_lock lock(mutex_);
  if (requested_ < end_offset) {
    requested_ = end_offset;
    flush_cv_.notify_one();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.sync_flush_timeout_ms);
  const bool covered = waiters_cv_.wait_until(
      lock, deadline, [&] { return flushed_.load(std::memory_order_acquire) >= end_offset || failure_ || stopping_; });
  if (failure_) return std::unexpected(*failure_);
  if (flushed_.load(std::memory_order_acquire) >= end_offset) return {};
  if (!covered)
    return make_error(ErrorCode::kTimeout, "flush did not cover offset " + std::to_string(end_offset) + " within " +
                                               std::to_string(config_.sync_flush_timeout_ms) +
                                               " ms (sync_flush_timeout_ms); the disk is slow or stalled");
  return make_error(ErrorCode::kClosed,
                    "store is closing before the flush covered offset " + std::to_string(end_offset));
}

void GroupCommitFlusher::when_flushed(uint64_t end_offset, std::function<void(Status)> done) {
  if (flushed_.load(std::memory_order_acquire) >= end_offset) {
    done({});
    return;
  }
  {
    std::lock_guard lock(mutex_);
    if (!failure_ && !stopping_) {
      callbacks_.push_back({end_offset,
                            std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.sync_flush_timeout_ms),
                            std::move(done)});
      if (requested_ < end_offset) requested_ = end_offset;
      flush_cv_.notify_one();
      return;
    }
  }
  complete_callbacks();  // failed or stopping: answer at once
  done(failure() ? Status(std::unexpected(*failure())) : make_error(ErrorCode::kClosed, "store is closing"));
}

void GroupCommitFlusher::complete_callbacks() {
  std::vector<std::pair<std::function<void(Status)>, Status>> ready;
  {
    std::lock_guard lock(mutex_);
    if (callbacks_.empty()) return;
    const uint64_t flushed = flushed_.load(std::memory_order_acquire);
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(callbacks_, [&](PendingCallback& c) {
      Status status;
      if (c.end_offset <= flushed)
        status = {};
      else if (failure_)
        status = std::unexpected(*failure_);
      else if (stopping_)
        status = make_error(ErrorCode::kClosed, "store is closing before the flush");
      else if (now >= c.deadline)
        status = make_error(ErrorCode::kTimeout, "flush did not cover offset " + std::to_string(c.end_offset) +
                                                     " within sync_flush_timeout_ms");
      else
        return false;
      ready.emplace_back(std::move(c.done), std::move(status));
      return true;
    });
  }
  for (auto& [done, status] : ready) done(std::move(status));
}

Status GroupCommitFlusher::flush_to(uint64_t target) {
  std::lock_guard flush_lock(flush_mutex_);
  // After a failure nothing more becomes durable through this flusher, even if a retry would
  // "succeed": the kernel may have dropped the pages the failed flush was writing.
  if (auto failed = failure()) return std::unexpected(*failed);
  const uint64_t from = flushed_.load(std::memory_order_acquire);
  if (target <= from) return {};
  auto s = log_.flush_range(from, target);
  if (!s) record_failure(s.error());
  {
    std::lock_guard lock(mutex_);
    if (s) {
      flushed_.store(target, std::memory_order_release);
      flush_count_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  waiters_cv_.notify_all();
  complete_callbacks();
  return s;
}

void GroupCommitFlusher::record_failure(const Error& error) {
  {
    std::lock_guard lock(mutex_);
    if (!failure_) spdlog::critical("commit log flush failed, refusing further writes: {}", error.message);
    failure_ = error;
  }
  waiters_cv_.notify_all();
}

Status GroupCommitFlusher::flush_all() { return flush_to(log_.written_offset()); }

uint64_t GroupCommitFlusher::async_flush_target(std::chrono::steady_clock::time_point now) {
  const uint64_t written = log_.written_offset();
  if (held_back_bytes_ == 0) return written;  // the writer's bytes do not reach the file by writeback
  // msync cleans the page the writer is still filling and write-protects it, so the writer's
  // next append into that page would fault (page_mkwrite, waiting for the writeback). The page
  // cache may hold the file in large folios (ext4 since Linux 6.16), and writeback cleans a
  // whole folio, so stop at a boundary of the largest folio size. The stretch left out is
  // flushed a round later, or once it has waited a whole interval (a quiet log): async flush
  // still makes every record durable within two flush_interval_ms.
  const uint64_t held_from = written / held_back_bytes_ * held_back_bytes_;
  if (held_from == written) return written;
  if (held_from != held_from_) {
    held_from_ = held_from;
    held_since_ = now;
  }
  if (now - held_since_ >= std::chrono::milliseconds(config_.flush_interval_ms)) return written;
  return held_from;
}

void GroupCommitFlusher::run_once() {
  {
    std::unique_lock lock(mutex_);
    const auto interval = std::chrono::milliseconds(config_.flush_interval_ms);
    flush_cv_.wait_for(lock, interval, [&] {
      return stopping_ || requested_ > flushed_.load(std::memory_order_relaxed) ||
             dirty_signalled_.load(std::memory_order_relaxed);
    });
    if (stopping_ || failure_) {
      lock.unlock();
      complete_callbacks();  // time-outs and failures still get their answer
      return;
    }
  }
  complete_callbacks();  // time-outs
  const bool dirty = dirty_signalled_.exchange(false, std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  bool waiters;
  {
    std::lock_guard lock(mutex_);
    waiters = requested_ > flushed_.load(std::memory_order_relaxed);
  }
  if (dirty && !waiters && writer_.writes_behind() &&
      now - last_durable_ < std::chrono::milliseconds(config_.flush_interval_ms)) {
    // A writer that writes behind (pool), between durable flushes: keep the disk busy and
    // buffers coming back, but leave the fdatasync to the interval (or to a sync waiter).
    std::lock_guard flush_lock(flush_mutex_);  // the writer's ring has one user at a time
    // Taken up before the write: appends made while it runs count towards the next round.
    const uint64_t written = log_.written_offset();
    written_behind_.store(written, std::memory_order_relaxed);
    if (auto s = log_.write_range(flushed_offset(), written); !s) record_failure(s.error());
    write_behind_count_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  last_durable_ = now;
  // Everything written by now, which covers every waiter that registered before this point.
  (void)flush_to(waiters ? log_.written_offset() : async_flush_target(now));
}

}  // namespace ringmq::engine
