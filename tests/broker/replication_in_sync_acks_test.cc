// InSyncAcks: acks=all answers are released once every in-sync follower has the records, a
// follower joins only holding everything committed, and dropping a laggard or losing the
// leadership releases what waited for it.
#include <gtest/gtest.h>

#include <vector>

#include "broker/replication/in_sync_acks.h"

namespace ringmq::broker {
namespace {

struct Released {
  std::vector<std::pair<bool, int>> calls;
  InSyncAcks::Done done() {
    return [this](bool ok, int in_sync) { calls.emplace_back(ok, in_sync); };
  }
};

TEST(InSyncAcks, ReleasesAtOnceWithoutFollowersAndCommitsTheEnd) {
  InSyncAcks acks;
  Released r;
  acks.wait(100, r.done());
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0], std::make_pair(true, 1));
  EXPECT_EQ(acks.committed(), 100u);
  EXPECT_EQ(acks.size(), 1);
}

TEST(InSyncAcks, WaitsForEveryMemberAndReleasesInOrder) {
  InSyncAcks acks;
  ASSERT_TRUE(acks.try_add(2, 0));
  ASSERT_TRUE(acks.try_add(3, 0));
  Released first, second;
  acks.wait(500, first.done());
  acks.wait(900, second.done());
  acks.progress(2, 1000);
  EXPECT_TRUE(first.calls.empty()) << "member 3 has nothing yet";
  acks.progress(3, 600);
  ASSERT_EQ(first.calls.size(), 1u);
  EXPECT_EQ(first.calls[0], std::make_pair(true, 3));
  EXPECT_TRUE(second.calls.empty());
  EXPECT_EQ(acks.committed(), 500u);
  acks.progress(3, 500);  // an older ack changes nothing
  acks.progress(3, 900);
  EXPECT_EQ(second.calls.size(), 1u);
  EXPECT_EQ(acks.committed(), 900u);
}

TEST(InSyncAcks, AJoinerMustHoldEverythingCommitted) {
  InSyncAcks acks;
  Released r;
  acks.wait(1000, r.done());
  EXPECT_FALSE(acks.try_add(2, 999));
  EXPECT_EQ(acks.members(), std::vector<int32_t>{});
  EXPECT_TRUE(acks.try_add(2, 1000));
  EXPECT_EQ(acks.members(), std::vector<int32_t>{2});
  acks.raise_committed(5000);  // a new leadership: the previous leader may have acknowledged this
  EXPECT_FALSE(acks.try_add(3, 4999));
  // What consumers were served counts too: electing a joiner that lacks it would take it back.
  acks.note_served(7000);
  EXPECT_FALSE(acks.try_add(3, 6999));
  EXPECT_TRUE(acks.try_add(3, 7000));
}

TEST(InSyncAcks, DroppingALaggardReleasesWhatWaitedForIt) {
  InSyncAcks acks;
  ASSERT_TRUE(acks.try_add(2, 0));
  Released r;
  acks.wait(50, r.done());
  EXPECT_TRUE(r.calls.empty());
  acks.remove(2);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0], std::make_pair(true, 1)) << "released, reaching the leader alone";
}

TEST(InSyncAcks, LosingTheLeadershipReleasesEveryWaiterWithoutAcknowledging) {
  InSyncAcks acks;
  ASSERT_TRUE(acks.try_add(2, 0));
  Released r;
  acks.wait(50, r.done());
  acks.wait(70, r.done());
  acks.fail_all();
  ASSERT_EQ(r.calls.size(), 2u);
  EXPECT_FALSE(r.calls[0].first);
  EXPECT_FALSE(r.calls[1].first);
  EXPECT_EQ(acks.size(), 1) << "the set is emptied";
}

}  // namespace
}  // namespace ringmq::broker
