#include "engine/checkpoint.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "engine/message_store.h"
#include "io/file.h"
#include "tests/common/temp_dir.h"
#include "tests/engine/store_fixture.h"

namespace ringmq::engine {
namespace {

Checkpoint sample() {
  Checkpoint c;
  c.flushed_offset = 1234;
  c.dispatched_offset = 1000;
  c.log_start_offset = 0;
  c.written_at_ms = 1700000000000;
  c.queue_next_offsets = {{0, 10}, {7, 3}};
  return c;
}

TEST(Checkpoint, RoundTripsThroughAFile) {
  ringmq::test::TempDir dir;
  ASSERT_TRUE(write_checkpoint(*real_file_system(), dir.path() + "/checkpoint", sample()));
  auto c = read_checkpoint(*real_file_system(), dir.path() + "/checkpoint");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->flushed_offset, 1234u);
  EXPECT_EQ(c->dispatched_offset, 1000u);
  EXPECT_EQ(c->queue_next_offsets, sample().queue_next_offsets);
}

TEST(Checkpoint, MissingFileIsNotFound) {
  ringmq::test::TempDir dir;
  EXPECT_EQ(read_checkpoint(*real_file_system(), dir.path() + "/checkpoint").error().code, ErrorCode::kNotFound);
}

TEST(Checkpoint, AnyFlippedByteIsDetected) {
  auto bytes = encode_checkpoint(sample());
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto copy = bytes;
    copy[i] ^= std::byte{0x01};
    EXPECT_FALSE(decode_checkpoint(copy)) << "flip at byte " << i;
  }
  EXPECT_FALSE(decode_checkpoint(std::span(bytes).first(bytes.size() - 1)));
}

}  // namespace
}  // namespace ringmq::engine

namespace ringmq::engine {
namespace {

// An open store checkpoints every checkpoint_interval_ms on its own (the rmq-checkpoint
// thread), not only at open and close: the file catches up with appends while it runs.
TEST(Checkpoint, AnOpenStoreCheckpointsPeriodically) {
  ringmq::test::TempDir dir;
  auto config = test::small_config(dir.path());
  config.checkpoint_interval_ms = 20;
  auto store = test::open_store(config);
  AppendResult last{};
  for (int i = 0; i < 50; ++i) last = test::append_ok(*store, 1, test::payload(i, 200));
  ASSERT_TRUE(store->flush());
  Result<Checkpoint> seen = make_error(ErrorCode::kNotFound, "not read yet");
  for (int spin = 0; spin < 500; ++spin) {
    seen = read_checkpoint(*real_file_system(), dir.path() + "/checkpoint");
    if (seen && seen->flushed_offset >= last.end_offset && seen->dispatched_offset >= last.end_offset) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(seen) << seen.error().to_string();
  EXPECT_GE(seen->flushed_offset, last.end_offset);
  EXPECT_GE(seen->dispatched_offset, last.end_offset);
}

}  // namespace
}  // namespace ringmq::engine
