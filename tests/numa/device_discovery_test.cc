#include "numa/device_discovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/common/temp_dir.h"

namespace ringmq::numa {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A fake /sys laid out like the kernel's: devices under /devices, /dev/block/MAJ:MIN links
// to them, partitions as subdirectories of their disk holding a "partition" file, and
// stacked devices (dm-*) with a "slaves" directory of links to what lies under them.
class FakeSysfs {
 public:
  const std::string& root() const { return dir_.path(); }

  // Adds a device directory (relative to the root) and its /dev/block link.
  void add_device(const std::string& number, const std::string& device_path, bool partition = false) {
    fs::create_directories(fs::path(root()) / device_path);
    if (partition) std::ofstream(fs::path(root()) / device_path / "partition") << "1\n";
    fs::create_directories(fs::path(root()) / "dev/block");
    fs::create_symlink(fs::path("../..") / device_path, fs::path(root()) / "dev/block" / number);
  }

  void add_slave(const std::string& device_path, const std::string& slave_path) {
    fs::path slaves = fs::path(root()) / device_path / "slaves";
    fs::create_directories(slaves);
    fs::create_symlink(fs::path(root()) / slave_path, slaves / fs::path(slave_path).filename());
  }

 private:
  test::TempDir dir_;
};

constexpr const char* kNvmeDisk = "devices/pci0000:00/0000:00:1d.0/nvme/nvme0/nvme0n1";

TEST(BlockDeviceOfPath, WholeDiskIsReturnedAsItIs) {
  FakeSysfs sysfs;
  sysfs.add_device("254:0", "devices/pci0000:00/0000:00:02.0/virtio1/block/vda");
  auto disk = block_device_of_device_number(254, 0, sysfs.root());
  ASSERT_TRUE(disk.has_value()) << disk.error().to_string();
  EXPECT_EQ(*disk, "vda");
}

TEST(BlockDeviceOfPath, PartitionIsWalkedUpToItsDisk) {
  FakeSysfs sysfs;
  sysfs.add_device("259:0", kNvmeDisk);
  sysfs.add_device("259:2", std::string(kNvmeDisk) + "/nvme0n1p2", true);
  auto disk = block_device_of_device_number(259, 2, sysfs.root());
  ASSERT_TRUE(disk.has_value()) << disk.error().to_string();
  EXPECT_EQ(*disk, "nvme0n1");
}

TEST(BlockDeviceOfPath, DeviceMapperIsFollowedDownToTheDiskUnderIt) {
  FakeSysfs sysfs;
  std::string partition = std::string(kNvmeDisk) + "/nvme0n1p3";
  sysfs.add_device("259:3", partition, true);
  sysfs.add_device("253:0", "devices/virtual/block/dm-0");
  sysfs.add_slave("devices/virtual/block/dm-0", partition);
  // dm-1 (say dm-crypt) sits on dm-0 (LVM) which sits on the NVMe partition.
  sysfs.add_device("253:1", "devices/virtual/block/dm-1");
  sysfs.add_slave("devices/virtual/block/dm-1", "devices/virtual/block/dm-0");
  EXPECT_EQ(block_device_of_device_number(253, 0, sysfs.root()).value_or("?"), "nvme0n1");
  EXPECT_EQ(block_device_of_device_number(253, 1, sysfs.root()).value_or("?"), "nvme0n1");
}

TEST(BlockDeviceOfPath, AnonymousDeviceHasNoBlockDevice) {
  FakeSysfs sysfs;
  auto disk = block_device_of_device_number(0, 42, sysfs.root());
  ASSERT_FALSE(disk.has_value());
  EXPECT_EQ(disk.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(disk.error().message, HasSubstr("tmpfs"));
}

TEST(BlockDeviceOfPath, UnknownDeviceNumberIsNotFound) {
  FakeSysfs sysfs;
  auto disk = block_device_of_device_number(8, 17, sysfs.root());
  ASSERT_FALSE(disk.has_value());
  EXPECT_EQ(disk.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(disk.error().message, HasSubstr("8:17"));
}

TEST(BlockDeviceOfPath, MissingPathIsAnIoErrorNamingIt) {
  auto disk = block_device_of_path("/nonexistent/data");
  ASSERT_FALSE(disk.has_value());
  EXPECT_THAT(disk.error().message, HasSubstr("stat /nonexistent/data"));
}

// The build tree (ctest's working directory) is on the disk the broker's default ./data
// would use; a temp directory may be a tmpfs.
TEST(BlockDeviceOfPath, FindsTheRealDiskUnderTheBuildTree) {
  auto disk = block_device_of_path(fs::current_path().string());
  ASSERT_TRUE(disk.has_value()) << disk.error().to_string();
  EXPECT_TRUE(fs::exists("/sys/block/" + *disk)) << *disk << " is not a whole disk";
}

TEST(NetworkInterfaceOfAddress, LoopbackAddressIsOnLo) {
  auto interface = network_interface_of_address("127.0.0.1");
  ASSERT_TRUE(interface.has_value()) << interface.error().to_string();
  EXPECT_EQ(*interface, "lo");
}

TEST(NetworkInterfaceOfAddress, WildcardAddressNamesNoSingleNic) {
  for (const char* address : {"0.0.0.0", "::"}) {
    auto interface = network_interface_of_address(address);
    ASSERT_FALSE(interface.has_value());
    EXPECT_EQ(interface.error().code, ErrorCode::kNotFound);
    EXPECT_THAT(interface.error().message, HasSubstr("every interface"));
  }
}

TEST(NetworkInterfaceOfAddress, GarbageAndUnownedAddressesAreErrors) {
  EXPECT_EQ(network_interface_of_address("not-an-ip").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(network_interface_of_address("192.0.2.123").error().code, ErrorCode::kNotFound);  // TEST-NET-1
}

}  // namespace
}  // namespace ringmq::numa
