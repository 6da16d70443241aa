#include "broker/server/timer_service.h"

#include <spdlog/spdlog.h>

#include "broker/server/logging.h"

namespace ringmq::broker {

TimerService::TimerService() : thread_([this] { run(); }) {}

TimerService::~TimerService() { stop(); }

TimerId TimerService::schedule_after(std::chrono::milliseconds delay, std::function<void()> callback) {
  return schedule_at(Clock::now() + delay, std::move(callback));
}

TimerId TimerService::schedule_at(Clock::time_point deadline, std::function<void()> callback) {
  TimerId id;
  bool wake_early;
  {
    std::unique_lock lock(mutex_);
    id = next_id_++;
    if (stopped_) {
      lock.unlock();
      callback();  // no thread left to run it
      return id;
    }
    if (expedite_) deadline = Clock::now();
    timers_.emplace(std::pair{deadline, id}, std::move(callback));
    deadlines_.emplace(id, deadline);
    wake_early = deadline < wakes_at_;
    if (wake_early) wakes_at_ = Clock::time_point::min();  // one notify is enough
  }
  if (wake_early) wake_.notify_one();
  return id;
}

bool TimerService::cancel(TimerId id) {
  std::lock_guard lock(mutex_);
  auto found = deadlines_.find(id);
  if (found == deadlines_.end()) return false;
  timers_.erase(std::pair{found->second, id});
  deadlines_.erase(found);
  return true;
}

size_t TimerService::pending() const {
  std::lock_guard lock(mutex_);
  return timers_.size();
}

void TimerService::fire_all_now() {
  {
    std::lock_guard lock(mutex_);
    expedite_ = true;
  }
  wake_.notify_one();
}

void TimerService::stop() {
  {
    std::lock_guard lock(mutex_);
    expedite_ = true;
    stopping_ = true;
  }
  wake_.notify_one();
  // A callback may call stop(); the thread cannot join itself (the destructor will).
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void TimerService::run() {
  set_thread_name("rmq-timer");
  std::unique_lock lock(mutex_);
  while (true) {
    if (timers_.empty()) {
      if (stopping_) {
        stopped_ = true;  // from here on schedule_* runs callbacks itself
        break;
      }
      wakes_at_ = Clock::time_point::max();
      wake_.wait(lock);
      wakes_at_ = Clock::time_point::min();
      continue;
    }
    auto first = timers_.begin();
    const Clock::time_point deadline = first->first.first;
    if (!expedite_ && Clock::now() < deadline) {
      wakes_at_ = deadline;
      wake_.wait_until(lock, deadline);
      wakes_at_ = Clock::time_point::min();
      continue;
    }
    std::function<void()> callback = std::move(first->second);
    deadlines_.erase(first->first.second);
    timers_.erase(first);
    lock.unlock();
    try {
      callback();
    } catch (const std::exception& e) {
      spdlog::error("timer callback threw: {}", e.what());
    }
    callback = nullptr;  // destroy what it captured outside the lock
    lock.lock();
  }
}

}  // namespace ringmq::broker
