#include "io/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "tests/common/temp_dir.h"

namespace ringmq::io {
namespace {

TEST(File, WriteFileAtomicallyReplacesContentAndLeavesNoTemp) {
  test::TempDir dir;
  const std::string path = dir.path() + "/state";
  std::string first = "first version", second = "second";
  ASSERT_TRUE(write_file_atomically(path, std::as_bytes(std::span(first))));
  ASSERT_TRUE(write_file_atomically(path, std::as_bytes(std::span(second))));
  auto data = read_whole_file(path);
  ASSERT_TRUE(data);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(data->data()), data->size()), second);
  EXPECT_FALSE(path_exists(path + ".tmp"));
}

TEST(File, OpenMissingFileNamesPathInError) {
  auto fd = open_file("/nonexistent-ringmq/x", O_RDONLY);
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().code, ErrorCode::kIo);
  EXPECT_NE(fd.error().message.find("/nonexistent-ringmq/x"), std::string::npos);
}

TEST(File, AllocateReservesRequestedSize) {
  test::TempDir dir;
  const std::string path = dir.path() + "/seg";
  auto fd = open_file(path, O_RDWR | O_CREAT);
  ASSERT_TRUE(fd);
  ASSERT_TRUE(allocate_file(fd->get(), path, 1 << 20));
  auto size = file_size(fd->get(), path);
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, 1u << 20);
}

TEST(File, ErrnoErrorMapsEnospcToDiskFull) {
  auto e = errno_error("write x", ENOSPC);
  EXPECT_EQ(e.error().code, ErrorCode::kDiskFull);
  EXPECT_EQ(errno_error("write x", EIO).error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace ringmq::io
