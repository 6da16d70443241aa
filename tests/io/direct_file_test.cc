#include "io/direct_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "tests/common/temp_dir.h"

namespace ringmq::io {
namespace {

bool is_power_of_two(uint32_t value) { return value != 0 && (value & (value - 1)) == 0; }

TEST(DirectFile, OpensWithODirectOnThisFileSystemAndReportsItsAlignment) {
  test::TempDir dir;
  auto file = DirectFile::open(dir.path() + "/seg", {.direct = DirectIo::kRequire});
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_TRUE(file->is_direct());
  EXPECT_TRUE(file->fallback_reason().empty());
  EXPECT_TRUE(fcntl(file->fd(), F_GETFL) & O_DIRECT);
  const IoAlignment& alignment = file->alignment();
  EXPECT_TRUE(alignment.required());
  EXPECT_TRUE(is_power_of_two(alignment.memory_bytes));
  EXPECT_TRUE(is_power_of_two(alignment.offset_bytes));
  EXPECT_LE(alignment.offset_bytes, 4096u);
  std::printf("direct I/O alignment on %s: memory %u, offset %u\n", dir.path().c_str(), alignment.memory_bytes,
              alignment.offset_bytes);
}

TEST(DirectFile, FallsBackToBufferedWhereTheFileSystemRefusesODirect) {
  // procfs files cannot do direct I/O: open(O_DIRECT) fails with EINVAL.
  auto file = DirectFile::open("/proc/self/status", {.flags = O_RDONLY});
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_FALSE(file->is_direct());
  EXPECT_NE(file->fallback_reason().find("refuses O_DIRECT"), std::string::npos) << file->fallback_reason();
  EXPECT_FALSE(file->alignment().required());
  EXPECT_FALSE(fcntl(file->fd(), F_GETFL) & O_DIRECT);
}

TEST(DirectFile, RequiredDirectIoOnAFileSystemWithoutItIsUnsupported) {
  auto file = DirectFile::open("/proc/self/status", {.flags = O_RDONLY, .direct = DirectIo::kRequire});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(file.error().message.find("/proc/self/status"), std::string::npos);
}

TEST(DirectFile, DirectIoOffByConfigurationOpensBuffered) {
  test::TempDir dir;
  auto file = DirectFile::open(dir.path() + "/seg", {.direct = DirectIo::kOff});
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_FALSE(file->is_direct());
  EXPECT_EQ(file->fallback_reason(), "direct I/O disabled by configuration");
}

TEST(DirectFile, CheckAlignedNamesTheRuleBroken) {
  const IoAlignment alignment{4096, 512};
  alignas(4096) static std::byte buffer[8192];
  EXPECT_TRUE(alignment.check(1024, 4096, buffer));
  auto offset = alignment.check(100, 4096, buffer);
  ASSERT_FALSE(offset);
  EXPECT_EQ(offset.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(offset.error().message.find("offset 100 is not a multiple of 512"), std::string::npos)
      << offset.error().message;
  auto length = alignment.check(0, 1000, buffer);
  ASSERT_FALSE(length);
  EXPECT_NE(length.error().message.find("length 1000 is not a multiple of 512"), std::string::npos)
      << length.error().message;
  auto address = alignment.check(0, 512, buffer + 512);
  ASSERT_FALSE(address);
  EXPECT_NE(address.error().message.find("is not aligned to 4096"), std::string::npos) << address.error().message;
  EXPECT_TRUE(IoAlignment{}.check(3, 7, buffer + 1));  // buffered: anything goes
}

TEST(DirectFile, CheckAlignedNamesTheFile) {
  test::TempDir dir;
  auto file = DirectFile::open(dir.path() + "/seg", {.direct = DirectIo::kRequire});
  ASSERT_TRUE(file) << file.error().to_string();
  auto status = file->check_aligned(0, 100, nullptr);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find(dir.path() + "/seg"), std::string::npos) << status.error().message;
}

TEST(DirectFile, AllocateReservesBlocksAndExtendsTheFile) {
  test::TempDir dir;
  auto file = DirectFile::open(dir.path() + "/seg");
  ASSERT_TRUE(file) << file.error().to_string();
  ASSERT_TRUE(file->allocate(0, 4 << 20));
  auto size = file->size();
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 4u << 20);
  struct stat st {};
  ASSERT_EQ(::fstat(file->fd(), &st), 0);
  EXPECT_GE(static_cast<uint64_t>(st.st_blocks) * 512, 4u << 20);
}

TEST(DirectFile, AllocateWithKeepSizeLeavesTheSize) {
  test::TempDir dir;
  auto file = DirectFile::open(dir.path() + "/seg");
  ASSERT_TRUE(file) << file.error().to_string();
  ASSERT_TRUE(file->allocate(0, 1 << 20, /*keep_size=*/true));
  auto size = file->size();
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 0u);
}

TEST(DirectFile, OpenOfAMissingDirectoryNamesThePath) {
  auto file = DirectFile::open("/nonexistent-ringmq/seg");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kIo);
  EXPECT_NE(file.error().message.find("/nonexistent-ringmq/seg"), std::string::npos);
  EXPECT_NE(file.error().message.find("ENOENT"), std::string::npos);
}

}  // namespace
}  // namespace ringmq::io
