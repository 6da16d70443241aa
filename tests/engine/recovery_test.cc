// Recovery from damaged files: each case damages the files of a store on purpose and checks
// that open recovers to the last valid record or fails with a message naming the problem,
// and that no damaged record is ever served.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "engine/mapped_segment.h"
#include "io/file.h"
#include "tests/engine/store_fixture.h"

namespace ringmq::engine {
namespace {

using test::payload;
using test::small_config;

constexpr size_t kPayload = 1000;
constexpr uint64_t kRecordBytes = kRecordHeaderSize + kPayload;  // single-queue records lie end to end

std::string segment_path(const std::string& dir, uint64_t base) {
  return dir + "/commitlog/" + segment_file_name(base);
}

void flip_byte(const std::string& path, uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  unsigned char b = 0;
  ASSERT_EQ(::pread(fd, &b, 1, static_cast<off_t>(offset)), 1);
  b ^= 0x20;
  ASSERT_EQ(::pwrite(fd, &b, 1, static_cast<off_t>(offset)), 1);
  ::close(fd);
}

void zero_range(const std::string& path, uint64_t from, uint64_t to) {
  int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  std::vector<char> zeros(to - from, 0);
  ASSERT_EQ(::pwrite(fd, zeros.data(), zeros.size(), static_cast<off_t>(from)), static_cast<ssize_t>(zeros.size()));
  ::close(fd);
}

// Writes `n` records of queue 0 and leaves the store as a crashed process would (the
// checkpoint is the one written at open, so everything written is past it).
void write_and_crash(const EngineConfig& config, int n, int first = 0) {
  test::run_and_crash(config, [&](MessageStore& store) {
    for (int i = first; i < first + n; ++i)
      if (!store.append({0, payload(i, kPayload), 1, -1})) ::_exit(4);
  });
}

void write_and_close(const EngineConfig& config, int n) {
  auto store = test::open_store(config);
  for (int i = 0; i < n; ++i) test::append_ok(*store, 0, payload(i, kPayload));
  ASSERT_TRUE(store->close());
}

// Every record of queue 0 must be exactly payload(0..expected-1).
void expect_records(MessageStore& store, uint64_t expected) {
  ASSERT_TRUE(test::wait_indexed(store, 0, expected));
  EXPECT_EQ(store.queue_range(0)->next_offset, expected);
  ReadBatch batch;
  std::vector<std::vector<std::byte>> copies;
  test::read_all(store, 0, batch, &copies);
  ASSERT_EQ(copies.size(), expected);
  for (uint64_t i = 0; i < expected; ++i) ASSERT_EQ(copies[i], payload(i, kPayload)) << "record " << i;
}

TEST(Recovery, CrashLosesNothingThatWasFlushed) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_crash(config, 2500);  // spans three segments
  auto store = test::open_store(config);
  EXPECT_TRUE(store->open_report().previous_run_crashed);
  expect_records(*store, 2500);
}

TEST(Recovery, TornLastRecordIsCutOff) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_crash(config, 100);
  zero_range(segment_path(dir.path(), 0), 99 * kRecordBytes + 500, 100 * kRecordBytes);
  auto store = test::open_store(config);
  EXPECT_TRUE(store->open_report().commit_log.truncated);
  expect_records(*store, 99);
  EXPECT_EQ(test::append_ok(*store, 0, payload(99, kPayload)).queue_offset, 99u);
}

TEST(Recovery, ShortLastSegmentFileIsExtendedAndItsTornRecordCut) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_crash(config, 100);
  std::filesystem::resize_file(segment_path(dir.path(), 0), 99 * kRecordBytes + 300);
  auto store = test::open_store(config);
  expect_records(*store, 99);
  EXPECT_EQ(std::filesystem::file_size(segment_path(dir.path(), 0)), config.segment_bytes);
}

TEST(Recovery, ZeroFilledTailEndsTheLogAtTheLastWholeRecord) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_crash(config, 200);
  // As if the last pages never reached the disk.
  const uint64_t page_start = (150 * kRecordBytes + 4095) / 4096 * 4096;
  zero_range(segment_path(dir.path(), 0), page_start, 200 * kRecordBytes);
  auto store = test::open_store(config);
  expect_records(*store, page_start / kRecordBytes);
}

TEST(Recovery, FlippedByteAfterTheCheckpointTruncatesToTheRecordBeforeIt) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_crash(config, 100);
  flip_byte(segment_path(dir.path(), 0), 50 * kRecordBytes + 300);
  auto store = test::open_store(config);
  EXPECT_NE(store->open_report().commit_log.truncation_reason.find("CRC"), std::string::npos);
  expect_records(*store, 50);
}

TEST(Recovery, TruncatedRecordsNeverComeBackAfterALaterCrash) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_crash(config, 100);
  flip_byte(segment_path(dir.path(), 0), 50 * kRecordBytes + 300);
  {
    auto store = test::open_store(config);  // cuts at 50 and clears the stale tail
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->close());
  }
  // Overwrite the cut-off region with records of the same size: if the stale tail were still
  // there, records 60..99 of the first run would look valid after the next crash.
  write_and_crash(config, 10, 50);
  auto store = test::open_store(config);
  expect_records(*store, 60);
}

TEST(Recovery, FlippedByteBelowTheCheckpointFailsOpenAndTouchesNothing) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_close(config, 100);
  const std::string path = segment_path(dir.path(), 0);
  flip_byte(path, 50 * kRecordBytes + 300);
  auto before = io::read_whole_file(path);
  auto store = MessageStore::open(config);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(store.error().message.find("CRC"), std::string::npos);
  EXPECT_NE(store.error().message.find(path), std::string::npos);
  EXPECT_EQ(*io::read_whole_file(path), *before) << "a failed open must not rewrite the segment";
}

TEST(Recovery, FlippedByteInAnOlderSegmentIsNeverServed) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_close(config, 2500);
  flip_byte(segment_path(dir.path(), 0), 10 * kRecordBytes + 300);
  auto store = test::open_store(config);
  ASSERT_TRUE(test::wait_indexed(*store, 0, 2500));
  ReadBatch batch;
  ASSERT_TRUE(store->read(0, QueueOffset(0), 1 << 20, batch));
  EXPECT_EQ(batch.batches.size(), 10u) << "the batch stops before the damaged record";
  auto bad = store->read(0, QueueOffset(10), 1 << 20, batch);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kCorrupt);
  ASSERT_TRUE(store->read(0, QueueOffset(11), 1, batch));
  EXPECT_EQ(std::vector<std::byte>(batch.batches[0].payload.begin(), batch.batches[0].payload.end()),
            payload(11, kPayload));
}

TEST(Recovery, MissingIndexFileIsRebuiltFromTheCommitLog) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());  // 256 entries per index file
  write_and_close(config, 1000);
  std::filesystem::remove(dir.path() + "/index/0000000000/" + segment_file_name(256));
  auto store = test::open_store(config);
  EXPECT_TRUE(store->open_report().index_rebuilt);
  expect_records(*store, 1000);
  EXPECT_EQ(test::append_ok(*store, 0, payload(1000, kPayload)).queue_offset, 1000u);
}

TEST(Recovery, MissingIndexDirectoryIsRebuiltFromTheCommitLog) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_close(config, 300);
  std::filesystem::remove_all(dir.path() + "/index");
  auto store = test::open_store(config);
  EXPECT_TRUE(store->open_report().index_rebuilt);
  expect_records(*store, 300);
}

TEST(Recovery, SegmentOfTheWrongSizeFailsWithTheSettingToCheck) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_close(config, 2500);
  std::filesystem::resize_file(segment_path(dir.path(), 0), config.segment_bytes / 2);
  auto store = MessageStore::open(config);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("segment_bytes"), std::string::npos);
  EXPECT_NE(store.error().message.find(segment_file_name(0)), std::string::npos);
}

TEST(Recovery, ChangedSegmentSizeSettingFailsClearly) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_close(config, 2500);
  config.segment_bytes = 2 << 20;
  auto store = MessageStore::open(config);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("segment_bytes"), std::string::npos);
}

TEST(Recovery, MissingMiddleSegmentFailsNamingIt) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_close(config, 2500);
  std::filesystem::remove(segment_path(dir.path(), config.segment_bytes));
  auto store = MessageStore::open(config);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find(segment_file_name(config.segment_bytes)), std::string::npos);
}

TEST(Recovery, CorruptCheckpointFallsBackToAFullScan) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  write_and_close(config, 1500);
  flip_byte(dir.path() + "/checkpoint", 10);
  auto store = test::open_store(config);
  EXPECT_FALSE(store->open_report().had_checkpoint);
  EXPECT_EQ(store->open_report().commit_log.scanned_from, 0u);
  expect_records(*store, 1500);
}

}  // namespace
}  // namespace ringmq::engine
