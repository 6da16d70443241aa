// The engine's durability promises, broken on purpose through the FileSystem seam, in every
// write mode: a failed flush sticks and releases no waiter, a full disk on the next segment is
// a retriable error that loses nothing, a power cut loses exactly what was never durable, and
// a failed checkpoint write is reported with the old checkpoint left valid.
#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "engine/checkpoint.h"
#include "engine/mapped_segment.h"
#include "tests/engine/fault_injecting_file_system.h"
#include "tests/engine/store_fixture.h"

namespace ringmq::engine {
namespace {

using test::FaultInjectingFileSystem;
using test::FileOp;
using test::payload;

constexpr size_t kPayloadBytes = 1000;

class FaultInjection : public ::testing::TestWithParam<WriteMode> {
 protected:
  EngineConfig config() const {
    auto c = test::small_config(dir_.path(), GetParam());
    c.pool_buffers = 3;
    c.pool_huge_pages = false;
    return c;
  }
  // An async config whose flusher never runs on its own: only sync appends, flush() and
  // checkpoints make data durable, so a test knows exactly what is.
  EngineConfig quiet_async_config() const {
    auto c = config();
    c.flush_mode = FlushMode::kAsync;
    c.flush_interval_ms = 600'000;
    c.flush_dirty_bytes = 1ull << 40;
    return c;
  }
  // The call that makes appended bytes durable in this write mode.
  FileOp durability_op() const { return GetParam() == WriteMode::kPool ? FileOp::kRingDatasync : FileOp::kSyncMapping; }
  std::unique_ptr<MessageStore> open(const EngineConfig& c) {
    auto store = MessageStore::open(c, fs_);
    EXPECT_TRUE(store) << (store ? "" : store.error().to_string());
    return store ? std::move(*store) : nullptr;
  }
  // Reads queue 0 back and checks it holds exactly payloads 0 .. count-1.
  void expect_records(MessageStore& store, uint64_t count) {
    auto range = store.queue_range(0);
    ASSERT_TRUE(range || count == 0);
    if (!range) return;
    EXPECT_EQ(range->next_offset, count);
    ReadBatch batch;
    std::vector<std::vector<std::byte>> copies;
    test::read_all(store, 0, batch, &copies);
    ASSERT_EQ(copies.size(), count);
    for (uint64_t i = 0; i < count; ++i) ASSERT_EQ(copies[i], payload(i, kPayloadBytes)) << "record " << i;
  }

  ringmq::test::TempDir dir_;
  std::shared_ptr<FaultInjectingFileSystem> fs_ = std::make_shared<FaultInjectingFileSystem>();
};

TEST_P(FaultInjection, AFailedFlushPoisonsTheStoreUntilReopen) {
  auto c = config();
  c.flush_mode = FlushMode::kSync;
  auto store = open(c);
  ASSERT_TRUE(store);
  test::append_ok(*store, 0, payload(0, kPayloadBytes));

  fs_->fail(durability_op(), EIO);
  auto failed = store->append({0, payload(1, kPayloadBytes), 1, -1});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kIo);
  EXPECT_NE(failed.error().message.find("injected"), std::string::npos) << failed.error().message;
  EXPECT_EQ(fs_->faults_injected(), 1u);

  // The fault fired once, but the failure sticks: the page cache state is unknown now.
  auto later = store->append({0, payload(2, kPayloadBytes), 1, -1}, false);
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, ErrorCode::kIo);
  ASSERT_TRUE(store->flush_failure().has_value());
  EXPECT_FALSE(store->flush());
  EXPECT_FALSE(store->close());
  store.reset();

  store = open(c);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->open_report().previous_run_crashed);  // close could not finish cleanly
  auto after = store->append({0, payload(2, kPayloadBytes), 1, -1});
  ASSERT_TRUE(after) << after.error().to_string();
  auto range = store->queue_range(0);
  ASSERT_TRUE(range);
  EXPECT_GE(range->next_offset, 2u);  // the record whose flush failed may be back: it was never acked
}

TEST_P(FaultInjection, NoDurabilityWaiterIsReleasedForDataAFailedFlushCovered) {
  auto store = open(quiet_async_config());
  ASSERT_TRUE(store);
  test::append_ok(*store, 0, payload(0, kPayloadBytes));
  ASSERT_TRUE(store->flush());
  const LogPosition durable = store->flushed_offset();

  auto appended = store->append({0, payload(1, kPayloadBytes), 1, -1}, false);
  ASSERT_TRUE(appended);
  fs_->fail(durability_op(), EIO);
  std::promise<Status> answered;
  store->when_durable(appended->end_offset, [&](Status s) { answered.set_value(std::move(s)); });
  auto answer = answered.get_future();
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  Status s = answer.get();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kIo);
  EXPECT_EQ(store->flushed_offset(), durable);
  EXPECT_LT(store->flushed_offset(), appended->end_offset);

  // A waiter that comes later hears the same failure at once.
  std::promise<Status> late;
  store->when_durable(appended->end_offset, [&](Status st) { late.set_value(std::move(st)); });
  EXPECT_FALSE(late.get_future().get());
}

TEST_P(FaultInjection, NoSpaceForTheNextSegmentIsRetriableAndLosesNothing) {
  const std::string next_segment = segment_file_name(1 << 20);
  fs_->fail(FileOp::kAllocate, ENOSPC, 1, next_segment, /*sticky=*/true);
  auto store = open(config());
  ASSERT_TRUE(store);

  uint64_t stored = 0;
  Result<AppendResult> refused;
  for (int i = 0; i < 4000; ++i) {
    refused = store->append({0, payload(stored, kPayloadBytes), 1, -1});
    if (!refused) break;
    ++stored;
  }
  ASSERT_FALSE(refused) << "the first segment never filled up";
  EXPECT_EQ(refused.error().code, ErrorCode::kDiskFull);
  EXPECT_NE(refused.error().message.find("fallocate"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find(next_segment), std::string::npos) << refused.error().message;
  EXPECT_GT(stored, 500u);

  // Still refused while the disk stays full, and the store is not poisoned by it.
  EXPECT_FALSE(store->append({0, payload(stored, kPayloadBytes), 1, -1}));
  EXPECT_FALSE(store->flush_failure().has_value());

  // Space again: the same append goes through, into the next segment.
  fs_->clear_faults();
  for (int i = 0; i < 10; ++i) {
    auto r = store->append({0, payload(stored, kPayloadBytes), 1, -1});
    ASSERT_TRUE(r) << r.error().to_string();
    if (i == 0) {
      EXPECT_EQ(r->commit_log_offset, uint64_t{1} << 20);
    }
    ++stored;
  }
  ASSERT_TRUE(test::wait_indexed(*store, 0, stored));
  expect_records(*store, stored);
  ASSERT_TRUE(store->close());
  store.reset();

  store = open(config());
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->open_report().previous_run_crashed);
  expect_records(*store, stored);
}

TEST_P(FaultInjection, APowerCutRecoversExactlyTheDurableRecords) {
  const auto c = quiet_async_config();
  auto store = open(c);
  ASSERT_TRUE(store);
  // Durable: acknowledged after their flush, across a segment roll (1 MiB segments).
  constexpr uint64_t kDurable = 1200;
  for (uint64_t i = 0; i < kDurable; ++i) {
    auto r = store->append({0, payload(i, kPayloadBytes), 1, -1}, /*wait_for_flush=*/true);
    ASSERT_TRUE(r) << r.error().to_string();
  }
  // Written, never flushed.
  for (uint64_t i = kDurable; i < kDurable + 300; ++i) test::append_ok(*store, 0, payload(i, kPayloadBytes));
  ASSERT_TRUE(test::wait_indexed(*store, 0, kDurable + 300));
  EXPECT_LT(store->flushed_offset(), store->written_offset());

  fs_->cut_power();
  store.reset();
  fs_->restore_after_power_cut();

  store = open(c);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->open_report().previous_run_crashed);
  expect_records(*store, kDurable);
  // And the log goes on from there.
  auto next = store->append({0, payload(kDurable, kPayloadBytes), 1, -1}, true);
  ASSERT_TRUE(next) << next.error().to_string();
  EXPECT_EQ(next->queue_offset, kDurable);
}

TEST_P(FaultInjection, AnIndexThatCannotBeCreatedFailsItsWaitersInsteadOfHangingThem) {
  auto store = open(config());
  ASSERT_TRUE(store);
  // Queue 9's index directory cannot be made (EMFILE, say), until the fault clears.
  fs_->fail(FileOp::kMakeDirectories, EMFILE, 1, "0000000009", /*sticky=*/true);
  auto appended = store->append({9, payload(0, kPayloadBytes), 1, 1000});
  ASSERT_TRUE(appended) << "the record itself goes into the log";
  std::promise<Status> first;
  store->when_indexed(appended->end_offset, [&](Status s) { first.set_value(s); });
  auto waited = first.get_future();
  ASSERT_EQ(waited.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "the waiter hangs";
  const Status failed = waited.get();
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("not indexed"), std::string::npos) << failed.error().message;

  // Once the fault clears, the dispatcher's retry indexes the record and waiters succeed.
  fs_->clear_faults();
  std::promise<Status> second;
  store->when_indexed(appended->end_offset, [&](Status s) { second.set_value(s); });
  auto retried = second.get_future();
  ASSERT_EQ(retried.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(retried.get());
  EXPECT_EQ(store->queue_range(9)->next_offset, 1u);
}

TEST_P(FaultInjection, AFailedCheckpointWriteIsReportedAndTheOldOneStaysValid) {
  auto store = open(config());
  ASSERT_TRUE(store);
  test::append_ok(*store, 0, payload(0, kPayloadBytes));
  ASSERT_TRUE(store->checkpoint());
  const std::string path = dir_.path() + "/checkpoint";
  auto old_bytes = read_whole_file(*real_file_system(), path);
  ASSERT_TRUE(old_bytes);
  test::append_ok(*store, 0, payload(1, kPayloadBytes));
  ASSERT_TRUE(test::wait_indexed(*store, 0, 2));

  struct Fault {
    FileOp op;
    bool torn;
  };
  for (Fault fault : {Fault{FileOp::kWrite, true}, Fault{FileOp::kWrite, false}, Fault{FileOp::kDatasync, false},
                      Fault{FileOp::kRename, false}}) {
    SCOPED_TRACE(test::file_op_name(fault.op) + std::string(fault.torn ? " (torn)" : ""));
    if (fault.torn)
      fs_->tear_write(fault.op, 10, ENOSPC, 1, "checkpoint");
    else
      fs_->fail(fault.op, EIO, 1, "checkpoint");
    auto s = store->checkpoint();
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("checkpoint write"), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find(test::file_op_name(fault.op)), std::string::npos) << s.error().message;
    auto now = read_whole_file(*real_file_system(), path);
    ASSERT_TRUE(now);
    EXPECT_EQ(*now, *old_bytes);
    EXPECT_TRUE(decode_checkpoint(*now));
  }
  ASSERT_TRUE(store->checkpoint());
  auto renewed = read_checkpoint(*real_file_system(), path);
  ASSERT_TRUE(renewed);
  EXPECT_GT(renewed->flushed_offset, decode_checkpoint(*old_bytes)->flushed_offset);
}

TEST_P(FaultInjection, ACloseWhoseCheckpointFailsLeavesTheNextOpenToScan) {
  auto store = open(config());
  ASSERT_TRUE(store);
  for (uint64_t i = 0; i < 50; ++i) test::append_ok(*store, 0, payload(i, kPayloadBytes));
  fs_->fail(FileOp::kRename, EIO, 1, "checkpoint", /*sticky=*/true);
  auto closed = store->close();
  ASSERT_FALSE(closed);
  EXPECT_NE(closed.error().message.find("checkpoint"), std::string::npos) << closed.error().message;
  store.reset();

  fs_->clear_faults();
  store = open(config());
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->open_report().previous_run_crashed);
  expect_records(*store, 50);
}

// Only the pool mode writes segment bytes with write calls (the mmap modes store into the
// mapping): there, a write the disk tears half way must fail the flush and lose nothing durable.
TEST(PoolFaultInjection, ATornSegmentWriteFailsTheFlushAndRecoveryCutsItsTail) {
  ringmq::test::TempDir dir;
  auto fs = std::make_shared<FaultInjectingFileSystem>();
  auto c = test::small_config(dir.path(), WriteMode::kPool);
  c.pool_buffers = 3;
  c.pool_huge_pages = false;
  c.flush_interval_ms = 600'000;
  c.flush_dirty_bytes = 1ull << 40;
  auto store = MessageStore::open(c, fs);
  ASSERT_TRUE(store) << store.error().to_string();
  constexpr uint64_t kDurable = 20;
  for (uint64_t i = 0; i < kDurable; ++i) ASSERT_TRUE((*store)->append({0, payload(i, kPayloadBytes), 1, -1}, true));

  // 40 more records in one flush; the disk takes one 4 KiB block of them and then is full.
  for (uint64_t i = kDurable; i < kDurable + 40; ++i) test::append_ok(**store, 0, payload(i, kPayloadBytes));
  fs->tear_write(FileOp::kRingWrite, 4096, ENOSPC);
  auto flushed = (*store)->flush();
  ASSERT_FALSE(flushed);
  EXPECT_EQ(flushed.error().code, ErrorCode::kDiskFull);
  EXPECT_TRUE((*store)->flush_failure().has_value());

  fs->cut_power();
  store->reset();
  fs->restore_after_power_cut();
  auto reopened = MessageStore::open(c, fs);
  ASSERT_TRUE(reopened) << reopened.error().to_string();
  auto range = (*reopened)->queue_range(0);
  ASSERT_TRUE(range);
  EXPECT_EQ(range->next_offset, kDurable);
  ReadBatch batch;
  std::vector<std::vector<std::byte>> copies;
  test::read_all(**reopened, 0, batch, &copies);
  ASSERT_EQ(copies.size(), kDurable);
  for (uint64_t i = 0; i < kDurable; ++i) EXPECT_EQ(copies[i], payload(i, kPayloadBytes)) << "record " << i;
}

INSTANTIATE_TEST_SUITE_P(EveryWriteMode, FaultInjection,
                         ::testing::Values(WriteMode::kMmap, WriteMode::kMmapLocked, WriteMode::kPool),
                         [](const auto& info) {
                           switch (info.param) {
                             case WriteMode::kMmap:
                               return std::string("Mmap");
                             case WriteMode::kMmapLocked:
                               return std::string("MmapLocked");
                             case WriteMode::kPool:
                               return std::string("Pool");
                           }
                           return std::string("Unknown");
                         });

}  // namespace
}  // namespace ringmq::engine
