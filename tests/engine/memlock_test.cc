#include <gtest/gtest.h>

#include "engine/memlock_check.h"
#include "tests/common/memlock_limit.h"
#include "tests/engine/store_fixture.h"
#include "tests/io/child_process.h"

namespace ringmq::engine {
namespace {

TEST(MemlockCheck, TooSmallLimitWithoutCapabilityNamesTheSettingToChange) {
  auto s = check_memlock_allowance(2ull << 30, {8ull << 20, false});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("RLIMIT_MEMLOCK is 8 MiB"), std::string::npos);
  EXPECT_NE(s.error().message.find("ulimit -l"), std::string::npos);
  EXPECT_NE(s.error().message.find("LimitMEMLOCK"), std::string::npos);
}

TEST(MemlockCheck, CapabilityOrLargeEnoughLimitPasses) {
  EXPECT_TRUE(check_memlock_allowance(2ull << 30, {8ull << 20, true}));
  EXPECT_TRUE(check_memlock_allowance(2ull << 30, {UINT64_MAX, false}));
  EXPECT_TRUE(check_memlock_allowance(2ull << 30, {2ull << 30, false}));
}

// A process without CAP_IPC_LOCK and with a 64 KiB RLIMIT_MEMLOCK, told not to fall back,
// cannot open a store in mmap-locked mode: open fails at once with the setting to change;
// mmap mode still works.
TEST(MemlockCheck, StoreRefusesMmapLockedWithoutTheAllowanceWhenToldNotToFallBack) {
  ringmq::test::TempDir dir;
  auto child = ringmq::test::run_in_child([&]() -> std::string {
    if (auto failed = ringmq::test::limit_locked_memory(64 << 10); !failed.empty()) return failed;
    auto config = test::small_config(dir.path(), WriteMode::kMmapLocked);
    config.memlock_fallback = false;
    auto locked = MessageStore::open(config);
    if (locked) return "mmap-locked opened under a 64 KiB limit";
    if (locked.error().message.find("RLIMIT_MEMLOCK is 64 KiB") == std::string::npos)
      return "message does not give the limit: " + locked.error().message;
    auto plain = MessageStore::open(test::small_config(dir.path(), WriteMode::kMmap));
    if (!plain) return "mmap mode failed too: " + plain.error().message;
    return "";
  });
  EXPECT_TRUE(child.passed()) << child.message;
}

// By default a short allowance is not fatal: each locking mode opens in mmap mode instead
// (the warning says how to raise the limit), and what it stores reads back after a reopen.
TEST(MemlockCheck, LockingModesFallBackToMmapWithoutTheAllowance) {
  for (WriteMode mode : {WriteMode::kPool, WriteMode::kMmapLocked}) {
    ringmq::test::TempDir dir;
    auto child = ringmq::test::run_in_child([&]() -> std::string {
      if (auto failed = ringmq::test::limit_locked_memory(64 << 10); !failed.empty()) return failed;
      auto config = test::small_config(dir.path(), mode);
      auto store = MessageStore::open(config);
      if (!store) return "open failed instead of falling back: " + store.error().message;
      if ((*store)->config().write_mode != WriteMode::kMmap)
        return std::string("runs as ") + write_mode_name((*store)->config().write_mode) + ", not mmap";
      if (!(*store)->append({0, test::payload(1, 100)})) return "append failed";
      if (!(*store)->close()) return "close failed";
      store->reset();
      auto reopened = MessageStore::open(config);
      if (!reopened) return "reopen failed: " + reopened.error().message;
      if (!test::wait_indexed(**reopened, 0, 1)) return "the record is gone after the reopen";
      return "";
    });
    EXPECT_TRUE(child.passed()) << write_mode_name(mode) << ": " << child.message;
  }
}

}  // namespace
}  // namespace ringmq::engine
