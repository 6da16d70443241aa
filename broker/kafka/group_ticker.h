// GroupTicker: the thread that drives GroupCoordinator::tick() (session expiry, rebalance and
// initial-delay timeouts) for a broker that has no timer of its own to call it from. Named
// "ringmq-groups" for `top -H`. Construction starts it; destruction stops and joins it, so
// destroy the ticker before the coordinator it drives.
#pragma once

#include <chrono>

#include "broker/kafka/group_coordinator.h"
#include "common/service_thread.h"

namespace ringmq::broker {

class GroupTicker {
 public:
  explicit GroupTicker(GroupCoordinator& coordinator,
                       std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  GroupTicker(const GroupTicker&) = delete;
  GroupTicker& operator=(const GroupTicker&) = delete;
  ~GroupTicker() { stop(); }

  // Stops and joins the thread; idempotent.
  void stop() { thread_.stop(); }

 private:
  ServiceThread thread_;
};

}  // namespace ringmq::broker
