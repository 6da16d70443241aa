// Pinning the calling thread to one PU, and reading back where it may run. Each long-lived
// thread pins itself first thing in its run loop, so its stack and the memory it touches
// first are allocated on its own node.
#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"
#include "numa/placement.h"
#include "numa/topology.h"

namespace ringmq::numa {

// Pins the calling thread to the PU with OS index `pu`: hwloc_set_cpubind(THREAD), falling
// back to sched_setaffinity. kInvalidArgument when `topology` is not this system's (hwloc
// would silently do nothing) or the PU is not one this process may use.
Status pin_current_thread(const Topology& topology, unsigned pu);
// Pins the calling thread to the PU the plan gives `role`; kNotFound for a role not in it.
Status pin_current_thread(const Topology& topology, const PlacementPlan& plan, std::string_view role);
// The PUs the calling thread may run on (sched_getaffinity), ascending.
Result<std::vector<unsigned>> current_thread_cpus();

}  // namespace ringmq::numa
