#include "numa/placement.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>

#include "numa/device_discovery.h"
#include "tests/common/temp_dir.h"
#include "tests/numa/xml_topology.h"

namespace ringmq::numa {
namespace {

using test::XmlTopologyBuilder;
using ::testing::HasSubstr;

const std::vector<std::string> kRoles = {"writer", "committer", "flusher", "dispatcher", "allocator", "net-0", "net-1"};

Topology load_synthetic(const std::string& description) {
  auto topology = Topology::load_synthetic(description);
  if (!topology) ADD_FAILURE() << topology.error().to_string();
  return std::move(*topology);
}

Topology load_xml(const XmlTopologyBuilder& builder) {
  auto topology = Topology::load_xml_string(builder.build());
  if (!topology) ADD_FAILURE() << topology.error().to_string();
  return std::move(*topology);
}

PlacementPlan build(const Topology& topology, const PlacementRequest& request) {
  auto plan = PlacementPlan::build(topology, request);
  if (!plan) ADD_FAILURE() << plan.error().to_string();
  return std::move(*plan);
}

std::vector<unsigned> pus_of(const PlacementPlan& plan) {
  std::vector<unsigned> pus;
  for (const RolePlacement& role : plan.roles()) pus.push_back(role.pu);
  return pus;
}

PlacementRequest devices(const char* disk, const char* nic) {
  PlacementRequest request;
  if (disk != nullptr) request.block_device = disk;
  if (nic != nullptr) request.network_interface = nic;
  request.roles = kRoles;
  return request;
}

TEST(PlacementPlan, DealsRolesOverPhysicalCoresBeforeHyperthreadSiblings) {
  Topology topology = load_synthetic("pack:2 numa:1 core:4 pu:2");
  PlacementRequest request;
  request.node = 1;
  request.roles = kRoles;
  PlacementPlan plan = build(topology, request);
  EXPECT_EQ(plan.node(), 1u);
  EXPECT_EQ(plan.choice(), NodeChoice::kConfiguredNode);
  EXPECT_EQ(plan.cpus(), (std::vector<unsigned>{8, 10, 12, 14, 9, 11, 13, 15}));
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{8, 10, 12, 14, 9, 11, 13}));
  EXPECT_EQ(plan.roles()[4].core, plan.roles()[0].core);  // allocator shares the writer's core
  EXPECT_EQ(plan.pu_of("net-1"), 13u);
  EXPECT_EQ(plan.pu_of("no-such-role"), std::nullopt);
  EXPECT_THAT(plan.notes(), testing::Contains(HasSubstr("hyperthread siblings")));
}

TEST(PlacementPlan, WrapsAroundWhenThreadsOutnumberCpus) {
  Topology topology = load_synthetic("pack:4 numa:1 core:2 pu:1");
  PlacementRequest request;
  request.node = 3;
  request.roles = kRoles;
  PlacementPlan plan = build(topology, request);
  EXPECT_EQ(plan.cpus(), (std::vector<unsigned>{6, 7}));
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{6, 7, 6, 7, 6, 7, 6}));
  EXPECT_THAT(plan.notes(), testing::Contains("7 threads share 2 CPUs"));
}

TEST(PlacementPlan, SeveralNodesWithoutDeviceInformationFallBackToTheFirstNode) {
  Topology topology = load_synthetic("pack:4 numa:1 core:2 pu:1");
  PlacementPlan plan = build(topology, devices("nvme0n1", "eth0"));
  EXPECT_EQ(plan.node(), 0u);
  EXPECT_EQ(plan.choice(), NodeChoice::kFirstNode);
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{0, 1, 0, 1, 0, 1, 0}));
  EXPECT_THAT(plan.notes(), testing::Contains(HasSubstr("block device nvme0n1 is not in the topology")));
  EXPECT_THAT(plan.notes(), testing::Contains(HasSubstr("network interface eth0 is not in the topology")));
}

TEST(PlacementPlan, TwoNodesPickTheNodeNearestDiskAndNic) {
  Topology topology =
      load_xml(XmlTopologyBuilder(2, 4, 2).add_device({"nvme0n1", false, 1}).add_device({"eth0", true, 1}));
  PlacementPlan plan = build(topology, devices("nvme0n1p1", "eth0"));
  EXPECT_EQ(plan.node(), 1u);
  EXPECT_EQ(plan.choice(), NodeChoice::kNearDiskAndNic);
  EXPECT_EQ(plan.reason(), "nearest to block device nvme0n1p1 and network interface eth0");
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{8, 10, 12, 14, 9, 11, 13}));
}

TEST(PlacementPlan, FourNodesPickTheNodeNearestDiskAndNic) {
  Topology topology = load_xml(XmlTopologyBuilder(4, 2, 1)
                                   .add_device({"nvme0n1", false, 0})
                                   .add_device({"nvme1n1", false, 2})
                                   .add_device({"eth0", true, 1})
                                   .add_device({"eth1", true, 2}));
  PlacementPlan plan = build(topology, devices("nvme1n1", "eth1"));
  EXPECT_EQ(plan.node(), 2u);
  EXPECT_EQ(plan.choice(), NodeChoice::kNearDiskAndNic);
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{4, 5, 4, 5, 4, 5, 4}));
}

TEST(PlacementPlan, DiskAndNicOnDifferentNodesPickTheDisksNodeAndSaySo) {
  Topology topology =
      load_xml(XmlTopologyBuilder(4, 2, 1).add_device({"nvme0n1", false, 3}).add_device({"eth0", true, 1}));
  PlacementPlan plan = build(topology, devices("nvme0n1", "eth0"));
  EXPECT_EQ(plan.node(), 3u);
  EXPECT_EQ(plan.choice(), NodeChoice::kDiskAndNicApart);
  EXPECT_THAT(plan.reason(), HasSubstr("block device nvme0n1 is on node 3 but network interface eth0 is on node 1"));
  EXPECT_THAT(plan.reason(), HasSubstr("the disk's node wins"));
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{6, 7, 6, 7, 6, 7, 6}));
}

TEST(PlacementPlan, OnlyTheNicLocatedPicksTheNicsNode) {
  Topology topology =
      load_xml(XmlTopologyBuilder(2, 2, 1).add_device({"nvme0n1", false, 0}).add_device({"eth0", true, 1}));
  PlacementPlan plan = build(topology, devices("sdz", "eth0"));
  EXPECT_EQ(plan.node(), 1u);
  EXPECT_EQ(plan.choice(), NodeChoice::kNearNic);
  EXPECT_THAT(plan.notes(), testing::Contains(HasSubstr("block device sdz is not in the topology")));
}

TEST(PlacementPlan, OnlyTheDiskGivenPicksTheDisksNode) {
  Topology topology = load_xml(XmlTopologyBuilder(2, 2, 1).add_device({"nvme0n1", false, 1}));
  PlacementPlan plan = build(topology, devices("nvme0n1", nullptr));
  EXPECT_EQ(plan.node(), 1u);
  EXPECT_EQ(plan.choice(), NodeChoice::kNearDisk);
  EXPECT_THAT(plan.notes(), testing::Not(testing::Contains(HasSubstr("network interface"))));
}

TEST(PlacementPlan, DeviceOnTheWholeMachineDoesNotSteerPlacement) {
  Topology topology =
      load_xml(XmlTopologyBuilder(2, 2, 1).add_device({"nvme0n1", false, 1}).add_device({"eth0", true, -1}));
  PlacementPlan plan = build(topology, devices("nvme0n1", "eth0"));
  EXPECT_EQ(plan.node(), 1u);
  EXPECT_EQ(plan.choice(), NodeChoice::kNearDisk);
  EXPECT_THAT(plan.notes(), testing::Contains(HasSubstr("eth0 is attached to the whole machine")));
}

TEST(PlacementPlan, ConfiguredNodeWinsOverDevicesWithANote) {
  Topology topology =
      load_xml(XmlTopologyBuilder(2, 2, 1).add_device({"nvme0n1", false, 1}).add_device({"eth0", true, 1}));
  PlacementRequest request = devices("nvme0n1", "eth0");
  request.node = 0;
  PlacementPlan plan = build(topology, request);
  EXPECT_EQ(plan.node(), 0u);
  EXPECT_EQ(plan.choice(), NodeChoice::kConfiguredNode);
  EXPECT_THAT(plan.notes(), testing::Contains("block device nvme0n1 is local to node 1, not to the configured node 0"));
}

TEST(PlacementPlan, ConfiguredCpusChooseTheirNode) {
  Topology topology = load_synthetic("pack:2 numa:1 core:4 pu:2");
  PlacementRequest request;
  request.cpus = std::vector<unsigned>{8, 9, 10, 11};
  request.roles = {"writer", "committer", "flusher"};
  PlacementPlan plan = build(topology, request);
  EXPECT_EQ(plan.node(), 1u);
  EXPECT_EQ(plan.choice(), NodeChoice::kConfiguredCpus);
  EXPECT_EQ(plan.reason(), "holds the configured CPUs 8-11");
  EXPECT_EQ(plan.cpus(), (std::vector<unsigned>{8, 10, 9, 11}));
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{8, 10, 9}));
}

TEST(PlacementPlan, ConfiguredCpusAcrossNodesBindMemoryWhereMostOfThemAre) {
  Topology topology = load_synthetic("pack:4 numa:1 core:2 pu:1");
  PlacementRequest request;
  request.cpus = std::vector<unsigned>{1, 2, 3};
  request.roles = {"writer"};
  PlacementPlan plan = build(topology, request);
  EXPECT_EQ(plan.node(), 1u);
  EXPECT_THAT(plan.notes(), testing::Contains(HasSubstr("span several nodes")));
}

TEST(PlacementPlan, ConfiguredNodeThatDoesNotExistIsAClearError) {
  Topology topology = load_synthetic("pack:2 numa:1 core:4 pu:2");
  PlacementRequest request;
  request.node = 7;
  auto plan = PlacementPlan::build(topology, request);
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(plan.error().message, "configured NUMA node 7 does not exist; this machine has nodes 0-1");
}

TEST(PlacementPlan, ConfiguredCpuThatDoesNotExistIsAClearError) {
  Topology topology = load_synthetic("pack:2 numa:1 core:4 pu:2");
  PlacementRequest request;
  request.cpus = std::vector<unsigned>{3, 64};
  auto plan = PlacementPlan::build(topology, request);
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(plan.error().message, "configured CPU 64 is not in this topology (CPUs 0-15)");
}

TEST(PlacementPlan, ConfiguredCpusOutsideTheConfiguredNodeAreAnError) {
  Topology topology = load_synthetic("pack:2 numa:1 core:4 pu:2");
  PlacementRequest request;
  request.node = 0;
  request.cpus = std::vector<unsigned>{6, 7, 8, 9};
  auto plan = PlacementPlan::build(topology, request);
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().message, "configured CPUs 8-9 are not on the configured NUMA node 0 (its CPUs: 0-7)");
}

TEST(PlacementPlan, RoleListedTwiceIsAnError) {
  Topology topology = load_synthetic("pack:1 numa:1 core:2 pu:1");
  PlacementRequest request;
  request.roles = {"writer", "net-0", "writer"};
  auto plan = PlacementPlan::build(topology, request);
  ASSERT_FALSE(plan.has_value());
  EXPECT_THAT(plan.error().message, HasSubstr("\"writer\" is listed twice"));
}

TEST(PlacementPlan, SingleNodeMachineDegradesToAValidPlan) {
  Topology topology = load_synthetic("pack:1 numa:1 core:2 pu:1");
  PlacementPlan plan = build(topology, devices("vda", "eth0"));
  EXPECT_EQ(plan.node(), 0u);
  EXPECT_EQ(plan.choice(), NodeChoice::kOnlyNode);
  EXPECT_EQ(plan.reason(), "the only NUMA node");
  EXPECT_EQ(pus_of(plan), (std::vector<unsigned>{0, 1, 0, 1, 0, 1, 0}));
  EXPECT_THAT(plan.notes(), testing::Contains(HasSubstr("block device vda is not in the topology")));
}

TEST(PlacementPlan, DescribePrintsAHeaderThenOneLinePerRole) {
  Topology topology =
      load_xml(XmlTopologyBuilder(2, 2, 2).add_device({"nvme0n1", false, 1}).add_device({"eth0", true, 1}));
  PlacementRequest request = devices("nvme0n1", "eth0");
  request.roles = {"writer", "net-0"};
  PlacementPlan plan = build(topology, request);
  EXPECT_EQ(plan.describe(),
            "NUMA placement: node 1 of 2 (nearest to block device nvme0n1 and network interface eth0); CPUs 4-7; "
            "pool and index memory on node 1\n"
            "  block device nvme0n1 at PCI 0000:10:00.0: local to node 1\n"
            "  network interface eth0 at PCI 0000:20:00.0: local to node 1\n"
            "  writer -> CPU 4 (core 2)\n"
            "  net-0  -> CPU 6 (core 3)\n");
}

TEST(PlacementPlan, DefaultRolesAreTheEngineThreadsThenTheNetworkThreads) {
  EXPECT_EQ(default_thread_roles(2), kRoles);
  EXPECT_STREQ(node_choice_name(NodeChoice::kDiskAndNicApart), "disk-and-nic-apart");
}

TEST(PlacementPlan, ThisMachinePlansItsNodesCleanly) {
  auto topology = Topology::load_this_system();
  ASSERT_TRUE(topology.has_value()) << topology.error().to_string();
  PlacementRequest request;
  request.roles = kRoles;
  test::TempDir dir;
  if (auto disk = block_device_of_path(dir.path())) request.block_device = *disk;
  std::vector<std::string> nics = topology->os_device_names(HWLOC_OBJ_OSDEV_NETWORK);
  if (!nics.empty()) request.network_interface = nics.front();
  PlacementPlan plan = build(*topology, request);
  EXPECT_TRUE(topology->node(plan.node()).has_value());
  for (const RolePlacement& role : plan.roles()) {
    EXPECT_TRUE(topology->nodes_of_pu(role.pu).has_value()) << role.role;
  }
  if (topology->nodes().size() == 1) {
    EXPECT_EQ(plan.choice(), NodeChoice::kOnlyNode);
  }
  std::cout << topology->summary() << "\n" << plan.describe();
}

}  // namespace
}  // namespace ringmq::numa
