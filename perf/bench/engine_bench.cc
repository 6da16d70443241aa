// Google Benchmark suite for the storage engine: append throughput per write mode, payload
// size and flush mode, and index lookup. Reports records/s (items) and bytes/s.
//
//   ./build/perf/ringmq_engine_bench --benchmark_filter=Append
//   RINGMQ_BENCH_DIR=/data/bench ./build/perf/ringmq_engine_bench   (default: ./bench-data)
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "engine/consume_queue.h"
#include "engine/message_store.h"

namespace ringmq::engine {
namespace {

std::string bench_dir(const std::string& name) {
  const char* base = std::getenv("RINGMQ_BENCH_DIR");
  std::string dir = std::string(base && *base ? base : "./bench-data") + "/" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

// Args: payload bytes, write mode (0 mmap, 1 mmap-locked), flush mode (0 async, 1 sync).
void BM_Append(benchmark::State& state) {
  EngineConfig config;
  config.data_dir = bench_dir("append");
  config.segment_bytes = 256ull << 20;
  config.write_mode = state.range(1) ? WriteMode::kMmapLocked : WriteMode::kMmap;
  config.flush_mode = state.range(2) ? FlushMode::kSync : FlushMode::kAsync;
  config.retention_bytes = 1ull << 30;  // keep the disk footprint bounded on long runs
  config.retention_check_interval_ms = 200;
  auto store = MessageStore::open(config);
  if (!store) {
    state.SkipWithError(store.error().to_string().c_str());
    return;
  }
  std::vector<std::byte> payload(static_cast<size_t>(state.range(0)), std::byte{0x5A});
  uint64_t n = 0;
  for (auto _ : state) {
    auto r = (*store)->append({static_cast<uint32_t>(n++ % 8), payload, 1, -1});
    if (!r) {
      state.SkipWithError(r.error().to_string().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
  state.SetLabel(std::string(write_mode_name(config.write_mode)) + "/" + flush_mode_name(config.flush_mode));
  store->reset();
  std::filesystem::remove_all(config.data_dir);
}
BENCHMARK(BM_Append)
    ->ArgNames({"payload", "locked", "sync"})
    ->ArgsProduct({{1024, 16384}, {0, 1}, {0, 1}})
    ->UseRealTime();

void BM_IndexLookup(benchmark::State& state) {
  const std::string dir = bench_dir("index");
  auto queue = ConsumeQueue::open(real_file_system(), dir, 0, 1 << 20, UINT64_MAX);
  if (!queue) {
    state.SkipWithError(queue.error().to_string().c_str());
    return;
  }
  const uint64_t entries = static_cast<uint64_t>(state.range(0));
  for (uint64_t i = 0; i < entries; ++i)
    (void)(*queue)->append({LogPosition(i * 1100), 1100, 10, QueueOffset(i * 10), static_cast<int64_t>(i)});
  std::mt19937_64 rng(1);
  uint64_t sum = 0;
  for (auto _ : state) {
    auto n = (*queue)->find(QueueOffset(rng() % (entries * 10)));
    sum += (*queue)->entry(*n).commit_log_offset.value();
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
  queue->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_IndexLookup)->Arg(1 << 16)->Arg(1 << 22);

void BM_Read(benchmark::State& state) {
  EngineConfig config;
  config.data_dir = bench_dir("read");
  config.segment_bytes = 64ull << 20;
  config.max_record_bytes = 1u << 20;
  config.write_mode = WriteMode::kMmap;
  auto store = MessageStore::open(config);
  if (!store) {
    state.SkipWithError(store.error().to_string().c_str());
    return;
  }
  std::vector<std::byte> payload(1024, std::byte{0x11});
  constexpr uint64_t kRecords = 100000;
  for (uint64_t i = 0; i < kRecords; ++i) (void)(*store)->append({0, payload, 1, -1});
  while (!(*store)->queue_range(0) || (*store)->queue_range(0)->next_offset < QueueOffset(kRecords)) {
  }
  ReadBatch batch;
  std::mt19937_64 rng(1);
  uint64_t bytes = 0;
  for (auto _ : state) {
    (void)(*store)->read(0, QueueOffset(rng() % kRecords), static_cast<uint64_t>(state.range(0)), batch);
    for (const auto& b : batch.batches) bytes += b.payload.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
  store->reset();
  std::filesystem::remove_all(config.data_dir);
}
BENCHMARK(BM_Read)->ArgName("max_bytes")->Arg(1024)->Arg(1 << 20);

}  // namespace
}  // namespace ringmq::engine

BENCHMARK_MAIN();
