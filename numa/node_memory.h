// Memory that lives on one NUMA node: the transient write pool and the index buffers.
//
// NodeLocalMemory is an anonymous mapping bound to a node before its first touch, so every
// page is allocated there; optionally backed by huge pages (falling back to normal pages
// when none are reserved, and saying so) and optionally mlock'd. It owns the mapping:
// destruction unmaps it, which also drops the lock.
//
// By default the node is preferred (MPOL_PREFERRED): when it is full, pages spill to other
// nodes rather than the process being OOM-killed. `strict` demands the node (MPOL_BIND);
// with `lock` it is then all-or-error at start-up, which suits the write pool.
//
// bind_memory() moves memory allocated elsewhere (a vector, a jemalloc arena chunk) to a
// node. Both need a topology of this system; binding through a synthetic or XML topology is
// refused, since hwloc would report success and do nothing.
//
// File-backed mappings (segments, index files) are not placed by binding them: the page
// cache fills on the node of the thread that faults the page, so pinning the thread that
// touches them first (thread_pinning.h) is what puts them on the node.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "numa/topology.h"

namespace ringmq::numa {

struct NodeMemoryOptions {
  bool huge_pages = false;  // try MAP_HUGETLB first (pre-faulted, so a shortage shows now, not
                            // as SIGBUS later); fall back to normal pages
  bool lock = false;        // mlock the whole mapping, which also faults it in on the node
  bool strict = false;      // MPOL_BIND: only this node's memory, never a spill elsewhere
};

class NodeLocalMemory {
 public:
  // Maps at least `bytes` (rounded up to the page size) bound to NUMA node `node` (OS index).
  // kInvalidArgument for a node that does not exist, with the nodes that do; an mlock
  // failure names RLIMIT_MEMLOCK, `ulimit -l` and LimitMEMLOCK=.
  static Result<NodeLocalMemory> allocate(const Topology& topology, unsigned node, size_t bytes,
                                          const NodeMemoryOptions& options = {});

  NodeLocalMemory() = default;  // empty: no mapping
  NodeLocalMemory(NodeLocalMemory&& other) noexcept;
  NodeLocalMemory& operator=(NodeLocalMemory&& other) noexcept;
  NodeLocalMemory(const NodeLocalMemory&) = delete;
  NodeLocalMemory& operator=(const NodeLocalMemory&) = delete;
  ~NodeLocalMemory();

  std::byte* data() const { return static_cast<std::byte*>(address_); }
  size_t size() const { return size_; }                  // as asked
  size_t mapped_bytes() const { return mapped_bytes_; }  // rounded up to the page size
  std::span<std::byte> bytes() const { return {data(), size_}; }
  unsigned node() const { return node_; }
  bool huge_pages() const { return huge_pages_; }  // MAP_HUGETLB pages back the mapping
  bool locked() const { return locked_; }
  // Why huge pages were asked for and not used (e.g. none reserved); empty otherwise.
  const std::string& huge_page_fallback() const { return huge_page_fallback_; }

 private:
  void unmap();

  void* address_ = nullptr;
  size_t size_ = 0;
  size_t mapped_bytes_ = 0;
  unsigned node_ = 0;
  bool huge_pages_ = false;
  bool locked_ = false;
  std::string huge_page_fallback_;
};

// Binds the pages covering [address, address + bytes) to NUMA node `node` (preferred, as
// above) and migrates the ones already touched. Whole pages are bound, so data sharing the
// first or last page with the range moves too.
Status bind_memory(const Topology& topology, void* address, size_t bytes, unsigned node);

// The NUMA nodes that hold the touched pages of a range (untouched pages have no node yet).
Result<std::vector<unsigned>> nodes_holding_memory(const Topology& topology, const void* address, size_t bytes);

}  // namespace ringmq::numa
