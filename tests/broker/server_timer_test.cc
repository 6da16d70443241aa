// TimerService: deadlines, cancellation and the shutdown behaviour long polls rely on.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "broker/server/timer_service.h"
#include "tests/broker/server_test_support.h"

namespace ringmq::broker {
namespace {

using namespace std::chrono_literals;
using test::eventually;

TEST(TimerService, RunsCallbacksInDeadlineOrderAfterTheirDelay) {
  TimerService timers;
  std::mutex mutex;
  std::vector<int> order;
  const auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration first_ran{};
  for (int delay : {60, 20, 40}) {
    timers.schedule_after(std::chrono::milliseconds(delay), [&, delay] {
      std::lock_guard lock(mutex);
      if (order.empty()) first_ran = std::chrono::steady_clock::now() - start;
      order.push_back(delay);
    });
  }
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return order.size() == 3;
  }));
  EXPECT_EQ(order, (std::vector<int>{20, 40, 60}));
  EXPECT_GE(first_ran, 20ms);
}

// The thread sleeps until its earliest deadline and is notified only for an earlier one: a
// timer due sooner than the one it waits for must wake it, one due later must still run.
TEST(TimerService, AnEarlierTimerWakesTheThreadWaitingForALaterOne) {
  TimerService timers;
  std::atomic<int> ran{0};
  timers.schedule_after(std::chrono::hours(1), [&] { ran += 100; });
  std::this_thread::sleep_for(20ms);  // the thread now waits for the hour
  timers.schedule_after(10ms, [&] { ran += 1; });
  ASSERT_TRUE(eventually([&] { return ran.load() == 1; })) << "waited for the later deadline";
  timers.schedule_after(30ms, [&] { ran += 10; });  // later than nothing pending but the hour
  ASSERT_TRUE(eventually([&] { return ran.load() == 11; }));
  EXPECT_EQ(timers.pending(), 1u);
}

TEST(TimerService, CancelledTimerNeverRuns) {
  TimerService timers;
  std::atomic<int> ran{0};
  const TimerId id = timers.schedule_after(30ms, [&] { ran++; });
  timers.schedule_after(60ms, [&] { ran += 10; });
  EXPECT_TRUE(timers.cancel(id));
  EXPECT_FALSE(timers.cancel(id));
  ASSERT_TRUE(eventually([&] { return ran.load() == 10; }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(ran.load(), 10);
}

TEST(TimerService, CancelAfterTheCallbackRanReturnsFalse) {
  TimerService timers;
  std::atomic<bool> ran{false};
  const TimerId id = timers.schedule_after(1ms, [&] { ran = true; });
  ASSERT_TRUE(eventually([&] { return ran.load(); }));
  EXPECT_FALSE(timers.cancel(id));
}

TEST(TimerService, FireAllNowRunsPendingAndLaterTimersAtOnce) {
  TimerService timers;
  std::atomic<int> ran{0};
  timers.schedule_after(std::chrono::hours(1), [&] { ran++; });
  timers.fire_all_now();
  ASSERT_TRUE(eventually([&] { return ran.load() == 1; }, 1000ms));
  timers.schedule_after(std::chrono::hours(1), [&] { ran++; });
  ASSERT_TRUE(eventually([&] { return ran.load() == 2; }, 1000ms));
}

TEST(TimerService, StopRunsWhatIsPendingAndLaterSchedulesRunInline) {
  std::atomic<int> ran{0};
  TimerService timers;
  timers.schedule_after(std::chrono::hours(1), [&] { ran++; });
  timers.stop();
  EXPECT_EQ(ran.load(), 1);
  EXPECT_EQ(timers.pending(), 0u);
  timers.schedule_after(std::chrono::hours(1), [&] { ran++; });
  EXPECT_EQ(ran.load(), 2);
}

TEST(TimerService, ACallbackThatThrowsDoesNotStopTheThread) {
  TimerService timers;
  std::atomic<bool> later{false};
  timers.schedule_after(1ms, [] { throw std::runtime_error("boom"); });
  timers.schedule_after(5ms, [&] { later = true; });
  EXPECT_TRUE(eventually([&] { return later.load(); }));
}

}  // namespace
}  // namespace ringmq::broker
