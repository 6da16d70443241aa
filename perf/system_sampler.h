// SystemSampler: a thread ("rmqj-sampler") that reads the system-wide memory statistics
// (/proc/vmstat, /proc/meminfo, PSI, /proc/stat) every interval_ms, so that a latency spike
// can be tied to the reclaim, compaction or stall that happened in its window. An optional
// hook adds the caller's own gauges (e.g. the pressure generator's hog size) to each sample.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/service_thread.h"
#include "perf/proc_stats.h"

namespace ringmq::perf {

struct SampledPoint {
  SystemSample system;
  uint64_t hog_bytes = 0;       // the pressure generator's anonymous memory at that moment
  uint64_t churned_bytes = 0;   // bytes the pressure generator had read so far
  uint64_t self_cpu_ticks = 0;  // CPU time of this process (utime + stime), in USER_HZ ticks
};

class SystemSampler {
 public:
  explicit SystemSampler(uint32_t interval_ms, std::string proc_root = "/proc");
  ~SystemSampler() { stop(); }
  SystemSampler(const SystemSampler&) = delete;
  SystemSampler& operator=(const SystemSampler&) = delete;

  // Called on the sampler thread for each sample, to fill in the pressure fields.
  void set_annotator(std::function<void(SampledPoint&)> annotate);
  void start();
  void stop();
  // Takes a sample now, on the calling thread (mode boundaries use this).
  void sample_now();

  std::vector<SampledPoint> samples() const;
  SampledPoint latest() const;
  // The two most recent samples (older first); equal if only one was taken.
  std::pair<SampledPoint, SampledPoint> last_two() const;

 private:
  void take();

  const uint32_t interval_ms_;
  const std::string proc_root_;
  std::function<void(SampledPoint&)> annotate_;
  mutable std::mutex mutex_;
  std::vector<SampledPoint> samples_;  // guarded by mutex_
  ServiceThread thread_;
};

}  // namespace ringmq::perf
