#include "io/ring.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <liburing.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "io/aligned_buffer.h"
#include "io/file.h"
#include "tests/common/temp_dir.h"

namespace ringmq::io {
namespace {

using std::chrono::milliseconds;

std::span<const std::byte> as_bytes(const std::string& text) { return std::as_bytes(std::span(text)); }

std::string read_back(int fd, size_t bytes, uint64_t offset) {
  std::string out(bytes, '\0');
  auto got = pread_full(fd, "test file", std::as_writable_bytes(std::span(out)), offset);
  if (!got) return "<" + got.error().message + ">";
  out.resize(*got);
  return out;
}

Ring make_ring(const RingOptions& options = {}) {
  auto ring = Ring::create(options);
  if (!ring) throw std::runtime_error(ring.error().to_string());
  return std::move(*ring);
}

class RingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() + "/data";
    auto fd = open_file(path_, O_RDWR | O_CREAT);
    ASSERT_TRUE(fd) << fd.error().to_string();
    fd_ = std::move(*fd);
  }
  test::TempDir dir_;
  std::string path_;
  UniqueFd fd_;
};

TEST_F(RingTest, WritesAndReadsBackThroughRegisteredBuffersAndFiles) {
  Ring ring = make_ring({.sq_entries = 8});
  auto buffer = AlignedBuffer::allocate(2 * 4096);
  ASSERT_TRUE(buffer);
  const auto out = buffer->bytes().first(4096);
  const auto in = buffer->bytes().last(4096);
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(i * 7);
  const iovec iov = buffer->as_iovec();
  ASSERT_TRUE(ring.register_buffers({&iov, 1}));
  const int fds[] = {fd_.get()};
  ASSERT_TRUE(ring.register_files(fds));

  ASSERT_TRUE(ring.prepare_write_fixed(FileRef::registered(0), out, 8192, 0, /*tag=*/11));
  ASSERT_TRUE(ring.submit());
  Completion completions[4];
  auto got = ring.wait(completions, 1);
  ASSERT_TRUE(got) << got.error().to_string();
  ASSERT_EQ(*got, 1u);
  EXPECT_EQ(completions[0].tag, 11u);
  EXPECT_EQ(completions[0].result, 4096);

  ASSERT_TRUE(ring.prepare_read_fixed(FileRef::registered(0), in, 8192, 0, /*tag=*/12));
  got = ring.wait(completions, 1);  // wait submits what is pending
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(completions[0].tag, 12u);
  EXPECT_EQ(completions[0].result, 4096);
  EXPECT_EQ(std::memcmp(in.data(), out.data(), 4096), 0);
  EXPECT_EQ(read_back(fd_.get(), 4096, 8192), std::string(reinterpret_cast<const char*>(out.data()), 4096));
  EXPECT_EQ(ring.outstanding(), 0u);
}

TEST_F(RingTest, LinkedWriteThenDatasyncCompletesInOrder) {
  Ring ring = make_ring({.sq_entries = 8});
  const std::string data = "durable record";
  for (uint64_t round = 0; round < 3; ++round) {
    ASSERT_TRUE(ring.reserve(2));
    ASSERT_TRUE(ring.prepare_write(FileRef::fd(fd_.get()), as_bytes(data), round * 64, 2 * round, {.link_next = true}));
    ASSERT_TRUE(ring.prepare_fsync(FileRef::fd(fd_.get()), SyncKind::kData, 2 * round + 1));
  }
  ASSERT_TRUE(ring.submit());
  std::vector<uint64_t> order;
  Completion completions[8];
  while (ring.outstanding() > 0) {
    auto got = ring.wait(completions, 1);
    ASSERT_TRUE(got) << got.error().to_string();
    for (size_t i = 0; i < *got; ++i) {
      EXPECT_TRUE(completions[i].ok()) << completion_error(completions[i], "op").to_string();
      order.push_back(completions[i].tag);
    }
  }
  ASSERT_EQ(order.size(), 6u);
  // Within each chain the write completes before its fdatasync.
  for (uint64_t round = 0; round < 3; ++round) {
    auto write = std::find(order.begin(), order.end(), 2 * round);
    auto sync = std::find(order.begin(), order.end(), 2 * round + 1);
    EXPECT_LT(write - order.begin(), sync - order.begin()) << "round " << round;
  }
}

TEST_F(RingTest, ThousandSmallWritesInBatchesLargerThanTheQueuesAllComplete) {
  // SQ 16 and CQ 32: batches of 100 overflow the SQ (automatic submit) and, unreaped, the
  // CQ (the kernel keeps the overflow: FEAT_NODROP).
  Ring ring = make_ring({.sq_entries = 16, .cq_entries = 32});
  constexpr size_t kWrites = 1000, kBytes = 512, kBatch = 100;
  std::vector<char> data(kWrites * kBytes);
  for (size_t i = 0; i < kWrites; ++i) std::memset(&data[i * kBytes], 'a' + static_cast<int>(i % 26), kBytes);

  for (size_t i = 0; i < kWrites; ++i) {
    const auto chunk = std::as_bytes(std::span(&data[i * kBytes], kBytes));
    ASSERT_TRUE(ring.prepare_write(FileRef::fd(fd_.get()), chunk, i * kBytes, i));
    if ((i + 1) % kBatch == 0) {
      ASSERT_TRUE(ring.submit());
    }
  }
  EXPECT_EQ(ring.outstanding(), kWrites);
  EXPECT_GT(ring.stats().sq_full_submits, 0u);

  std::set<uint64_t> seen;
  Completion completions[64];
  while (ring.outstanding() > 0) {
    auto got = ring.wait(completions, std::min<size_t>(std::size(completions), ring.outstanding()));
    ASSERT_TRUE(got) << got.error().to_string();
    for (size_t i = 0; i < *got; ++i) {
      EXPECT_EQ(completions[i].result, static_cast<int>(kBytes)) << "tag " << completions[i].tag;
      EXPECT_TRUE(seen.insert(completions[i].tag).second) << "tag " << completions[i].tag << " twice";
    }
  }
  EXPECT_EQ(seen.size(), kWrites);
  std::printf("1000 writes: %llu submit calls, %llu forced by a full SQ, %llu busy retries\n",
              static_cast<unsigned long long>(ring.stats().submit_calls),
              static_cast<unsigned long long>(ring.stats().sq_full_submits),
              static_cast<unsigned long long>(ring.stats().busy_retries));
  // Batched: about one io_uring_enter per full SQ, not one per write.
  EXPECT_LE(ring.stats().submit_calls, kWrites / 16 + 20);
  EXPECT_EQ(read_back(fd_.get(), data.size(), 0), std::string(data.begin(), data.end()));
}

TEST_F(RingTest, SqpollRingWritesAndReadsBackAfterItsThreadFellAsleep) {
  Ring ring = make_ring({.sq_entries = 8, .sqpoll = true, .sqpoll_idle_ms = 20});
  ASSERT_TRUE(ring.sqpoll_active()) << (ring.fallbacks().empty() ? "" : ring.fallbacks()[0]);
  EXPECT_TRUE(ring.fallbacks().empty());
  const int fds[] = {fd_.get()};
  ASSERT_TRUE(ring.register_files(fds));
  Completion completions[2];
  for (int round = 0; round < 2; ++round) {
    const std::string data = "sqpoll round " + std::to_string(round);
    ASSERT_TRUE(ring.prepare_write(FileRef::registered(0), as_bytes(data), 100 * round, 1));
    ASSERT_TRUE(ring.submit());
    auto got = ring.wait(completions, 1);
    ASSERT_TRUE(got) << got.error().to_string();
    EXPECT_EQ(completions[0].result, static_cast<int>(data.size()));
    EXPECT_EQ(read_back(fd_.get(), data.size(), 100 * round), data);
    // Past the idle time the SQ thread sleeps: the next submit must wake it.
    std::this_thread::sleep_for(milliseconds(100));
  }
}

TEST_F(RingTest, WriteToAClosedFdCompletesWithEbadf) {
  Ring ring = make_ring({.sq_entries = 4});
  const int closed = fd_.release();
  ::close(closed);
  const std::string data = "lost";
  ASSERT_TRUE(ring.prepare_write(FileRef::fd(closed), as_bytes(data), 0, 5));
  Completion completions[1];
  auto got = ring.wait(completions, 1);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(completions[0].result, -EBADF);
  const Error error = completion_error(completions[0], "write " + path_);
  EXPECT_EQ(error.code, ErrorCode::kIo);
  EXPECT_NE(error.message.find("EBADF"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("Bad file descriptor"), std::string::npos) << error.message;
}

TEST_F(RingTest, FailedOperationInABatchDoesNotStopTheOthers) {
  Ring ring = make_ring({.sq_entries = 4});
  const std::string data = "kept";
  ASSERT_TRUE(ring.prepare_write(FileRef::fd(999'999), as_bytes(data), 0, 1));
  ASSERT_TRUE(ring.prepare_write(FileRef::fd(fd_.get()), as_bytes(data), 0, 2));
  ASSERT_TRUE(ring.prepare_nop(3));
  Completion completions[3];
  auto got = ring.wait(completions, 3);
  ASSERT_TRUE(got) << got.error().to_string();
  ASSERT_EQ(*got, 3u);
  const int expected[] = {0, -EBADF, 4, 0};  // by tag
  for (const Completion& c : completions) {
    ASSERT_LT(c.tag, 4u);
    EXPECT_EQ(c.result, expected[c.tag]) << "tag " << c.tag;
  }
}

TEST_F(RingTest, FixedIoOutsideTheRegisteredBufferIsRejectedBeforeSubmission) {
  Ring ring = make_ring({.sq_entries = 4});
  auto registered = AlignedBuffer::allocate(4096);
  auto other = AlignedBuffer::allocate(4096);
  ASSERT_TRUE(registered && other);
  const iovec iov = registered->as_iovec();
  ASSERT_TRUE(ring.register_buffers({&iov, 1}));

  auto outside = ring.prepare_write_fixed(FileRef::fd(fd_.get()), other->bytes(), 0, 0, 1);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(outside.error().message.find("outside registered buffer 0"), std::string::npos) << outside.error().message;
  // Starts inside the buffer, ends one byte past it.
  auto overlong = ring.prepare_write_fixed(FileRef::fd(fd_.get()),
                                           std::span<const std::byte>(registered->data() + 1, 4096), 0, 0, 1);
  EXPECT_FALSE(overlong);
  auto overlong_read =
      ring.prepare_read_fixed(FileRef::fd(fd_.get()), std::span(registered->data() + 1, 4096), 0, 0, 1);
  EXPECT_FALSE(overlong_read);
  auto bad_index = ring.prepare_write_fixed(FileRef::fd(fd_.get()), registered->bytes(), 0, 1, 1);
  ASSERT_FALSE(bad_index);
  EXPECT_NE(bad_index.error().message.find("index 1 out of range"), std::string::npos) << bad_index.error().message;
  EXPECT_EQ(ring.outstanding(), 0u);
  EXPECT_EQ(ring.unsubmitted(), 0u);
}

TEST_F(RingTest, RegisteredFileIndexOutOfRangeIsRejected) {
  Ring ring = make_ring({.sq_entries = 4});
  const std::string data = "x";
  auto none = ring.prepare_write(FileRef::registered(0), as_bytes(data), 0, 1);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("0 files registered"), std::string::npos) << none.error().message;
  const int fds[] = {fd_.get()};
  ASSERT_TRUE(ring.register_files(fds));
  EXPECT_FALSE(ring.prepare_write(FileRef::registered(1), as_bytes(data), 0, 1));
  EXPECT_FALSE(ring.update_registered_file(1, fd_.get()));
  EXPECT_EQ(ring.outstanding(), 0u);
}

TEST_F(RingTest, UpdatingARegisteredFileRedirectsLaterWrites) {
  Ring ring = make_ring({.sq_entries = 4});
  auto second = open_file(dir_.path() + "/next", O_RDWR | O_CREAT);
  ASSERT_TRUE(second);
  const int fds[] = {fd_.get()};
  ASSERT_TRUE(ring.register_files(fds));
  Completion completions[1];
  const std::string first_data = "first segment", second_data = "second segment";
  ASSERT_TRUE(ring.prepare_write(FileRef::registered(0), as_bytes(first_data), 0, 1));
  ASSERT_TRUE(ring.wait(completions, 1));
  ASSERT_TRUE(ring.update_registered_file(0, second->get()));
  ASSERT_TRUE(ring.prepare_write(FileRef::registered(0), as_bytes(second_data), 0, 2));
  ASSERT_TRUE(ring.wait(completions, 1));
  EXPECT_EQ(completions[0].result, static_cast<int>(second_data.size()));
  EXPECT_EQ(read_back(fd_.get(), 64, 0), first_data);
  EXPECT_EQ(read_back(second->get(), 64, 0), second_data);
}

TEST(Ring, WaitForMoreThanIsOutstandingIsRejected) {
  Ring ring = make_ring({.sq_entries = 4});
  Completion completions[4];
  ASSERT_TRUE(ring.prepare_nop(1));
  auto got = ring.wait(completions, 2);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(got.error().message.find("would never return"), std::string::npos);
  auto small = ring.wait(std::span(completions, 1), 2);
  EXPECT_FALSE(small);
  got = ring.wait(completions, 1);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, 1u);
}

TEST(Ring, TagReservedByLiburingIsRejected) {
  Ring ring = make_ring({.sq_entries = 4});
  auto nop = ring.prepare_nop(kReservedTag);
  ASSERT_FALSE(nop);
  EXPECT_EQ(nop.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ring.outstanding(), 0u);
}

TEST(Ring, ChainThatCannotFitTheQueueIsRejected) {
  Ring ring = make_ring({.sq_entries = 4});
  auto too_long = ring.reserve(5);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidArgument);
}

TEST(Ring, FullQueueInsideAChainFailsInsteadOfSplittingIt) {
  Ring ring = make_ring({.sq_entries = 4});
  ASSERT_TRUE(ring.prepare_nop(1));
  ASSERT_TRUE(ring.prepare_nop(2));
  ASSERT_TRUE(ring.prepare_nop(3));
  ASSERT_TRUE(ring.prepare_nop(4, {.link_next = true}));  // the last free entry opens a chain
  auto split = ring.prepare_nop(5);
  ASSERT_FALSE(split);
  EXPECT_NE(split.error().message.find("reserve(n)"), std::string::npos) << split.error().message;
  // The chain ends at the last operation prepared: everything prepared still runs.
  Completion completions[4];
  auto got = ring.wait(completions, 4);
  ASSERT_TRUE(got) << got.error().to_string();
  for (const Completion& c : completions) EXPECT_EQ(c.result, 0) << "tag " << c.tag;
}

TEST(Ring, SubmitInsideAChainIsRejected) {
  Ring ring = make_ring({.sq_entries = 4});
  ASSERT_TRUE(ring.prepare_nop(1, {.link_next = true}));
  auto submitted = ring.submit();
  ASSERT_FALSE(submitted);
  EXPECT_EQ(submitted.error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(ring.prepare_nop(2));
  submitted = ring.submit();
  ASSERT_TRUE(submitted);
  EXPECT_EQ(*submitted, 2u);
  Completion completions[2];
  ASSERT_TRUE(ring.wait(completions, 2));
}

TEST(Ring, TimedWaitReturnsWhatArrivedAndDestructionCancelsWhatNeverWould) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  char sink[16];
  const auto started = std::chrono::steady_clock::now();
  {
    Ring ring = make_ring({.sq_entries = 4});
    ASSERT_TRUE(
        ring.prepare_read(FileRef::fd(read_end.get()), std::as_writable_bytes(std::span(sink)), kCurrentPosition, 1));
    ASSERT_TRUE(ring.prepare_nop(2));
    Completion completions[2];
    auto got = ring.wait_for(completions, 2, milliseconds(50));
    ASSERT_TRUE(got) << got.error().to_string();
    ASSERT_EQ(*got, 1u);  // the nop; the read of an empty pipe is still pending
    EXPECT_EQ(completions[0].tag, 2u);
    EXPECT_EQ(ring.outstanding(), 1u);
  }  // ~Ring cancels the read instead of waiting for data that never comes
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST(Ring, PeekReturnsOnlyWhatHasCompleted) {
  Ring ring = make_ring({.sq_entries = 4});
  Completion completions[4];
  EXPECT_EQ(ring.peek(completions), 0u);
  ASSERT_TRUE(ring.prepare_nop(7));
  EXPECT_EQ(ring.peek(completions), 0u);  // not submitted yet
  ASSERT_TRUE(ring.submit());
  size_t got = 0;
  for (int i = 0; i < 1000 && got == 0; ++i) got = ring.peek(completions);
  ASSERT_EQ(got, 1u);
  EXPECT_EQ(completions[0].tag, 7u);
  EXPECT_EQ(ring.outstanding(), 0u);
}

TEST(Ring, MovedRingKeepsItsOperations) {
  Ring first = make_ring({.sq_entries = 4});
  ASSERT_TRUE(first.prepare_nop(9));
  Ring second = std::move(first);
  Completion completions[1];
  auto got = second.wait(completions, 1);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(completions[0].tag, 9u);
}

TEST(Ring, CreateRejectsImpossibleQueueSizes) {
  EXPECT_FALSE(Ring::create({.sq_entries = 0}));
  EXPECT_FALSE(Ring::create({.sq_entries = 64, .cq_entries = 32}));
  EXPECT_FALSE(Ring::create({.sq_entries = 100'000}));
  auto rounded = Ring::create({.sq_entries = 100});
  ASSERT_TRUE(rounded) << rounded.error().to_string();
  EXPECT_EQ(rounded->sq_entries(), 128u);  // the kernel rounds up to a power of two
  EXPECT_EQ(rounded->cq_entries(), 256u);
}

TEST(Ring, RingProbeSeesTheOpcodesItUses) {
  Ring ring = make_ring({.sq_entries = 4});
  EXPECT_TRUE(ring.probe().has(IORING_OP_WRITE_FIXED));
  EXPECT_TRUE(ring.probe().has(IORING_OP_FSYNC));
  EXPECT_TRUE(ring.fallbacks().empty()) << ring.fallbacks()[0];
}

}  // namespace
}  // namespace ringmq::io
