#include "engine/dispatcher.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

namespace ringmq::engine {

Status Dispatcher::dispatch_range(uint64_t from, uint64_t to, bool rebuilding) {
  std::lock_guard lock(mutex_);
  uint64_t pos = from;
  std::shared_ptr<MappedSegment> segment;
  std::span<const std::byte> view;  // the whole segment, valid while `segment` is held
  while (pos < to) {
    if (!segment || pos < segment->base_offset() || pos >= segment->end_offset()) {
      segment = log_.segment_containing(pos);
      if (!segment) {  // removed by retention before we got there
        pos = log_.next_segment_base(pos);
        continue;
      }
      view = segment->read_from(0);
    }
    // The writer made these bytes and recovery checked them: no CRC pass here.
    auto slot = decode_slot(view.subspan(pos - segment->base_offset()), pos, false);
    if (!slot) return std::unexpected(slot.error());
    if (slot->kind != SlotKind::kRecord) {
      pos = segment->end_offset();
      dispatched_.store(std::min(pos, to), std::memory_order_release);
      continue;
    }
    const RecordFields& f = slot->record.fields;
    auto queue = indexes_.find_or_create(f.queue_id, to);
    if (!queue) return std::unexpected(queue.error());
    ConsumeQueue& q = **queue;
    const QueueOffset offset(f.queue_offset);
    const bool fresh = q.entry_count() == 0;
    if (fresh ? (offset == QueueOffset(0) || rebuilding) : offset == q.next_offset()) {
      if (auto s = q.append({LogPosition(pos), slot->record.total_size, f.record_count, offset, f.max_timestamp_ms});
          !s)
        return s;
    } else if (fresh || offset > q.next_offset()) {
      return make_error(ErrorCode::kCorrupt, "index of queue " + std::to_string(f.queue_id) + " ends at offset " +
                                                 to_string(q.next_offset()) + " but the commit log has offset " +
                                                 to_string(offset) + " at " + std::to_string(pos));
    }
    pos += slot->record.total_size;
    dispatched_.store(pos, std::memory_order_release);
  }
  dispatched_.store(std::max(pos, from), std::memory_order_release);
  return {};
}

DispatchSnapshot Dispatcher::snapshot() const {
  std::lock_guard lock(mutex_);
  DispatchSnapshot snap;
  snap.offset = dispatched_.load(std::memory_order_acquire);
  indexes_.for_each([&](ConsumeQueue& q) { snap.next_offsets.emplace_back(q.queue_id(), q.next_offset().value()); });
  return snap;
}

Status Dispatcher::trim_indexes(LogPosition log_start) {
  std::lock_guard lock(mutex_);
  Status result;
  indexes_.for_each([&](ConsumeQueue& q) {
    if (auto s = q.trim_before(log_start); !s && result) result = s;
  });
  return result;
}

void Dispatcher::start(std::function<void()> on_start) {
  thread_.start(
      "rmq-dispatch", [this] { run_once(); }, std::move(on_start));
}

void Dispatcher::stop() {
  thread_.stop();
  run_waiters(true, {});
}

void Dispatcher::when_dispatched(uint64_t end, std::function<void(Status)> done) {
  {
    // Checked under the lock run_waiters takes after dispatched_ moved: never missed.
    std::lock_guard lock(waiters_mutex_);
    if (dispatched_offset() < end) {
      waiters_.emplace_back(end, std::move(done));
      return;
    }
  }
  done({});
}

void Dispatcher::run_waiters(bool all, const Status& status) {
  {
    std::lock_guard lock(waiters_mutex_);
    if (waiters_.empty()) return;
    const uint64_t dispatched = dispatched_offset();
    std::erase_if(waiters_, [&](auto& waiter) {
      if (!all && waiter.first > dispatched) return false;
      ready_.push_back(std::move(waiter.second));
      return true;
    });
  }
  for (auto& done : ready_) done(status);
  ready_.clear();
}

void Dispatcher::run_once() {
  const uint64_t target = log_.written_offset();
  if (dispatched_offset() < target) {
    if (auto s = dispatch_range(dispatched_offset(), target, false); !s) {
      spdlog::error("dispatcher stopped at offset {}: {}", dispatched_offset(), s.error().message);
      run_waiters(false, {});  // what this round did index
      run_waiters(true, make_error(s.error().code, "records appended but not indexed: " + s.error().message));
      thread_.sleep_for(std::chrono::milliseconds(1000));
      return;
    }
    run_waiters(false, {});
    std::lock_guard lock(listener_mutex_);
    if (listener_) listener_();
    quiet_rounds_ = 0;
    return;
  }
  // Caught up. Under a dense stream, going idle here would have the next append wake this
  // thread: a futex call and a context switch per append, on the writer. So once appends
  // keep coming back quickly after going idle, nap instead (appends do not signal while this thread
  // is not idle) and index what arrived in one batch; go idle again only once the log has
  // been quiet for a while. A sparse stream keeps the immediate wake-up (and its low latency).
  if (napping_ && ++quiet_rounds_ < kQuietRoundsBeforeIdle) {
    std::this_thread::sleep_for(kBatchNap);
    return;
  }
  napping_ = false;
  const auto idle_since = std::chrono::steady_clock::now();
  idle_.store(true);
  // The other half of notify()'s fence: the store of idle_ is visible before the written
  // offset is read, on every architecture.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (log_.written_offset() == target) thread_.sleep_for(std::chrono::milliseconds(5));
  idle_.store(false);
  // One produce request may append a batch per partition a few microseconds apart: only a
  // run of quick wake-ups means a dense stream.
  const bool quick = log_.written_offset() != target && std::chrono::steady_clock::now() - idle_since < kDenseGap;
  quick_wakeups_ = quick ? quick_wakeups_ + 1 : 0;
  if (quick_wakeups_ >= kQuickWakeupsForDense) {
    napping_ = true;
    quiet_rounds_ = 0;
    quick_wakeups_ = 0;
  }
}

}  // namespace ringmq::engine
