// The three views of a RunReport: the terminal summary, the JSON document and the
// self-contained HTML page (inline SVG and CSS; no script, no network). One .cc each.
#pragma once

#include <string>

#include "perf/jitter_result.h"

namespace ringmq::perf {

// One row per mode (throughput, p50 ... max, faults per million appends, spikes), then the
// fault, spike-cause and system tables, then each mode compared with mmap.
std::string format_text_report(const RunReport& report);

// Everything in the report; time series cut to at most `max_points` points per series.
std::string format_json_report(const RunReport& report, size_t max_points = 1500);

// Percentile curves of all modes on one log chart, latency over time per mode with faults
// and reclaim marked, the system counters over the run, and the tables of the text report.
std::string format_html_report(const RunReport& report, size_t max_points = 1200);

// Figures shared by the views.
struct ModeComparison {
  std::string mode;
  double p9999_ratio = 0;  // baseline p99.99 / this mode's p99.99
  double max_ratio = 0;
};
// Every mode against `baseline` (mmap when it ran), for the closing lines of each view.
std::vector<ModeComparison> compare_modes(const RunReport& report, const std::string& baseline = "mmap");

// One sentence per mode saying where its spikes came from, for the top of each view.
std::vector<std::string> spike_findings(const RunReport& report);

std::string format_ns(uint64_t ns);      // "850ns", "12.5us", "3.20ms"
std::string format_count(double value);  // "1,234,567" / "12.3"

}  // namespace ringmq::perf
