#include "numa/node_memory.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <utility>

#include "common/byte_size.h"
#include "numa/bitmap.h"

namespace ringmq::numa {

namespace {

size_t round_up(size_t value, size_t alignment) { return (value + alignment - 1) / alignment * alignment; }

size_t page_size() { return static_cast<size_t>(::sysconf(_SC_PAGESIZE)); }

// The size MAP_HUGETLB uses: "Hugepagesize:    2048 kB" in /proc/meminfo.
size_t default_huge_page_size() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  size_t value = 0;
  std::string unit;
  while (meminfo >> key >> value >> unit) {
    if (key == "Hugepagesize:") return value * 1024;
  }
  return 2u << 20;
}

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

std::string memlock_failure(size_t bytes, unsigned node, int err) {
  rlimit limit{};
  std::string limit_text = "unknown";
  bool limit_is_enough = false;
  if (::getrlimit(RLIMIT_MEMLOCK, &limit) == 0) {
    limit_text = limit.rlim_cur == RLIM_INFINITY ? "unlimited" : format_bytes(limit.rlim_cur);
    limit_is_enough = limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= bytes;
  }
  std::string message = "mlock of " + format_bytes(bytes) + " on NUMA node " + std::to_string(node) +
                        " failed: " + std::strerror(err) + "; RLIMIT_MEMLOCK is " + limit_text;
  if (limit_is_enough) {
    message += ", so the node is probably short of free memory (see `numastat -m`); if not, the limit is";
  } else {
    message += ";";
  }
  return message + " raised with `ulimit -l` or `LimitMEMLOCK=` in the systemd unit, or by granting CAP_IPC_LOCK";
}

}  // namespace

Result<NodeLocalMemory> NodeLocalMemory::allocate(const Topology& topology, unsigned node, size_t bytes,
                                                  const NodeMemoryOptions& options) {
  std::string what = "allocate " + format_bytes(bytes) + " on NUMA node " + std::to_string(node);
  if (bytes == 0) return make_error(ErrorCode::kInvalidArgument, what + ": the size is zero");
  if (auto ok = check_binding_target(topology, node, what); !ok) return std::unexpected(ok.error());

  // hwloc maps BIND to MPOL_PREFERRED(_MANY) unless STRICT, which gives MPOL_BIND.
  const int strict_flag = options.strict ? HWLOC_MEMBIND_STRICT : 0;
  NodeLocalMemory memory;
  memory.size_ = bytes;
  memory.node_ = node;

  if (options.huge_pages) {
    size_t length = round_up(bytes, default_huge_page_size());
    void* address = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    if (address == MAP_FAILED) {
      memory.huge_page_fallback_ = std::string("MAP_HUGETLB failed (") + std::strerror(errno) +
                                   "); reserve huge pages with vm.nr_hugepages (see HugePages_Free in /proc/meminfo)";
    } else {
      memory.address_ = address;
      memory.mapped_bytes_ = length;
      memory.huge_pages_ = true;
      if (auto bound = bind_area(topology, address, length, node, strict_flag, what); !bound) {
        return std::unexpected(bound.error());
      }
      // Huge pages come from per-node pools: fault them in now so that a node short of them
      // shows as an error here rather than as SIGBUS at the first write.
      if (::madvise(address, length, MADV_POPULATE_WRITE) != 0) {
        memory.huge_page_fallback_ = std::string("huge pages on node ") + std::to_string(node) +
                                     " could not be faulted in (" + std::strerror(errno) +
                                     "); reserve them with /sys/devices/system/node/node" + std::to_string(node) +
                                     "/hugepages/*/nr_hugepages";
        memory.unmap();
      }
    }
  }

  if (memory.address_ == nullptr) {
    size_t length = round_up(bytes, page_size());
    void* address = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (address == MAP_FAILED) return errno_error(what + ": mmap", errno);
    memory.address_ = address;
    memory.mapped_bytes_ = length;
    // Bound before the first touch, so every page is allocated on the node.
    if (auto bound = bind_area(topology, address, length, node, strict_flag, what); !bound) {
      return std::unexpected(bound.error());
    }
    if (options.huge_pages) {
      // Second best: let transparent huge pages back it where the kernel can. Only a hint.
      (void)::madvise(address, length, MADV_HUGEPAGE);
    }
  }

  if (options.lock) {
    // The raw system call: ASan's interceptor turns mlock() into a no-op, and a sanitizer
    // build must lock for real too.
    if (::syscall(SYS_mlock, memory.address_, memory.mapped_bytes_) != 0) {
      return make_error(ErrorCode::kIo, memlock_failure(memory.mapped_bytes_, node, errno));
    }
    memory.locked_ = true;
  }
  return memory;
}

NodeLocalMemory::NodeLocalMemory(NodeLocalMemory&& other) noexcept
    : address_(std::exchange(other.address_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_bytes_(std::exchange(other.mapped_bytes_, 0)),
      node_(other.node_),
      huge_pages_(std::exchange(other.huge_pages_, false)),
      locked_(std::exchange(other.locked_, false)),
      huge_page_fallback_(std::move(other.huge_page_fallback_)) {}

NodeLocalMemory& NodeLocalMemory::operator=(NodeLocalMemory&& other) noexcept {
  if (this != &other) {
    unmap();
    address_ = std::exchange(other.address_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_bytes_ = std::exchange(other.mapped_bytes_, 0);
    node_ = other.node_;
    huge_pages_ = std::exchange(other.huge_pages_, false);
    locked_ = std::exchange(other.locked_, false);
    huge_page_fallback_ = std::move(other.huge_page_fallback_);
  }
  return *this;
}

NodeLocalMemory::~NodeLocalMemory() { unmap(); }

void NodeLocalMemory::unmap() {
  // munmap also releases an mlock on the range; no separate munlock is needed.
  if (address_ != nullptr) ::munmap(address_, mapped_bytes_);
  address_ = nullptr;
  mapped_bytes_ = 0;
  huge_pages_ = false;
  locked_ = false;
}

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
