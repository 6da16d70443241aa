#include "numa/placement.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "numa/cpu_list.h"

namespace ringmq::numa {

namespace {

bool contains(const std::vector<unsigned>& values, unsigned value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::string nodes_text(const std::vector<unsigned>& nodes) {
  return (nodes.size() == 1 ? "node " : "nodes ") + format_cpu_list(nodes);
}

// The first PU of every core, then the second PU of every core, and so on: roles land on
// separate physical cores for as long as there are cores, and only then on siblings.
std::vector<unsigned> dealing_order(const std::vector<CoreInfo>& cores) {
  std::vector<unsigned> order;
  for (size_t rank = 0;; ++rank) {
    bool any = false;
    for (const CoreInfo& core : cores) {
      if (rank < core.pus.size()) {
        order.push_back(core.pus[rank]);
        any = true;
      }
    }
    if (!any) break;
  }
  return order;
}

// Where one requested device is, for the log, and which nodes with CPUs it narrows the
// choice to. Empty when it was not asked for, not found, or is local to every node — a
// device hanging off the whole machine says nothing about where to run.
std::vector<unsigned> locate_device(const Topology& topology, const std::optional<std::string>& name, bool block,
                                    const std::vector<unsigned>& cpu_nodes, std::vector<std::string>& device_lines,
                                    std::vector<std::string>& notes) {
  if (!name || name->empty()) return {};
  const char* kind = block ? "block device " : "network interface ";
  auto located = block ? topology.locate_block_device(*name) : topology.locate_network_interface(*name);
  if (!located) {
    notes.push_back(located.error().message);
    return {};
  }
  std::string device = located->device == *name ? *name : *name + " (disk " + located->device + ")";
  std::string pci = located->pci_bus_id.empty() ? "" : " at PCI " + located->pci_bus_id;
  device_lines.push_back(kind + device + pci + ": local to " +
                         (located->nodes.empty() ? std::string("no node") : nodes_text(located->nodes)));
  std::vector<unsigned> local;
  for (unsigned node : located->nodes) {
    if (contains(cpu_nodes, node)) local.push_back(node);
  }
  if (local.empty()) {
    notes.push_back(std::string(kind) + *name + " is local to no node with CPUs; it does not steer placement");
    return {};
  }
  if (local.size() == cpu_nodes.size() && cpu_nodes.size() > 1) {
    notes.push_back(std::string(kind) + *name + " is attached to the whole machine; it does not steer placement");
    return {};
  }
  return local;
}

}  // namespace

const char* node_choice_name(NodeChoice choice) {
  switch (choice) {
    case NodeChoice::kConfiguredNode:
      return "configured-node";
    case NodeChoice::kConfiguredCpus:
      return "configured-cpus";
    case NodeChoice::kNearDiskAndNic:
      return "near-disk-and-nic";
    case NodeChoice::kNearDisk:
      return "near-disk";
    case NodeChoice::kNearNic:
      return "near-nic";
    case NodeChoice::kDiskAndNicApart:
      return "disk-and-nic-apart";
    case NodeChoice::kOnlyNode:
      return "only-node";
    case NodeChoice::kFirstNode:
      return "first-node";
  }
  return "unknown";
}

std::vector<std::string> default_thread_roles(unsigned network_threads) {
  std::vector<std::string> roles = {"writer", "committer", "flusher", "dispatcher", "allocator"};
  for (unsigned i = 0; i < network_threads; ++i) roles.push_back("net-" + std::to_string(i));
  return roles;
}

Result<PlacementPlan> PlacementPlan::build(const Topology& topology, const PlacementRequest& request) {
  std::set<std::string_view> seen;
  for (const std::string& role : request.roles) {
    if (role.empty()) return make_error(ErrorCode::kInvalidArgument, "a thread role has an empty name");
    if (!seen.insert(role).second) {
      return make_error(ErrorCode::kInvalidArgument, "thread role \"" + role + "\" is listed twice");
    }
  }

  PlacementPlan plan;
  std::vector<NumaNodeInfo> nodes = topology.nodes();
  plan.node_count_ = nodes.size();
  std::vector<unsigned> cpu_nodes;
  for (const NumaNodeInfo& node : nodes) {
    if (!node.pus.empty()) cpu_nodes.push_back(node.os_index);
  }
  if (cpu_nodes.empty()) {
    return make_error(ErrorCode::kUnsupported, "the topology (" + topology.source() + ") has no NUMA node with CPUs");
  }

  std::vector<unsigned> disk_nodes =
      locate_device(topology, request.block_device, true, cpu_nodes, plan.device_lines_, plan.notes_);
  std::vector<unsigned> nic_nodes =
      locate_device(topology, request.network_interface, false, cpu_nodes, plan.device_lines_, plan.notes_);

  bool configured = request.node || request.cpus;
  if (request.node) {
    auto info = topology.node(*request.node);
    if (!info) return make_error(ErrorCode::kInvalidArgument, "configured " + info.error().message);
    if (info->pus.empty()) {
      return make_error(
          ErrorCode::kInvalidArgument,
          "configured NUMA node " + std::to_string(*request.node) +
              " has memory but no CPUs to run threads on; nodes with CPUs: " + format_cpu_list(cpu_nodes));
    }
    plan.node_ = *request.node;
    plan.choice_ = NodeChoice::kConfiguredNode;
    plan.reason_ = "configured";
  }
  if (request.cpus) {
    if (request.cpus->empty()) return make_error(ErrorCode::kInvalidArgument, "the configured CPU list is empty");
    std::map<unsigned, size_t> cpus_per_node;
    std::vector<unsigned> outside_node;
    for (unsigned cpu : *request.cpus) {
      auto nodes_of_cpu = topology.nodes_of_pu(cpu);
      if (!nodes_of_cpu) return make_error(ErrorCode::kInvalidArgument, "configured " + nodes_of_cpu.error().message);
      if (request.node && !contains(*nodes_of_cpu, *request.node)) outside_node.push_back(cpu);
      for (unsigned node : *nodes_of_cpu) ++cpus_per_node[node];
    }
    if (!outside_node.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "configured CPUs " + format_cpu_list(outside_node) + " are not on the configured NUMA node " +
                            std::to_string(*request.node) +
                            " (its CPUs: " + format_cpu_list(topology.node(*request.node)->pus) + ")");
    }
    if (request.node) {
      plan.reason_ = "configured, CPUs " + format_cpu_list(*request.cpus);
    } else {
      size_t best = 0;
      for (const auto& [node, count] : cpus_per_node) {
        if (count > best) {
          best = count;
          plan.node_ = node;
        }
      }
      plan.choice_ = NodeChoice::kConfiguredCpus;
      plan.reason_ = "holds the configured CPUs " + format_cpu_list(*request.cpus);
      if (best < request.cpus->size()) {
        plan.notes_.push_back("the configured CPUs span several nodes; memory goes to node " +
                              std::to_string(plan.node_) + ", which holds most of them");
      }
    }
  }

  if (!configured) {
    const std::string disk = "block device " + request.block_device.value_or("");
    const std::string nic = "network interface " + request.network_interface.value_or("");
    std::vector<unsigned> both;
    std::set_intersection(disk_nodes.begin(), disk_nodes.end(), nic_nodes.begin(), nic_nodes.end(),
                          std::back_inserter(both));
    if (cpu_nodes.size() == 1) {
      plan.node_ = cpu_nodes.front();
      plan.choice_ = NodeChoice::kOnlyNode;
      plan.reason_ = nodes.size() == 1 ? "the only NUMA node" : "the only NUMA node with CPUs";
    } else if (!both.empty()) {
      plan.node_ = both.front();
      plan.choice_ = NodeChoice::kNearDiskAndNic;
      plan.reason_ = "nearest to " + disk + " and " + nic;
    } else if (!disk_nodes.empty() && !nic_nodes.empty()) {
      plan.node_ = disk_nodes.front();
      plan.choice_ = NodeChoice::kDiskAndNicApart;
      plan.reason_ = disk + " is on " + nodes_text(disk_nodes) + " but " + nic + " is on " + nodes_text(nic_nodes) +
                     "; the disk's node wins and network threads cross the interconnect";
    } else if (!disk_nodes.empty()) {
      plan.node_ = disk_nodes.front();
      plan.choice_ = NodeChoice::kNearDisk;
      plan.reason_ = "nearest to " + disk;
    } else if (!nic_nodes.empty()) {
      plan.node_ = nic_nodes.front();
      plan.choice_ = NodeChoice::kNearNic;
      plan.reason_ = "nearest to " + nic;
    } else {
      plan.node_ = cpu_nodes.front();
      plan.choice_ = NodeChoice::kFirstNode;
      plan.reason_ = "no device locality known, so the first node with CPUs";
    }
  } else {
    // Configuration wins, but an operator should hear when it works against the hardware.
    if (!disk_nodes.empty() && !contains(disk_nodes, plan.node_)) {
      plan.notes_.push_back("block device " + *request.block_device + " is local to " + nodes_text(disk_nodes) +
                            ", not to the configured node " + std::to_string(plan.node_));
    }
    if (!nic_nodes.empty() && !contains(nic_nodes, plan.node_)) {
      plan.notes_.push_back("network interface " + *request.network_interface + " is local to " +
                            nodes_text(nic_nodes) + ", not to the configured node " + std::to_string(plan.node_));
    }
  }

  std::vector<CoreInfo> cores;
  if (request.cpus) {
    for (CoreInfo& core : topology.cores()) {
      std::erase_if(core.pus, [&](unsigned pu) { return !contains(*request.cpus, pu); });
      if (!core.pus.empty()) cores.push_back(std::move(core));
    }
  } else {
    auto node_cores = topology.cores_of_node(plan.node_);
    if (!node_cores) return std::unexpected(node_cores.error());
    cores = std::move(*node_cores);
  }
  plan.cpus_ = dealing_order(cores);
  if (plan.cpus_.empty()) {
    return make_error(ErrorCode::kUnsupported, "NUMA node " + std::to_string(plan.node_) + " has no usable CPUs");
  }
  std::map<unsigned, unsigned> core_of_pu;
  for (const CoreInfo& core : cores) {
    for (unsigned pu : core.pus) core_of_pu[pu] = core.logical_index;
  }
  for (size_t i = 0; i < request.roles.size(); ++i) {
    unsigned pu = plan.cpus_[i % plan.cpus_.size()];
    plan.roles_.push_back(RolePlacement{request.roles[i], pu, core_of_pu[pu]});
  }
  if (request.roles.size() > plan.cpus_.size()) {
    plan.notes_.push_back(std::to_string(request.roles.size()) + " threads share " + std::to_string(plan.cpus_.size()) +
                          (plan.cpus_.size() == 1 ? " CPU" : " CPUs"));
  } else if (request.roles.size() > cores.size()) {
    plan.notes_.push_back("more threads than cores: some run on hyperthread siblings of others");
  }
  return plan;
}

std::optional<unsigned> PlacementPlan::pu_of(std::string_view role) const {
  for (const RolePlacement& placement : roles_) {
    if (placement.role == role) return placement.pu;
  }
  return std::nullopt;
}

std::string PlacementPlan::describe() const {
  std::string out = "NUMA placement: node " + std::to_string(node_) + " of " + std::to_string(node_count_) + " (" +
                    reason_ + "); CPUs " + format_cpu_list(cpus_) + "; pool and index memory on node " +
                    std::to_string(node_) + "\n";
  for (const std::string& line : device_lines_) out += "  " + line + "\n";
  size_t width = 0;
  for (const RolePlacement& placement : roles_) width = std::max(width, placement.role.size());
  for (const RolePlacement& placement : roles_) {
    out += "  " + placement.role + std::string(width - placement.role.size(), ' ') + " -> CPU " +
           std::to_string(placement.pu) + " (core " + std::to_string(placement.core) + ")\n";
  }
  for (const std::string& note : notes_) out += "  note: " + note + "\n";
  return out;
}

}  // namespace ringmq::numa
