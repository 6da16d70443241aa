// The HTML view of a run: one self-contained page (inline CSS and SVG, no script, nothing
// fetched), readable offline and small enough to commit. Markup is kept XML-well-formed
// (every element closed, attributes quoted, text escaped) so tests can check it strictly.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

#include "common/byte_size.h"
#include "numa/cpu_list.h"
#include "perf/attach.h"
#include "perf/jitter_report.h"
#include "perf/report_series.h"
#include "perf/svg_chart.h"

namespace ringmq::perf {
namespace {

constexpr int kWidth = 1100;

const char* mode_color(const std::string& name) {
  if (name == "mmap") return "#d62728";
  if (name == "mmap-locked") return "#1f77b4";
  if (name == "pool") return "#2ca02c";
  return "#9467bd";
}

const char* cause_color(SpikeCause c) {
  switch (c) {
    case SpikeCause::kMajorFault:
      return "#8b0000";
    case SpikeCause::kMinorFault:
      return "#ff7f0e";
    case SpikeCause::kSegmentRoll:
      return "#9467bd";
    case SpikeCause::kContextSwitch:
      return "#555555";
    case SpikeCause::kOnCpu:
      return "#17becf";
    case SpikeCause::kQueued:
      return "#bcbd22";
  }
  return "#000";
}

std::string esc(std::string_view s) { return xml_escape(s); }

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string us_text(uint64_t ns) { return format_ns(ns); }

double us(uint64_t ns) { return static_cast<double>(ns) / 1e3; }

struct Table {
  // Figures are right-aligned, words left-aligned.
  static bool numeric(const std::string& cell) {
    return !cell.empty() && (std::isdigit(static_cast<unsigned char>(cell[0])) || cell[0] == '-');
  }
  std::string html = "<table>\n";
  void header(const std::vector<std::string>& cells) {
    html += "<tr>";
    for (const auto& c : cells) html += "<th>" + esc(c) + "</th>";
    html += "</tr>\n";
  }
  void row(const std::vector<std::string>& cells, const std::string& first_color = {}) {
    html += "<tr>";
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i == 0 && !first_color.empty())
        html += "<td><span class=\"swatch\" style=\"background:" + first_color + "\"></span>" + esc(cells[i]) + "</td>";
      else
        html += std::string(i && numeric(cells[i]) ? "<td class=\"n\">" : "<td>") + esc(cells[i]) + "</td>";
    }
    html += "</tr>\n";
  }
  std::string done() { return html + "</table>\n"; }
};

// The y range every latency chart shares, so that the modes can be compared by eye.
struct LatencyRange {
  double lo_us = 1, hi_us = 1000;
};

LatencyRange latency_range(const RunReport& r) {
  double lo = 1e9, hi = 0;
  for (const auto& m : r.modes) {
    if (!m.latency.count()) continue;
    lo = std::min(lo, std::max(0.05, us(m.latency.min())));
    hi = std::max(hi, us(m.latency.max()));
    for (const auto& b : m.bins) hi = std::max(hi, us(b.latency_max_ns));
  }
  if (hi <= 0) return {};
  LatencyRange range;
  range.lo_us = std::pow(10.0, std::floor(std::log10(lo)));
  range.hi_us = std::pow(10.0, std::ceil(std::log10(hi * 1.05)));
  return range;
}

std::string percentile_chart(const RunReport& r, const LatencyRange& range) {
  SvgChart chart(kWidth, 420, 70, 20, 30, 44);
  double max_x = 1;
  for (const auto& m : r.modes)
    if (m.latency.count()) max_x = std::max(max_x, std::log10(static_cast<double>(m.latency.count())) + 0.35);
  ChartAxis x;
  x.lo = 0;
  x.hi = std::ceil(max_x);
  for (int k = 0; k <= static_cast<int>(x.hi); ++k) {
    std::string label = k == 0 ? "0%" : k == 1 ? "90%" : "99." + std::string(static_cast<size_t>(k - 2), '9') + "%";
    if (k == 2) label = "99%";
    x.ticks.emplace_back(k, label);
  }
  x.label = "percentile (log scale of 1/(1-p), as HdrHistogram plots it)";
  ChartAxis y;
  y.log = true;
  y.lo = range.lo_us;
  y.hi = range.hi_us;
  y.ticks = duration_ticks_us(y.lo, y.hi);
  y.label = "latency of one append";
  chart.set_x(x);
  chart.set_y(y);
  chart.title("Append latency by percentile, all modes");
  std::vector<std::pair<std::string, std::string>> legend;
  for (const auto& m : r.modes) {
    if (!m.latency.count()) continue;
    std::vector<double> xs, ys;
    for (const auto& p : m.latency.percentile_curve(40)) {
      if (p.percentile >= 100) break;
      xs.push_back(-std::log10(1 - p.percentile / 100));
      ys.push_back(std::max(us(p.value_ns), range.lo_us));
    }
    chart.line(xs, ys, mode_color(m.name), 2.2, {}, m.name);
    const double max_at = std::log10(static_cast<double>(m.latency.count())) + 0.3;
    chart.dot(max_at, us(m.latency.max()), mode_color(m.name), 4, m.name + " max " + us_text(m.latency.max()));
    const LatencySummary s = summarize(m.latency);
    legend.emplace_back(mode_color(m.name), m.name + "  p99.99 " + us_text(s.p9999_ns) + "  max " + us_text(s.max_ns));
  }
  chart.hline(us(r.options.spike_threshold_ns), "#999", "4,3", "spike threshold");
  chart.legend(legend);
  return chart.svg();
}

// Consecutive sampler windows where `pred` holds, as [from, to] second ranges.
template <typename Pred>
std::vector<std::pair<double, double>> windows_where(const RunReport& r, double from_s, double to_s, Pred pred) {
  std::vector<std::pair<double, double>> out;
  const double min_gap_s = (to_s - from_s) / 1000;
  const auto& s = r.samples;
  for (size_t i = 1; i < s.size(); ++i) {
    const double a =
        static_cast<double>(s[i - 1].system.time_ns - std::min(s[i - 1].system.time_ns, r.run_start_ns)) / 1e9;
    const double b = static_cast<double>(s[i].system.time_ns - std::min(s[i].system.time_ns, r.run_start_ns)) / 1e9;
    if (b < from_s || a > to_s || !pred(s[i - 1].system, s[i].system)) continue;
    // Windows closer than about a pixel merge, so a long run draws a bounded number of bands.
    if (!out.empty() && a - out.back().second <= min_gap_s)
      out.back().second = b;
    else
      out.emplace_back(a, b);
  }
  return out;
}

std::string mode_timeline(const RunReport& r, const ModeResult& m, const LatencyRange& range, size_t max_points) {
  const TimelineSeries t = timeline_series(m, r.run_start_ns, max_points);
  if (t.t_s.empty()) return "<p>No operations.</p>\n";
  const double x0 = t.t_s.front(), x1 = std::max(t.t_s.back() + t.point_s, x0 + 1e-3);
  ChartAxis x;
  x.lo = x0;
  x.hi = x1;
  x.ticks = linear_ticks(x0, x1, 10, "s");
  x.label = "seconds since the run started";
  ChartAxis y;
  y.log = true;
  y.lo = range.lo_us;
  y.hi = range.hi_us;
  y.ticks = duration_ticks_us(y.lo, y.hi);
  y.label = "append latency";

  SvgChart chart(kWidth, 314, 70, 20, 44, 40);  // two legend rows
  chart.set_x(x);
  chart.set_y(y);
  chart.title("Latency over time: " + m.name);
  // Reclaim and compaction windows behind everything.
  for (auto [a, b] : windows_where(r, x0, x1, [](const SystemSample&p, const SystemSample&q) {
         const VmCounters d = q.vm - p.vm;
         return d[VmCounter::kAllocStall] > 0 || d[VmCounter::kPgScanDirect] > 0;
       }))
    chart.band(a, b, "#ff9900", 0.18, "direct reclaim in this window (allocstall / pgscan_direct moved)");
  for (auto [a, b] : windows_where(r, x0, x1, [](const SystemSample&p, const SystemSample&q) {
         return (q.vm - p.vm)[VmCounter::kCompactStall] > 0;
       }))
    chart.band(a, b, "#9467bd", 0.25, "direct compaction in this window (compact_stall moved)");
  for (auto [a, b] : windows_where(r, x0, x1, [](const SystemSample&p, const SystemSample&q) {
         return q.memory_pressure.full_us > p.memory_pressure.full_us;
       }))
    chart.bar(a, b, range.hi_us / 1.25, range.hi_us, "#b00000", "PSI memory full: every task stalled on memory");

  std::vector<double> max_ys, mean_ys;
  for (size_t i = 0; i < t.t_s.size(); ++i) {
    max_ys.push_back(t.ops[i] ? std::max(t.max_us[i], range.lo_us) : NAN);
    mean_ys.push_back(t.ops[i] ? std::max(t.mean_us[i], range.lo_us) : NAN);
  }
  std::vector<double> xs = t.t_s;
  chart.line(xs, max_ys, mode_color(m.name), 1.0, {}, "highest latency per " + fmt("%.3g", t.point_s * 1e3) + " ms");
  chart.line(xs, mean_ys, "#333", 1.0, {}, "mean latency per " + fmt("%.3g", t.point_s * 1e3) + " ms");
  chart.hline(us(r.options.spike_threshold_ns), "#999", "4,3", "spike threshold");

  // Spikes: the slowest of each cause per pixel column, so a long run stays readable.
  std::map<std::pair<int, int>, const Spike*> slowest;
  const double start_s = static_cast<double>(m.start_ns - std::min(m.start_ns, r.run_start_ns)) / 1e9;
  for (const Spike& s : m.spikes) {
    const int column = static_cast<int>(chart.px(start_s + static_cast<double>(s.at_ns) / 1e9));
    auto& slot = slowest[{column, static_cast<int>(s.cause())}];
    if (!slot || slot->latency_ns < s.latency_ns) slot = &s;
  }
  for (const auto& [key, s] : slowest) {
    std::string tip = fmt("t=%.3f s: ", start_s + static_cast<double>(s->at_ns) / 1e9) + us_text(s->latency_ns) + ", " +
                      spike_cause_name(s->cause()) + " (" + std::to_string(s->minor_faults) + " minor, " +
                      std::to_string(s->major_faults) + " major faults, " + std::to_string(s->context_switches) +
                      " switches" + (s->segment_roll ? ", segment roll" : "") + ")";
    if (s->minor_faults + s->major_faults && s->fault_location != FaultLocation::kUnknown)
      tip += std::string("; fault at ") + fault_location_name(s->fault_location);
    if (s->direct_reclaim) tip += "; direct reclaim in window";
    if (s->compaction) tip += "; compaction in window";
    if (s->memory_stall) tip += "; memory stall (PSI full) in window";
    if (s->during_warmup) tip += "; warm-up";
    chart.dot(start_s + static_cast<double>(s->at_ns) / 1e9, us(s->latency_ns), cause_color(s->cause()), 2.6, tip);
  }
  chart.legend({{mode_color(m.name), "max per point"},
                {"#333", "mean per point"},
                {cause_color(SpikeCause::kMajorFault), "spike: major fault"},
                {cause_color(SpikeCause::kMinorFault), "minor fault"},
                {cause_color(SpikeCause::kSegmentRoll), "segment roll"},
                {cause_color(SpikeCause::kContextSwitch), "off CPU"},
                {cause_color(SpikeCause::kOnCpu), "on CPU"},
                {cause_color(SpikeCause::kQueued), "queued"},
                {"#ffcc80", "direct reclaim"},
                {"#c9b3e0", "compaction"},
                {"#b00000", "PSI mem full"}});

  // Strip: the writer's faults per point.
  uint64_t top = 1;
  for (size_t i = 0; i < t.t_s.size(); ++i) top = std::max(top, t.minor_faults[i] + t.major_faults[i]);
  SvgChart strip(kWidth, 110, 70, 20, 22, 30);
  ChartAxis sx = x;
  sx.label.clear();
  ChartAxis sy;
  sy.lo = 0;
  sy.hi = static_cast<double>(top) * 1.1;
  sy.ticks = linear_ticks(0, static_cast<double>(top), 2);
  sy.label = "faults";
  strip.set_x(sx);
  strip.set_y(sy);
  for (size_t i = 0; i < t.t_s.size(); ++i) {
    const double a = t.t_s[i], b = t.t_s[i] + t.point_s;
    const double minor = static_cast<double>(t.minor_faults[i]), major = static_cast<double>(t.major_faults[i]);
    if (minor > 0) strip.bar(a, b, 0, minor, "#ff7f0e", fmt("%.0f minor faults", minor));
    if (major > 0) strip.bar(a, b, minor, minor + major, "#8b0000", fmt("%.0f major faults", major));
  }
  strip.legend(
      {{"#ff7f0e", "writer minor faults per " + fmt("%.3g", t.point_s * 1e3) + " ms"}, {"#8b0000", "major faults"}});
  return chart.svg() + strip.svg();
}

struct Region {
  std::string name;
  double from_s, to_s;
};

std::vector<Region> mode_regions(const RunReport& r) {
  std::vector<Region> out;
  for (const auto& m : r.modes) {
    const double a = static_cast<double>(m.start_ns - std::min(m.start_ns, r.run_start_ns)) / 1e9;
    out.push_back({m.name, a, a + m.seconds});
  }
  return out;
}

std::string system_charts(const std::vector<SampledPoint>& samples, uint64_t start_ns,
                          const std::vector<Region>& regions, size_t max_points, uint32_t cpus,
                          const std::string& x_label = "seconds since the run started") {
  const SystemSeries s = system_series(samples, start_ns, max_points);
  if (s.empty()) return "<p>No system samples.</p>\n";
  const double x1 = std::max(s.t_s.back(), 1e-3);
  ChartAxis x;
  x.lo = 0;
  x.hi = x1;
  x.ticks = linear_ticks(0, x1, 12, "s");
  x.label = x_label;
  auto mode_bands = [&](SvgChart& c, double y_top) {
    for (const auto& region : regions) {
      c.band(region.from_s, region.to_s, mode_color(region.name), 0.07, region.name + " running");
      c.label_at(region.from_s, y_top, region.name, mode_color(region.name), 11);
    }
  };
  std::string out;
  {
    SvgChart c(kWidth, 260, 70, 20, 30, 40);
    double top = 1;
    for (size_t i = 0; i < s.t_s.size(); ++i)
      top = std::max({top, s.available_mib[i], s.cached_mib[i], s.hog_mib[i], s.free_mib[i]});
    top = top / 1024 * 1.15;
    ChartAxis y;
    y.lo = 0;
    y.hi = top;
    y.ticks = linear_ticks(0, top, 5, " GiB");
    y.label = "memory";
    c.set_x(x);
    c.set_y(y);
    c.title("Memory over the run");
    mode_bands(c, top * 0.93);
    auto gib = [](std::vector<double> v) {
      for (auto& e : v) e /= 1024;
      return v;
    };
    std::vector<double> dirty = s.dirty_mib;
    for (size_t i = 0; i < dirty.size(); ++i) dirty[i] += s.writeback_mib[i];
    c.line(s.t_s, gib(s.available_mib), "#1f77b4", 1.5, {}, "MemAvailable (lowest per point)");
    c.line(s.t_s, gib(s.free_mib), "#17becf", 1.0, {}, "MemFree");
    c.line(s.t_s, gib(s.cached_mib), "#2ca02c", 1.5, {}, "page cache (Cached)");
    c.line(s.t_s, gib(dirty), "#d62728", 1.5, {}, "Dirty + Writeback");
    std::vector<std::pair<std::string, std::string>> legend = {{"#1f77b4", "MemAvailable"},
                                                               {"#17becf", "MemFree"},
                                                               {"#2ca02c", "page cache"},
                                                               {"#d62728", "dirty + writeback"}};
    if (std::any_of(s.hog_mib.begin(), s.hog_mib.end(), [](double v) { return v > 0; })) {
      c.line(s.t_s, gib(s.hog_mib), "#7f7f7f", 1.5, "5,3", "pressure hog");
      legend.emplace_back("#7f7f7f", "pressure hog");
    }
    c.legend(legend);
    out += c.svg();
  }
  {
    SvgChart c(kWidth, 260, 70, 20, 30, 40);
    double top = 10;
    for (const auto* v : {&s.pgscan_kswapd_per_s, &s.pgscan_direct_per_s, &s.allocstall_per_s, &s.compact_stall_per_s,
                          &s.refault_per_s, &s.pgmajfault_per_s})
      for (double e : *v) top = std::max(top, e);
    ChartAxis y;
    y.log = true;
    y.lo = 1;
    y.hi = std::pow(10.0, std::ceil(std::log10(top * 1.5)));
    y.ticks = log_ticks(y.lo, y.hi);
    y.label = "events per second";
    c.set_x(x);
    c.set_y(y);
    c.title("Reclaim, compaction and refaults over the run (/proc/vmstat)");
    mode_bands(c, y.hi / 1.6);
    c.line(s.t_s, s.pgscan_kswapd_per_s, "#2ca02c", 1.3, {}, "pgscan_kswapd/s");
    c.line(s.t_s, s.pgscan_direct_per_s, "#ff7f0e", 1.6, {}, "pgscan_direct/s");
    c.line(s.t_s, s.allocstall_per_s, "#d62728", 1.6, {}, "allocstall/s");
    c.line(s.t_s, s.compact_stall_per_s, "#9467bd", 1.3, {}, "compact_stall/s");
    c.line(s.t_s, s.refault_per_s, "#17becf", 1.0, {}, "workingset_refault/s");
    c.line(s.t_s, s.pgmajfault_per_s, "#8b0000", 1.0, "3,2", "pgmajfault/s");
    c.legend({{"#2ca02c", "pgscan_kswapd/s"},
              {"#ff7f0e", "pgscan_direct/s"},
              {"#d62728", "allocstall/s"},
              {"#9467bd", "compact_stall/s"},
              {"#17becf", "refaults/s"},
              {"#8b0000", "pgmajfault/s"}});
    out += c.svg();
  }
  {
    SvgChart c(kWidth, 220, 70, 20, 30, 40);
    double top = 5;
    for (const auto* v : {&s.psi_memory_some_pct, &s.psi_memory_full_pct, &s.psi_io_full_pct, &s.steal_pct})
      for (double e : *v) top = std::max(top, e);
    for (double e : s.other_cpus) top = std::max(top, e * 100.0 / std::max(1.0, static_cast<double>(cpus)));
    top = std::min(100.0, top * 1.15);
    ChartAxis y;
    y.lo = 0;
    y.hi = top;
    y.ticks = linear_ticks(0, top, 4, "%");
    y.label = "share of time";
    c.set_x(x);
    c.set_y(y);
    c.title("Pressure stall information, CPU steal and other processes' CPU over the run");
    mode_bands(c, top * 0.9);
    c.line(s.t_s, s.psi_memory_some_pct, "#ff7f0e", 1.3, {}, "PSI memory some");
    c.line(s.t_s, s.psi_memory_full_pct, "#d62728", 1.6, {}, "PSI memory full");
    c.line(s.t_s, s.psi_io_full_pct, "#1f77b4", 1.3, {}, "PSI io full");
    c.line(s.t_s, s.steal_pct, "#7f7f7f", 1.0, "3,2", "CPU steal");
    std::vector<double> other_pct = s.other_cpus;
    for (auto& v : other_pct) v *= 100.0 / std::max(1.0, static_cast<double>(cpus));
    c.line(s.t_s, other_pct, "#2ca02c", 1.0, "5,2", "CPU used by other processes");
    c.legend({{"#ff7f0e", "PSI memory some"},
              {"#d62728", "PSI memory full"},
              {"#1f77b4", "PSI io full"},
              {"#7f7f7f", "CPU steal"},
              {"#2ca02c", "other processes' CPU (% of all CPUs)"}});
    out += c.svg();
  }
  return out;
}

std::string latency_kind(const WorkloadOptions& o) {
  if (!o.rate_per_s)
    return "Latency of single MessageStore::append calls (closed loop: each starts when the last ends)";
  if (o.service_latency)
    return "Latency of single MessageStore::append calls (open loop at " + std::to_string(o.rate_per_s) +
           " appends/s; the time of each call, not counting a late start)";
  return "Response time of appends (open loop at " + std::to_string(o.rate_per_s) +
         " appends/s, from when each append was due, so waiting behind a slow one counts)";
}

std::string summary_table(const RunReport& r) {
  Table t;
  t.header({"mode", "MiB/s", "durable MiB/s", "appends/s", "p50", "p90", "p99", "p99.9", "p99.99", "p99.999", "max",
            "faults / M appends", "spikes > " + us_text(r.options.spike_threshold_ns), "busy retries"});
  for (const auto& m : r.modes) {
    if (!m.latency.count()) {
      t.row({m.name, "failed: " + m.error}, mode_color(m.name));
      continue;
    }
    const LatencySummary s = summarize(m.latency);
    t.row({m.name, fmt("%.1f", m.mib_per_s()), fmt("%.1f", m.durable_mib_per_s()),
           format_count(std::round(m.ops_per_s())), us_text(s.p50_ns), us_text(s.p90_ns), us_text(s.p99_ns),
           us_text(s.p999_ns), us_text(s.p9999_ns), us_text(s.p99999_ns), us_text(s.max_ns),
           format_count(std::round(m.faults_per_million() * 10) / 10), format_count(static_cast<double>(m.spike_count)),
           format_count(static_cast<double>(m.busy_retries))},
          mode_color(m.name));
  }
  return t.done();
}

std::string events_table(const RunReport& r) {
  Table t;
  t.header({"mode", "minor faults in appends", "major faults in appends", "appends that faulted", "appends off CPU",
            "faulted appends p50", "faulted appends max", "writer thread faults (all)", "faults in warm-up",
            "backend"});
  for (const auto& m : r.modes) {
    const WriterEvents& w = m.writer;
    t.row({m.name, format_count(static_cast<double>(w.in_appends.minor_faults)),
           format_count(static_cast<double>(w.in_appends.major_faults)),
           format_count(static_cast<double>(w.ops_with_faults)),
           w.sees_context_switches ? format_count(static_cast<double>(w.ops_with_context_switches)) : "n/a",
           m.faulted_latency.count() ? us_text(m.faulted_latency.value_at_percentile(50)) : "-",
           m.faulted_latency.count() ? us_text(m.faulted_latency.max()) : "-",
           format_count(static_cast<double>(w.measured.faults())), format_count(static_cast<double>(w.warmup.faults())),
           w.backend + (w.per_operation ? "" : " (per batch)") +
               (w.lost_samples ? ", " + std::to_string(w.lost_samples) + " samples lost" : "")},
          mode_color(m.name));
  }
  return t.done();
}

std::string locations_table(const RunReport& r) {
  Table t;
  std::vector<std::string> header = {"mode"};
  for (int k = 0; k < kFaultLocationCount; ++k) header.push_back(fault_location_name(static_cast<FaultLocation>(k)));
  t.header(header);
  for (const auto& m : r.modes) {
    std::vector<std::string> row = {m.name};
    for (int k = 0; k < kFaultLocationCount; ++k)
      row.push_back(format_count(static_cast<double>(m.writer.fault_locations[k])));
    t.row(row, mode_color(m.name));
  }
  std::string out =
      "<p class=\"small\">Appends after warm-up that faulted, by where their first fault landed "
      "(the address resolved against the mode's segment mappings):</p>\n" +
      t.done() + "<ul class=\"small\">\n";
  for (int k = 0; k < kFaultLocationCount; ++k)
    out += "<li><b>" + esc(fault_location_name(static_cast<FaultLocation>(k))) +
           "</b>: " + esc(fault_location_help(static_cast<FaultLocation>(k))) + "</li>\n";
  return out + "</ul>\n";
}

std::string causes_table(const RunReport& r) {
  Table t;
  std::vector<std::string> header = {"mode", "spikes"};
  for (int c = 0; c < kSpikeCauseCount; ++c) header.push_back(spike_cause_name(static_cast<SpikeCause>(c)));
  header.insert(header.end(), {"in direct-reclaim windows", "in memory-stall windows", "in compaction windows"});
  t.header(header);
  for (const auto& m : r.modes) {
    std::vector<std::string> row = {m.name, format_count(static_cast<double>(m.spike_count))};
    for (int c = 0; c < kSpikeCauseCount; ++c) row.push_back(format_count(static_cast<double>(m.spike_causes[c])));
    row.push_back(format_count(static_cast<double>(m.spikes_in_direct_reclaim)));
    row.push_back(format_count(static_cast<double>(m.spikes_in_memory_stall)));
    row.push_back(format_count(static_cast<double>(m.spikes_in_compaction)));
    t.row(row, mode_color(m.name));
  }
  std::string out = t.done() + "<ul class=\"small\">\n";
  for (int c = 0; c < kSpikeCauseCount; ++c)
    out += "<li><b>" + esc(spike_cause_name(static_cast<SpikeCause>(c))) +
           "</b>: " + esc(spike_cause_help(static_cast<SpikeCause>(c))) + "</li>\n";
  return out + "</ul>\n";
}

std::string system_table(const RunReport& r) {
  Table t;
  t.header({"mode", "allocstall", "pgscan_direct", "pgscan_kswapd", "compact_stall", "pgmajfault", "refaults",
            "PSI mem some", "PSI mem full", "PSI io full", "lowest MemAvailable", "other CPU"});
  for (const auto& m : r.modes) {
    const SystemDelta d = system_delta(m.system_start, m.system_end);
    auto c = [&](VmCounter v) { return format_count(static_cast<double>(d.vm[v])); };
    t.row({m.name, c(VmCounter::kAllocStall), c(VmCounter::kPgScanDirect), c(VmCounter::kPgScanKswapd),
           c(VmCounter::kCompactStall), c(VmCounter::kPgMajFault),
           format_count(
               static_cast<double>(d.vm[VmCounter::kWorkingsetRefaultFile] + d.vm[VmCounter::kWorkingsetRefaultAnon])),
           fmt("%.0f ms", d.psi_memory_some_ms), fmt("%.0f ms", d.psi_memory_full_ms), fmt("%.0f ms", d.psi_io_full_ms),
           format_bytes(min_available_between(r.samples, m.start_ns, m.end_ns)), fmt("%.2f", d.other_cpus)},
          mode_color(m.name));
  }
  return t.done() +
         "<p class=\"small\">Deltas over each mode (all counters are in the JSON report). Other CPU: CPUs "
         "kept busy by other processes and kernel threads (kswapd, writeback workers) on average.</p>\n";
}

std::string top_spikes_table(const RunReport& r, const ModeResult& m) {
  std::vector<const Spike*> top;
  for (const Spike& s : m.spikes)
    if (!s.during_warmup) top.push_back(&s);
  std::sort(top.begin(), top.end(), [](auto* a, auto* b) { return a->latency_ns > b->latency_ns; });
  if (top.size() > 10) top.resize(10);
  if (top.empty()) return "<p>No spikes after warm-up.</p>\n";
  Table t;
  t.header({"at", "latency", "cause", "minor", "major", "switches", "segment roll", "system in its window"});
  const double start_s = static_cast<double>(m.start_ns - std::min(m.start_ns, r.run_start_ns)) / 1e9;
  for (const Spike* s : top) {
    std::string window;
    auto add = [&](bool on, const char* what) {
      if (on) window += (window.empty() ? "" : ", ") + std::string(what);
    };
    add(s->direct_reclaim, "direct reclaim");
    add(s->kswapd, "kswapd");
    add(s->compaction, "compaction");
    add(s->memory_stall, "memory stall");
    add(s->io_stall, "io stall");
    std::string cause = spike_cause_name(s->cause());
    if (s->queued) cause += " (own time " + us_text(s->service_ns) + ")";
    if (s->minor_faults + s->major_faults && s->fault_location != FaultLocation::kUnknown)
      cause += std::string(" (") + fault_location_name(s->fault_location) + ")";
    t.row({fmt("%.3f s", start_s + static_cast<double>(s->at_ns) / 1e9), us_text(s->latency_ns), cause,
           std::to_string(s->minor_faults), std::to_string(s->major_faults), std::to_string(s->context_switches),
           s->segment_roll ? "yes" : "", window.empty() ? "quiet" : window});
  }
  return t.done();
}

std::string threads_table(const ModeResult& m) {
  Table t;
  t.header({"thread", "minor faults", "major faults", "CPU"});
  size_t shown = 0;
  for (const auto& th : m.threads) {
    if (shown++ == 10) break;
    t.row({th.name, format_count(static_cast<double>(th.minor_faults)),
           format_count(static_cast<double>(th.major_faults)), fmt("%.0f ms", static_cast<double>(th.cpu_ms))});
  }
  return t.done();
}

const char* kStyle = R"(
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1140px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin-top: 20px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; } th { background: #f4f4f4; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; }
.verdict { background: #f3f8ff; border: 1px solid #bcd; padding: 8px 14px; margin: 12px 0; }
.small { font-size: 12px; color: #444; } pre { background: #f6f6f6; padding: 8px; white-space: pre-wrap; font-size: 12px; }
svg.chart { display: block; margin: 6px 0; max-width: 100%; height: auto; }
.warn { color: #a00; }
)";

}  // namespace

std::string format_html_report(const RunReport& r, size_t max_points) {
  const WorkloadOptions& o = r.options;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  h += "<title>ringmq-jitter: append latency by write mode</title>\n<style>" + std::string(kStyle) + "</style>\n";
  h += "</head>\n<body>\n";
  h += "<h1>RingMQ append latency by write mode</h1>\n";
  std::string modes;
  for (const auto& m : r.modes) modes += (modes.empty() ? "" : ", ") + m.name;
  h += "<p class=\"small\">" + esc(r.started_at) + " on " + esc(r.host.hostname) + " (" + esc(r.host.kernel) + ", " +
       std::to_string(r.host.cpus) + " CPUs, " + esc(format_bytes(r.host.mem_total_bytes)) + " RAM, " +
       esc(r.host.filesystem) + "). Modes: " + esc(modes) + ". " +
       esc(o.bytes_per_mode ? format_bytes(o.bytes_per_mode) : std::string("unbounded")) + " of " +
       std::to_string(o.record_bytes) + "-byte appends per mode, " + engine::flush_mode_name(o.flush) + " flush, " +
       std::to_string(o.producers) + " producer(s), " +
       (o.rate_per_s ? "open loop at " + std::to_string(o.rate_per_s) + " appends/s" : std::string("closed loop")) +
       (r.pressure ? ", memory pressure on" : ", no memory pressure") + ".</p>\n";
  h += "<pre>" + esc(r.command_line) + "</pre>\n";
  if (r.interrupted) h += "<p class=\"warn\">Interrupted: the figures cover what ran before the signal.</p>\n";

  const auto comparisons = compare_modes(r);
  if (!comparisons.empty()) {
    h += "<div class=\"verdict\">";
    for (const auto& c : comparisons) {
      const ModeResult* m = nullptr;
      for (const auto& x : r.modes)
        if (x.name == c.mode) m = &x;
      h += "<div><b>" + esc(c.mode) + "</b>: p99.99 " + fmt("%.1fx", c.p9999_ratio) + " lower, max " +
           fmt("%.1fx", c.max_ratio) + " lower than mmap; " +
           esc(format_count(std::round(m->faults_per_million() * 10) / 10)) +
           " writer faults per million appends after warm-up.</div>";
    }
    h += "</div>\n";
  }
  h += summary_table(r);
  if (o.rate_per_s) {
    Table t;
    t.header({"mode", o.service_latency ? "response time p50" : "service time p50", "p99", "p99.9", "p99.99", "max"});
    for (const auto& m : r.modes) {
      const LatencySummary s = summarize(m.other_latency);
      t.row({m.name, us_text(s.p50_ns), us_text(s.p99_ns), us_text(s.p999_ns), us_text(s.p9999_ns), us_text(s.max_ns)},
            mode_color(m.name));
    }
    h += std::string("<p class=\"small\">") +
         (o.service_latency ? "The same appends by response time (from when each was due):"
                            : "The same appends by service time (the append call alone):") +
         "</p>\n" + t.done();
  }
  h += "<ul>\n";
  for (const auto& finding : spike_findings(r)) h += "<li>" + esc(finding) + "</li>\n";
  h += "</ul>\n";
  h += "<p class=\"small\">" + esc(latency_kind(o)) +
       ", measured on the writer thread "
       "with CLOCK_MONOTONIC (one read costs " +
       fmt("%.0f", r.timer_overhead_ns) + " ns here), after " + esc(format_count(static_cast<double>(o.warmup_ops))) +
       " warm-up appends per mode. Percentiles come from a "
       "log-linear histogram accurate to 0.1%; max is exact.</p>\n";

  const LatencyRange range = latency_range(r);
  h += "<h2>Percentile curves</h2>\n" + percentile_chart(r, range);

  h += "<h2>Latency over time</h2>\n<p class=\"small\">Every chart uses the same latency scale. Dots are appends "
       "slower than the spike threshold, coloured by what the writer thread went through during that append "
       "(the slowest per pixel column and cause are drawn); shaded windows are sampler intervals in which the "
       "kernel did direct reclaim or compaction; red marks at the top are PSI memory-full stalls. Below each "
       "chart: the writer's own page faults.</p>\n";
  for (const auto& m : r.modes) {
    h += "<h3><span class=\"swatch\" style=\"background:" + std::string(mode_color(m.name)) + "\"></span>" +
         esc(m.name) + "</h3>\n";
    if (!m.error.empty()) h += "<p class=\"warn\">" + esc(m.error) + "</p>\n";
    h += mode_timeline(r, m, range, max_points);
    if (!m.engine_messages.empty()) {
      h += "<p class=\"small\">The engine logged during this mode:</p>\n<ul class=\"small\">\n";
      for (size_t i = 0; i < m.engine_messages.size() && i < 20; ++i) {
        const auto& e = m.engine_messages[i];
        h += "<li>" + fmt("%.3f s ", static_cast<double>(e.time_ns - std::min(e.time_ns, r.run_start_ns)) / 1e9) +
             esc(e.level + ": " + e.text) + "</li>\n";
      }
      if (m.engine_messages.size() > 20)
        h += "<li>" + std::to_string(m.engine_messages.size() - 20) + " more in the JSON report</li>\n";
      h += "</ul>\n";
    }
  }

  h += "<h2>Faults and spikes</h2>\n" + events_table(r) + locations_table(r) + causes_table(r);
  h += "<h2>System counters</h2>\n" + system_table(r) +
       system_charts(r.samples, r.run_start_ns, mode_regions(r), max_points, r.host.cpus);

  h += "<h2>Largest spikes</h2>\n";
  for (const auto& m : r.modes) h += "<h3>" + esc(m.name) + "</h3>\n" + top_spikes_table(r, m);
  h += "<h2>Threads of the profiler process</h2>\n<p class=\"small\">Faults and CPU of every thread during each mode: "
       "the engine's own threads (rmq-*) absorb the faults the write modes keep off the writer.</p>\n";
  for (const auto& m : r.modes) h += "<h3>" + esc(m.name) + "</h3>\n" + threads_table(m);

  if (r.pressure) {
    const PressureReport& p = r.pressure_report;
    h += "<h2>Memory pressure</h2>\n";
    Table t;
    t.header({"what", "value"});
    t.row({"safety margin (MemAvailable never taken below)", format_bytes(p.safety_margin_bytes)});
    if (r.pressure_options.hog)
      t.row({"hog target", r.pressure_options.hog_bytes
                               ? format_bytes(r.pressure_options.hog_bytes)
                               : "leave " + format_bytes(r.pressure_options.leave_available_bytes) + " available"});
    t.row({"hog peak", format_bytes(p.hog_peak_bytes)});
    t.row({"times the hog gave memory back", std::to_string(p.safety_shrinks)});
    t.row({"lowest MemAvailable seen by the hog", format_bytes(p.min_available_bytes)});
    if (r.pressure_options.churn) {
      t.row({"churn file", format_bytes(p.churn_file_bytes) + " (" + p.churn_file_note + ")"});
      t.row({"read by the churn", format_bytes(p.churn_bytes_read)});
    }
    if (r.pressure_options.reclaim_pulse_bytes) t.row({"reclaim pulses", std::to_string(p.reclaim_pulses)});
    h += t.done();
    for (const auto& w : p.warnings) h += "<p class=\"warn\">" + esc(w) + "</p>\n";
  }

  h += "<h2>Host and settings</h2>\n";
  {
    Table t;
    t.header({"setting", "value"});
    t.row({"CPU", r.host.cpu_model + " x " + std::to_string(r.host.cpus) +
                      (r.host.virtual_machine ? " (virtual machine)" : "")});
    t.row({"clocksource", r.host.clocksource});
    t.row({"transparent hugepages", r.host.thp_enabled + " / defrag " + r.host.thp_defrag});
    for (const auto& [k, v] : r.host.sysctls) t.row({k, v});
    t.row({"segment_bytes", format_bytes(o.segment_bytes)});
    t.row({"pool_buffers", std::to_string(o.pool_buffers)});
    t.row({"warm_ahead_bytes", format_bytes(o.warm_ahead_bytes)});
    t.row({"flush_interval_ms / flush_dirty_bytes",
           std::to_string(o.flush_interval_ms) + " ms / " + format_bytes(o.flush_dirty_bytes)});
    t.row({"fault accounting", r.modes.empty() ? "" : r.modes.front().writer.backend});
    t.row({"CPU placement", o.writer_cpus.empty() && o.helper_cpus.empty()
                                ? std::string("left to the scheduler")
                                : "writers on CPUs " + numa::format_cpu_list(o.writer_cpus) + ", other threads on " +
                                      numa::format_cpu_list(o.helper_cpus)});
    t.row({"writer nice", std::to_string(o.writer_nice)});
    h += t.done();
  }
  if (!r.notes.empty()) {
    h += "<h2>Notes</h2>\n<ul>\n";
    for (const auto& n : r.notes) h += "<li>" + esc(n) + "</li>\n";
    h += "</ul>\n";
  }
  h += "<p class=\"small\">" + esc(r.tool_version) +
       ". Self-contained page: no scripts, nothing loaded from the "
       "network.</p>\n</body>\n</html>\n";
  return h;
}

std::string format_attach_html(const AttachReport& r, size_t max_points) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  h += "<title>ringmq-jitter attach</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  h += "<h1>Faults of a running process</h1>\n<p class=\"small\">" + esc(r.started_at) + " on " + esc(r.host.hostname) +
       " (" + esc(r.host.kernel) + ").";
  if (r.options.pid) h += " Process " + std::to_string(r.options.pid) + " (" + esc(r.process_name) + ").";
  if (!r.options.metrics_url.empty()) h += " Metrics endpoint " + esc(r.options.metrics_url) + ".";
  h += "</p>\n<pre>" + esc(r.command_line) + "</pre>\n";
  if (r.points.size() < 2) return h + "<p>Not enough samples.</p>\n</body>\n</html>\n";

  const size_t n = r.points.size();
  const size_t k = std::max<size_t>(1, (n + max_points - 1) / std::max<size_t>(max_points, 1));
  std::vector<SampledPoint> samples;
  for (const auto& p : r.points) samples.push_back(p.system);
  if (r.options.pid) {
    // Process faults per second, and the five threads that faulted most.
    const auto totals = attach_thread_totals(r);
    std::vector<std::string> top;
    for (size_t i = 0; i < totals.size() && i < 5; ++i) top.push_back(totals[i].name);
    std::vector<double> xs, minor, major;
    std::vector<std::vector<double>> per_thread(top.size());
    double peak = 10;
    for (size_t i = k; i < n; i += k) {
      const auto& a = r.points[i - k];
      const auto& b = r.points[i];
      const double dt = static_cast<double>(b.system.system.time_ns - a.system.system.time_ns) / 1e9;
      if (dt <= 0) continue;
      xs.push_back(static_cast<double>(b.system.system.time_ns - r.start_ns) / 1e9);
      minor.push_back(
          static_cast<double>(b.process.minor_faults - std::min(a.process.minor_faults, b.process.minor_faults)) / dt);
      major.push_back(
          static_cast<double>(b.process.major_faults - std::min(a.process.major_faults, b.process.major_faults)) / dt);
      peak = std::max({peak, minor.back(), major.back()});
      for (size_t t = 0; t < top.size(); ++t) {
        uint64_t before = 0, after = 0;
        for (const auto& th : a.threads)
          if (th.name == top[t]) before += th.minor_faults + th.major_faults;
        for (const auto& th : b.threads)
          if (th.name == top[t]) after += th.minor_faults + th.major_faults;
        per_thread[t].push_back(static_cast<double>(after - std::min(before, after)) / dt);
      }
    }
    SvgChart c(kWidth, 280, 70, 20, 30, 40);
    ChartAxis x;
    x.lo = 0;
    x.hi = std::max(xs.empty() ? 1.0 : xs.back(), 1e-3);
    x.ticks = linear_ticks(0, x.hi, 12, "s");
    x.label = "seconds since attaching";
    ChartAxis y;
    y.log = true;
    y.lo = 1;
    y.hi = std::pow(10.0, std::ceil(std::log10(peak * 1.5)));
    y.ticks = log_ticks(y.lo, y.hi);
    y.label = "faults per second";
    c.set_x(x);
    c.set_y(y);
    c.title("Page faults of the process");
    c.line(xs, minor, "#ff7f0e", 2, {}, "minor faults/s (process)");
    c.line(xs, major, "#8b0000", 2, {}, "major faults/s (process)");
    const char* palette[] = {"#1f77b4", "#2ca02c", "#9467bd", "#17becf", "#7f7f7f"};
    std::vector<std::pair<std::string, std::string>> legend = {{"#ff7f0e", "process minor/s"},
                                                               {"#8b0000", "process major/s"}};
    for (size_t t = 0; t < top.size(); ++t) {
      c.line(xs, per_thread[t], palette[t], 1, "4,2", top[t] + " faults/s");
      legend.emplace_back(palette[t], top[t]);
    }
    c.legend(legend);
    h += "<h2>Process</h2>\n" + c.svg();
    Table t;
    t.header({"thread", "minor faults", "major faults", "CPU"});
    for (const auto& th : totals)
      t.row({th.name, format_count(static_cast<double>(th.minor_faults)),
             format_count(static_cast<double>(th.major_faults)), fmt("%.0f ms", static_cast<double>(th.cpu_ms))});
    h += t.done();
  }
  h += "<h2>System counters</h2>\n" +
       system_charts(samples, r.start_ns, {}, max_points, r.host.cpus, "seconds since attaching");
  if (!r.points.back().metrics.empty()) {
    h += "<h2>Metrics endpoint</h2>\n";
    for (const auto& family : histogram_families(r.points.back().metrics)) {
      const EndpointQuantiles all = histogram_quantiles(family, r.points.front().metrics, r.points.back().metrics);
      if (all.count <= 0) continue;
      std::vector<double> xs, p50, p99;
      double lo = INFINITY, hi = 0;
      for (size_t i = k; i < n; i += k) {
        const EndpointQuantiles q = histogram_quantiles(family, r.points[i - k].metrics, r.points[i].metrics);
        xs.push_back(static_cast<double>(r.points[i].system.system.time_ns - r.start_ns) / 1e9);
        p50.push_back(q.count > 0 && std::isfinite(q.p50) ? q.p50 : NAN);
        p99.push_back(q.count > 0 && std::isfinite(q.p99) ? q.p99 : NAN);
        for (double v : {p50.back(), p99.back()})
          if (std::isfinite(v) && v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
      }
      h += "<p>" + esc(family) + ": " + fmt("%.0f", all.count) + " observations; p50 &lt;= " + fmt("%g", all.p50) +
           ", p99 &lt;= " + fmt("%g", all.p99) + ", p99.9 &lt;= " + fmt("%g", all.p999) +
           " (bucket upper bounds, in the metric's unit)</p>\n";
      if (hi <= 0) continue;
      SvgChart c(kWidth, 240, 70, 20, 30, 40);
      ChartAxis x;
      x.lo = 0;
      x.hi = std::max(xs.back(), 1e-3);
      x.ticks = linear_ticks(0, x.hi, 12, "s");
      x.label = "seconds since attaching";
      ChartAxis y;
      y.log = true;
      y.lo = std::pow(10.0, std::floor(std::log10(lo)));
      y.hi = std::pow(10.0, std::ceil(std::log10(hi * 1.01)));
      y.ticks = log_ticks(y.lo, y.hi);
      y.label = "per interval";
      c.set_x(x);
      c.set_y(y);
      c.title(family);
      c.line(xs, p50, "#1f77b4", 1.5, {}, "p50 per interval");
      c.line(xs, p99, "#d62728", 1.5, {}, "p99 per interval");
      c.legend({{"#1f77b4", "p50 per interval"}, {"#d62728", "p99 per interval"}});
      h += c.svg();
    }
    Table t;
    t.header({"series", "first", "last", "change per second"});
    const double span_s =
        static_cast<double>(r.points.back().system.system.time_ns - r.points.front().system.system.time_ns) / 1e9;
    for (const auto& [series, value] : r.points.back().metrics) {
      if (series.find("_bucket{") != std::string::npos) continue;
      auto it = r.points.front().metrics.find(series);
      const double first = it == r.points.front().metrics.end() ? 0 : it->second;
      t.row({series, fmt("%.6g", first), fmt("%.6g", value), fmt("%.6g", span_s > 0 ? (value - first) / span_s : 0.0)});
    }
    h += t.done();
  }
  if (!r.notes.empty()) {
    h += "<h2>Notes</h2>\n<ul>\n";
    for (const auto& note : r.notes) h += "<li>" + esc(note) + "</li>\n";
    h += "</ul>\n";
  }
  return h + "</body>\n</html>\n";
}

}  // namespace ringmq::perf
