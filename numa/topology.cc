#include "numa/topology.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <utility>

#include "common/errno_text.h"
#include "numa/bitmap.h"
#include "numa/cpu_list.h"

namespace ringmq::numa {

namespace {

enum class SourceKind { kThisSystem, kSynthetic, kXmlFile, kXmlString };

using TopologyGuard = std::unique_ptr<hwloc_topology, decltype(&hwloc_topology_destroy)>;

std::unexpected<Error> xml_error(const std::string& source) {
  return make_error(ErrorCode::kInvalidArgument,
                    "hwloc could not parse " + source + " (HWLOC_XML_VERBOSE=1 in the environment shows why)");
}

Result<hwloc_topology_t> load(SourceKind kind, const std::string& argument, const std::string& source) {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0) return errno_error("hwloc_topology_init", errno);
  TopologyGuard guard(raw, hwloc_topology_destroy);

  // I/O objects are dropped by default; keep the PCI functions and OS devices (block,
  // network) that locality queries need, and skip the noise (host bridges to nothing).
  if (hwloc_topology_set_io_types_filter(raw, HWLOC_TYPE_FILTER_KEEP_IMPORTANT) != 0) {
    return errno_error("hwloc_topology_set_io_types_filter", errno);
  }
  int rc = 0;
  switch (kind) {
    case SourceKind::kThisSystem:
      break;
    case SourceKind::kSynthetic:
      rc = hwloc_topology_set_synthetic(raw, argument.c_str());
      if (rc != 0) {
        return make_error(ErrorCode::kInvalidArgument, "hwloc rejected the synthetic topology \"" + argument +
                                                           "\" (expected e.g. \"pack:2 numa:1 core:4 pu:2\")");
      }
      break;
    case SourceKind::kXmlFile:
      if (::access(argument.c_str(), R_OK) != 0) return errno_error("open XML topology " + argument, errno);
      rc = hwloc_topology_set_xml(raw, argument.c_str());
      if (rc != 0) return xml_error(source);
      break;
    case SourceKind::kXmlString:
      // The length includes the terminating NUL, which hwloc's own parser expects.
      rc = hwloc_topology_set_xmlbuffer(raw, argument.c_str(), static_cast<int>(argument.size() + 1));
      if (rc != 0) return xml_error(source);
      break;
  }
  if (hwloc_topology_load(raw) != 0) {
    if (kind == SourceKind::kXmlFile || kind == SourceKind::kXmlString) return xml_error(source);
    return make_error(ErrorCode::kInvalidArgument,
                      "hwloc could not load the topology from " + source + ": " + errno_text(errno));
  }
  return guard.release();
}

std::string pci_bus_id(hwloc_obj_t pci) {
  char text[32];
  std::snprintf(text, sizeof(text), "%04x:%02x:%02x.%01x", pci->attr->pcidev.domain, pci->attr->pcidev.bus,
                pci->attr->pcidev.dev, pci->attr->pcidev.func);
  return text;
}

// True when `name` is `disk` followed by a partition suffix: "vda1" on "vda", "nvme0n1p2" on
// "nvme0n1" (the kernel adds a 'p' when the disk name ends in a digit).
bool is_partition_of(std::string_view name, std::string_view disk) {
  if (disk.empty() || name.size() <= disk.size() || name.substr(0, disk.size()) != disk) return false;
  std::string_view suffix = name.substr(disk.size());
  bool disk_ends_in_digit = disk.back() >= '0' && disk.back() <= '9';
  if (disk_ends_in_digit) {
    if (suffix.size() < 2 || suffix.front() != 'p') return false;
    suffix.remove_prefix(1);
  }
  for (char c : suffix) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

Result<Topology> Topology::load_this_system() {
  auto raw = load(SourceKind::kThisSystem, "", "this system");
  if (!raw) return std::unexpected(raw.error());
  return Topology(*raw, "this system");
}

Result<Topology> Topology::load_synthetic(const std::string& description) {
  std::string source = "synthetic \"" + description + "\"";
  auto raw = load(SourceKind::kSynthetic, description, source);
  if (!raw) return std::unexpected(raw.error());
  return Topology(*raw, source);
}

Result<Topology> Topology::load_xml_file(const std::string& path) {
  std::string source = "XML file " + path;
  auto raw = load(SourceKind::kXmlFile, path, source);
  if (!raw) return std::unexpected(raw.error());
  return Topology(*raw, source);
}

Result<Topology> Topology::load_xml_string(const std::string& xml) {
  auto raw = load(SourceKind::kXmlString, xml, "an XML string");
  if (!raw) return std::unexpected(raw.error());
  return Topology(*raw, "XML string");
}

Topology::Topology(Topology&& other) noexcept
    : topology_(std::exchange(other.topology_, nullptr)), source_(std::move(other.source_)) {}

Topology& Topology::operator=(Topology&& other) noexcept {
  if (this != &other) {
    if (topology_ != nullptr) hwloc_topology_destroy(topology_);
    topology_ = std::exchange(other.topology_, nullptr);
    source_ = std::move(other.source_);
  }
  return *this;
}

Topology::~Topology() {
  if (topology_ != nullptr) hwloc_topology_destroy(topology_);
}

bool Topology::is_this_system() const { return hwloc_topology_is_thissystem(topology_) != 0; }

std::string Topology::summary() const {
  size_t node_count = nodes().size();
  size_t core_count = cores().size();
  size_t pu_count = pus().size();
  return std::to_string(node_count) + (node_count == 1 ? " NUMA node, " : " NUMA nodes, ") +
         std::to_string(core_count) + (core_count == 1 ? " core, " : " cores, ") + std::to_string(pu_count) +
         (pu_count == 1 ? " PU" : " PUs") + " (" + source_ + ")";
}

std::vector<NumaNodeInfo> Topology::nodes() const {
  std::vector<NumaNodeInfo> result;
  // hwloc_get_next_obj_by_type walks NUMA nodes in logical order; OS order is what people
  // read, so sort by it.
  for (hwloc_obj_t node = hwloc_get_next_obj_by_type(topology_, HWLOC_OBJ_NUMANODE, nullptr); node != nullptr;
       node = hwloc_get_next_obj_by_type(topology_, HWLOC_OBJ_NUMANODE, node)) {
    result.push_back(NumaNodeInfo{node->os_index, bitmap_indexes(node->cpuset), node->attr->numanode.local_memory});
  }
  std::sort(result.begin(), result.end(),
            [](const NumaNodeInfo& a, const NumaNodeInfo& b) { return a.os_index < b.os_index; });
  return result;
}

Error Topology::missing_node_error(unsigned os_index) const {
  std::vector<unsigned> existing;
  for (const NumaNodeInfo& info : nodes()) existing.push_back(info.os_index);
  return Error{ErrorCode::kNotFound, "NUMA node " + std::to_string(os_index) +
                                         " does not exist; this machine has node" +
                                         (existing.size() == 1 ? " " : "s ") + format_cpu_list(existing)};
}

Result<NumaNodeInfo> Topology::node(unsigned os_index) const {
  hwloc_obj_t node = hwloc_get_numanode_obj_by_os_index(topology_, os_index);
  if (node == nullptr) return std::unexpected(missing_node_error(os_index));
  return NumaNodeInfo{node->os_index, bitmap_indexes(node->cpuset), node->attr->numanode.local_memory};
}

std::vector<unsigned> Topology::pus() const { return bitmap_indexes(hwloc_topology_get_topology_cpuset(topology_)); }

std::vector<CoreInfo> Topology::cores() const {
  std::vector<CoreInfo> result;
  hwloc_obj_type_t type = hwloc_get_nbobjs_by_type(topology_, HWLOC_OBJ_CORE) > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
  for (hwloc_obj_t core = hwloc_get_next_obj_by_type(topology_, type, nullptr); core != nullptr;
       core = hwloc_get_next_obj_by_type(topology_, type, core)) {
    std::vector<unsigned> core_pus = bitmap_indexes(core->cpuset);
    if (!core_pus.empty()) result.push_back(CoreInfo{core->logical_index, std::move(core_pus)});
  }
  return result;
}

Result<std::vector<CoreInfo>> Topology::cores_of_node(unsigned node_os_index) const {
  hwloc_obj_t node = hwloc_get_numanode_obj_by_os_index(topology_, node_os_index);
  if (node == nullptr) return std::unexpected(missing_node_error(node_os_index));
  std::vector<CoreInfo> result;
  for (CoreInfo& core : cores()) {
    std::erase_if(core.pus, [&](unsigned pu) { return !hwloc_bitmap_isset(node->cpuset, pu); });
    if (!core.pus.empty()) result.push_back(std::move(core));
  }
  return result;
}

Result<std::vector<unsigned>> Topology::nodes_of_pu(unsigned pu_os_index) const {
  hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(topology_, pu_os_index);
  if (pu == nullptr) {
    return make_error(ErrorCode::kNotFound, "CPU " + std::to_string(pu_os_index) + " is not in this topology (CPUs " +
                                                format_cpu_list(pus()) + ")");
  }
  return bitmap_indexes(pu->nodeset);
}

hwloc_obj_t Topology::find_os_device(hwloc_obj_osdev_type_t kind, std::string_view name) const {
  for (hwloc_obj_t device = hwloc_get_next_osdev(topology_, nullptr); device != nullptr;
       device = hwloc_get_next_osdev(topology_, device)) {
    if (device->attr->osdev.type == kind && device->name != nullptr && name == device->name) return device;
  }
  return nullptr;
}

std::vector<std::string> Topology::os_device_names(hwloc_obj_osdev_type_t kind) const {
  std::vector<std::string> names;
  for (hwloc_obj_t device = hwloc_get_next_osdev(topology_, nullptr); device != nullptr;
       device = hwloc_get_next_osdev(topology_, device)) {
    if (device->attr->osdev.type == kind && device->name != nullptr) names.emplace_back(device->name);
  }
  return names;
}

DeviceLocality Topology::locality_of(hwloc_obj_t os_device) const {
  DeviceLocality locality;
  locality.device = os_device->name;
  // I/O objects have no cpuset; their locality is that of the first ancestor that does.
  hwloc_obj_t ancestor = hwloc_get_non_io_ancestor_obj(topology_, os_device);
  if (ancestor != nullptr) locality.nodes = bitmap_indexes(ancestor->nodeset);
  for (hwloc_obj_t parent = os_device->parent; parent != nullptr; parent = parent->parent) {
    if (parent->type == HWLOC_OBJ_PCI_DEVICE) {
      locality.pci_bus_id = pci_bus_id(parent);
      break;
    }
  }
  return locality;
}

Result<DeviceLocality> Topology::locate_block_device(std::string_view name) const {
  if (name.starts_with("/dev/")) name.remove_prefix(5);
  if (hwloc_obj_t device = find_os_device(HWLOC_OBJ_OSDEV_BLOCK, name)) return locality_of(device);
  // hwloc lists whole disks only; a partition is local wherever its disk is.
  for (hwloc_obj_t device = hwloc_get_next_osdev(topology_, nullptr); device != nullptr;
       device = hwloc_get_next_osdev(topology_, device)) {
    if (device->attr->osdev.type == HWLOC_OBJ_OSDEV_BLOCK && device->name != nullptr &&
        is_partition_of(name, device->name)) {
      return locality_of(device);
    }
  }
  std::vector<std::string> known = os_device_names(HWLOC_OBJ_OSDEV_BLOCK);
  return make_error(ErrorCode::kNotFound,
                    "block device " + std::string(name) + " is not in the topology" +
                        (known.empty() ? " (hwloc sees no block devices behind PCI: a virtual disk, or I/O "
                                         "discovery unavailable)"
                                       : " (hwloc sees " + join_names(known) + ")"));
}

Result<DeviceLocality> Topology::locate_network_interface(std::string_view name) const {
  if (hwloc_obj_t device = find_os_device(HWLOC_OBJ_OSDEV_NETWORK, name)) return locality_of(device);
  std::vector<std::string> known = os_device_names(HWLOC_OBJ_OSDEV_NETWORK);
  return make_error(ErrorCode::kNotFound,
                    "network interface " + std::string(name) + " is not in the topology" +
                        (known.empty() ? " (hwloc sees no network interfaces behind PCI: a virtual interface such "
                                         "as lo or a bridge, or I/O discovery unavailable)"
                                       : " (hwloc sees " + join_names(known) +
                                             "; virtual interfaces such as lo, bridges and bonds have no PCI "
                                             "locality)"));
}

}  // namespace ringmq::numa
