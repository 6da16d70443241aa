// Memory bound to one NUMA node: bind_memory() moves memory allocated elsewhere (a vector, a
// jemalloc arena chunk, the transient write pool) to a node, and nodes_holding_memory() says
// where a range's pages are. Both need a topology of this system; binding through a
// synthetic or XML topology is refused, since hwloc would report success and do nothing.
//
// File-backed mappings (segments, index files) are not placed by binding them: the page
// cache fills on the node of the thread that faults the page, so pinning the thread that
// touches them first (thread_pinning.h) is what puts them on the node.
#pragma once

#include <cstddef>
#include <vector>

#include "common/result.h"
#include "numa/topology.h"

namespace ringmq::numa {

// Binds the pages covering [address, address + bytes) to NUMA node `node` and migrates the
// ones already touched. The node is preferred (MPOL_PREFERRED), not demanded: when it is
// full, pages spill to other nodes rather than the process being OOM-killed. Whole pages are
// bound, so data sharing the first or last page with the range moves too.
Status bind_memory(const Topology& topology, void* address, size_t bytes, unsigned node);

// The NUMA nodes that hold the touched pages of a range (untouched pages have no node yet).
Result<std::vector<unsigned>> nodes_holding_memory(const Topology& topology, const void* address, size_t bytes);

}  // namespace ringmq::numa
