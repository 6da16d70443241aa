#include "numa/thread_pinning.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace ringmq::numa {
namespace {

using ::testing::HasSubstr;

// Each test pins a thread of its own, so the test runner's thread keeps its affinity.
template <typename Body>
void on_a_new_thread(Body body) {
  std::thread thread(body);
  thread.join();
}

Topology this_system() {
  auto topology = Topology::load_this_system();
  if (!topology) ADD_FAILURE() << topology.error().to_string();
  return std::move(*topology);
}

TEST(ThreadPinning, PinningToEachCpuOfThePlanChangesTheThreadsAffinity) {
  Topology topology = this_system();
  PlacementRequest request;
  request.roles = default_thread_roles(2);
  auto plan = PlacementPlan::build(topology, request);
  ASSERT_TRUE(plan.has_value()) << plan.error().to_string();
  on_a_new_thread([&] {
    auto before = current_thread_cpus();
    ASSERT_TRUE(before.has_value());
    for (unsigned cpu : plan->cpus()) {
      auto pinned = pin_current_thread(topology, cpu);
      ASSERT_TRUE(pinned.has_value()) << pinned.error().to_string();
      auto after = current_thread_cpus();
      ASSERT_TRUE(after.has_value()) << after.error().to_string();
      EXPECT_EQ(*after, std::vector<unsigned>{cpu});
      EXPECT_EQ(sched_getcpu(), static_cast<int>(cpu));  // the kernel moved us there at once
    }
  });
}

TEST(ThreadPinning, PinningByRoleUsesThePlansCpu) {
  Topology topology = this_system();
  PlacementRequest request;
  request.roles = {"writer", "committer"};
  auto plan = PlacementPlan::build(topology, request);
  ASSERT_TRUE(plan.has_value());
  on_a_new_thread([&] {
    ASSERT_TRUE(pin_current_thread(topology, *plan, "committer").has_value());
    EXPECT_EQ(*current_thread_cpus(), std::vector<unsigned>{*plan->pu_of("committer")});
  });
}

TEST(ThreadPinning, PinningOneThreadLeavesTheOthersAlone) {
  Topology topology = this_system();
  auto before = current_thread_cpus();
  ASSERT_TRUE(before.has_value());
  on_a_new_thread([&] { ASSERT_TRUE(pin_current_thread(topology, topology.pus().back()).has_value()); });
  EXPECT_EQ(*current_thread_cpus(), *before);
}

TEST(ThreadPinning, RoleNotInThePlanIsNotFound) {
  Topology topology = this_system();
  PlacementRequest request;
  request.roles = {"writer"};
  auto plan = PlacementPlan::build(topology, request);
  ASSERT_TRUE(plan.has_value());
  auto pinned = pin_current_thread(topology, *plan, "net-9");
  ASSERT_FALSE(pinned.has_value());
  EXPECT_EQ(pinned.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(pinned.error().message, HasSubstr("\"net-9\""));
}

TEST(ThreadPinning, CpuTheProcessMayNotUseIsAClearError) {
  Topology topology = this_system();
  auto pinned = pin_current_thread(topology, 4095);
  ASSERT_FALSE(pinned.has_value());
  EXPECT_EQ(pinned.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(pinned.error().message, HasSubstr("pin thread to CPU 4095: this process may only use CPUs"));
}

TEST(ThreadPinning, SyntheticTopologyIsRefusedRatherThanIgnored) {
  auto topology = Topology::load_synthetic("pack:2 numa:1 core:1 pu:1");
  ASSERT_TRUE(topology.has_value());
  auto pinned = pin_current_thread(*topology, 0);
  ASSERT_FALSE(pinned.has_value());
  EXPECT_THAT(pinned.error().message, HasSubstr("not from this system"));
}

}  // namespace
}  // namespace ringmq::numa
