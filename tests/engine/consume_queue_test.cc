#include "engine/consume_queue.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/mapped_segment.h"
#include "tests/common/temp_dir.h"
#include "tests/engine/offset_comparisons.h"

namespace ringmq::engine {
namespace {

constexpr uint32_t kPerFile = 16;

IndexEntry entry_for(uint64_t i) {
  // Batches of 3 records, 100-byte records laid end to end.
  return {LogPosition(i * 100), 100, 3, QueueOffset(i * 3), static_cast<int64_t>(1000 + i)};
}

std::unique_ptr<ConsumeQueue> filled(const std::string& dir, uint64_t n) {
  auto q = ConsumeQueue::open(real_file_system(), dir, 1, kPerFile, 1 << 30);
  EXPECT_TRUE(q);
  for (uint64_t i = 0; i < n; ++i) EXPECT_TRUE((*q)->append(entry_for(i)));
  return std::move(*q);
}

TEST(ConsumeQueue, FindsTheEntryHoldingAnyOffsetAcrossFiles) {
  ringmq::test::TempDir dir;
  auto q = filled(dir.path(), 40);
  EXPECT_EQ(q->start_offset(), 0u);
  EXPECT_EQ(q->next_offset(), 120u);
  for (uint64_t offset = 0; offset < 120; ++offset) {
    auto n = q->find(QueueOffset(offset));
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, offset / 3);
  }
  EXPECT_EQ(q->find(QueueOffset(120)).error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 3);
}

TEST(ConsumeQueue, RefusesAnEntryThatSkipsOffsets) {
  ringmq::test::TempDir dir;
  auto q = filled(dir.path(), 2);
  IndexEntry gap = entry_for(3);
  EXPECT_FALSE(q->append(gap));
  EXPECT_EQ(q->next_offset(), 6u);
}

TEST(ConsumeQueue, ReopensWithEveryEntry) {
  ringmq::test::TempDir dir;
  filled(dir.path(), 20)->flush();
  auto q = ConsumeQueue::open(real_file_system(), dir.path(), 1, kPerFile, 1 << 30);
  ASSERT_TRUE(q);
  EXPECT_EQ((*q)->entry_count(), 20u);
  EXPECT_EQ((*q)->next_offset(), 60u);
  EXPECT_EQ((*q)->entry(19).commit_log_offset, 1900u);
}

TEST(ConsumeQueue, DropsEntriesBeyondTheCommitLogEndOnReopen) {
  ringmq::test::TempDir dir;
  filled(dir.path(), 20);
  auto q = ConsumeQueue::open(real_file_system(), dir.path(), 1, kPerFile, /*log_end=*/1000);  // entries 0..9 fit
  ASSERT_TRUE(q);
  EXPECT_EQ((*q)->entry_count(), 10u);
  EXPECT_EQ((*q)->next_offset(), 30u);
  EXPECT_TRUE((*q)->append(entry_for(10))) << "the dispatcher continues where the valid prefix ends";
}

TEST(ConsumeQueue, StopsAtAMissingFile) {
  ringmq::test::TempDir dir;
  filled(dir.path(), 40);
  std::filesystem::remove(dir.path() + "/" + segment_file_name(16));
  auto q = ConsumeQueue::open(real_file_system(), dir.path(), 1, kPerFile, 1 << 30);
  ASSERT_TRUE(q);
  EXPECT_EQ((*q)->entry_count(), 16u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/" + segment_file_name(32))) << "files after a gap are dropped";
}

TEST(ConsumeQueue, TrimKeepsTheNextOffsetWhenEverythingIsGone) {
  ringmq::test::TempDir dir;
  auto q = filled(dir.path(), 40);
  ASSERT_TRUE(q->trim_before(LogPosition(2000)));  // entries 0..19 point below 2000
  EXPECT_EQ(q->start_offset(), 60u);
  EXPECT_EQ(q->find(QueueOffset(10)).error().code, ErrorCode::kOutOfRange);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/" + segment_file_name(0)));
  ASSERT_TRUE(q->trim_before(LogPosition(1 << 20)));
  EXPECT_TRUE(q->empty());
  EXPECT_EQ(q->start_offset(), 120u);
  EXPECT_EQ(q->next_offset(), 120u);
  EXPECT_TRUE(q->append(entry_for(40)));
  EXPECT_EQ(q->start_offset(), 120u);
}

TEST(ConsumeQueue, FindsTheFirstEntryAtOrAfterATimestamp) {
  ringmq::test::TempDir dir;
  auto q = filled(dir.path(), 10);
  EXPECT_EQ(q->find_by_timestamp(1004), 4u);
  EXPECT_EQ(q->find_by_timestamp(0), 0u);
  EXPECT_FALSE(q->find_by_timestamp(5000));
  EXPECT_EQ(q->find_max_timestamp(), 9u);
  ringmq::test::TempDir empty_dir;
  EXPECT_FALSE(filled(empty_dir.path(), 0)->find_max_timestamp());
}

TEST(ConsumeQueue, FindsTheFirstLateEnoughEntryWhenTimestampsAreOutOfOrder) {
  // 10,000 entries (three timestamp blocks) whose timestamps fall, except two late ones: a
  // binary search over entries would miss the early late one.
  ringmq::test::TempDir dir;
  auto opened = ConsumeQueue::open(real_file_system(), dir.path(), 1, kPerFile, 1 << 30);
  ASSERT_TRUE(opened);
  auto& q = *opened;
  for (uint64_t i = 0; i < 10'000; ++i) {
    IndexEntry e = entry_for(i);
    e.max_timestamp_ms = 1'000'000 - static_cast<int64_t>(i);
    if (i == 5'000) e.max_timestamp_ms = 2'000'000;
    if (i == 9'000) e.max_timestamp_ms = 3'000'000;
    ASSERT_TRUE(q->append(e));
  }
  EXPECT_EQ(q->find_by_timestamp(1'500'000), 5'000u);
  EXPECT_EQ(q->find_by_timestamp(2'500'000), 9'000u);
  EXPECT_EQ(q->find_by_timestamp(999'990), 0u);
  EXPECT_FALSE(q->find_by_timestamp(3'000'001));
  EXPECT_EQ(q->find_max_timestamp(), 9'000u);
  // After retention took the early late one, the next late one answers; reopened (and trimmed
  // again, as the store does at start-up: files go whole), the same.
  ASSERT_TRUE(q->trim_before(LogPosition(5'001 * 100)));
  EXPECT_EQ(q->find_by_timestamp(1'500'000), 9'000u);
  q.reset();
  auto reopened = ConsumeQueue::open(real_file_system(), dir.path(), 1, kPerFile, 1 << 30);
  ASSERT_TRUE(reopened);
  EXPECT_EQ((*reopened)->find_by_timestamp(1'500'000), 5'000u) << "the file holding entry 5000 is still there";
  ASSERT_TRUE((*reopened)->trim_before(LogPosition(5'001 * 100)));
  EXPECT_EQ((*reopened)->find_by_timestamp(1'500'000), 9'000u);
  EXPECT_EQ((*reopened)->find_by_timestamp(2'500'000), 9'000u);
}

}  // namespace
}  // namespace ringmq::engine
