#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <limits>
#include <thread>

#include "broker/kafka/producer_state.h"
#include "io/file.h"
#include "tests/common/temp_dir.h"

namespace ringmq::broker::kafka {
namespace {

constexpr int32_t kMaxSequence = std::numeric_limits<int32_t>::max();

std::unique_ptr<ProducerState> open_ok(const std::string& dir, uint32_t id_block = 1000) {
  ProducerStateOptions options;
  options.data_dir = dir;
  options.id_block = id_block;
  auto r = ProducerState::open(options);
  EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
  return r ? std::move(*r) : nullptr;
}

int64_t new_producer(ProducerState& state) {
  auto r = state.allocate_producer_id();
  EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
  return r ? r->producer_id : -1;
}

// A produce as the handler does it: check, "append" at `next_offset`, record.
SequenceCheck produce(ProducerState& state, uint32_t queue, const ProducerBatch& batch, int64_t& next_offset) {
  auto guard = state.lock_partition(queue);
  SequenceCheck c = guard.check(batch);
  if (c.verdict == SequenceVerdict::kAppend) {
    guard.record(batch, next_offset);
    next_offset += batch.record_count;
  }
  return c;
}

SequenceCheck check(ProducerState& state, uint32_t queue, const ProducerBatch& batch) {
  return state.lock_partition(queue).check(batch);
}

TEST(ProducerState, AllocatesIncreasingIdsWithEpochZero) {
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  auto a = state->allocate_producer_id();
  auto b = state->allocate_producer_id();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->producer_id, 0);
  EXPECT_EQ(b->producer_id, 1);
  EXPECT_EQ(a->epoch, 0);
  EXPECT_EQ(b->epoch, 0);
  EXPECT_EQ(state->next_producer_id(), 2);
}

TEST(ProducerState, NeverHandsOutAnIdTwiceAcrossRestarts) {
  ringmq::test::TempDir dir;
  int64_t last = -1;
  {
    auto state = open_ok(dir.path(), 3);
    for (int i = 0; i < 5; ++i) last = new_producer(*state);  // 0..4; the file says 6
  }
  auto state = open_ok(dir.path(), 3);
  const int64_t next = new_producer(*state);
  EXPECT_GT(next, last);
  EXPECT_EQ(next, 6);
}

TEST(ProducerState, WritesTheDocumentedCounterFileOncePerBlock) {
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path(), 1000);
  new_producer(*state);
  const std::string path = dir.path() + "/producer_ids";
  auto bytes = io::read_whole_file(path);
  ASSERT_TRUE(bytes);
  const std::vector<uint8_t> expected = {
      'R',  'M',  'P',  'I',  0x01, 0x00, 0x00, 0x00,  // magic, version 1, reserved
      0xE8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // reserved_until 1000
      0x5F, 0x90, 0x0D, 0xFC,                          // CRC32C (0xFC0D905F)
  };
  ASSERT_EQ(bytes->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(std::to_integer<uint8_t>((*bytes)[i]), expected[i]) << "byte " << i;
  ASSERT_TRUE(io::remove_file(path));
  for (int i = 0; i < 998; ++i) new_producer(*state);  // ids 1..998 lie inside the block
  EXPECT_FALSE(io::path_exists(path));
  new_producer(*state);  // 999: still inside
  EXPECT_FALSE(io::path_exists(path));
  EXPECT_EQ(new_producer(*state), 1000);  // the next block is reserved first
  EXPECT_TRUE(io::path_exists(path));
}

TEST(ProducerState, ADamagedCounterFileIsAClearError) {
  ringmq::test::TempDir dir;
  {
    auto state = open_ok(dir.path());
    new_producer(*state);
  }
  const std::string path = dir.path() + "/producer_ids";
  auto bytes = io::read_whole_file(path);
  ASSERT_TRUE(bytes);
  (*bytes)[9] ^= std::byte{0x01};
  ASSERT_TRUE(io::write_file_atomically(path, *bytes));
  ProducerStateOptions options;
  options.data_dir = dir.path();
  auto r = ProducerState::open(options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("CRC"), std::string::npos) << r.error().message;
}

TEST(ProducerState, AcceptsEveryBatchWithoutAProducerId) {
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  int64_t offset = 0;
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(produce(*state, 1, {kNoProducerId, -1, -1, 10}, offset).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(state->producer_count(1), 0u);
}

TEST(ProducerState, AcceptsConsecutiveSequencesAndAnswersRetriesWithTheOriginalOffset) {
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  const int64_t pid = new_producer(*state);
  int64_t offset = 100;
  EXPECT_EQ(produce(*state, 1, {pid, 0, 0, 5}, offset).verdict,
            SequenceVerdict::kAppend);  // 0-4 at 100
  EXPECT_EQ(produce(*state, 1, {pid, 0, 5, 3}, offset).verdict,
            SequenceVerdict::kAppend);  // 5-7 at 105
  EXPECT_EQ(produce(*state, 1, {pid, 0, 8, 1}, offset).verdict,
            SequenceVerdict::kAppend);  // 8 at 108
  SequenceCheck retry = produce(*state, 1, {pid, 0, 5, 3}, offset);
  EXPECT_EQ(retry.verdict, SequenceVerdict::kDuplicate);
  EXPECT_EQ(retry.duplicate_base_offset, 105);
  EXPECT_EQ(retry.error_code(), producer_error::kNone);
  EXPECT_EQ(produce(*state, 1, {pid, 0, 0, 5}, offset).duplicate_base_offset, 100);
  EXPECT_EQ(offset, 109) << "duplicates are not stored again";
  // The same sequences on another partition are a different stream.
  EXPECT_EQ(produce(*state, 2, {pid, 0, 0, 5}, offset).verdict, SequenceVerdict::kAppend);
}

TEST(ProducerState, RemembersOnlyTheLastFiveBatches) {
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  const int64_t pid = new_producer(*state);
  int64_t offset = 0;
  for (int32_t seq = 0; seq < 6; ++seq)
    ASSERT_EQ(produce(*state, 1, {pid, 0, seq, 1}, offset).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(check(*state, 1, {pid, 0, 1, 1}).verdict, SequenceVerdict::kDuplicate);
  SequenceCheck forgotten = check(*state, 1, {pid, 0, 0, 1});
  EXPECT_EQ(forgotten.verdict, SequenceVerdict::kOutOfOrder);
  EXPECT_EQ(forgotten.error_code(), producer_error::kOutOfOrderSequenceNumber);
}

TEST(ProducerState, RefusesAGapOrAnOverlapAsOutOfOrder) {
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  const int64_t pid = new_producer(*state);
  int64_t offset = 0;
  ASSERT_EQ(produce(*state, 1, {pid, 0, 0, 5}, offset).verdict, SequenceVerdict::kAppend);
  SequenceCheck gap = check(*state, 1, {pid, 0, 6, 1});
  EXPECT_EQ(gap.verdict, SequenceVerdict::kOutOfOrder);
  EXPECT_NE(gap.message.find("expected sequence 5"), std::string::npos) << gap.message;
  EXPECT_EQ(check(*state, 1, {pid, 0, 3, 2}).verdict, SequenceVerdict::kOutOfOrder) << "overlaps, not a retry";
  EXPECT_EQ(check(*state, 1, {pid, 0, -1, 1}).verdict, SequenceVerdict::kOutOfOrder);
  EXPECT_EQ(check(*state, 1, {pid, 0, 5, 0}).verdict, SequenceVerdict::kOutOfOrder);
  EXPECT_EQ(check(*state, 1, {pid, 0, 5, 1}).verdict, SequenceVerdict::kAppend);
}

TEST(ProducerState, FencesAnOlderEpochAndStartsANewEpochAtSequenceZero) {
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  const int64_t pid = new_producer(*state);
  int64_t offset = 0;
  ASSERT_EQ(produce(*state, 1, {pid, 0, 0, 3}, offset).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(check(*state, 1, {pid, 1, 3, 1}).verdict, SequenceVerdict::kOutOfOrder) << "new epoch not at 0";
  ASSERT_EQ(produce(*state, 1, {pid, 1, 0, 2}, offset).verdict, SequenceVerdict::kAppend);
  SequenceCheck stale = check(*state, 1, {pid, 0, 3, 1});
  EXPECT_EQ(stale.verdict, SequenceVerdict::kFencedEpoch);
  EXPECT_EQ(stale.error_code(), producer_error::kInvalidProducerEpoch);
  EXPECT_EQ(check(*state, 1, {pid, 0, 0, 3}).verdict, SequenceVerdict::kFencedEpoch)
      << "a retry from the old epoch is fenced, not a duplicate";
  EXPECT_EQ(check(*state, 1, {pid, 1, 2, 1}).verdict, SequenceVerdict::kAppend);
}

TEST(ProducerState, RefusesProducerIdsThisBrokerNeverHandedOut) {
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  new_producer(*state);
  SequenceCheck c = check(*state, 1, {5, 0, 0, 1});
  EXPECT_EQ(c.verdict, SequenceVerdict::kUnknownProducer);
  EXPECT_EQ(c.error_code(), producer_error::kUnknownProducerId);
}

TEST(ProducerState, AcceptsAKnownProducerWithoutStateHereAtAnySequence) {
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  const int64_t pid = new_producer(*state);
  // Its earlier batches may have aged out of the log or predate the replay after a restart.
  EXPECT_EQ(check(*state, 1, {pid, 0, 1234, 1}).verdict, SequenceVerdict::kAppend);
}

TEST(ProducerState, SequencesWrapAroundAtInt32Max) {
  EXPECT_EQ(last_sequence(0, 1), 0);
  EXPECT_EQ(last_sequence(10, 5), 14);
  EXPECT_EQ(last_sequence(kMaxSequence, 1), kMaxSequence);
  EXPECT_EQ(last_sequence(kMaxSequence - 1, 3), 0);
  EXPECT_EQ(last_sequence(kMaxSequence, 4), 2);

  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  const int64_t pid = new_producer(*state);
  int64_t offset = 0;
  ASSERT_EQ(produce(*state, 1, {pid, 0, kMaxSequence - 9, 5}, offset).verdict, SequenceVerdict::kAppend);
  ASSERT_EQ(produce(*state, 1, {pid, 0, kMaxSequence - 4, 5}, offset).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(check(*state, 1, {pid, 0, kMaxSequence + 0, 1}).verdict, SequenceVerdict::kOutOfOrder);
  ASSERT_EQ(produce(*state, 1, {pid, 0, 0, 3}, offset).verdict, SequenceVerdict::kAppend) << "after INT32_MAX comes 0";
  ASSERT_EQ(produce(*state, 1, {pid, 0, 3, 1}, offset).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(check(*state, 1, {pid, 0, kMaxSequence - 4, 5}).duplicate_base_offset, 5);

  // A batch that itself crosses the wrap: MAX-1, MAX, 0, 1.
  const int64_t other = new_producer(*state);
  ASSERT_EQ(produce(*state, 1, {other, 0, kMaxSequence - 1, 4}, offset).verdict, SequenceVerdict::kAppend);
  SequenceCheck dup = check(*state, 1, {other, 0, kMaxSequence - 1, 4});
  EXPECT_EQ(dup.verdict, SequenceVerdict::kDuplicate);
  EXPECT_EQ(check(*state, 1, {other, 0, 2, 1}).verdict, SequenceVerdict::kAppend);
}

TEST(ProducerState, RebuildsDuplicateDetectionFromTheLog) {
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  const int64_t a = new_producer(*state);
  const int64_t b = new_producer(*state);
  const std::vector<LoggedBatch> log = {
      {a, 0, 0, 2, 0},  {kNoProducerId, -1, -1, 4, 2}, {b, 0, 0, 1, 6}, {a, 0, 2, 2, 7},
      {a, 1, 0, 1, 9},  // a bumped its epoch
      {b, 0, 1, 1, 10},
  };
  state->rebuild_from_log(3, log);
  EXPECT_EQ(state->producer_count(3), 2u);
  EXPECT_EQ(check(*state, 3, {a, 1, 0, 1}).duplicate_base_offset, 9);
  EXPECT_EQ(check(*state, 3, {a, 0, 2, 2}).verdict, SequenceVerdict::kFencedEpoch);
  EXPECT_EQ(check(*state, 3, {a, 1, 1, 1}).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(check(*state, 3, {b, 0, 0, 1}).duplicate_base_offset, 6);
  EXPECT_EQ(check(*state, 3, {b, 0, 2, 1}).verdict, SequenceVerdict::kAppend);
  EXPECT_EQ(check(*state, 3, {b, 0, 3, 1}).verdict, SequenceVerdict::kOutOfOrder);

  // Rebuilding replaces: a partition rebuilt from an empty tail knows nobody.
  state->rebuild_from_log(3, {});
  EXPECT_EQ(state->producer_count(3), 0u);
}

TEST(ProducerState, RebuildMovesTheIdCounterPastIdsFoundInTheLog) {
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  const std::vector<LoggedBatch> log = {{41, 0, 0, 1, 0}};
  state->rebuild_from_log(1, log);
  EXPECT_EQ(state->next_producer_id(), 42);
  EXPECT_EQ(check(*state, 1, {41, 0, 0, 1}).verdict, SequenceVerdict::kDuplicate);
  EXPECT_EQ(new_producer(*state), 42);
}

TEST(ProducerState, ParsesTheProducerFieldsOfAStoredRecordBatch) {
  std::vector<std::byte> batch(70, std::byte{0});
  auto put_be = [&](size_t at, uint64_t value, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) batch[at + i] = static_cast<std::byte>(value >> (8 * (bytes - 1 - i)));
  };
  batch[16] = std::byte{2};
  put_be(43, 0x0102030405060708, 8);
  put_be(51, 0x0A0B, 2);
  put_be(53, 0x7FFFFFFE, 4);
  put_be(57, 12, 4);
  auto parsed = parse_logged_batch(batch, 555);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->producer_id, 0x0102030405060708);
  EXPECT_EQ(parsed->epoch, 0x0A0B);
  EXPECT_EQ(parsed->base_sequence, 0x7FFFFFFE);
  EXPECT_EQ(parsed->record_count, 12);
  EXPECT_EQ(parsed->base_offset, 555);

  put_be(43, static_cast<uint64_t>(-1), 8);
  put_be(51, static_cast<uint64_t>(-1), 2);
  parsed = parse_logged_batch(batch, 0);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->producer_id, -1);
  EXPECT_EQ(parsed->epoch, -1);

  EXPECT_FALSE(parse_logged_batch(std::span(batch).first(60), 0)) << "shorter than the header";
  batch[16] = std::byte{1};
  EXPECT_FALSE(parse_logged_batch(batch, 0)) << "not a v2 batch";
}

TEST(ProducerState, ForgetsDeletedPartitionsAndIdleProducers) {
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  const int64_t pid = new_producer(*state);
  int64_t offset = 0;
  produce(*state, 1, {pid, 0, 0, 1}, offset);
  produce(*state, 2, {pid, 0, 0, 1}, offset);
  state->forget_partition(1);
  EXPECT_EQ(state->producer_count(1), 0u);
  EXPECT_EQ(state->producer_count(2), 1u);

  const int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_EQ(state->expire_idle_producers(now), 0u);
  EXPECT_EQ(state->expire_idle_producers(now + 25 * 3600 * 1000LL), 1u);
  EXPECT_EQ(state->producer_count(2), 0u);
}

TEST(ProducerState, ThePartitionGuardMakesCheckAppendRecordAtomic) {
  // Two connections race the same retried batches onto one partition; each batch must be
  // stored exactly once and every other attempt must see it as a duplicate.
  ringmq::test::TempDir dir;
  auto state = open_ok(dir.path());
  const int64_t pid = new_producer(*state);
  int64_t next_offset = 0;  // guarded by the partition guard, like the engine's queue
  std::atomic<int> appended{0}, duplicates{0};
  std::barrier round(2);  // both send each batch before either moves on
  auto send_all = [&] {
    for (int32_t seq = 0; seq < 2000; ++seq) {
      round.arrive_and_wait();
      auto guard = state->lock_partition(9);
      SequenceCheck c = guard.check({pid, 0, seq, 1});
      if (c.verdict == SequenceVerdict::kAppend) {
        guard.record({pid, 0, seq, 1}, next_offset++);
        ++appended;
      } else if (c.verdict == SequenceVerdict::kDuplicate) {
        EXPECT_EQ(c.duplicate_base_offset, seq);
        ++duplicates;
      } else {
        ADD_FAILURE() << c.message;
      }
    }
  };
  std::thread t1(send_all), t2(send_all);
  t1.join();
  t2.join();
  EXPECT_EQ(appended.load(), 2000);
  EXPECT_EQ(duplicates.load(), 2000);
  EXPECT_EQ(next_offset, 2000);
}

}  // namespace
}  // namespace ringmq::broker::kafka
