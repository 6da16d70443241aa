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

TEST(ConsumeQueue, DeleteRecordsMovesTheStartDurablyAndRetentionNeverMovesItBack) {
  ringmq::test::TempDir dir;
  {
    auto q = filled(dir.path(), 20);  // offsets 0..59, batches of 3
    EXPECT_EQ(q->advance_start(QueueOffset(61)).error().code, ErrorCode::kOutOfRange);
    ASSERT_TRUE(q->advance_start(QueueOffset(10)));  // inside the batch 9..11
    EXPECT_EQ(q->start_offset(), 10u);
    EXPECT_EQ(q->first_entry(), 3u);
    EXPECT_EQ(q->find(QueueOffset(9)).error().code, ErrorCode::kOutOfRange);
    EXPECT_EQ(*q->find(QueueOffset(10)), 3u);
    ASSERT_TRUE(q->advance_start(QueueOffset(4)));  // never back
    EXPECT_EQ(q->start_offset(), 10u);
    ASSERT_TRUE(q->trim_before(LogPosition(200)));  // retention: entries 0..1 (offsets 0..5)
    EXPECT_EQ(q->start_offset(), 10u);
    EXPECT_EQ(q->find_by_timestamp(0), 3u);
  }
  auto reopened = ConsumeQueue::open(real_file_system(), dir.path(), 1, kPerFile, 1 << 30);
  ASSERT_TRUE(reopened);
  EXPECT_EQ((*reopened)->start_offset(), 10u);
  EXPECT_EQ((*reopened)->next_offset(), 60u);
  // Deleting everything leaves an empty queue that goes on from its end.
  ASSERT_TRUE((*reopened)->advance_start(QueueOffset(60)));
  EXPECT_TRUE((*reopened)->empty());
  ASSERT_TRUE((*reopened)->append(entry_for(20)));
  EXPECT_EQ((*reopened)->start_offset(), 60u);
  // A rebuilt index (reset) still starts where DeleteRecords left it.
  ASSERT_TRUE((*reopened)->reset());
  for (uint64_t i = 0; i < 21; ++i) ASSERT_TRUE((*reopened)->append(entry_for(i)));
  EXPECT_EQ((*reopened)->start_offset(), 60u);
  EXPECT_EQ((*reopened)->first_entry(), 20u);
}

TEST(ConsumeQueue, ADamagedStartFileIsAClearErrorAtOpen) {
  ringmq::test::TempDir dir;
  {
    auto q = filled(dir.path(), 4);
    ASSERT_TRUE(q->advance_start(QueueOffset(3)));
  }
  {
    std::FILE* f = std::fopen((dir.path() + "/start_offset").c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fputc(0x7f, f);
    std::fclose(f);
  }
  auto reopened = ConsumeQueue::open(real_file_system(), dir.path(), 1, kPerFile, 1 << 30);
  ASSERT_FALSE(reopened);
  EXPECT_EQ(reopened.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(reopened.error().message.find("start_offset"), std::string::npos);
}

}  // namespace
}  // namespace ringmq::engine
