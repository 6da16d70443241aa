// ReplicaProgress: a follower's figures come from its current stream only; one that reconnects
// while the old stream still winds down stays connected, and catching up is judged against
// where the leader's log was at the previous ack.
#include <gtest/gtest.h>

#include "broker/replication/replica_progress.h"

namespace ringmq::broker {
namespace {

TEST(ReplicaProgress, AReplacedStreamNeitherDisconnectsNorUpdatesTheFollower) {
  ReplicaProgress progress;
  const uint64_t old_session = progress.connected(2, 100, 500, 1);
  const uint64_t new_session = progress.connected(2, 100, 500, 2);
  progress.acked(2, old_session, {900, 900}, 900, 3);
  progress.disconnected(2, old_session);
  auto f = progress.snapshot();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].connected);
  EXPECT_EQ(f[0].received, 100u) << "an ack of the replaced stream counted";
  progress.disconnected(2, new_session);
  EXPECT_FALSE(progress.snapshot()[0].connected);
}

TEST(ReplicaProgress, CatchingUpMeansReachingWhereTheLeaderWasAtThePreviousAck) {
  ReplicaProgress progress;
  const uint64_t s = progress.connected(3, 0, 1000, 10);
  progress.acked(3, s, {600, 0}, 1200, 20);
  EXPECT_EQ(progress.snapshot()[0].caught_up_ns, 0) << "600 is short of the 1000 the leader had";
  progress.acked(3, s, {1000, 0}, 1500, 30);
  EXPECT_EQ(progress.snapshot()[0].caught_up_ns, 0) << "1000 is short of the 1200 of the previous ack";
  progress.acked(3, s, {1500, 0}, 1800, 40);
  EXPECT_EQ(progress.snapshot()[0].caught_up_ns, 40);
}

}  // namespace
}  // namespace ringmq::broker
