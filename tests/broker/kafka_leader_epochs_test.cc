// KIP-101's end-offset lookup over a partition's leader epochs (OffsetForLeaderEpoch).
#include <gtest/gtest.h>

#include "broker/kafka/leader_epochs.h"

namespace ringmq::broker::kafka {
namespace {

TEST(LeaderEpochs, AStandaloneBrokerHasOneEpochEndingAtTheLogEnd) {
  EpochEnd current = end_offset_for_epoch(kStandaloneEpochs, 0, 120);
  EXPECT_EQ(current.epoch, 0);
  EXPECT_EQ(current.end_offset, 120);
  EpochEnd future = end_offset_for_epoch(kStandaloneEpochs, 3, 120);
  EXPECT_EQ(future.epoch, -1);
  EXPECT_EQ(future.end_offset, -1);
  EXPECT_EQ(end_offset_for_epoch(kStandaloneEpochs, -1, 120).end_offset, -1) << "undefined epoch";
}

TEST(LeaderEpochs, AnOlderEpochEndsWhereTheNextOneStarts) {
  const EpochStart epochs[] = {{2, 10}, {4, 50}, {7, 90}};
  auto check = [&](int32_t requested, int32_t epoch, int64_t end) {
    EpochEnd e = end_offset_for_epoch(epochs, requested, 200);
    EXPECT_EQ(e.epoch, epoch) << requested;
    EXPECT_EQ(e.end_offset, end) << requested;
  };
  check(7, 7, 200);  // the current epoch: the log end
  check(4, 4, 90);
  check(5, 4, 90);  // never an epoch here: the one before it, up to the next start
  check(2, 2, 50);
  check(1, 1, 10);   // before the first known: its start (older records are gone)
  check(8, -1, -1);  // newer than any
}

TEST(LeaderEpochs, AnUnsplitLogAnswersEveryKnownEpochWithItsEnd) {
  // A group's leader at epoch 5 that has only ever had one log: nothing diverged.
  for (int32_t requested : {0, 3, 5}) {
    EpochEnd e = end_offset_in_unsplit_log(5, requested, 300);
    EXPECT_EQ(e.epoch, requested);
    EXPECT_EQ(e.end_offset, 300) << requested;
  }
  EXPECT_EQ(end_offset_in_unsplit_log(5, 6, 300).end_offset, -1) << "a future epoch";
  EXPECT_EQ(end_offset_in_unsplit_log(5, -1, 300).epoch, -1) << "undefined";
  EXPECT_EQ(end_offset_in_unsplit_log(0, 0, 7).end_offset, 7) << "standalone";
}

}  // namespace
}  // namespace ringmq::broker::kafka
