// The data directory's mount options as ringmq-tune items: read from mountinfo, changed by a
// remount (in a fake tree, by rewriting mountinfo as the kernel would show it), and restored.
#include "tuning/mount_option.h"

#include <gtest/gtest.h>

#include "tests/common/temp_dir.h"
#include "tests/tuning/fake_host.h"
#include "tuning/apply.h"
#include "tuning/host_check.h"
#include "tuning/rollback.h"

namespace ringmq::tuning {
namespace {

constexpr const char* kMountinfo =
    "22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n"
    "30 22 259:1 / /var/lib/ringmq rw,nosuid,relatime shared:5 - ext4 /dev/nvme0n1p1 rw,errors=remount-ro\n"
    "31 22 0:40 / /mnt/with\\040space rw,noatime - xfs /dev/sdb1 rw,lazytime\n";

std::string read(const std::string& kind, const std::string& mount_point) {
  auto value = read_mount_option(kMountinfo, {kind, mount_point});
  return value ? *value : "error: " + value.error().message;
}

TEST(MountOption, ReadsTheOptionsOfTheMountAtAPoint) {
  EXPECT_EQ(read("type", "/var/lib/ringmq"), "ext4");
  EXPECT_EQ(read("atime", "/var/lib/ringmq"), "relatime");
  EXPECT_EQ(read("lazytime", "/var/lib/ringmq"), "nolazytime");
  EXPECT_EQ(read("atime", "/mnt/with space"), "noatime");
  EXPECT_EQ(read("lazytime", "/mnt/with space"), "lazytime");
  EXPECT_FALSE(read_mount_option(kMountinfo, {"atime", "/nowhere"}));
}

TEST(MountOption, PathsRoundTripAndOthersAreNotMountOptions) {
  auto parsed = parse_mount_option_path(mount_option_path("atime", "/a:b"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->kind, "atime");
  EXPECT_EQ(parsed->mount_point, "/a:b");
  EXPECT_FALSE(parse_mount_option_path("/proc/sys/vm/swappiness"));
}

TEST(MountOption, RewritingAndRestoringLeavesMountinfoByteForByte) {
  const MountOptionPath atime{"atime", "/var/lib/ringmq"}, lazytime{"lazytime", "/var/lib/ringmq"};
  auto tuned = rewrite_mount_option(kMountinfo, atime, "noatime");
  ASSERT_TRUE(tuned);
  tuned = rewrite_mount_option(*tuned, lazytime, "lazytime");
  ASSERT_TRUE(tuned);
  EXPECT_EQ(*read_mount_option(*tuned, atime), "noatime");
  EXPECT_EQ(*read_mount_option(*tuned, lazytime), "lazytime");
  EXPECT_NE(
      tuned->find("/var/lib/ringmq rw,nosuid,noatime shared:5 - ext4 /dev/nvme0n1p1 rw,errors=remount-ro,lazytime"),
      std::string::npos)
      << *tuned;
  auto restored = rewrite_mount_option(*tuned, lazytime, "nolazytime");
  restored = rewrite_mount_option(*restored, atime, "relatime");
  ASSERT_TRUE(restored);
  EXPECT_EQ(*restored, kMountinfo);
  EXPECT_FALSE(rewrite_mount_option(kMountinfo, atime, "sometimes"));
  EXPECT_FALSE(rewrite_mount_option(kMountinfo, {"type", "/var/lib/ringmq"}, "xfs"));
}

TEST(MountOption, StrictatimeIsTheAbsenceOfAnAtimeWord) {
  const MountOptionPath atime{"atime", "/"};
  auto strict = rewrite_mount_option(kMountinfo, atime, "strictatime");
  ASSERT_TRUE(strict);
  EXPECT_EQ(*read_mount_option(*strict, atime), "strictatime");
  EXPECT_NE(strict->find("254:1 / / rw - ext4"), std::string::npos) << *strict;
}

// On a fake host: check finds both options differing on the data directory's mount, apply
// remounts (rewrites that line), check is then content, and rollback restores the line.
TEST(MountOption, CheckApplyRollbackOnTheDataDirectoryMount) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  test::put(dir.path(), "/proc/self/mountinfo", kMountinfo);
  SystemRoot root(dir.path());
  CheckOptions options;
  options.data_directory = "/var/lib/ringmq";
  auto status_of = [&](const std::string& id) {
    auto report = check_host(root, options);
    EXPECT_TRUE(report);
    for (const auto& result : *report)
      if (result.item.id == id) return std::string(status_name(result.status)) + " " + result.current;
    return std::string("missing");
  };
  EXPECT_EQ(status_of("fs.type"), "ok ext4");
  EXPECT_EQ(status_of("fs.atime"), "differs relatime");
  EXPECT_EQ(status_of("fs.lazytime"), "differs nolazytime");
  ApplyOptions apply_options;
  auto applied = apply_profile(root, options, apply_options);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(status_of("fs.atime"), "ok noatime");
  EXPECT_EQ(status_of("fs.lazytime"), "ok lazytime");
  EXPECT_TRUE(
      test::get(dir.path(), "/proc/self/mountinfo").starts_with("22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n"))
      << "another mount was changed";
  auto rolled_back = rollback(root, RollbackOptions{});
  ASSERT_TRUE(rolled_back) << rolled_back.error().message;
  EXPECT_EQ(test::get(dir.path(), "/proc/self/mountinfo"), kMountinfo);
}

TEST(MountOption, NotOnADiskFileSystemTheOptionsAreNotSupported) {
  ringmq::test::TempDir dir;
  test::build_untuned_host(dir.path());
  test::put(dir.path(), "/proc/self/mountinfo", "22 1 0:30 / / rw,relatime - tmpfs tmpfs rw\n");
  SystemRoot root(dir.path());
  CheckOptions options;
  options.data_directory = "/var/lib/ringmq";
  auto report = check_host(root, options);
  ASSERT_TRUE(report);
  int unsupported = 0;
  for (const auto& result : *report)
    if (result.item.id == "fs.atime" || result.item.id == "fs.lazytime") {
      EXPECT_EQ(result.status, ItemStatus::kUnsupported);
      EXPECT_NE(result.note.find("tmpfs"), std::string::npos) << result.note;
      ++unsupported;
    }
  EXPECT_EQ(unsupported, 2);
}

}  // namespace
}  // namespace ringmq::tuning
