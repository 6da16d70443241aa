// PlacementPlan: where the broker's long-lived threads run and where its pool and index
// memory live. One NUMA node is chosen — from the configuration, or as the node nearest the
// data directory's disk and the listening NIC — and each thread role gets a PU of that node,
// dealt round-robin over its physical cores before their hyperthread siblings.
//
// Building a plan only reads the topology; pinning (thread_pinning.h) and memory binding
// (memory_binding.h) act on it. A plan is always valid when built: a single node, a topology
// without I/O information or a device that cannot be found still give a plan, with the
// reason and notes saying so. Only impossible configuration (a node or CPU that does not
// exist, CPUs outside the configured node) is an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "numa/topology.h"

namespace ringmq::numa {

// Why the plan's node was chosen.
enum class NodeChoice {
  kConfiguredNode,   // the configuration names the node
  kConfiguredCpus,   // the configuration names CPUs; the node is the one holding (most of) them
  kNearDiskAndNic,   // the disk and the NIC are local to this node
  kNearDisk,         // the disk is local to it; the NIC is unknown, unlocated or everywhere
  kNearNic,          // the NIC is local to it; the disk is unknown, unlocated or everywhere
  kDiskAndNicApart,  // they sit on different nodes: the disk's node wins, because the pool,
                     // the writer, committer and flusher all work against the disk
  kOnlyNode,         // the machine has a single NUMA node (with CPUs)
  kFirstNode,        // several nodes, no device locality known: the first node with CPUs
};

// Short stable name for logs and metrics: "configured-node", "near-disk-and-nic", ...
const char* node_choice_name(NodeChoice choice);

struct PlacementRequest {
  std::optional<std::string> block_device;       // the data directory's disk: "nvme0n1", "vda1"
  std::optional<std::string> network_interface;  // the listening NIC: "eth0"
  std::optional<unsigned> node;                  // forced NUMA node (OS index)
  std::optional<std::vector<unsigned>> cpus;     // forced PUs (OS indexes), see parse_cpu_list
  std::vector<std::string> roles;                // one name per pinned thread, unique
};

// The engine's five service threads followed by "net-0".."net-<n-1>".
std::vector<std::string> default_thread_roles(unsigned network_threads);

struct RolePlacement {
  std::string role;
  unsigned pu = 0;    // PU OS index to pin the thread to
  unsigned core = 0;  // logical index of the PU's core, to show which roles share a core
};

class PlacementPlan {
 public:
  static Result<PlacementPlan> build(const Topology& topology, const PlacementRequest& request);

  // The NUMA node (OS index) for the threads and for pool and index memory.
  unsigned node() const { return node_; }
  NodeChoice choice() const { return choice_; }
  // Why this node, as a phrase: "nearest to block device nvme0n1 and network interface eth0".
  const std::string& reason() const { return reason_; }
  // What else an operator should know: devices not found, roles sharing a CPU, ...
  const std::vector<std::string>& notes() const { return notes_; }
  // The PUs roles are dealt from, in dealing order (first PU of every core, then the second).
  const std::vector<unsigned>& cpus() const { return cpus_; }
  const std::vector<RolePlacement>& roles() const { return roles_; }
  std::optional<unsigned> pu_of(std::string_view role) const;
  // For the start-up log: a header line (node, reason, CPUs), one line per role, then notes.
  std::string describe() const;

 private:
  PlacementPlan() = default;

  unsigned node_ = 0;
  size_t node_count_ = 0;
  NodeChoice choice_ = NodeChoice::kFirstNode;
  std::string reason_;
  std::vector<std::string> device_lines_;
  std::vector<std::string> notes_;
  std::vector<unsigned> cpus_;
  std::vector<RolePlacement> roles_;
};

}  // namespace ringmq::numa
