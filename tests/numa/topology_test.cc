#include "numa/topology.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/common/temp_dir.h"
#include "tests/numa/xml_topology.h"

namespace ringmq::numa {
namespace {

using test::TestPciDevice;
using test::XmlTopologyBuilder;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Topology load_synthetic(const std::string& description) {
  auto topology = Topology::load_synthetic(description);
  if (!topology) ADD_FAILURE() << topology.error().to_string();
  return std::move(*topology);
}

Topology load_xml(const std::string& xml) {
  auto topology = Topology::load_xml_string(xml);
  if (!topology) ADD_FAILURE() << topology.error().to_string();
  return std::move(*topology);
}

// Two packages, one node each; nvme0n1 under node 0, eth0 under node 1, and a disk on the
// machine root that no node owns.
std::string two_node_xml() {
  return XmlTopologyBuilder(2, 2, 2)
      .add_device({"nvme0n1", false, 0})
      .add_device({"eth0", true, 1})
      .add_device({"sda", false, -1})
      .build();
}

TEST(SyntheticTopology, TwoPackagesGiveTwoNodesOfEightPus) {
  Topology topology = load_synthetic("pack:2 numa:1 core:4 pu:2");
  std::vector<NumaNodeInfo> nodes = topology.nodes();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].os_index, 0u);
  EXPECT_EQ(nodes[0].pus, (std::vector<unsigned>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(nodes[1].os_index, 1u);
  EXPECT_EQ(nodes[1].pus, (std::vector<unsigned>{8, 9, 10, 11, 12, 13, 14, 15}));
  EXPECT_GT(nodes[1].local_memory_bytes, 0u);
  EXPECT_EQ(topology.cores().size(), 8u);
  EXPECT_EQ(topology.pus().size(), 16u);
}

TEST(SyntheticTopology, CoresOfANodeListTheirHyperthreadSiblings) {
  Topology topology = load_synthetic("pack:2 numa:1 core:4 pu:2");
  auto cores = topology.cores_of_node(1);
  ASSERT_TRUE(cores.has_value());
  ASSERT_EQ(cores->size(), 4u);
  EXPECT_EQ((*cores)[0].pus, (std::vector<unsigned>{8, 9}));
  EXPECT_EQ((*cores)[3].pus, (std::vector<unsigned>{14, 15}));
  EXPECT_EQ((*cores)[0].logical_index, 4u);
}

TEST(SyntheticTopology, FourPackagesGiveFourNodesOfTwoCores) {
  Topology topology = load_synthetic("pack:4 numa:1 core:2 pu:1");
  std::vector<NumaNodeInfo> nodes = topology.nodes();
  ASSERT_EQ(nodes.size(), 4u);
  for (unsigned node = 0; node < 4; ++node) {
    EXPECT_EQ(nodes[node].os_index, node);
    EXPECT_EQ(nodes[node].pus, (std::vector<unsigned>{2 * node, 2 * node + 1}));
    auto cores = topology.cores_of_node(node);
    ASSERT_TRUE(cores.has_value());
    EXPECT_EQ(cores->size(), 2u);
  }
  EXPECT_THAT(*topology.nodes_of_pu(5), ElementsAre(2u));
  EXPECT_EQ(topology.summary(), "4 NUMA nodes, 8 cores, 8 PUs (synthetic \"pack:4 numa:1 core:2 pu:1\")");
}

TEST(SyntheticTopology, IsNotThisSystemAndHasNoDevices) {
  Topology topology = load_synthetic("pack:2 numa:1 core:1 pu:1");
  EXPECT_FALSE(topology.is_this_system());
  EXPECT_TRUE(topology.os_device_names(HWLOC_OBJ_OSDEV_BLOCK).empty());
  auto disk = topology.locate_block_device("nvme0n1");
  ASSERT_FALSE(disk.has_value());
  EXPECT_EQ(disk.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(disk.error().message, HasSubstr("sees no block devices"));
}

TEST(SyntheticTopology, MalformedDescriptionIsRejected) {
  auto topology = Topology::load_synthetic("pack:two numa:1");
  ASSERT_FALSE(topology.has_value());
  EXPECT_EQ(topology.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(topology.error().message, HasSubstr("pack:two"));
}

TEST(Topology, MissingNodeAndCpuErrorsNameWhatExists) {
  Topology topology = load_synthetic("pack:2 numa:1 core:4 pu:2");
  auto node = topology.node(5);
  ASSERT_FALSE(node.has_value());
  EXPECT_EQ(node.error().message, "NUMA node 5 does not exist; this machine has nodes 0-1");
  auto cores = topology.cores_of_node(5);
  ASSERT_FALSE(cores.has_value());
  auto pu = topology.nodes_of_pu(99);
  ASSERT_FALSE(pu.has_value());
  EXPECT_THAT(pu.error().message, HasSubstr("CPUs 0-15"));
}

TEST(Topology, MovingTransfersTheHandle) {
  Topology topology = load_synthetic("pack:2 numa:1 core:1 pu:1");
  hwloc_topology_t raw = topology.raw();
  Topology moved(std::move(topology));
  EXPECT_EQ(moved.raw(), raw);
  EXPECT_EQ(topology.raw(), nullptr);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  Topology assigned = load_synthetic("pack:1 numa:1 core:1 pu:1");
  assigned = std::move(moved);
  EXPECT_EQ(assigned.nodes().size(), 2u);
}

TEST(XmlTopology, LocatesBlockDeviceAndNicUnderTheirNodes) {
  Topology topology = load_xml(two_node_xml());
  EXPECT_EQ(topology.nodes().size(), 2u);
  auto disk = topology.locate_block_device("nvme0n1");
  ASSERT_TRUE(disk.has_value()) << disk.error().to_string();
  EXPECT_EQ(disk->device, "nvme0n1");
  EXPECT_THAT(disk->nodes, ElementsAre(0u));
  EXPECT_EQ(disk->pci_bus_id, "0000:10:00.0");
  auto nic = topology.locate_network_interface("eth0");
  ASSERT_TRUE(nic.has_value()) << nic.error().to_string();
  EXPECT_THAT(nic->nodes, ElementsAre(1u));
}

TEST(XmlTopology, DeviceOnTheMachineRootIsLocalToEveryNode) {
  Topology topology = load_xml(two_node_xml());
  auto disk = topology.locate_block_device("sda");
  ASSERT_TRUE(disk.has_value()) << disk.error().to_string();
  EXPECT_THAT(disk->nodes, ElementsAre(0u, 1u));
}

TEST(XmlTopology, PartitionNamesFindTheirWholeDisk) {
  Topology topology = load_xml(two_node_xml());
  for (const char* name : {"nvme0n1p2", "/dev/nvme0n1", "sda3"}) {
    auto disk = topology.locate_block_device(name);
    ASSERT_TRUE(disk.has_value()) << name << ": " << disk.error().to_string();
  }
  EXPECT_EQ(topology.locate_block_device("nvme0n1p2")->device, "nvme0n1");
  EXPECT_FALSE(topology.locate_block_device("nvme0n12").has_value());  // namespace 12, not a partition
  EXPECT_FALSE(topology.locate_block_device("nvme0n1p").has_value());
  EXPECT_FALSE(topology.locate_block_device("sdab").has_value());
}

TEST(XmlTopology, UnknownDevicesAreNotFoundWithTheKnownOnesListed) {
  Topology topology = load_xml(two_node_xml());
  auto disk = topology.locate_block_device("nvme7n1");
  ASSERT_FALSE(disk.has_value());
  EXPECT_EQ(disk.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(disk.error().message, HasSubstr("hwloc sees nvme0n1, sda"));
  auto nic = topology.locate_network_interface("lo");
  ASSERT_FALSE(nic.has_value());
  EXPECT_THAT(nic.error().message, HasSubstr("hwloc sees eth0"));
  // A block device is not a network interface, and the other way round.
  EXPECT_FALSE(topology.locate_network_interface("nvme0n1").has_value());
  EXPECT_FALSE(topology.locate_block_device("eth0").has_value());
}

TEST(XmlTopology, LoadsFromAFile) {
  test::TempDir dir;
  std::string path = dir.path() + "/four-nodes.xml";
  std::ofstream(path) << XmlTopologyBuilder(4, 2, 1).add_device({"eth0", true, 3}).build();
  auto topology = Topology::load_xml_file(path);
  ASSERT_TRUE(topology.has_value()) << topology.error().to_string();
  EXPECT_EQ(topology->nodes().size(), 4u);
  EXPECT_FALSE(topology->is_this_system());
  EXPECT_THAT(topology->locate_network_interface("eth0")->nodes, ElementsAre(3u));
}

TEST(XmlTopology, MissingFileOrBrokenXmlIsAClearError) {
  auto missing = Topology::load_xml_file("/nonexistent/topology.xml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message, HasSubstr("/nonexistent/topology.xml"));
  auto broken = Topology::load_xml_string("<topology><object type=");
  ASSERT_FALSE(broken.has_value());
}

TEST(ThisSystem, LoadsEveryCpuTheProcessMayUse) {
  auto topology = Topology::load_this_system();
  ASSERT_TRUE(topology.has_value()) << topology.error().to_string();
  EXPECT_TRUE(topology->is_this_system());
  ASSERT_GE(topology->nodes().size(), 1u);
  std::vector<unsigned> all;
  for (const NumaNodeInfo& node : topology->nodes()) all.insert(all.end(), node.pus.begin(), node.pus.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  EXPECT_EQ(all, topology->pus());
  EXPECT_FALSE(topology->cores().empty());
}

}  // namespace
}  // namespace ringmq::numa
