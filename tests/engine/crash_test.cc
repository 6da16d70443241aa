// The crash test: a child process appends with sync flush and reports each acknowledged
// offset through a pipe; the parent kills it with SIGKILL at a random moment, reopens the
// store and checks that every acknowledged record is there, byte for byte, in order. Rounds
// continue on the same store, so recovery runs on top of earlier recoveries.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>

#include "tests/engine/store_fixture.h"

namespace ringmq::engine {
namespace {

constexpr uint32_t kQueues = 3;
constexpr int kRounds = 20;

// The payload of (queue, offset) is a pure function of both, so the parent can check any
// record without having seen it written. Sizes vary to exercise segment ends.
std::vector<std::byte> record_payload(uint32_t queue, uint64_t offset) {
  return test::payload(queue * 1'000'000'000ull + offset, 100 + (offset * 7919 + uint64_t{queue} * 31) % 3000);
}

struct Ack {
  uint32_t queue;
  uint64_t offset;
};

[[noreturn]] void child_main(const EngineConfig& config, int ack_fd) {
  auto opened = MessageStore::open(config);
  if (!opened) ::_exit(2);
  MessageStore& store = **opened;
  uint64_t next[kQueues];
  for (uint32_t q = 0; q < kQueues; ++q) next[q] = store.queue_range(q) ? store.queue_range(q)->next_offset.value() : 0;
  for (uint64_t i = 0;; ++i) {
    const uint32_t q = i % kQueues;
    auto r = store.append({q, record_payload(q, next[q]), 1, -1});
    if (!r) ::_exit(3);
    if (r->queue_offset != next[q]) ::_exit(4);
    Ack ack{q, next[q]++};
    if (::write(ack_fd, &ack, sizeof ack) != sizeof ack) ::_exit(5);
  }
}

class CrashTest : public ::testing::TestWithParam<WriteMode> {};

TEST_P(CrashTest, EveryAcknowledgedRecordSurvivesSigkill) {
  ringmq::test::TempDir dir;
  auto config = test::small_config(dir.path(), GetParam());
  config.pool_huge_pages = false;
  config.flush_mode = FlushMode::kSync;
  config.checkpoint_interval_ms = 50;
  std::mt19937 rng(::testing::UnitTest::GetInstance()->random_seed());
  std::map<uint32_t, uint64_t> acked;  // queue -> highest acknowledged offset + 1

  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      child_main(config, fds[1]);
    }
    ::close(fds[1]);
    // Let it run a random while, reading acks, then kill it mid-flight.
    const auto kill_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(20 + rng() % 300);
    Ack ack;
    while (std::chrono::steady_clock::now() < kill_at) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 5) <= 0) continue;
      if (::read(fds[0], &ack, sizeof ack) != sizeof ack) break;
      acked[ack.queue] = std::max(acked[ack.queue], ack.offset + 1);
    }
    ::kill(pid, SIGKILL);
    while (::read(fds[0], &ack, sizeof ack) == sizeof ack)
      acked[ack.queue] = std::max(acked[ack.queue], ack.offset + 1);
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child failed on its own with exit code " << WEXITSTATUS(status);

    auto store = test::open_store(config);
    ASSERT_TRUE(store);
    ReadBatch batch;
    for (uint32_t q = 0; q < kQueues; ++q) {
      if (!acked.count(q)) continue;
      auto range = store->queue_range(q);
      ASSERT_TRUE(range) << "round " << round << ": queue " << q << " lost";
      ASSERT_GE(range->next_offset, acked[q])
          << "round " << round << ": acknowledged records of queue " << q << " lost";
      std::vector<std::vector<std::byte>> copies;
      auto all = test::read_all(*store, q, batch, &copies);
      ASSERT_EQ(all.size(), range->next_offset) << "round " << round;
      for (uint64_t offset = 0; offset < all.size(); ++offset) {
        ASSERT_EQ(all[offset].base_offset, offset);
        ASSERT_EQ(copies[offset], record_payload(q, offset))
            << "round " << round << " queue " << q << " offset " << offset;
      }
    }
    ASSERT_TRUE(store->close());
  }
  uint64_t total = 0;
  for (auto& [q, n] : acked) total += n;
  EXPECT_GT(total, 100u) << "the children should have acknowledged a fair number of records";
}

INSTANTIATE_TEST_SUITE_P(WriteModes, CrashTest,
                         ::testing::Values(WriteMode::kMmap, WriteMode::kMmapLocked, WriteMode::kPool),
                         [](const auto& info) {
                           return info.param == WriteMode::kMmap   ? "Mmap"
                                  : info.param == WriteMode::kPool ? "Pool"
                                                                   : "MmapLocked";
                         });

}  // namespace
}  // namespace ringmq::engine
