#include "engine/checkpoint.h"

#include <gtest/gtest.h>

#include "io/file.h"
#include "tests/common/temp_dir.h"

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
  ASSERT_TRUE(write_checkpoint(dir.path() + "/checkpoint", sample()));
  auto c = read_checkpoint(dir.path() + "/checkpoint");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->flushed_offset, 1234u);
  EXPECT_EQ(c->dispatched_offset, 1000u);
  EXPECT_EQ(c->queue_next_offsets, sample().queue_next_offsets);
}

TEST(Checkpoint, MissingFileIsNotFound) {
  ringmq::test::TempDir dir;
  EXPECT_EQ(read_checkpoint(dir.path() + "/checkpoint").error().code, ErrorCode::kNotFound);
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
