#include "engine/memlock_check.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/engine/store_fixture.h"

namespace ringmq::engine {
namespace {

TEST(MemlockCheck, TooSmallLimitWithoutCapabilityNamesTheSettingToChange) {
  auto s = check_memlock_allowance(2ull << 30, {8ull << 20, false});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("RLIMIT_MEMLOCK is 8.0 MiB"), std::string::npos);
  EXPECT_NE(s.error().message.find("ulimit -l"), std::string::npos);
  EXPECT_NE(s.error().message.find("LimitMEMLOCK"), std::string::npos);
}

TEST(MemlockCheck, CapabilityOrLargeEnoughLimitPasses) {
  EXPECT_TRUE(check_memlock_allowance(2ull << 30, {8ull << 20, true}));
  EXPECT_TRUE(check_memlock_allowance(2ull << 30, {UINT64_MAX, false}));
  EXPECT_TRUE(check_memlock_allowance(2ull << 30, {2ull << 30, false}));
}

// A process without CAP_IPC_LOCK and with a 64 KiB RLIMIT_MEMLOCK cannot open a store in
// mmap-locked mode: open fails at once with the setting to change; mmap mode still works.
TEST(MemlockCheck, StoreRefusesMmapLockedWithoutTheAllowance) {
  ringmq::test::TempDir dir;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &header, data) != 0) ::_exit(10);
    data[0].effective &= ~(1u << CAP_IPC_LOCK);
    if (::syscall(SYS_capset, &header, data) != 0) ::_exit(11);
    struct rlimit rl {64 << 10, 64 << 10};
    if (::setrlimit(RLIMIT_MEMLOCK, &rl) != 0) ::_exit(12);
    auto locked = MessageStore::open(test::small_config(dir.path(), WriteMode::kMmapLocked));
    if (locked) ::_exit(13);
    if (locked.error().message.find("RLIMIT_MEMLOCK is 64.0 KiB") == std::string::npos) ::_exit(14);
    auto plain = MessageStore::open(test::small_config(dir.path(), WriteMode::kMmap));
    if (!plain) ::_exit(15);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child exit code names the failed step";
}

}  // namespace
}  // namespace ringmq::engine
