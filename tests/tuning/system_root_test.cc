#include "tuning/system_root.h"

#include <gtest/gtest.h>

#include "tests/common/temp_dir.h"
#include "tests/tuning/fake_host.h"

namespace ringmq::tuning {
namespace {

using test::get;
using test::put;

TEST(SystemRoot, ReadsHostPathsUnderTheRoot) {
  ringmq::test::TempDir dir;
  put(dir.path(), "/proc/sys/vm/swappiness", "60\n");
  SystemRoot root(dir.path());
  EXPECT_EQ(root.read_file("/proc/sys/vm/swappiness").value(), "60\n");
  EXPECT_EQ(root.real_path("/proc/meminfo"), dir.path() + "/proc/meminfo");
}

TEST(SystemRoot, MissingFileIsNotFoundAndNamesThePath) {
  ringmq::test::TempDir dir;
  SystemRoot root(dir.path());
  auto text = root.read_file("/proc/sys/kernel/io_uring_disabled");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::kNotFound);
  EXPECT_NE(text.error().message.find("io_uring_disabled"), std::string::npos);
}

TEST(SystemRoot, WritingASelectorMovesTheBracketsLikeSysfs) {
  ringmq::test::TempDir dir;
  put(dir.path(), "/sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n");
  SystemRoot root(dir.path());
  ASSERT_TRUE(root.write_kernel_value("/sys/kernel/mm/transparent_hugepage/enabled", "madvise"));
  EXPECT_EQ(get(dir.path(), "/sys/kernel/mm/transparent_hugepage/enabled"), "always [madvise] never\n");
  ASSERT_TRUE(root.write_kernel_value("/sys/kernel/mm/transparent_hugepage/enabled", "always"));
  EXPECT_EQ(get(dir.path(), "/sys/kernel/mm/transparent_hugepage/enabled"), "[always] madvise never\n");
}

TEST(SystemRoot, SelectInListKeepsSeparatorsAndIgnoresUnknownWords) {
  EXPECT_EQ(select_in_list("none [mq-deadline] kyber bfq \n", "none"), "[none] mq-deadline kyber bfq \n");
  EXPECT_EQ(select_in_list("[none] mq-deadline\n", "bfq"), "[none] mq-deadline\n");
}

TEST(SystemRoot, WritingAPlainValueLeavesItWithANewline) {
  ringmq::test::TempDir dir;
  put(dir.path(), "/proc/sys/vm/swappiness", "60\n");
  SystemRoot root(dir.path());
  ASSERT_TRUE(root.write_kernel_value("/proc/sys/vm/swappiness", "1"));
  EXPECT_EQ(get(dir.path(), "/proc/sys/vm/swappiness"), "1\n");
}

TEST(SystemRoot, WritingAKernelValueNeverCreatesTheFile) {
  ringmq::test::TempDir dir;
  SystemRoot root(dir.path());
  auto status = root.write_kernel_value("/proc/sys/kernel/numa_balancing", "0");
  ASSERT_FALSE(status);
  EXPECT_FALSE(test::has(dir.path(), "/proc/sys/kernel/numa_balancing"));
}

TEST(SystemRoot, CreateDirectoriesReturnsOnlyTheOnesItMade) {
  ringmq::test::TempDir dir;
  put(dir.path(), "/etc/hostname", "x\n");
  SystemRoot root(dir.path());
  auto created = root.create_directories("/etc/udev/rules.d");
  ASSERT_TRUE(created);
  EXPECT_EQ(*created, (std::vector<std::string>{"/etc/udev", "/etc/udev/rules.d"}));
  EXPECT_TRUE(root.is_directory("/etc/udev/rules.d"));
  EXPECT_TRUE(root.create_directories("/etc/udev/rules.d")->empty());
}

TEST(SystemRoot, RemoveEmptyDirectoryRefusesOneWithFiles) {
  ringmq::test::TempDir dir;
  put(dir.path(), "/etc/sysctl.d/README", "x\n");
  SystemRoot root(dir.path());
  EXPECT_FALSE(root.remove_empty_directory("/etc/sysctl.d"));
  EXPECT_TRUE(root.is_directory("/etc/sysctl.d"));
}

TEST(SystemRoot, RootWithTrailingSlashMapsTheSame) {
  SystemRoot root("/tmp/x/");
  EXPECT_EQ(root.real_path("/proc/meminfo"), "/tmp/x/proc/meminfo");
  EXPECT_EQ(root.canonical_host_path("/var/lib/../lib/ringmq/"), "/var/lib/ringmq");
}

}  // namespace
}  // namespace ringmq::tuning
