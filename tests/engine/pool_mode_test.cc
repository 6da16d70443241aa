// The pool write mode: appends land in locked pool buffers, io_uring writes them to the
// segment files, buffers come back when their segment is in its file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include "engine/mapped_segment.h"
#include "engine/transient_pool.h"
#include "tests/engine/store_fixture.h"

namespace ringmq::engine {
namespace {

using test::payload;

EngineConfig pool_config(const std::string& dir) {
  auto config = test::small_config(dir, WriteMode::kPool);
  config.pool_buffers = 3;
  config.pool_huge_pages = false;
  return config;
}

// `records` records of 1,000 bytes were appended alternately to queues 0 and 1 (record i to
// queue i % 2): `queue` holds its half, each byte for byte.
void expect_every_other_record(MessageStore& store, uint32_t queue, int records) {
  ReadBatch batch;
  std::vector<std::vector<std::byte>> copies;
  test::read_all(store, queue, batch, &copies);
  ASSERT_EQ(copies.size(), size_t(records / 2));
  for (size_t i = 0; i < copies.size(); ++i) ASSERT_EQ(copies[i], payload(2 * i + queue, 1000)) << i;
}

TEST(TransientPool, LeasesComeBackZeroedAndAreReused) {
  auto pool = TransientPool::create(2, 1 << 20, false);
  ASSERT_TRUE(pool) << pool.error().to_string();
  std::byte* first_data = nullptr;
  {
    auto lease = (*pool)->acquire(std::chrono::milliseconds(10));
    ASSERT_TRUE(lease);
    first_data = (*lease)->data();
    std::memset(first_data, 0x7F, 1 << 20);
    EXPECT_EQ((*pool)->available(), 1u);
  }
  EXPECT_EQ((*pool)->available(), 2u);
  auto a = (*pool)->acquire(std::chrono::milliseconds(10));
  auto b = (*pool)->acquire(std::chrono::milliseconds(10));
  ASSERT_TRUE(a && b);
  std::byte* reused = (*a)->data() == first_data ? (*a)->data() : (*b)->data();
  EXPECT_EQ(reused, first_data);
  for (size_t i = 0; i < (1 << 20); i += 4096) ASSERT_EQ(reused[i], std::byte{0});
  auto c = (*pool)->acquire(std::chrono::milliseconds(20));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kBusy);
  EXPECT_TRUE(c.error().retriable());
}

TEST(PoolMode, ReadsBackEveryRecordAcrossRollsWithBuffersReused) {
  ringmq::test::TempDir dir;
  auto config = pool_config(dir.path());
  auto store = test::open_store(config);
  ASSERT_TRUE(store);
  constexpr int kRecords = 6000;  // ~6 segments through 3 buffers
  for (int i = 0; i < kRecords; ++i) test::append_ok(*store, i % 2, payload(i, 1000));
  ASSERT_TRUE(test::wait_indexed(*store, 1, kRecords / 2));
  ASSERT_NO_FATAL_FAILURE(expect_every_other_record(*store, 1, kRecords));
  ASSERT_TRUE(store->close());
  store.reset();
  auto reopened = test::open_store(config);  // the files alone hold everything
  ASSERT_TRUE(reopened);
  ASSERT_NO_FATAL_FAILURE(expect_every_other_record(*reopened, 1, kRecords));
}

// Between durable flushes the flusher writes the pool's bytes behind once flush_dirty_bytes
// have gathered since its last write, not after every append past the first flush_dirty_bytes
// (which cost a wake-up, an io_uring submission and an io-wq hand-off per message).
TEST(PoolMode, WritesBehindOncePerDirtyStretchNotPerAppend) {
  ringmq::test::TempDir dir;
  auto config = pool_config(dir.path());
  config.flush_interval_ms = 60'000;  // no durable flush but the first: only write-behinds
  config.flush_dirty_bytes = 64u << 10;
  auto store = test::open_store(config);
  ASSERT_TRUE(store);
  constexpr int kRecords = 3000;  // about 3.2 MB of records, paced as a stream (~50 us apart)
  for (int i = 0; i < kRecords; ++i) {
    test::append_ok(*store, i % 2, payload(i, 1000));
    const auto due = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    while (std::chrono::steady_clock::now() < due) {
    }
  }
  const uint64_t written = store->written_offset().value();
  ASSERT_TRUE(test::eventually([&] { return store->write_behind_count() > 0; }));
  EXPECT_LE(store->write_behind_count(), written / config.flush_dirty_bytes + 1)
      << "each write-behind must cover at least flush_dirty_bytes of new records";
  ASSERT_TRUE(test::wait_indexed(*store, 1, kRecords / 2));
  ASSERT_NO_FATAL_FAILURE(expect_every_other_record(*store, 1, kRecords));
}

TEST(PoolMode, UncommittedRecordsAreServedFromThePoolBuffer) {
  ringmq::test::TempDir dir;
  auto config = pool_config(dir.path());
  config.flush_interval_ms = 60'000;
  config.flush_dirty_bytes = 1ull << 40;
  auto store = test::open_store(config);
  ASSERT_TRUE(store);
  auto r = test::append_ok(*store, 0, payload(42, 1000));
  ASSERT_TRUE(test::wait_indexed(*store, 0, 1));
  // Not in the file yet...
  int fd = ::open((dir.path() + "/commitlog/" + segment_file_name(0)).c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  std::vector<std::byte> on_disk(1064);
  ASSERT_EQ(::pread(fd, on_disk.data(), on_disk.size(), static_cast<off_t>(r.commit_log_offset.value())), 1064);
  EXPECT_EQ(on_disk, std::vector<std::byte>(1064)) << "the record must not have reached the file yet";
  // ...but readable.
  ReadBatch batch;
  ASSERT_TRUE(store->read(0, QueueOffset(0), 1 << 20, batch));
  ASSERT_EQ(batch.batches.size(), 1u);
  EXPECT_EQ(std::vector<std::byte>(batch.batches[0].payload.begin(), batch.batches[0].payload.end()),
            payload(42, 1000));
  batch.clear();
  // After a flush it is in the file.
  ASSERT_TRUE(store->flush());
  ASSERT_EQ(::pread(fd, on_disk.data(), on_disk.size(), static_cast<off_t>(r.commit_log_offset.value())), 1064);
  EXPECT_NE(on_disk, std::vector<std::byte>(1064));
  ::close(fd);
}

TEST(PoolMode, ExhaustedPoolAnswersBusyAndLosesNothing) {
  ringmq::test::TempDir dir;
  auto config = pool_config(dir.path());
  config.pool_buffers = 2;
  config.flush_interval_ms = 60'000;  // nothing is committed until we ask
  config.flush_dirty_bytes = 1ull << 40;
  config.append_wait_timeout_ms = 200;
  auto store = test::open_store(config);
  ASSERT_TRUE(store);
  int stored = 0;
  Result<AppendResult> r;
  for (; stored < 5000; ++stored) {
    r = store->append({0, payload(stored, 1000), 1, -1});
    if (!r) break;
  }
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kBusy) << r.error().to_string();
  EXPECT_TRUE(r.error().retriable());
  EXPECT_GT(stored, 900);
  ASSERT_TRUE(store->flush());  // the disk catches up: the full segment's buffer comes back
  bool resumed = false;
  for (int attempt = 0; attempt < 50 && !resumed; ++attempt) {
    r = store->append({0, payload(stored, 1000), 1, -1});
    resumed = r.has_value();
  }
  ASSERT_TRUE(resumed) << r.error().to_string();
  EXPECT_EQ(r->queue_offset, static_cast<uint64_t>(stored)) << "the refused append took no offset";
  ++stored;
  ASSERT_TRUE(test::wait_indexed(*store, 0, stored));
  ReadBatch batch;
  std::vector<std::vector<std::byte>> copies;
  test::read_all(*store, 0, batch, &copies);
  ASSERT_EQ(copies.size(), static_cast<size_t>(stored));
  for (int i = 0; i < stored; ++i) ASSERT_EQ(copies[i], payload(i, 1000)) << i;
}

TEST(PoolMode, SyncFlushIsDurableInTheFile) {
  ringmq::test::TempDir dir;
  auto config = pool_config(dir.path());
  config.flush_mode = FlushMode::kSync;
  config.flush_interval_ms = 60'000;
  auto store = test::open_store(config);
  ASSERT_TRUE(store);
  for (int i = 0; i < 20; ++i) {
    auto r = test::append_ok(*store, 0, payload(i, 300));
    EXPECT_GE(store->flushed_offset(), r.end_offset);
  }
}

TEST(PoolMode, CrashAfterFlushLosesNothing) {
  ringmq::test::TempDir dir;
  auto config = pool_config(dir.path());
  test::run_and_crash(config, [](MessageStore& store) {
    for (int i = 0; i < 2500; ++i)
      if (!store.append({0, payload(i, 1000), 1, -1})) ::_exit(4);
  });
  auto store = test::open_store(config);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->open_report().previous_run_crashed);
  ReadBatch batch;
  std::vector<std::vector<std::byte>> copies;
  ASSERT_TRUE(test::wait_indexed(*store, 0, 2500));
  test::read_all(*store, 0, batch, &copies);
  ASSERT_EQ(copies.size(), 2500u);
  for (size_t i = 0; i < copies.size(); ++i) ASSERT_EQ(copies[i], payload(i, 1000)) << i;
}

// Chunks smaller than a segment: 3 chunks of 1 MiB cycle through 4 MiB segments. The locked
// footprint is the chunks', every record reads back while later ones are written (from a
// chunk or, once it is recycled, from the file mapped back over it), and after a reopen.
EngineConfig chunked_config(const std::string& dir) {
  auto config = pool_config(dir);
  config.segment_bytes = 4u << 20;
  config.pool_buffer_bytes = 1u << 20;
  config.pool_buffers = 3;
  return config;
}

TEST(PoolMode, ChunksSmallerThanSegmentsCycleThroughEverySegment) {
  ringmq::test::TempDir dir;
  auto config = chunked_config(dir.path());
  auto store = test::open_store(config);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->locked_bytes(), 3u << 20);
  constexpr int kRecords = 20000;  // ~21 MiB: 5 segments, 21 chunk cycles
  ReadBatch early;                 // held across every recycle of the chunk it views
  for (int i = 0; i < kRecords; ++i) {
    test::append_ok(*store, i % 2, payload(i, 1000));
    if (i == 10) {
      ASSERT_TRUE(test::wait_indexed(*store, 0, 5));
      ASSERT_TRUE(store->read(0, QueueOffset(0), 1 << 20, early));
      ASSERT_GE(early.batches.size(), 5u);
    }
  }
  for (size_t i = 0; i < early.batches.size(); ++i)
    ASSERT_EQ(std::vector<std::byte>(early.batches[i].payload.begin(), early.batches[i].payload.end()),
              payload(2 * i, 1000))
        << "a view kept across chunk recycling changed at " << i;
  early.clear();
  ASSERT_TRUE(test::wait_indexed(*store, 1, kRecords / 2));
  ASSERT_NO_FATAL_FAILURE(expect_every_other_record(*store, 1, kRecords));
  ASSERT_TRUE(store->close());
  store.reset();
  auto reopened = test::open_store(config);
  ASSERT_TRUE(reopened);
  ASSERT_NO_FATAL_FAILURE(expect_every_other_record(*reopened, 0, kRecords));
}

// A crash in the middle of a chunk of a partly written segment: the reopened store maps a
// chunk holding a copy of the recovered bytes over that spot and goes on appending after them.
TEST(PoolMode, RecoveryResumesInsideAChunkOfAPartlyWrittenSegment) {
  ringmq::test::TempDir dir;
  auto config = chunked_config(dir.path());
  test::run_and_crash(config, [](MessageStore& store) {
    for (int i = 0; i < 2500; ++i)  // ~2.6 MiB: the third chunk of the first segment
      if (!store.append({0, payload(i, 1000), 1, -1})) ::_exit(4);
  });
  {
    auto store = test::open_store(config);
    ASSERT_TRUE(store);
    EXPECT_TRUE(store->open_report().previous_run_crashed);
    for (int i = 2500; i < 6000; ++i) test::append_ok(*store, 0, payload(i, 1000));
    ASSERT_TRUE(store->close());
  }
  auto store = test::open_store(config);
  ASSERT_TRUE(store);
  ASSERT_TRUE(test::wait_indexed(*store, 0, 6000));
  ReadBatch batch;
  std::vector<std::vector<std::byte>> copies;
  test::read_all(*store, 0, batch, &copies);
  ASSERT_EQ(copies.size(), 6000u);
  for (size_t i = 0; i < copies.size(); ++i) ASSERT_EQ(copies[i], payload(i, 1000)) << i;
}

TEST(PoolMode, ConfigRejectsSegmentsThatAreNotAMultipleOfTheChunk) {
  ringmq::test::TempDir dir;
  auto config = chunked_config(dir.path());
  config.pool_buffer_bytes = 3u << 20;
  EXPECT_THROW(config.validate(), std::invalid_argument);
  config.pool_buffer_bytes = 1u << 20;
  EXPECT_NO_THROW(config.validate());
}

}  // namespace
}  // namespace ringmq::engine
