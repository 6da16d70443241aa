// Topology: an owning, move-only handle on a loaded hwloc topology, and the questions the
// broker asks of it: which NUMA nodes exist, which cores and PUs belong to each, and which
// nodes are local to a block device or a network interface (hwloc's PCI locality).
//
// A topology comes from the running system (I/O devices included), from a synthetic
// description ("pack:2 numa:1 core:4 pu:2") or from XML. Only a system topology may be used
// to bind threads or memory: hwloc gives the others empty binding hooks that report success
// and do nothing, so thread_pinning.h and memory_binding.h refuse them.
//
// Indexes are OS indexes throughout (the numbers in /sys, numactl and taskset), never hwloc's
// logical indexes. On a system topology, PUs outside the process's cgroup/affinity are left
// out, so every PU listed here is one the process may run on. Once loaded, a Topology may be
// shared by threads for queries and binding calls (hwloc is thread-safe for those).
#pragma once

#include <hwloc.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace ringmq::numa {

struct NumaNodeInfo {
  unsigned os_index = 0;
  std::vector<unsigned> pus;        // PU OS indexes local to this node, ascending; empty for
                                    // a memory-only node (CXL, HBM exposed without CPUs)
  uint64_t local_memory_bytes = 0;  // 0 when unknown
};

// One physical core and its hardware threads (hyperthread siblings), in PU OS indexes.
struct CoreInfo {
  unsigned logical_index = 0;  // hwloc's order, which follows the physical layout
  std::vector<unsigned> pus;
};

// Where a device sits: the NUMA nodes of its nearest non-I/O ancestor (a package, a group,
// or the whole machine when the platform does not say).
struct DeviceLocality {
  std::string device;           // the OS device hwloc knows ("vda" when asked for "vda1")
  std::vector<unsigned> nodes;  // NUMA node OS indexes, ascending
  std::string pci_bus_id;       // "0000:81:00.0", or empty when not behind a PCI function
};

class Topology {
 public:
  // The running machine, with PCI and OS devices (block, network) kept for locality queries.
  static Result<Topology> load_this_system();
  // An hwloc synthetic description, e.g. "pack:2 numa:1 core:4 pu:2". Has no I/O devices.
  static Result<Topology> load_synthetic(const std::string& description);
  static Result<Topology> load_xml_file(const std::string& path);
  static Result<Topology> load_xml_string(const std::string& xml);

  Topology(Topology&& other) noexcept;
  Topology& operator=(Topology&& other) noexcept;
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;
  ~Topology();

  // True only for load_this_system(): binding through this topology acts on this machine.
  bool is_this_system() const;
  // Where it came from: "this system", "synthetic \"pack:2 ...\"", "XML file /path".
  const std::string& source() const { return source_; }
  // "2 NUMA nodes, 8 cores, 16 PUs (synthetic \"...\")", for logs.
  std::string summary() const;

  // All NUMA nodes, by ascending OS index.
  std::vector<NumaNodeInfo> nodes() const;
  // kNotFound naming the nodes that do exist.
  Result<NumaNodeInfo> node(unsigned os_index) const;
  // All PUs the process may use, ascending.
  std::vector<unsigned> pus() const;
  // All cores, in hwloc's order. A topology without a Core level reports one core per PU.
  std::vector<CoreInfo> cores() const;
  // The cores with at least one PU in the node; only the node's PUs are listed.
  Result<std::vector<CoreInfo>> cores_of_node(unsigned node_os_index) const;
  // The NUMA nodes a PU is local to (usually one). kNotFound for a PU not in the topology.
  Result<std::vector<unsigned>> nodes_of_pu(unsigned pu_os_index) const;

  // Finds a block OS device by name; a partition name ("vda1", "nvme0n1p2") falls back to
  // its whole disk. kNotFound names the block devices hwloc does see.
  Result<DeviceLocality> locate_block_device(std::string_view name) const;
  // Finds a network OS device by interface name ("eth0"). kNotFound names those it sees.
  Result<DeviceLocality> locate_network_interface(std::string_view name) const;
  // Names of the OS devices of one kind (HWLOC_OBJ_OSDEV_BLOCK, ..._NETWORK).
  std::vector<std::string> os_device_names(hwloc_obj_osdev_type_t kind) const;

  // The underlying handle, for binding calls. Owned by this object.
  hwloc_topology_t raw() const { return topology_; }

 private:
  Topology(hwloc_topology_t topology, std::string source) : topology_(topology), source_(std::move(source)) {}
  hwloc_obj_t find_os_device(hwloc_obj_osdev_type_t kind, std::string_view name) const;
  DeviceLocality locality_of(hwloc_obj_t os_device) const;
  Error missing_node_error(unsigned os_index) const;

  hwloc_topology_t topology_ = nullptr;
  std::string source_;
};

}  // namespace ringmq::numa
