#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>

#include <chrono>
#include <filesystem>

#include "engine/mapped_segment.h"
#include "tests/engine/store_fixture.h"

namespace ringmq::engine {
namespace {

using test::payload;
using test::small_config;

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

size_t segment_files(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/commitlog"))
    n += parse_segment_file_name(e.path().filename().string()).has_value();
  return n;
}

TEST(Retention, BySizeDeletesWholeOldestSegmentsAndAdvancesTheQueueStart) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  config.retention_bytes = 2 * config.segment_bytes;
  auto store = test::open_store(config);
  for (int i = 0; i < 5000; ++i) test::append_ok(*store, 0, payload(i, 1000));  // ~5 segments
  ASSERT_TRUE(test::wait_indexed(*store, 0, 5000));
  ASSERT_TRUE(store->enforce_retention(now_ms()));
  EXPECT_GT(store->log_start_offset(), 0u);
  EXPECT_EQ(store->log_start_offset().value() % config.segment_bytes, 0u);
  const auto range = *store->queue_range(0);
  EXPECT_GT(range.start_offset, 0u);
  EXPECT_EQ(range.next_offset, 5000u);
  ReadBatch batch;
  EXPECT_EQ(store->read(0, QueueOffset(0), 100, batch).error().code, ErrorCode::kOutOfRange);
  ASSERT_TRUE(store->read(0, range.start_offset, 100, batch));
  EXPECT_EQ(std::vector<std::byte>(batch.batches[0].payload.begin(), batch.batches[0].payload.end()),
            payload(range.start_offset.value(), 1000));
  ASSERT_TRUE(store->close());
  store.reset();
  auto reopened = test::open_store(config);
  EXPECT_EQ(reopened->queue_range(0)->start_offset, range.start_offset);
  EXPECT_EQ(reopened->queue_range(0)->next_offset, 5000u);
}

TEST(Retention, ByTimeDeletesSegmentsWhoseRecordsAreAllOlder) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  config.retention_ms = 60'000;
  auto store = test::open_store(config);
  for (int i = 0; i < 3000; ++i) test::append_ok(*store, 0, payload(i, 1000));
  ASSERT_TRUE(test::wait_indexed(*store, 0, 3000));
  const size_t before = segment_files(dir.path());
  ASSERT_TRUE(store->enforce_retention(now_ms()));
  EXPECT_EQ(segment_files(dir.path()), before) << "nothing is a minute old yet";
  ASSERT_TRUE(store->enforce_retention(now_ms() + 120'000));
  EXPECT_LT(segment_files(dir.path()), before);
  EXPECT_EQ(store->queue_range(0)->next_offset, 3000u);
}

TEST(Retention, WithAQueueFloorExpiredSegmentsStayWhileAQueueServesFromThem) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  config.retention_ms = 60'000;
  config.retention_by_queue_floor = true;
  auto store = test::open_store(config);
  // Queue 1 (long retention) has one record at the start; queue 0 fills ~3 segments.
  test::append_ok(*store, 1, payload(0, 100));
  for (int i = 0; i < 3000; ++i) test::append_ok(*store, 0, payload(i, 1000));
  ASSERT_TRUE(test::wait_indexed(*store, 0, 3000));
  const size_t before = segment_files(dir.path());
  const int64_t later = now_ms() + 120'000;
  ASSERT_TRUE(store->enforce_retention(later));
  EXPECT_EQ(segment_files(dir.path()), before) << "no floor set yet: nothing expires";

  // The floor is where queue 1 starts: the segment holding its record must stay.
  ASSERT_EQ(store->queue_start_position(1), LogPosition(0));
  store->set_retention_floor(*store->queue_start_position(1));
  ASSERT_TRUE(store->enforce_retention(later));
  EXPECT_EQ(segment_files(dir.path()), before);
  ReadBatch batch;
  ASSERT_TRUE(store->read(1, QueueOffset(0), 100, batch));

  // Queue 1 moves on (its own retention, DeleteRecords): the floor rises to queue 0's start
  // and the segments nobody serves from go.
  ASSERT_TRUE(store->delete_records_before(1, QueueOffset(1)));
  EXPECT_FALSE(store->queue_start_position(1)) << "an empty queue pins nothing";
  ASSERT_TRUE(store->delete_records_before(0, QueueOffset(2500)));
  store->set_retention_floor(*store->queue_start_position(0));
  ASSERT_TRUE(store->enforce_retention(later));
  EXPECT_LT(segment_files(dir.path()), before);
  EXPECT_LE(store->log_start_offset(), *store->queue_start_position(0));
  ASSERT_TRUE(store->read(0, QueueOffset(2500), 100, batch)) << "what queue 0 serves is still there";
  EXPECT_EQ(store->queue_range(0)->next_offset, 3000u);
}

TEST(Retention, AboveTheHighWaterMarkAppendsFailAndStoredDataStays) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  {
    auto store = test::open_store(config);
    for (int i = 0; i < 10; ++i) test::append_ok(*store, 0, payload(i, 100));
  }
  config.disk_high_water_percent = 1;  // any real disk is fuller than this
  auto store = test::open_store(config);
  ASSERT_TRUE(store->enforce_retention(now_ms()));
  auto r = store->append({0, payload(10, 100), 1, -1});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDiskFull);
  EXPECT_NE(r.error().message.find("disk_high_water_percent"), std::string::npos);
  ReadBatch batch;
  auto all = test::read_all(*store, 0, batch);
  EXPECT_EQ(all.size(), 10u);
}

// A real ENOSPC: a 3 MiB tmpfs in a private mount namespace (the machine's mounts are not
// touched). Segments are 1 MiB; once the file system cannot hold the next one, appends that
// need it fail with kDiskFull and everything stored before reads back intact.
TEST(Retention, FullFileSystemFailsAppendsCleanly) {
  ringmq::test::TempDir dir;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0) ::_exit(10);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(11);
    if (::mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=3m") != 0) ::_exit(12);
    auto config = small_config(dir.path());
    config.append_wait_timeout_ms = 5000;
    // One segment prepared ahead, not two: active + 2 ahead would fill all 3 MiB at open, and
    // when the allocator got there before the first append, the disk high-water check refused
    // every append (exit 15), which made this test flaky.
    config.segments_ahead = 1;
    auto store = MessageStore::open(config);
    if (!store) ::_exit(13);
    int stored = 0;
    Result<AppendResult> r;
    for (; stored < 10000; ++stored) {
      r = (*store)->append({0, payload(stored, 1000), 1, -1});
      if (!r) break;
    }
    if (r || r.error().code != ErrorCode::kDiskFull) ::_exit(14);
    if (stored < 900) ::_exit(15);  // at least the first segment held records
    if (!test::wait_indexed(**store, 0, stored)) ::_exit(16);
    ReadBatch batch;
    std::vector<std::vector<std::byte>> copies;
    test::read_all(**store, 0, batch, &copies);
    if (copies.size() != static_cast<size_t>(stored)) ::_exit(17);
    for (int i = 0; i < stored; ++i)
      if (copies[i] != payload(i, 1000)) ::_exit(18);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child exit code names the failed step (see the test body)";
}

}  // namespace
}  // namespace ringmq::engine
