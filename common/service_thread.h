// ServiceThread: the shape of every long-lived thread (engine, broker, perf). It owns a
// std::thread named for `top -H` and the profiler, a stop flag, and a wake-up that cuts a
// sleep short. The owner calls start() once and stop() (also run by the destructor) before
// the state the loop uses goes away.
#pragma once

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace ringmq {

class ServiceThread {
 public:
  ServiceThread() = default;
  ServiceThread(const ServiceThread&) = delete;
  ServiceThread& operator=(const ServiceThread&) = delete;
  ~ServiceThread() { stop(); }

  // Runs `loop` on a new thread named `name` (at most 15 characters) until stop().
  // `loop` is called repeatedly; it should do one round of work and then sleep_for().
  // `on_start` runs first on the new thread (the store pins it to its NUMA core there).
  void start(std::string name, std::function<void()> loop, std::function<void()> on_start = {}) {
    stop_.store(false);
    thread_ = std::thread([this, name = std::move(name), loop = std::move(loop), on_start = std::move(on_start)] {
      ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
      if (on_start) on_start();
      while (!stop_.load(std::memory_order_acquire)) loop();
    });
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stop_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // Sleeps up to `timeout` or until wake() / stop().
  void sleep_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [this] { return woken_ || stop_.load(std::memory_order_relaxed); });
    woken_ = false;
  }
  void wake() {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    cv_.notify_one();
  }
  bool stopping() const { return stop_.load(std::memory_order_acquire); }

 private:
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;
  std::atomic<bool> stop_{false};
};

}  // namespace ringmq
