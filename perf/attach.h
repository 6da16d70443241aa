// ringmq-jitter attach: watches a running process from the outside. Every interval it reads
// the process's and each of its threads' fault counters (/proc/<pid>/task/*/stat), the
// system counters (vmstat, meminfo, PSI), and optionally scrapes a Prometheus text endpoint
// (the broker's /metrics) for the series whose names match a filter. Latency of single
// operations cannot be seen from outside; the endpoint's histograms are the way to get it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "perf/jitter_result.h"
#include "perf/proc_stats.h"
#include "perf/system_sampler.h"

namespace ringmq::perf {

struct AttachOptions {
  int pid = 0;                                                             // 0: no process (system and endpoint only)
  std::string metrics_url;                                                 // http://host:port/path; empty: no endpoint
  std::string metric_filter = "fault,latency,engine,records_in,bytes_in";  // comma-separated substrings
  uint32_t interval_ms = 1000;
  uint64_t duration_ms = 10'000;  // 0: until interrupted
  std::string proc_root = "/proc";
};

struct AttachPoint {
  SampledPoint system;
  TaskStat process;  // whole-process totals
  std::vector<TaskStat> threads;
  std::map<std::string, double> metrics;  // "name{labels}" -> value
  bool process_alive = true;
};

struct AttachReport {
  AttachOptions options;
  std::string command_line, started_at, process_name;
  HostInfo host;
  uint64_t start_ns = 0;
  std::vector<AttachPoint> points;
  std::vector<std::string> notes;
  bool interrupted = false;
};

// Samples until duration_ms, interruption, or the process exiting. `on_point` sees each
// point as it is taken (for the live line).
Result<AttachReport> run_attach(const AttachOptions& options, const std::atomic<bool>* interrupt,
                                const std::function<void(const AttachReport&)>& on_point = {});

// Per-thread totals over the whole attach, most faults first.
std::vector<ThreadFaults> attach_thread_totals(const AttachReport& report);

std::string format_attach_line(const AttachReport& report);  // the latest interval, one line
std::string format_attach_text(const AttachReport& report);
std::string format_attach_json(const AttachReport& report, size_t max_points = 1500);
std::string format_attach_html(const AttachReport& report, size_t max_points = 1200);

// A Prometheus histogram of the endpoint ("name{labels}" without the le label), with the
// quantiles of the observations made between two scrapes. Quantiles are bucket upper bounds
// (an observation at p is at most this), in the histogram's unit (seconds for *_seconds).
struct EndpointQuantiles {
  std::string family;
  double count = 0;
  double p50 = 0, p99 = 0, p999 = 0;
};
std::vector<std::string> histogram_families(const std::map<std::string, double>& metrics);
EndpointQuantiles histogram_quantiles(const std::string& family, const std::map<std::string, double>& before,
                                      const std::map<std::string, double>& after);

// Prometheus text exposition: "name{labels} value" per line, comments skipped. Series whose
// name contains one of `filters` (all if empty) are kept.
std::map<std::string, double> parse_prometheus_text(std::string_view text, const std::vector<std::string>& filters);
// GET of an http:// URL (no TLS, no redirects), body only. Used for the metrics endpoint.
Result<std::string> http_get(const std::string& url, uint32_t timeout_ms);

}  // namespace ringmq::perf
