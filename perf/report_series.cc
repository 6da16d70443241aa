#include "perf/report_series.h"

#include <algorithm>

namespace ringmq::perf {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// CPUs busy with anything but this process between two samples: all CPUs' busy time
// (everything but idle and iowait) minus this process's CPU time, over the wall time.
double other_cpus_between(const SampledPoint& a, const SampledPoint& b) {
  const CpuTimes& x = a.system.cpu;
  const CpuTimes& y = b.system.cpu;
  const double busy = static_cast<double>((y.total() - y.idle - y.iowait) - (x.total() - x.idle - x.iowait));
  const double self = static_cast<double>(b.self_cpu_ticks - std::min(b.self_cpu_ticks, a.self_cpu_ticks));
  const double seconds = static_cast<double>(b.system.time_ns - a.system.time_ns) / 1e9;
  const double hz = 100.0;  // USER_HZ, the unit of /proc/stat and /proc/<pid>/stat
  return seconds > 0 ? std::max(0.0, (busy - self) / hz / seconds) : 0.0;
}

size_t group_size(size_t n, size_t max_points) {
  if (max_points == 0 || n <= max_points) return 1;
  return (n + max_points - 1) / max_points;
}

}  // namespace

TimelineSeries timeline_series(const ModeResult& mode, uint64_t run_start_ns, size_t max_points) {
  TimelineSeries s;
  const size_t n = mode.bins.size();
  const size_t k = group_size(n, max_points);
  s.point_s = static_cast<double>(mode.bin_ns * k) / 1e9;
  const double start_s = static_cast<double>(mode.start_ns - std::min(mode.start_ns, run_start_ns)) / 1e9;
  for (size_t i = 0; i < n; i += k) {
    TimeBin g;
    for (size_t j = i; j < std::min(n, i + k); ++j) g.merge(mode.bins[j]);
    s.t_s.push_back(start_s + static_cast<double>(i * mode.bin_ns) / 1e9);
    s.ops.push_back(g.ops);
    s.max_us.push_back(static_cast<double>(g.latency_max_ns) / 1e3);
    s.mean_us.push_back(g.ops ? static_cast<double>(g.latency_sum_ns) / static_cast<double>(g.ops) / 1e3 : 0);
    s.spikes.push_back(g.spikes);
    s.minor_faults.push_back(g.minor_faults);
    s.major_faults.push_back(g.major_faults);
    s.context_switches.push_back(g.context_switches);
  }
  return s;
}

SystemSeries system_series(const std::vector<SampledPoint>& samples, uint64_t run_start_ns, size_t max_points) {
  SystemSeries s;
  if (samples.size() < 2) return s;
  const size_t intervals = samples.size() - 1;
  const size_t k = group_size(intervals, max_points);
  for (size_t i = 0; i < intervals; i += k) {
    const size_t j = std::min(intervals, i + k);
    const SampledPoint& a = samples[i];
    const SampledPoint& b = samples[j];
    const double dt = static_cast<double>(b.system.time_ns - a.system.time_ns) / 1e9;
    if (dt <= 0) continue;
    s.t_s.push_back(static_cast<double>(b.system.time_ns - std::min(b.system.time_ns, run_start_ns)) / 1e9);
    // Gauges: the lowest free memory in the group, the highest dirty/writeback.
    uint64_t available = UINT64_MAX, free = UINT64_MAX, cached = 0, dirty = 0, writeback = 0, hog = 0;
    for (size_t m = i + 1; m <= j; ++m) {
      const auto& p = samples[m];
      available = std::min(available, p.system.mem.available);
      free = std::min(free, p.system.mem.free);
      cached = std::max(cached, p.system.mem.cached);
      dirty = std::max(dirty, p.system.mem.dirty);
      writeback = std::max(writeback, p.system.mem.writeback);
      hog = std::max(hog, p.hog_bytes);
    }
    s.available_mib.push_back(available / kMiB);
    s.free_mib.push_back(free / kMiB);
    s.cached_mib.push_back(cached / kMiB);
    s.dirty_mib.push_back(dirty / kMiB);
    s.writeback_mib.push_back(writeback / kMiB);
    s.hog_mib.push_back(hog / kMiB);
    const VmCounters d = b.system.vm - a.system.vm;
    auto rate = [&](VmCounter c) { return static_cast<double>(d[c]) / dt; };
    s.allocstall_per_s.push_back(rate(VmCounter::kAllocStall));
    s.pgscan_direct_per_s.push_back(rate(VmCounter::kPgScanDirect));
    s.pgscan_kswapd_per_s.push_back(rate(VmCounter::kPgScanKswapd));
    s.pgsteal_per_s.push_back(rate(VmCounter::kPgStealDirect) + rate(VmCounter::kPgStealKswapd));
    s.compact_stall_per_s.push_back(rate(VmCounter::kCompactStall));
    s.pgmajfault_per_s.push_back(rate(VmCounter::kPgMajFault));
    s.refault_per_s.push_back(rate(VmCounter::kWorkingsetRefaultFile) + rate(VmCounter::kWorkingsetRefaultAnon));
    s.pgpgin_mib_per_s.push_back(rate(VmCounter::kPgPgIn) / 1024.0);
    auto pct = [&](uint64_t from_us, uint64_t to_us) {
      return to_us > from_us ? static_cast<double>(to_us - from_us) / 1e4 / dt : 0.0;
    };
    s.psi_memory_some_pct.push_back(pct(a.system.memory_pressure.some_us, b.system.memory_pressure.some_us));
    s.psi_memory_full_pct.push_back(pct(a.system.memory_pressure.full_us, b.system.memory_pressure.full_us));
    s.psi_io_full_pct.push_back(pct(a.system.io_pressure.full_us, b.system.io_pressure.full_us));
    const uint64_t total = b.system.cpu.total() - a.system.cpu.total();
    s.steal_pct.push_back(
        total ? 100.0 * static_cast<double>(b.system.cpu.steal - a.system.cpu.steal) / static_cast<double>(total) : 0);
    s.other_cpus.push_back(other_cpus_between(a, b));
  }
  return s;
}

SystemDelta system_delta(const SampledPoint& from, const SampledPoint& to) {
  SystemDelta d;
  d.vm = to.system.vm - from.system.vm;
  auto ms = [](uint64_t a, uint64_t b) { return b > a ? static_cast<double>(b - a) / 1e3 : 0.0; };
  d.psi_present = to.system.memory_pressure.present;
  d.psi_memory_some_ms = ms(from.system.memory_pressure.some_us, to.system.memory_pressure.some_us);
  d.psi_memory_full_ms = ms(from.system.memory_pressure.full_us, to.system.memory_pressure.full_us);
  d.psi_io_some_ms = ms(from.system.io_pressure.some_us, to.system.io_pressure.some_us);
  d.psi_io_full_ms = ms(from.system.io_pressure.full_us, to.system.io_pressure.full_us);
  const uint64_t total = to.system.cpu.total() - from.system.cpu.total();
  if (total) {
    d.steal_pct = 100.0 * static_cast<double>(to.system.cpu.steal - from.system.cpu.steal) / static_cast<double>(total);
    d.iowait_pct =
        100.0 * static_cast<double>(to.system.cpu.iowait - from.system.cpu.iowait) / static_cast<double>(total);
  }
  d.other_cpus = other_cpus_between(from, to);
  return d;
}

uint64_t min_available_between(const std::vector<SampledPoint>& samples, uint64_t from_ns, uint64_t to_ns) {
  uint64_t lowest = UINT64_MAX;
  for (const auto& p : samples)
    if (p.system.time_ns >= from_ns && p.system.time_ns <= to_ns) lowest = std::min(lowest, p.system.mem.available);
  return lowest == UINT64_MAX ? 0 : lowest;
}

}  // namespace ringmq::perf
