// The engine's NUMA hooks and its io_uring fallback.
#include "numa/placement.h"

#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <mutex>
#include <set>

#include "numa/thread_pinning.h"
#include "numa/topology.h"
#include "tests/engine/store_fixture.h"

namespace ringmq::engine {
namespace {

TEST(EnginePlacement, EveryEngineThreadIsPinnedToItsPlannedCpu) {
  auto topology = numa::Topology::load_this_system();
  ASSERT_TRUE(topology) << topology.error().to_string();
  numa::PlacementRequest request;
  request.roles = numa::default_thread_roles(0);
  request.roles.push_back("retention");
  auto plan = numa::PlacementPlan::build(*topology, request);
  ASSERT_TRUE(plan) << plan.error().to_string();

  std::mutex mutex;
  std::set<std::string> pinned;
  std::vector<std::string> failures;
  ringmq::test::TempDir dir;
  auto config = test::small_config(dir.path(), WriteMode::kPool);
  config.pool_buffers = 2;
  config.pool_huge_pages = false;
  size_t bound_bytes = 0;
  config.placement.pin_thread = [&](const char* role) {
    auto s = numa::pin_current_thread(*topology, *plan, role);
    auto cpus = numa::current_thread_cpus();
    std::lock_guard lock(mutex);
    if (!s)
      failures.push_back(s.error().message);
    else if (!cpus || cpus->size() != 1 || (*cpus)[0] != *plan->pu_of(role))
      failures.push_back(role);
    pinned.insert(role);
  };
  config.placement.bind_memory = [&](void*, size_t bytes) -> Status {
    bound_bytes += bytes;
    return {};
  };
  {
    auto store = test::open_store(config);
    ASSERT_TRUE(store);
    test::append_ok(*store, 0, test::payload(0, 100));
  }
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(pinned, (std::set<std::string>{"allocator", "dispatcher", "flusher", "retention"}));
  EXPECT_EQ(bound_bytes, 2 * config.segment_bytes) << "every pool buffer is bound to the node";
}

// In a child whose io_uring_setup fails with ENOSYS (seccomp), as on a kernel without
// io_uring or with kernel.io_uring_disabled: a pool-mode store opens in mmap-locked mode.
TEST(EnginePlacement, PoolModeFallsBackToMmapLockedWithoutIoUring) {
  ringmq::test::TempDir dir;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(10);
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) ::_exit(11);
    auto config = test::small_config(dir.path(), WriteMode::kPool);
    config.pool_huge_pages = false;
    auto store = MessageStore::open(config);
    if (!store) ::_exit(12);
    if ((*store)->config().write_mode != WriteMode::kMmapLocked) ::_exit(13);
    if (!(*store)->append({0, test::payload(0, 100), 1, -1})) ::_exit(14);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child exit code names the failed step";
}

}  // namespace
}  // namespace ringmq::engine
