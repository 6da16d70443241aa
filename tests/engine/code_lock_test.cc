#include "engine/code_lock.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/common/memlock_limit.h"
#include "tests/common/temp_dir.h"
#include "tests/io/child_process.h"

namespace ringmq::engine {
namespace {

// "Locked:" of the /proc/self/smaps entry whose range holds `address`, in kB (-1: not found).
long locked_kb_of_mapping_at(uintptr_t address) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long start = 0, end = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> start >> dash >> end && dash == '-' && line.find(':') > line.find(' ')) {
      inside = address >= start && address < end;
      continue;
    }
    if (inside && line.rfind("Locked:", 0) == 0) return std::stol(line.substr(7));
  }
  return -1;
}

TEST(CodeLock, LocksTheExecutablesOwnText) {
  const auto here = reinterpret_cast<uintptr_t>(&locked_kb_of_mapping_at);
  auto report = lock_code_pages();
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_GT(report->mappings, 1u) << "the executable and at least libc";
  EXPECT_GT(locked_kb_of_mapping_at(here), 0) << "the text this test runs from";
}

TEST(CodeLock, LeavesSharedAnonymousAndKernelMappingsAlone) {
  ringmq::test::TempDir dir;
  const std::string maps = dir.path() + "/maps";
  std::ofstream(maps) << "7f0000000000-7f0000100000 rw-s 00000000 fd:00 12 /var/lib/ringmq/commitlog/0000\n"
                         "7f0000200000-7f0000300000 rw-p 00000000 00:00 0 \n"
                         "7f0000400000-7f0000401000 ---p 00000000 fd:00 13 /usr/lib/libx.so\n"
                         "7ffff7fc1000-7ffff7fc3000 r-xp 00000000 00:00 0 [vdso]\n";
  auto report = lock_code_pages(maps);
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_EQ(report->mappings, 0u);
  EXPECT_EQ(report->locked_bytes, 0u);
}

// Under a finite RLIMIT_MEMLOCK without CAP_IPC_LOCK the allowance is the engine's: nothing
// is locked and the error says why; with the capability the code is locked.
TEST(CodeLock, OnlyUnbudgetedAllowancesLockCode) {
  const auto here = reinterpret_cast<uintptr_t>(&locked_kb_of_mapping_at);
  const long before = locked_kb_of_mapping_at(here);  // 0 when this test runs in a process of its own
  auto refused = lock_code_pages_if_unbudgeted({64ull << 20, false});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(refused.error().message.find("RLIMIT_MEMLOCK is 64 MiB"), std::string::npos);
  EXPECT_EQ(locked_kb_of_mapping_at(here), before);
  auto locked = lock_code_pages_if_unbudgeted({64ull << 20, true});
  ASSERT_TRUE(locked) << locked.error().to_string();
  EXPECT_GT(locked_kb_of_mapping_at(here), 0);
}

TEST(CodeLock, AnUnreadableMapsFileIsAnError) {
  auto report = lock_code_pages("/nonexistent/maps");
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("/nonexistent/maps"), std::string::npos);
}

// Without CAP_IPC_LOCK and with a 64 KiB RLIMIT_MEMLOCK the code does not fit: a clear error
// naming the setting, not a crash.
TEST(CodeLock, WithoutTheAllowanceTheErrorNamesTheSetting) {
  auto child = ringmq::test::run_in_child([]() -> std::string {
    if (auto failed = ringmq::test::limit_locked_memory(64 << 10); !failed.empty()) return failed;
    auto report = lock_code_pages();
    if (report) return "64 KiB of RLIMIT_MEMLOCK held all the code";
    if (report.error().message.find("RLIMIT_MEMLOCK") == std::string::npos)
      return "message does not name RLIMIT_MEMLOCK: " + report.error().message;
    return "";
  });
  EXPECT_TRUE(child.passed()) << child.message;
}

}  // namespace
}  // namespace ringmq::engine
