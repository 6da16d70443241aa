#include "numa/memory_binding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

TEST(BindMemory, SyntheticTopologyAndEmptyRangesAreRefused) {
  auto synthetic = Topology::load_synthetic("pack:2 numa:1 core:1 pu:1");
  ASSERT_TRUE(synthetic.has_value());
  std::vector<char> buffer(4096);
  auto bound = bind_memory(*synthetic, buffer.data(), buffer.size(), 1);
  ASSERT_FALSE(bound.has_value());
  EXPECT_THAT(bound.error().message, HasSubstr("not from this system"));
  Topology topology = this_system();
  EXPECT_FALSE(bind_memory(topology, buffer.data(), 0, 0).has_value());
  EXPECT_FALSE(bind_memory(topology, nullptr, buffer.size(), 0).has_value());
}

}  // namespace
}  // namespace ringmq::numa
