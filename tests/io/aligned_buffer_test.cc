#include "io/aligned_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>

#include "tests/common/memlock_limit.h"
#include "tests/io/child_process.h"

namespace ringmq::io {
namespace {

bool aligned(const void* p, size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; }

// Locked memory of this process in KiB, from /proc/self/status.
uint64_t locked_kib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmLck:") {
      uint64_t kib = 0;
      status >> kib;
      return kib;
    }
    status.ignore(4096, '\n');
  }
  return 0;
}

TEST(AlignedBuffer, IsPageAlignedZeroedAndRoundedUpToAPage) {
  auto buffer = AlignedBuffer::allocate(10'000);
  ASSERT_TRUE(buffer) << buffer.error().to_string();
  EXPECT_TRUE(aligned(buffer->data(), AlignedBuffer::kAlignment));
  EXPECT_EQ(buffer->size(), 12'288u);
  EXPECT_EQ(buffer->backing(), PageBacking::kNormal);
  EXPECT_TRUE(
      std::all_of(buffer->data(), buffer->data() + buffer->size(), [](std::byte b) { return b == std::byte{0}; }));
  const iovec iov = buffer->as_iovec();
  EXPECT_EQ(iov.iov_base, buffer->data());
  EXPECT_EQ(iov.iov_len, buffer->size());
}

TEST(AlignedBuffer, ZeroBytesIsRejected) {
  auto buffer = AlignedBuffer::allocate(0);
  ASSERT_FALSE(buffer);
  EXPECT_EQ(buffer.error().code, ErrorCode::kInvalidArgument);
}

TEST(AlignedBuffer, HugePagesFallBackToWhatTheKernelOffers) {
  auto buffer = AlignedBuffer::allocate(3 << 20, {.huge_pages = HugePages::kPreferred});
  ASSERT_TRUE(buffer) << buffer.error().to_string();
  EXPECT_EQ(buffer->size(), 3u << 20);
  // hugetlbfs or THP-advised memory starts on a 2 MiB boundary; plain pages need only 4 KiB.
  if (buffer->backing() != PageBacking::kNormal) {
    EXPECT_TRUE(aligned(buffer->data(), AlignedBuffer::kHugePageBytes));
  }
  buffer->data()[buffer->size() - 1] = std::byte{1};  // the whole usable range is mapped
  std::printf("huge-page buffer backed by %s\n", page_backing_name(buffer->backing()));
}

TEST(AlignedBuffer, LockedBufferCountsAsLockedMemory) {
  const uint64_t before = locked_kib();
  auto buffer = AlignedBuffer::allocate(1 << 20, {.lock = true});
  ASSERT_TRUE(buffer) << buffer.error().to_string();
  EXPECT_TRUE(buffer->locked());
  EXPECT_GE(locked_kib(), before + 1024);
  ASSERT_TRUE(buffer->unlock());
  EXPECT_FALSE(buffer->locked());
  EXPECT_LT(locked_kib(), before + 1024);
}

TEST(AlignedBuffer, LockFailureNamesTheMemlockLimitAndHowToRaiseIt) {
  auto child = test::run_in_child([]() -> std::string {
    if (auto failed = test::limit_locked_memory(64 << 10); !failed.empty()) return failed;
    auto buffer = AlignedBuffer::allocate(1 << 20, {.lock = true});
    if (buffer) return "mlock of 1 MiB succeeded under a 64 KiB limit";
    const std::string& message = buffer.error().message;
    for (const char* needle : {"mlock of 1 MiB", "RLIMIT_MEMLOCK is 64 KiB", "ulimit -l", "LimitMEMLOCK="}) {
      if (message.find(needle) == std::string::npos) return "message lacks '" + std::string(needle) + "': " + message;
    }
    return "";
  });
  EXPECT_TRUE(child.passed()) << child.message;
}

TEST(AlignedBuffer, MoveTransfersOwnership) {
  auto buffer = AlignedBuffer::allocate(4096);
  ASSERT_TRUE(buffer);
  std::byte* data = buffer->data();
  AlignedBuffer moved = std::move(*buffer);
  EXPECT_EQ(moved.data(), data);
  EXPECT_TRUE(buffer->empty());
  EXPECT_EQ(buffer->data(), nullptr);
  AlignedBuffer assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.data(), data);
  EXPECT_TRUE(moved.empty());
}

}  // namespace
}  // namespace ringmq::io
