// ringmq-append-latency: per-append latency of the engine's write modes, measured side by
// side in one run with the same workload. Each mode writes --bytes of --record-bytes records
// into a fresh store under --dir; every append is timed and the exact percentiles printed,
// with the minor/major faults the writer thread took.
//
//   ./build/perf/ringmq-append-latency --bytes 2G --record-bytes 1024 --modes mmap,mmap-locked
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "engine/message_store.h"

namespace {

using namespace ringmq::engine;

uint64_t parse_size(const std::string& text) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  switch (*end) {
    case 'K': case 'k': value *= 1024; break;
    case 'M': case 'm': value *= 1024 * 1024; break;
    case 'G': case 'g': value *= 1024.0 * 1024 * 1024; break;
    default: break;
  }
  return static_cast<uint64_t>(value);
}

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
  std::string dir = "./latency-data";
};

int usage() {
  std::fprintf(stderr,
               "usage: ringmq-append-latency [--bytes 2G] [--record-bytes 1024] [--segment-bytes 1G]\n"
               "       [--modes mmap,mmap-locked] [--flush async|sync] [--dir ./latency-data]\n");
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
  auto store = MessageStore::open(config);
  if (!store) {
    std::fprintf(stderr, "%s: %s\n", write_mode_name(mode), store.error().to_string().c_str());
    return 1;
  }
  std::vector<std::byte> payload(o.record_bytes, std::byte{0x42});
  const uint64_t count = o.bytes / o.record_bytes;
  std::vector<uint32_t> latency_ns(count);
  rusage before{}, after{};
  getrusage(RUSAGE_THREAD, &before);
  const uint64_t start = now_ns();
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t t0 = now_ns();
    auto r = (*store)->append({static_cast<uint32_t>(i % 16), payload, 1, -1});
    const uint64_t t1 = now_ns();
    if (!r) {
      std::fprintf(stderr, "append %llu failed: %s\n", (unsigned long long)i, r.error().to_string().c_str());
      return 1;
    }
    latency_ns[i] = static_cast<uint32_t>(std::min<uint64_t>(t1 - t0, UINT32_MAX));
  }
  const double seconds = (now_ns() - start) / 1e9;
  getrusage(RUSAGE_THREAD, &after);
  (*store)->close();
  store->reset();
  std::filesystem::remove_all(config.data_dir);

  std::sort(latency_ns.begin(), latency_ns.end());
  auto pct = [&](double p) { return latency_ns[std::min<uint64_t>(count - 1, uint64_t(p / 100.0 * count))] / 1000.0; };
  std::printf("%-12s %-5s %10.0f %9.1f %8.2f %8.2f %8.2f %9.2f %10.1f %10ld %6ld\n", write_mode_name(mode),
              flush_mode_name(o.flush), count / seconds, o.bytes / seconds / (1 << 20), pct(50), pct(99), pct(99.9),
              pct(99.99), latency_ns.back() / 1000.0, after.ru_minflt - before.ru_minflt,
              after.ru_majflt - before.ru_majflt);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    std::string value = argv[++i];
    if (arg == "--bytes") o.bytes = parse_size(value);
    else if (arg == "--record-bytes") o.record_bytes = static_cast<uint32_t>(parse_size(value));
    else if (arg == "--segment-bytes") o.segment_bytes = parse_size(value);
    else if (arg == "--dir") o.dir = value;
    else if (arg == "--flush") {
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
  std::printf("%-12s %-5s %10s %9s %8s %8s %8s %9s %10s %10s %6s\n", "mode", "flush", "records/s", "MiB/s", "p50us",
              "p99us", "p99.9us", "p99.99us", "max_us", "minflt", "majflt");
  for (WriteMode mode : o.modes)
    if (int rc = run_mode(o, mode); rc != 0) return rc;
  return 0;
}
