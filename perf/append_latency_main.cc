// ringmq-append-latency: per-append latency of the engine's write modes, measured side by
// side in one run with the same workload. Each mode writes --bytes of --record-bytes records
// into a fresh store under --dir; every append is timed and the exact percentiles printed,
// with the minor/major faults the producer threads took. "MiB/s" is the append rate;
// "durable" counts until close() has made everything durable (the sustained write rate).
//
//   ./build/perf/ringmq-append-latency --bytes 2G --record-bytes 1024 --modes mmap,mmap-locked
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/byte_size.h"
#include "engine/message_store.h"

namespace {

using namespace ringmq::engine;

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
}

struct Options {
  uint64_t bytes = 2ull << 30;
  uint32_t record_bytes = 1024;
  uint64_t segment_bytes = 1ull << 30;
  std::vector<WriteMode> modes{WriteMode::kMmap, WriteMode::kMmapLocked};
  FlushMode flush = FlushMode::kAsync;
  uint32_t producers = 1;
  uint32_t pool_buffers = 4;
  std::string dir = "./latency-data";
};

int usage() {
  std::fprintf(stderr,
               "usage: ringmq-append-latency [--bytes 2G] [--record-bytes 1024] [--segment-bytes 1G]\n"
               "       [--modes mmap,mmap-locked,pool] [--flush async|sync] [--producers 1]\n"
               "       [--pool-buffers 4] [--dir ./latency-data]\n");
  return 2;
}

int run_mode(const Options& o, WriteMode mode) {
  EngineConfig config;
  config.data_dir = o.dir + "/" + write_mode_name(mode);
  std::filesystem::remove_all(config.data_dir);
  config.segment_bytes = o.segment_bytes;
  config.write_mode = mode;
  config.flush_mode = o.flush;
  config.max_record_bytes = std::max<uint32_t>(o.record_bytes, 1 << 20);
  config.pool_buffers = o.pool_buffers;
  auto store = MessageStore::open(config);
  if (!store) {
    std::fprintf(stderr, "%s: %s\n", write_mode_name(mode), store.error().to_string().c_str());
    return 1;
  }
  // Each producer appends count/producers records to its own queues, timing every append.
  // A retriable refusal (busy: the pool or the next segment not ready) is back pressure:
  // counted, and the same record is tried again, with the wait inside the measured latency.
  const uint64_t count = o.bytes / o.record_bytes / o.producers * o.producers;
  std::vector<uint32_t> latency_ns(count);
  std::atomic<uint64_t> busy_retries{0};
  std::atomic<long> minor_faults{0}, major_faults{0};
  std::atomic<bool> failed{false};
  const uint64_t start = now_ns();
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < o.producers; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::byte> payload(o.record_bytes, std::byte{0x42});
      rusage before{}, after{};
      getrusage(RUSAGE_THREAD, &before);
      const uint64_t per_thread = count / o.producers;
      for (uint64_t i = 0; i < per_thread && !failed.load(std::memory_order_relaxed); ++i) {
        const uint64_t t0 = now_ns();
        auto r = (*store)->append({static_cast<uint32_t>(t * 16 + i % 16), payload, 1, -1});
        while (!r && r.error().retriable()) {
          busy_retries.fetch_add(1, std::memory_order_relaxed);
          r = (*store)->append({static_cast<uint32_t>(t * 16 + i % 16), payload, 1, -1});
        }
        const uint64_t t1 = now_ns();
        if (!r) {
          std::fprintf(stderr, "append failed: %s\n", r.error().to_string().c_str());
          failed = true;
          return;
        }
        latency_ns[t * per_thread + i] = static_cast<uint32_t>(std::min<uint64_t>(t1 - t0, UINT32_MAX));
      }
      getrusage(RUSAGE_THREAD, &after);
      minor_faults += after.ru_minflt - before.ru_minflt;
      major_faults += after.ru_majflt - before.ru_majflt;
    });
  }
  for (auto& thread : threads) thread.join();
  if (failed) return 1;
  const double append_seconds = (now_ns() - start) / 1e9;
  (*store)->close();  // flushes what is still only in memory: the data is durable after this
  const double durable_seconds = (now_ns() - start) / 1e9;
  store->reset();
  std::filesystem::remove_all(config.data_dir);

  std::sort(latency_ns.begin(), latency_ns.end());
  auto pct = [&](double p) { return latency_ns[std::min<uint64_t>(count - 1, uint64_t(p / 100.0 * count))] / 1000.0; };
  const double bytes = double(count) * o.record_bytes;
  std::printf("%-12s %-5s %4u %10.0f %9.1f %9.1f %8.2f %8.2f %8.2f %9.2f %10.1f %8ld %6ld %7llu\n",
              write_mode_name(mode), flush_mode_name(o.flush), o.producers, count / append_seconds,
              bytes / append_seconds / (1 << 20), bytes / durable_seconds / (1 << 20), pct(50), pct(99), pct(99.9),
              pct(99.99), latency_ns.back() / 1000.0, minor_faults.load(), major_faults.load(),
              (unsigned long long)busy_retries.load());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);  // the table is the output; engine notes only if they matter
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    std::string value = argv[++i];
    if (arg == "--bytes" || arg == "--record-bytes" || arg == "--segment-bytes") {
      const auto bytes = ringmq::parse_byte_size(value);
      if (!bytes) return usage();
      if (arg == "--bytes")
        o.bytes = *bytes;
      else if (arg == "--record-bytes")
        o.record_bytes = static_cast<uint32_t>(*bytes);
      else
        o.segment_bytes = *bytes;
    } else if (arg == "--dir") {
      o.dir = value;
    } else if (arg == "--producers") {
      o.producers = std::max(1u, static_cast<uint32_t>(std::stoul(value)));
    } else if (arg == "--pool-buffers") {
      o.pool_buffers = static_cast<uint32_t>(std::stoul(value));
    } else if (arg == "--flush") {
      auto f = parse_flush_mode(value);
      if (!f) return usage();
      o.flush = *f;
    } else if (arg == "--modes") {
      o.modes.clear();
      std::stringstream list(value);
      for (std::string name; std::getline(list, name, ',');) {
        auto m = parse_write_mode(name);
        if (!m) return usage();
        o.modes.push_back(*m);
      }
    } else {
      return usage();
    }
  }
  if (o.record_bytes == 0 || o.bytes < o.record_bytes) return usage();
  std::printf("%llu bytes of %u-byte records per mode, segment %llu bytes, dir %s\n", (unsigned long long)o.bytes,
              o.record_bytes, (unsigned long long)o.segment_bytes, o.dir.c_str());
  std::printf("%-12s %-5s %4s %10s %9s %9s %8s %8s %8s %9s %10s %8s %6s %7s\n", "mode", "flush", "prod", "records/s",
              "MiB/s", "durable", "p50us", "p99us", "p99.9us", "p99.99us", "max_us", "minflt", "majflt", "busy");
  for (WriteMode mode : o.modes)
    if (int rc = run_mode(o, mode); rc != 0) return rc;
  return 0;
}
