// The engine's replication primitives: a leader store read as raw chunks (read_log) and a
// follower store appending them (append_replicated) must end up byte-identical, in every
// write mode, across segment rolls; anything that does not follow is refused and leaves what
// is stored intact.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "engine/message_store.h"
#include "tests/engine/store_fixture.h"

namespace ringmq::engine {
namespace {

using test::append_ok;
using test::open_store;
using test::payload;
using test::small_config;

EngineConfig replica_config(const std::string& dir, WriteMode mode) {
  auto config = small_config(dir, mode);
  config.pool_buffers = 3;
  config.pool_huge_pages = false;
  return config;
}

// Copies the leader's log to the follower in chunks of at most `max_bytes`, as a sender would;
// returns the chunks sent.
int replicate(MessageStore& leader, MessageStore& follower, uint64_t max_bytes) {
  uint64_t pos = follower.written_offset().value();
  int chunks = 0;
  for (;;) {
    auto chunk = leader.read_log(pos, max_bytes);
    EXPECT_TRUE(chunk) << chunk.error().to_string();
    if (!chunk || chunk->bytes.empty()) return chunks;
    auto appended = follower.append_replicated(chunk->at, chunk->bytes);
    EXPECT_TRUE(appended) << appended.error().to_string();
    if (!appended) return chunks;
    EXPECT_EQ(appended->records, chunk->records);
    pos = chunk->next;
    ++chunks;
  }
}

std::vector<char> file_bytes(const std::string& path, uint64_t length) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes(length);
  in.read(bytes.data(), static_cast<std::streamsize>(length));
  EXPECT_EQ(uint64_t(in.gcount()), length) << path;
  return bytes;
}

// Every byte below `end` of the two commit logs, segment by segment, as the files hold them.
void expect_identical_logs(const EngineConfig& a, const EngineConfig& b, uint64_t end) {
  for (uint64_t base = 0; base < end; base += a.segment_bytes) {
    const uint64_t length = std::min(end - base, a.segment_bytes);
    const std::string name = "/commitlog/" + segment_file_name(base);
    ASSERT_EQ(file_bytes(a.data_dir + name, length), file_bytes(b.data_dir + name, length)) << name;
  }
}

// A leader and a follower store of the small test config, each in its own directory.
struct StorePair {
  ringmq::test::TempDir leader_dir, follower_dir;
  std::unique_ptr<MessageStore> leader = open_store(small_config(leader_dir.path()));
  std::unique_ptr<MessageStore> follower = open_store(small_config(follower_dir.path()));
};

class ReplicationByMode : public ::testing::TestWithParam<WriteMode> {};

TEST_P(ReplicationByMode, FollowerLogIsByteIdenticalAcrossSegmentRolls) {
  ringmq::test::TempDir leader_dir, follower_dir;
  const auto leader_config = replica_config(leader_dir.path(), GetParam());
  const auto follower_config = replica_config(follower_dir.path(), GetParam());
  auto leader = open_store(leader_config);
  auto follower = open_store(follower_config);
  ASSERT_TRUE(leader && follower);
  // Sizes that do not divide the segment: rolls leave end-of-segment markers.
  constexpr int kRecords = 3000;
  for (int i = 0; i < kRecords; ++i) append_ok(*leader, i % 3, payload(i, 700 + (i * 37) % 900), 1 + i % 4);
  ASSERT_GT(leader->written_offset().value(), 3 * leader_config.segment_bytes);
  EXPECT_GT(replicate(*leader, *follower, 64 << 10), 3);
  const uint64_t end = leader->written_offset().value();
  EXPECT_EQ(follower->written_offset().value(), end);

  for (uint32_t q = 0; q < 3; ++q) {
    const auto range = leader->queue_range(q);
    ASSERT_TRUE(range);
    ASSERT_TRUE(test::wait_indexed(*follower, q, range->next_offset.value())) << "queue " << q;
    EXPECT_EQ(follower->queue_range(q)->next_offset, range->next_offset);
  }
  ReadBatch batch;
  std::vector<std::vector<std::byte>> copies;
  test::read_all(*follower, 1, batch, &copies);
  ASSERT_EQ(copies.size(), size_t{kRecords / 3});
  for (size_t k = 0; k < copies.size(); ++k) ASSERT_EQ(copies[k], payload(3 * k + 1, 700 + ((3 * k + 1) * 37) % 900));

  ASSERT_TRUE(leader->close());
  ASSERT_TRUE(follower->close());
  expect_identical_logs(leader_config, follower_config, end);

  // The replica, reopened, continues every queue where the leader's log left it.
  follower = open_store(follower_config);
  ASSERT_TRUE(follower);
  EXPECT_EQ(follower->written_offset().value(), end);
  const auto next = follower->queue_range(2)->next_offset;
  EXPECT_EQ(append_ok(*follower, 2, payload(1, 100)).queue_offset, next);
}

INSTANTIATE_TEST_SUITE_P(Modes, ReplicationByMode,
                         ::testing::Values(WriteMode::kMmap, WriteMode::kMmapLocked, WriteMode::kPool),
                         [](const auto& info) {
                           switch (info.param) {
                             case WriteMode::kMmap:
                               return "Mmap";
                             case WriteMode::kMmapLocked:
                               return "MmapLocked";
                             default:
                               return "Pool";
                           }
                         });

TEST(Replication, ChunksHoldWholeRecordsWithinOneSegment) {
  ringmq::test::TempDir dir;
  const auto config = small_config(dir.path());
  auto leader = open_store(config);
  ASSERT_TRUE(leader);
  for (int i = 0; i < 1500; ++i) append_ok(*leader, 0, payload(i, 1000));
  uint64_t pos = 0;
  while (pos < leader->written_offset().value()) {
    auto chunk = leader->read_log(pos, 10'000);
    ASSERT_TRUE(chunk) << chunk.error().to_string();
    ASSERT_FALSE(chunk->bytes.empty());
    EXPECT_EQ(chunk->at / config.segment_bytes, (chunk->at + chunk->bytes.size() - 1) / config.segment_bytes)
        << "a chunk crosses a segment at " << chunk->at;
    EXPECT_LE(chunk->bytes.size(), 10'000u);
    EXPECT_GE(chunk->records + (chunk->next % config.segment_bytes == 0 ? 1u : 0u), 1u);
    pos = chunk->next;
  }
  EXPECT_EQ(pos, leader->written_offset().value());
  // One record larger than max_bytes still comes whole.
  append_ok(*leader, 0, payload(9, 50'000));
  auto big = leader->read_log(pos, 100);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->records, 1u);
  EXPECT_EQ(big->bytes.size(), record_size(50'000));
  // At the end: an empty chunk; beyond it: out of range; inside a record: no slot starts there.
  auto at_end = leader->read_log(leader->written_offset().value(), 100);
  ASSERT_TRUE(at_end);
  EXPECT_TRUE(at_end->bytes.empty());
  EXPECT_EQ(leader->read_log(leader->written_offset().value() + 64, 100).error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(leader->read_log(pos + 10, 100).error().code, ErrorCode::kCorrupt);
}

TEST(Replication, TailTooShortForAMarkerRollsOnTheFollowerToo) {
  ringmq::test::TempDir leader_dir, follower_dir;
  const auto config = small_config(leader_dir.path());
  auto leader = open_store(config);
  auto follower = open_store(small_config(follower_dir.path()));
  ASSERT_TRUE(leader && follower);
  // Fill the first segment to 4 bytes short of its end: no marker fits, the next append rolls.
  while (config.segment_bytes - leader->written_offset().value() > 200'000) append_ok(*leader, 0, payload(0, 100'000));
  const uint64_t left = config.segment_bytes - leader->written_offset().value();
  append_ok(*leader, 0, payload(1, left - 4 - kRecordHeaderSize));
  ASSERT_EQ(leader->written_offset().value(), config.segment_bytes - 4);
  {
    // Read in one go once the leader has rolled: the chunk stops at the tail and says so (the
    // follower's log ends there too), the next one starts at the next segment.
    append_ok(*leader, 1, payload(3, 100));
    auto chunk = leader->read_log(0, 4 << 20);
    ASSERT_TRUE(chunk);
    EXPECT_EQ(chunk->next, config.segment_bytes - 4);
    auto after = leader->read_log(chunk->next, 4 << 20);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->at, config.segment_bytes);
  }
  replicate(*leader, *follower, 1 << 20);
  EXPECT_EQ(follower->written_offset(), leader->written_offset());
  ASSERT_TRUE(test::wait_indexed(*follower, 0, leader->queue_range(0)->next_offset.value()));
}

TEST(Replication, RefusesAGapAndKeepsTheLogAsItWas) {
  StorePair stores;
  auto& leader = stores.leader;
  auto& follower = stores.follower;
  ASSERT_TRUE(leader && follower);
  const auto first = append_ok(*leader, 0, payload(0, 100));
  append_ok(*leader, 0, payload(1, 100));
  auto second = leader->read_log(first.end_offset.value(), 1 << 20);
  ASSERT_TRUE(second);
  auto refused = follower->append_replicated(second->at, second->bytes);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(follower->written_offset().value(), 0u);
  EXPECT_EQ(replicate(*leader, *follower, 1 << 20), 1);
  EXPECT_EQ(follower->written_offset(), leader->written_offset());
}

TEST(Replication, CorruptRecordIsRefusedAfterTheGoodOnesBeforeIt) {
  StorePair stores;
  auto& leader = stores.leader;
  auto& follower = stores.follower;
  ASSERT_TRUE(leader && follower);
  const auto first = append_ok(*leader, 0, payload(0, 100));
  append_ok(*leader, 0, payload(1, 100));
  append_ok(*leader, 0, payload(2, 100));
  auto chunk = leader->read_log(0, 1 << 20);
  ASSERT_TRUE(chunk);
  ASSERT_EQ(chunk->records, 3u);
  std::vector<std::byte> damaged(chunk->bytes.begin(), chunk->bytes.end());
  damaged[first.end_offset.value() + kRecordHeaderSize + 5] ^= std::byte{1};  // the second payload
  auto refused = follower->append_replicated(0, damaged);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(refused.error().message.find("CRC"), std::string::npos) << refused.error().message;
  EXPECT_EQ(follower->written_offset(), first.end_offset) << "the record before the bad one stays";
  // The sender resumes from what the follower holds.
  replicate(*leader, *follower, 1 << 20);
  EXPECT_EQ(follower->written_offset(), leader->written_offset());
  ASSERT_TRUE(test::wait_indexed(*follower, 0, 3));
}

TEST(Replication, RecordThatDoesNotContinueItsQueueIsRefused) {
  // A follower that took an append of its own (it led once, alone) no longer continues the
  // leader's queue offsets: the leader's next record for that queue is refused.
  StorePair stores;
  auto& leader = stores.leader;
  auto& follower = stores.follower;
  ASSERT_TRUE(leader && follower);
  append_ok(*leader, 1, payload(0, 100));
  append_ok(*follower, 0, payload(0, 100));
  append_ok(*leader, 0, payload(1, 100));  // at the follower's end position: queue 0 offset 0
  const uint64_t at = follower->written_offset().value();
  auto chunk = leader->read_log(at, 1 << 20);
  ASSERT_TRUE(chunk) << chunk.error().to_string();
  auto refused = follower->append_replicated(chunk->at, chunk->bytes);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(follower->written_offset().value(), at);
}

TEST(Replication, WaitForLogBeyondWakesOnAppendAndAtClose) {
  ringmq::test::TempDir dir;
  auto store = open_store(small_config(dir.path()));
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->wait_for_log_beyond(0, std::chrono::milliseconds(10)));
  std::thread appender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    append_ok(*store, 0, payload(0, 10));
  });
  EXPECT_TRUE(store->wait_for_log_beyond(0, std::chrono::seconds(30)));
  appender.join();
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(store->close());
  });
  EXPECT_FALSE(store->wait_for_log_beyond(store->written_offset().value(), std::chrono::seconds(30)));
  closer.join();
}

}  // namespace
}  // namespace ringmq::engine
