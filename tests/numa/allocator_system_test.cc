// Built into the main numa test binary, which does not link ringmq_jemalloc.
#include <gtest/gtest.h>

#include <string>

#include "numa/allocator_info.h"

namespace ringmq::numa {
namespace {

TEST(HeapAllocatorWithoutJemalloc, ReportsTheSystemMalloc) {
  EXPECT_NE(std::string(heap_allocator_name()), "jemalloc");
  EXPECT_EQ(heap_allocator_version(), "");
}

}  // namespace
}  // namespace ringmq::numa
