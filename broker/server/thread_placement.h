// ThreadPlacement: the broker's NUMA placement. Loads this machine's topology, finds the data
// directory's disk and the listen address's NIC, builds the placement plan for the engine's
// threads and the network threads, logs it, and hands out the hooks that pin them.
//
// It degrades instead of failing: no hwloc topology, an unknown disk or NIC, or
// numa.pin_threads = false give a placement that pins nothing, with a log line saying why.
// Only a configured numa.node / numa.cpus the machine does not have is an error (ConfigError).
// Must outlive the threads it pins (the engine store and the TCP server).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/server/broker_config.h"
#include "broker/server/network_thread.h"
#include "engine/config.h"
#include "numa/placement.h"
#include "numa/topology.h"

namespace ringmq::broker {

class ThreadPlacement {
 public:
  // The engine threads that pin themselves (engine/*.cc pass these role names).
  static std::vector<std::string> engine_roles();

  // Plans and logs the placement; throws ConfigError for impossible numa settings.
  static std::unique_ptr<ThreadPlacement> plan(const BrokerConfig& config);

  bool pinning() const { return topology_.has_value() && plan_.has_value(); }
  // For TcpServer::bind: where the net-<i> threads go (empty when not pinning).
  NetworkPlacement network() const;
  // Sets the engine's pin_thread and bind_memory hooks (left empty when not pinning).
  void apply_to(engine::EngineConfig& engine) const;

 private:
  ThreadPlacement() = default;

  std::optional<numa::Topology> topology_;
  std::optional<numa::PlacementPlan> plan_;
};

}  // namespace ringmq::broker
