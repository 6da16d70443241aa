// Built into a binary of its own that links ringmq_jemalloc, as the broker does.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "numa/allocator_info.h"

namespace ringmq::numa {
namespace {

TEST(HeapAllocatorWithJemalloc, ReportsJemallocAndItsVersion) {
#if RINGMQ_HEAP_JEMALLOC
  EXPECT_STREQ(heap_allocator_name(), "jemalloc");
  EXPECT_FALSE(heap_allocator_version().empty());
  EXPECT_EQ(heap_allocator_version().substr(0, 2), "5.");
#else
  // Sanitizer build: ringmq_jemalloc leaves jemalloc out because ASan owns malloc.
  EXPECT_STRNE(heap_allocator_name(), "jemalloc");
#endif
}

TEST(HeapAllocatorWithJemalloc, EveryAllocationPathWorks) {
  void* small = std::malloc(24);
  void* large = std::malloc(8 << 20);
  void* aligned = std::aligned_alloc(4096, 4096);
  ASSERT_NE(small, nullptr);
  ASSERT_NE(large, nullptr);
  ASSERT_NE(aligned, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(aligned) % 4096, 0u);
  std::free(small);
  std::free(large);
  std::free(aligned);
  std::string text(1000, 'x');
  EXPECT_EQ(text.size(), 1000u);
}

}  // namespace
}  // namespace ringmq::numa
