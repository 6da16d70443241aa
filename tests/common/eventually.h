// eventually(): polls a condition until it holds or a generous limit passes, for tests that
// wait on another process or thread. The limit is a bound on waiting, never a measurement.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace ringmq::test {

inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

}  // namespace ringmq::test
