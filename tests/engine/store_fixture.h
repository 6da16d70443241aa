// Shared helpers for engine tests: a small-segment config in a temp dir, deterministic
// payloads, and a way to leave a store behind as a crashed process would.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/message_store.h"
#include "tests/common/temp_dir.h"
#include "tests/engine/offset_comparisons.h"

namespace ringmq::engine::test {

inline EngineConfig small_config(const std::string& dir, WriteMode mode = WriteMode::kMmap) {
  EngineConfig c;
  c.data_dir = dir;
  c.segment_bytes = 1 << 20;
  c.write_mode = mode;
  c.index_entries_per_file = 256;
  c.max_record_bytes = 256 << 10;
  c.flush_interval_ms = 20;
  c.checkpoint_interval_ms = 60'000;  // checkpoints only at open and close unless a test wants more
  c.retention_check_interval_ms = 60'000;
  c.disk_high_water_percent = 100;
  return c;
}

// Payload i of a test stream: its index in the first 8 bytes, then a pattern derived from it.
inline std::vector<std::byte> payload(uint64_t i, size_t size) {
  std::vector<std::byte> p(std::max<size_t>(size, 8));
  std::memcpy(p.data(), &i, 8);
  for (size_t k = 8; k < p.size(); ++k) p[k] = static_cast<std::byte>((i * 131 + k * 7) & 0xFF);
  return p;
}

inline std::unique_ptr<MessageStore> open_store(const EngineConfig& config) {
  auto store = MessageStore::open(config);
  EXPECT_TRUE(store) << (store ? "" : store.error().to_string());
  return store ? std::move(*store) : nullptr;
}

inline AppendResult append_ok(MessageStore& store, uint32_t queue, const std::vector<std::byte>& data,
                              uint32_t count = 1) {
  auto r = store.append({queue, data, count, -1});
  EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
  return r ? *r : AppendResult{};
}

// Runs `work` on an open store in a child process, flushes, and exits without closing:
// on disk it looks like a process that was killed right after a flush.
inline void run_and_crash(const EngineConfig& config, const std::function<void(MessageStore&)>& work) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto store = MessageStore::open(config);
    if (!store) ::_exit(2);
    work(**store);
    if (!(*store)->flush()) ::_exit(3);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
}

// Waits (bounded) until the dispatcher has indexed `queue` up to `next_offset`.
inline bool wait_indexed(MessageStore& store, uint32_t queue, uint64_t next_offset) {
  for (int spin = 0; spin < 5000; ++spin) {
    auto range = store.queue_range(queue);
    if (range && range->next_offset >= QueueOffset(next_offset)) return true;
    ::usleep(1000);
  }
  return false;
}

// Waits (bounded, 5 s) until `condition` holds.
inline bool eventually(const std::function<bool()>& condition) {
  for (int spin = 0; spin < 5000; ++spin) {
    if (condition()) return true;
    ::usleep(1000);
  }
  return condition();
}

// Reads every record of `queue` from its start; fails the test on a read error.
inline std::vector<StoredBatch> read_all(MessageStore& store, uint32_t queue, ReadBatch& batch,
                                         std::vector<std::vector<std::byte>>* copies = nullptr) {
  std::vector<StoredBatch> all;
  auto range = store.queue_range(queue);
  if (!range) return all;
  QueueOffset offset = range->start_offset;
  while (offset < range->next_offset) {
    auto s = store.read(queue, offset, 1 << 20, batch);
    EXPECT_TRUE(s) << (s ? "" : s.error().to_string());
    if (!s || batch.batches.empty()) break;
    for (auto& b : batch.batches) {
      all.push_back(b);
      if (copies) copies->emplace_back(b.payload.begin(), b.payload.end());
      offset = b.base_offset + b.record_count;
    }
  }
  return all;
}

}  // namespace ringmq::engine::test
