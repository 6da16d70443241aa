#include "broker/kafka/group_ticker.h"

namespace ringmq::broker {

GroupTicker::GroupTicker(GroupCoordinator& coordinator, std::chrono::milliseconds interval) {
  thread_.start("ringmq-groups", [this, &coordinator, interval] {
    coordinator.tick();
    thread_.sleep_for(interval);
  });
}

}  // namespace ringmq::broker
