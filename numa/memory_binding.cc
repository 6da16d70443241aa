#include "numa/memory_binding.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <span>
#include <string>

#include "common/byte_size.h"
#include "numa/bitmap.h"

namespace ringmq::numa {

namespace {

size_t round_up(size_t value, size_t alignment) { return (value + alignment - 1) / alignment * alignment; }

size_t page_size() { return static_cast<size_t>(::sysconf(_SC_PAGESIZE)); }

// Binding is only meaningful through this system's topology and to a node that exists.
Status check_binding_target(const Topology& topology, unsigned node, const std::string& what) {
  if (!topology.is_this_system()) {
    return make_error(ErrorCode::kInvalidArgument,
                      what + ": the topology comes from " + topology.source() + ", not from this system");
  }
  auto info = topology.node(node);
  if (!info) return make_error(ErrorCode::kInvalidArgument, what + ": " + info.error().message);
  return {};
}

Status bind_area(const Topology& topology, void* address, size_t bytes, unsigned node, int extra_flags,
                 const std::string& what) {
  Bitmap nodeset = Bitmap::from_indexes(std::span<const unsigned>(&node, 1));
  int flags = HWLOC_MEMBIND_BYNODESET | extra_flags;
  if (hwloc_set_area_membind(topology.raw(), address, bytes, nodeset.get(), HWLOC_MEMBIND_BIND, flags) == 0) {
    return {};
  }
  int err = errno;
  // A kernel built without CONFIG_NUMA has no mbind (ENOSYS); with one node, every page is
  // on it anyway.
  if (err == ENOSYS && topology.nodes().size() == 1) return {};
  return errno_error(what + ": hwloc_set_area_membind", err);
}

}  // namespace

Status bind_memory(const Topology& topology, void* address, size_t bytes, unsigned node) {
  std::string what = "bind " + format_bytes(bytes) + " to NUMA node " + std::to_string(node);
  if (address == nullptr || bytes == 0) return make_error(ErrorCode::kInvalidArgument, what + ": empty range");
  if (auto ok = check_binding_target(topology, node, what); !ok) return ok;
  // mbind works on whole pages and wants a page-aligned start.
  uintptr_t start = reinterpret_cast<uintptr_t>(address) & ~(uintptr_t{page_size()} - 1);
  size_t length = round_up(reinterpret_cast<uintptr_t>(address) + bytes - start, page_size());
  // MIGRATE moves pages already touched; without it only future faults would follow.
  return bind_area(topology, reinterpret_cast<void*>(start), length, node, HWLOC_MEMBIND_MIGRATE, what);
}

Result<std::vector<unsigned>> nodes_holding_memory(const Topology& topology, const void* address, size_t bytes) {
  if (!topology.is_this_system()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "memory location: the topology comes from " + topology.source() + ", not from this system");
  }
  Bitmap nodeset;
  if (hwloc_get_area_memlocation(topology.raw(), address, bytes, nodeset.get(), HWLOC_MEMBIND_BYNODESET) != 0) {
    return errno_error("hwloc_get_area_memlocation", errno);
  }
  return nodeset.indexes();
}

}  // namespace ringmq::numa
