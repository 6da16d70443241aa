#include "tuning/block_device.h"

#include <gtest/gtest.h>

#include "tests/common/require.h"
#include "tests/common/temp_dir.h"
#include "tests/tuning/fake_host.h"

namespace ringmq::tuning {
namespace {

using test::put;

TEST(BlockDevice, ParseMountinfoDecodesEscapedSpacesAndSkipsBadLines) {
  auto mounts = parse_mountinfo(
      "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
      "garbage line\n"
      "40 27 259:3 / /srv/my\\040data rw shared:1 master:2 - xfs /dev/nvme0n1p3 rw\n");
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].device_number, "254:0");
  EXPECT_EQ(mounts[0].source, "/dev/vda");
  EXPECT_EQ(mounts[1].mount_point, "/srv/my data");
  EXPECT_EQ(mounts[1].fs_type, "xfs");
  EXPECT_EQ(mounts[1].source, "/dev/nvme0n1p3");
}

TEST(BlockDevice, MapsADataDirectoryOnAPartitionToItsDisk) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  SystemRoot root(dir.path());
  auto map = map_data_directory(root, "/var/lib/ringmq/partitions");
  ASSERT_TRUE(map) << map.error().to_string();
  EXPECT_EQ(map->mount.mount_point, "/var/lib/ringmq");
  EXPECT_EQ(map->mounted_device, "nvme0n1p1");
  EXPECT_EQ(map->disks, (std::vector<std::string>{"nvme0n1"}));
}

TEST(BlockDevice, LongestMountPointWinsAndPrefixMustBeWholeComponents) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  SystemRoot root(dir.path());
  // "/var/lib/ringmq2" is not under the "/var/lib/ringmq" mount: it lives on / (vda1 -> vda).
  auto map = map_data_directory(root, "/var/lib/ringmq2");
  ASSERT_TRUE(map);
  EXPECT_EQ(map->mount.mount_point, "/");
  EXPECT_EQ(map->disks, (std::vector<std::string>{"vda"}));
}

TEST(BlockDevice, MapsDeviceMapperThroughItsSlavesToEveryDisk) {
  ringmq::test::TempDir dir;
  const std::string& r = dir.path();
  put(r, "/proc/self/mountinfo", "30 1 253:0 / /data rw - ext4 /dev/mapper/vg-data rw\n");
  put(r, "/sys/block/dm-0/dev", "253:0\n");
  put(r, "/sys/block/dm-0/dm/name", "vg-data\n");
  put(r, "/sys/block/dm-0/slaves/sda2/.keep", "");
  put(r, "/sys/block/dm-0/slaves/sdb/.keep", "");
  put(r, "/sys/block/sda/dev", "8:0\n");
  put(r, "/sys/block/sda/sda2/dev", "8:2\n");
  put(r, "/sys/block/sda/sda2/partition", "2\n");
  put(r, "/sys/block/sdb/dev", "8:16\n");
  SystemRoot root(r);
  auto map = map_data_directory(root, "/data/ringmq");
  ASSERT_TRUE(map);
  EXPECT_EQ(map->mounted_device, "dm-0");
  EXPECT_EQ(map->disks, (std::vector<std::string>{"sda", "sdb"}));
}

TEST(BlockDevice, FallsBackToTheMountSourceForAnAnonymousDeviceNumber) {
  ringmq::test::TempDir dir;
  const std::string& r = dir.path();
  // btrfs reports 0:N in mountinfo; the source still names the partition.
  put(r, "/proc/self/mountinfo", "30 1 0:33 /@data /data rw - btrfs /dev/vdb1 rw\n");
  put(r, "/sys/block/vdb/dev", "252:16\n");
  put(r, "/sys/block/vdb/vdb1/dev", "252:17\n");
  put(r, "/sys/block/vdb/vdb1/partition", "1\n");
  SystemRoot root(r);
  auto map = map_data_directory(root, "/data");
  ASSERT_TRUE(map);
  EXPECT_EQ(map->disks, (std::vector<std::string>{"vdb"}));
}

TEST(BlockDevice, MapsMapperSourceByDmName) {
  ringmq::test::TempDir dir;
  const std::string& r = dir.path();
  put(r, "/proc/self/mountinfo", "30 1 0:40 / /data rw - btrfs /dev/mapper/crypt rw\n");
  put(r, "/sys/block/dm-3/dev", "253:3\n");
  put(r, "/sys/block/dm-3/dm/name", "crypt\n");
  put(r, "/sys/block/dm-3/slaves/vdc/.keep", "");
  put(r, "/sys/block/vdc/dev", "252:32\n");
  SystemRoot root(r);
  auto map = map_data_directory(root, "/data");
  ASSERT_TRUE(map);
  EXPECT_EQ(map->mounted_device, "dm-3");
  EXPECT_EQ(map->disks, (std::vector<std::string>{"vdc"}));
}

TEST(BlockDevice, ReportsNoDiskForOverlayOrTmpfs) {
  ringmq::test::TempDir dir;
  test::build_old_container_host(dir.path());
  SystemRoot root(dir.path());
  auto map = map_data_directory(root, "/var/lib/ringmq");
  ASSERT_TRUE(map);
  EXPECT_TRUE(map->disks.empty());
  EXPECT_NE(map->note.find("overlay"), std::string::npos);
}

TEST(BlockDevice, MissingMountinfoIsNotFound) {
  ringmq::test::TempDir dir;
  SystemRoot root(dir.path());
  auto map = map_data_directory(root, "/var/lib/ringmq");
  ASSERT_FALSE(map);
  EXPECT_EQ(map.error().code, ErrorCode::kNotFound);
}

TEST(BlockDevice, MapsTheRealRootOfThisMachineWithoutError) {
  SystemRoot root("/");
  RINGMQ_REQUIRE_CAPABILITY(root.exists("/proc/self/mountinfo"), "/proc (mount procfs)");
  auto map = map_data_directory(root, "/");
  ASSERT_TRUE(map) << map.error().to_string();
  EXPECT_EQ(map->mount.mount_point, "/");
}

}  // namespace
}  // namespace ringmq::tuning
