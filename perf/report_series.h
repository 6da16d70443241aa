// Time series for the reports, cut down to a bounded number of points so that a report of a
// long run stays small: neighbouring bins are merged keeping what a reader looks for (the
// maximum latency, the sums of faults and spikes, the lowest free memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "perf/jitter_result.h"

namespace ringmq::perf {

// A mode's timeline; times in seconds from the run start.
struct TimelineSeries {
  double point_s = 0;  // width of one point
  std::vector<double> t_s;
  std::vector<uint64_t> ops;
  std::vector<double> max_us, mean_us;
  std::vector<uint64_t> spikes, minor_faults, major_faults, context_switches;
};
TimelineSeries timeline_series(const ModeResult& mode, uint64_t run_start_ns, size_t max_points);

// The system samples as gauges and per-second rates; times in seconds from the run start.
struct SystemSeries {
  std::vector<double> t_s;
  std::vector<double> available_mib, free_mib, cached_mib, dirty_mib, writeback_mib, hog_mib;
  std::vector<double> allocstall_per_s, pgscan_direct_per_s, pgscan_kswapd_per_s, pgsteal_per_s, compact_stall_per_s,
      pgmajfault_per_s, refault_per_s, pgpgin_mib_per_s;
  std::vector<double> psi_memory_some_pct, psi_memory_full_pct, psi_io_full_pct, steal_pct;
  std::vector<double> other_cpus;  // CPUs kept busy by other processes (busy time minus this process's)
  bool empty() const { return t_s.empty(); }
};
SystemSeries system_series(const std::vector<SampledPoint>& samples, uint64_t run_start_ns, size_t max_points);

// What the system did between two samples (a mode's start and end).
struct SystemDelta {
  VmCounters vm;
  double psi_memory_some_ms = 0, psi_memory_full_ms = 0, psi_io_some_ms = 0, psi_io_full_ms = 0;
  double steal_pct = 0, iowait_pct = 0;
  double other_cpus = 0;  // average CPUs kept busy by other processes (and the kernel's own threads)
  bool psi_present = false;
};
SystemDelta system_delta(const SampledPoint& from, const SampledPoint& to);

// Lowest MemAvailable among the samples inside [from_ns, to_ns].
uint64_t min_available_between(const std::vector<SampledPoint>& samples, uint64_t from_ns, uint64_t to_ns);

}  // namespace ringmq::perf
