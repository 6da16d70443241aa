#include "numa/node_memory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace ringmq::numa {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr size_t kMiB = 1 << 20;

Topology this_system() {
  auto topology = Topology::load_this_system();
  if (!topology) ADD_FAILURE() << topology.error().to_string();
  return std::move(*topology);
}

// A number from /proc/self/status or /proc/meminfo, e.g. ("/proc/self/status", "VmLck:").
long proc_value(const char* file, const std::string& key) {
  std::ifstream in(file);
  std::string word;
  while (in >> word) {
    if (word == key) {
      long value = 0;
      in >> value;
      return value;
    }
  }
  return -1;
}

TEST(NodeLocalMemory, AllocatesWritableMemoryBoundToNodeZero) {
  Topology topology = this_system();
  auto memory = NodeLocalMemory::allocate(topology, 0, 4 * kMiB + 100);
  ASSERT_TRUE(memory.has_value()) << memory.error().to_string();
  EXPECT_EQ(memory->size(), 4 * kMiB + 100);
  EXPECT_GE(memory->mapped_bytes(), memory->size());
  EXPECT_EQ(memory->node(), 0u);
  EXPECT_FALSE(memory->locked());
  std::memset(memory->data(), 0xab, memory->size());

  hwloc_bitmap_t nodeset = hwloc_bitmap_alloc();
  hwloc_membind_policy_t policy{};
  ASSERT_EQ(hwloc_get_area_membind(topology.raw(), memory->data(), memory->size(), nodeset, &policy,
                                   HWLOC_MEMBIND_BYNODESET),
            0);
  EXPECT_EQ(policy, HWLOC_MEMBIND_BIND);
  EXPECT_EQ(hwloc_bitmap_first(nodeset), 0);
  EXPECT_EQ(hwloc_bitmap_weight(nodeset), 1);
  hwloc_bitmap_free(nodeset);
  EXPECT_THAT(*nodes_holding_memory(topology, memory->data(), memory->size()), ElementsAre(0u));
}

// The policy the kernel reports for the mapping at `address` in /proc/self/numa_maps:
// "bind:0", "prefer (many):0", "default", ...
std::string numa_maps_policy(const void* address) {
  char prefix[32];
  std::snprintf(prefix, sizeof(prefix), "%lx ", reinterpret_cast<unsigned long>(address));
  std::ifstream maps("/proc/self/numa_maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.starts_with(prefix)) return line.substr(std::strlen(prefix));
  }
  return "";
}

TEST(NodeLocalMemory, PrefersTheNodeByDefaultAndDemandsItWhenStrict) {
  Topology topology = this_system();
  auto preferred = NodeLocalMemory::allocate(topology, 0, kMiB);
  ASSERT_TRUE(preferred.has_value()) << preferred.error().to_string();
  NodeMemoryOptions options;
  options.strict = true;
  auto strict = NodeLocalMemory::allocate(topology, 0, kMiB, options);
  ASSERT_TRUE(strict.has_value()) << strict.error().to_string();
  ASSERT_FALSE(numa_maps_policy(strict->data()).empty()) << "no /proc/self/numa_maps: a kernel without CONFIG_NUMA";
  EXPECT_THAT(numa_maps_policy(preferred->data()), testing::StartsWith("prefer"));
  EXPECT_THAT(numa_maps_policy(strict->data()), testing::StartsWith("bind:0"));
}

TEST(NodeLocalMemory, LocksTheWholeMappingWhenAsked) {
  Topology topology = this_system();
  long locked_before_kib = proc_value("/proc/self/status", "VmLck:");
  {
    auto memory = NodeLocalMemory::allocate(topology, 0, 8 * kMiB, {.lock = true});
    ASSERT_TRUE(memory.has_value()) << memory.error().to_string();
    EXPECT_TRUE(memory->locked());
    EXPECT_GE(proc_value("/proc/self/status", "VmLck:") - locked_before_kib, 8 * 1024);
  }
  EXPECT_EQ(proc_value("/proc/self/status", "VmLck:"), locked_before_kib);  // unmapped and unlocked
}

// Runs in a forked child: drops root (and with it CAP_IPC_LOCK), caps RLIMIT_MEMLOCK at
// 1 MiB, asks for 16 MiB locked and prints the error.
void allocate_locked_memory_over_the_limit(const Topology& topology) {
  if (geteuid() == 0 && setuid(65534) != 0) _exit(2);
  rlimit limit{kMiB, kMiB};
  if (setrlimit(RLIMIT_MEMLOCK, &limit) != 0) _exit(3);
  NodeMemoryOptions options;
  options.lock = true;
  auto memory = NodeLocalMemory::allocate(topology, 0, 16 * kMiB, options);
  if (memory.has_value()) _exit(4);
  std::fprintf(stderr, "%s\n", memory.error().message.c_str());
  _exit(0);
}

TEST(NodeLocalMemory, MlockFailureNamesTheLimitAndHowToRaiseIt) {
  Topology topology = this_system();
  EXPECT_EXIT(allocate_locked_memory_over_the_limit(topology), testing::ExitedWithCode(0),
              "mlock of 16 MiB on NUMA node 0 failed: .*; RLIMIT_MEMLOCK is 1 MiB; raised with `ulimit -l` or "
              "`LimitMEMLOCK=` in the systemd unit");
}

TEST(NodeLocalMemory, HugePagesFallBackToNormalPagesWhenNoneAreReserved) {
  Topology topology = this_system();
  auto memory = NodeLocalMemory::allocate(topology, 0, 3 * kMiB, {.huge_pages = true});
  ASSERT_TRUE(memory.has_value()) << memory.error().to_string();
  std::memset(memory->data(), 1, memory->size());
  if (proc_value("/proc/meminfo", "HugePages_Free:") == 0) {
    EXPECT_FALSE(memory->huge_pages());
    EXPECT_THAT(memory->huge_page_fallback(), HasSubstr("vm.nr_hugepages"));
  } else if (memory->huge_pages()) {
    EXPECT_EQ(memory->mapped_bytes() % (2 * kMiB), 0u);
    EXPECT_TRUE(memory->huge_page_fallback().empty());
  }
}

TEST(NodeLocalMemory, NodeThatDoesNotExistIsAClearError) {
  Topology topology = this_system();
  unsigned missing = static_cast<unsigned>(topology.nodes().back().os_index + 1);
  auto memory = NodeLocalMemory::allocate(topology, missing, kMiB);
  ASSERT_FALSE(memory.has_value());
  EXPECT_EQ(memory.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(memory.error().message,
              HasSubstr("allocate 1 MiB on NUMA node " + std::to_string(missing) + ": NUMA node " +
                        std::to_string(missing) + " does not exist; this machine has node"));
}

TEST(NodeLocalMemory, SyntheticTopologyAndZeroBytesAreRefused) {
  auto synthetic = Topology::load_synthetic("pack:2 numa:1 core:1 pu:1");
  ASSERT_TRUE(synthetic.has_value());
  auto memory = NodeLocalMemory::allocate(*synthetic, 1, kMiB);
  ASSERT_FALSE(memory.has_value());
  EXPECT_THAT(memory.error().message, HasSubstr("not from this system"));
  Topology topology = this_system();
  EXPECT_FALSE(NodeLocalMemory::allocate(topology, 0, 0).has_value());
}

TEST(NodeLocalMemory, MovingTransfersTheMapping) {
  Topology topology = this_system();
  auto memory = NodeLocalMemory::allocate(topology, 0, kMiB);
  ASSERT_TRUE(memory.has_value());
  std::byte* data = memory->data();
  NodeLocalMemory moved(std::move(*memory));
  EXPECT_EQ(moved.data(), data);
  EXPECT_EQ(memory->data(), nullptr);
  NodeLocalMemory assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.data(), data);
  assigned.data()[kMiB - 1] = std::byte{7};
}

TEST(BindMemory, BindsMemoryAllocatedElsewhereToNodeZero) {
  Topology topology = this_system();
  std::vector<char> buffer(2 * kMiB + 123, 'x');  // touched already, and not page-aligned
  auto bound = bind_memory(topology, buffer.data() + 1, buffer.size() - 1, 0);
  ASSERT_TRUE(bound.has_value()) << bound.error().to_string();
  EXPECT_THAT(*nodes_holding_memory(topology, buffer.data(), buffer.size()), ElementsAre(0u));
}

TEST(BindMemory, NodeThatDoesNotExistIsAClearError) {
  Topology topology = this_system();
  std::vector<char> buffer(4096);
  auto bound = bind_memory(topology, buffer.data(), buffer.size(), 64);
  ASSERT_FALSE(bound.has_value());
  EXPECT_THAT(bound.error().message, HasSubstr("NUMA node 64 does not exist"));
}

}  // namespace
}  // namespace ringmq::numa
