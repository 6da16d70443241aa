// TimerService: one thread ("rmq-timer") that runs callbacks at deadlines — the long-poll
// deadline of a Fetch, a Produce's flush timeout. Callbacks run one at a time on the timer
// thread and must be short: complete a ResponseSlot, post work elsewhere.
//
//   TimerId id = timers.schedule_after(std::chrono::milliseconds(max_wait_ms),
//                                      [waiter] { waiter->answer_with_what_is_there(); });
//   ...data arrived first:  if (timers.cancel(id)) waiter->answer_now();
//
// cancel() returning false means the callback has run or is running: whoever answers must
// still make sure a slot is completed only once (an atomic flag in the waiter).
//
// Shutdown: fire_all_now() runs every pending callback at once and every later one as soon as
// it is scheduled, so long polls answer without waiting for their deadline; stop() does that,
// then joins. After stop(), schedule_* runs the callback on the calling thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace ringmq::broker {

using TimerId = uint64_t;  // never 0

class TimerService {
 public:
  using Clock = std::chrono::steady_clock;

  TimerService();   // starts the thread
  ~TimerService();  // stop()
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  TimerId schedule_after(std::chrono::milliseconds delay, std::function<void()> callback);
  TimerId schedule_at(Clock::time_point deadline, std::function<void()> callback);
  // True if the timer was pending and now never runs; false if it ran, is running or is unknown.
  bool cancel(TimerId id);
  size_t pending() const;

  void fire_all_now();
  void stop();

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  // Ordered by deadline, then by id (scheduling order for equal deadlines).
  std::map<std::pair<Clock::time_point, TimerId>, std::function<void()>> timers_;
  std::unordered_map<TimerId, Clock::time_point> deadlines_;
  TimerId next_id_ = 1;
  // When the thread wakes by itself: max while it waits for any timer, its deadline while it
  // waits for one, min while it is awake (it looks at timers_ again before sleeping). A new
  // timer notifies only if it is due before that: under a stream of fetches most are not, and
  // each notify is a futex call and a context switch.
  Clock::time_point wakes_at_ = Clock::time_point::min();
  bool expedite_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace ringmq::broker
