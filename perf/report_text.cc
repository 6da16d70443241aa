// The terminal view of a run, and the small formatting helpers the other views share.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>

#include "common/byte_size.h"
#include "perf/jitter_report.h"
#include "perf/report_series.h"
#include "perf/svg_chart.h"

namespace ringmq::perf {
namespace {

std::string printf_string(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string printf_string(const char* format, ...) {
  char buf[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  return buf;
}

std::string ratio_text(double r) {
  if (r <= 0) return "-";
  return printf_string(r >= 10 ? "%.0fx" : "%.1fx", r);
}

}  // namespace

std::string format_ns(uint64_t ns) { return format_us(static_cast<double>(ns) / 1e3); }

std::string format_count(double value) {
  if (value != std::floor(value) || value < 0) return printf_string("%.1f", value);
  std::string digits = printf_string("%.0f", value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::vector<ModeComparison> compare_modes(const RunReport& report, const std::string& baseline) {
  std::vector<ModeComparison> out;
  const ModeResult* base = nullptr;
  for (const auto& m : report.modes)
    if (m.name == baseline && m.latency.count()) base = &m;
  if (!base) return out;
  const double base_p = static_cast<double>(base->latency.value_at_percentile(99.99));
  const double base_max = static_cast<double>(base->latency.max());
  for (const auto& m : report.modes) {
    if (&m == base || !m.latency.count()) continue;
    ModeComparison c;
    c.mode = m.name;
    c.p9999_ratio = base_p / std::max(1.0, static_cast<double>(m.latency.value_at_percentile(99.99)));
    c.max_ratio = base_max / std::max(1.0, static_cast<double>(m.latency.max()));
    out.push_back(c);
  }
  return out;
}

std::vector<std::string> spike_findings(const RunReport& report) {
  std::vector<std::string> out;
  for (const auto& m : report.modes) {
    if (!m.latency.count()) continue;
    std::string line = m.name + ": ";
    if (m.spike_count == 0) {
      line += "no append slower than " + format_ns(report.options.spike_threshold_ns) + " after warm-up";
    } else {
      uint64_t listed = 0;
      for (uint64_t c : m.spike_causes) listed += c;
      line += format_count(static_cast<double>(m.spike_count)) + " appends slower than " +
              format_ns(report.options.spike_threshold_ns) + "; ";
      std::vector<std::pair<uint64_t, int>> causes;
      for (int c = 0; c < kSpikeCauseCount; ++c)
        if (m.spike_causes[c]) causes.emplace_back(m.spike_causes[c], c);
      std::sort(causes.rbegin(), causes.rend());
      for (size_t i = 0; i < causes.size(); ++i) {
        if (i) line += ", ";
        line += printf_string("%.0f%% %s", 100.0 * static_cast<double>(causes[i].first) / static_cast<double>(listed),
                              spike_cause_name(static_cast<SpikeCause>(causes[i].second)));
      }
      if (listed < m.spike_count) line += " (of the first " + format_count(static_cast<double>(listed)) + " listed)";
      line += printf_string(
          "; %.0f%% fell in a sampler window with direct reclaim",
          100.0 * static_cast<double>(m.spikes_in_direct_reclaim) / static_cast<double>(std::max<uint64_t>(listed, 1)));
    }
    const WriterEvents& w = m.writer;
    const uint64_t at_writer = w.fault_locations[static_cast<int>(FaultLocation::kWritePosition)];
    if (w.in_appends.faults() == 0) {
      line += "; the writer took no page fault inside an append";
    } else {
      line += "; " + format_count(static_cast<double>(w.ops_with_faults)) + " appends faulted";
      if (w.per_operation && w.ops_with_faults)
        line += printf_string(" (%.0f%% on the page being written)",
                              100.0 * static_cast<double>(at_writer) / static_cast<double>(w.ops_with_faults));
      if (m.faulted_latency.count())
        line += ", median " + format_ns(m.faulted_latency.value_at_percentile(50)) + " each, max " +
                format_ns(m.faulted_latency.max());
    }
    if (m.busy_retries)
      line += "; back pressure made " + format_count(static_cast<double>(m.busy_retries)) + " appends retry";
    out.push_back(line + ".");
  }
  return out;
}

std::string format_text_report(const RunReport& report) {
  const WorkloadOptions& o = report.options;
  std::string out;
  out +=
      printf_string("ringmq-jitter: %s of %u-byte appends per mode%s, %s flush, %u producer%s, %s",
                    o.bytes_per_mode ? format_bytes(o.bytes_per_mode).c_str() : "unbounded", o.record_bytes,
                    o.duration_ms ? printf_string(" (at most %.0f s)", o.duration_ms / 1e3).c_str() : "",
                    engine::flush_mode_name(o.flush), o.producers, o.producers == 1 ? "" : "s",
                    o.rate_per_s ? printf_string("open loop at %" PRIu64 "/s", o.rate_per_s).c_str() : "closed loop");
  if (report.pressure) {
    const auto& p = report.pressure_options;
    out += ", pressure on (";
    if (p.hog)
      out += p.hog_bytes ? "hog " + format_bytes(p.hog_bytes)
                         : "hog leaves " + format_bytes(p.leave_available_bytes) + " available";
    if (p.churn)
      out += std::string(p.hog ? ", " : "") + "churn through " + format_bytes(report.pressure_report.churn_file_bytes);
    if (p.reclaim_pulse_bytes) out += ", reclaim pulses of " + format_bytes(p.reclaim_pulse_bytes);
    out += ")";
  }
  out += "\n";
  if (report.interrupted) out += "INTERRUPTED: the figures cover what ran before the signal.\n";
  out += "\n";

  out += printf_string("%-12s %8s %8s %10s %8s %8s %8s %8s %8s %9s %8s\n", "mode", "MiB/s", "durable", "appends/s",
                       "p50", "p99", "p99.9", "p99.99", "max", "faults/M", "spikes");
  for (const auto& m : report.modes) {
    if (!m.error.empty() && !m.latency.count()) {
      out += printf_string("%-12s failed: %s\n", m.name.c_str(), m.error.c_str());
      continue;
    }
    const LatencySummary s = summarize(m.latency);
    out += printf_string("%-12s %8.1f %8.1f %10s %8s %8s %8s %8s %8s %9s %8s\n", m.name.c_str(), m.mib_per_s(),
                         m.durable_mib_per_s(), format_count(std::round(m.ops_per_s())).c_str(),
                         format_ns(s.p50_ns).c_str(), format_ns(s.p99_ns).c_str(), format_ns(s.p999_ns).c_str(),
                         format_ns(s.p9999_ns).c_str(), format_ns(s.max_ns).c_str(),
                         format_count(std::round(m.faults_per_million() * 10) / 10).c_str(),
                         format_count(static_cast<double>(m.spike_count)).c_str());
    if (!m.error.empty()) out += "             error: " + m.error + "\n";
    if (m.busy_retries)
      out += "             " + format_count(static_cast<double>(m.busy_retries)) +
             " appends refused as busy (back pressure) and retried; the waits are in the latencies\n";
  }
  const std::string kind = !o.rate_per_s       ? "latency of single appends"
                           : o.service_latency ? "service time of single appends (open loop)"
                                               : "response time from when each append was due (open loop)";
  out += printf_string(
      "(%s, after %s warm-up appends; durable: MiB/s until close() made all data durable; faults/M: "
      "writer page faults inside appends per million appends after warm-up; spikes: appends slower "
      "than %s)\n",
      kind.c_str(), format_count(static_cast<double>(o.warmup_ops)).c_str(), format_ns(o.spike_threshold_ns).c_str());
  if (o.rate_per_s) {
    out += o.service_latency ? "response time:" : "service time: ";
    for (const auto& m : report.modes) {
      const LatencySummary s = summarize(m.other_latency);
      out += printf_string("  %s p99.99 %s max %s;", m.name.c_str(), format_ns(s.p9999_ns).c_str(),
                           format_ns(s.max_ns).c_str());
    }
    out += "\n";
  }
  out += "\n";

  out += printf_string("%-12s %9s %7s %11s %11s %12s %9s  %s\n", "in appends", "minor", "major", "ops w/fault",
                       "ops off-CPU", "thread total", "warm-up", "backend");
  for (const auto& m : report.modes) {
    const WriterEvents& w = m.writer;
    out += printf_string(
        "%-12s %9s %7s %11s %11s %12s %9s  %s%s\n", m.name.c_str(),
        format_count(static_cast<double>(w.in_appends.minor_faults)).c_str(),
        format_count(static_cast<double>(w.in_appends.major_faults)).c_str(),
        format_count(static_cast<double>(w.ops_with_faults)).c_str(),
        w.sees_context_switches ? format_count(static_cast<double>(w.ops_with_context_switches)).c_str() : "n/a",
        format_count(static_cast<double>(w.measured.faults())).c_str(),
        format_count(static_cast<double>(w.warmup.faults())).c_str(), w.backend.c_str(),
        w.per_operation ? "" : " (per batch of 64)");
  }
  out += "(writer faults after warm-up: inside appends, and the thread's total including the measuring loop)\n";
  out += "\n";

  bool any_located = false;
  for (const auto& m : report.modes)
    for (int k = 0; k < kFaultLocationCount - 1; ++k) any_located |= m.writer.fault_locations[k] > 0;
  if (any_located) {
    out += printf_string("%-12s %15s %15s %15s %13s %11s\n", "faulted at", "write position", "ahead of writer",
                         "behind writer", "other memory", "unresolved");
    for (const auto& m : report.modes) {
      out += printf_string("%-12s", m.name.c_str());
      const int widths[kFaultLocationCount] = {15, 15, 15, 13, 11};
      for (int k = 0; k < kFaultLocationCount; ++k)
        out += printf_string(" %*s", widths[k], format_count(static_cast<double>(m.writer.fault_locations[k])).c_str());
      out += "\n";
    }
    out += "(appends after warm-up that faulted, by where their first fault landed in the segment mappings)\n\n";
  }

  out += printf_string("%-12s %8s %8s %8s %8s %8s %8s | %10s %10s\n", "spike cause", "major", "minor", "roll",
                       "off-CPU", "on-CPU", "queued", "in dir.recl", "in mem.stall");
  for (const auto& m : report.modes) {
    out += printf_string("%-12s", m.name.c_str());
    for (int c = 0; c < kSpikeCauseCount; ++c)
      out += printf_string(" %8s", format_count(static_cast<double>(m.spike_causes[c])).c_str());
    out += printf_string(" | %10s %10s%s\n", format_count(static_cast<double>(m.spikes_in_direct_reclaim)).c_str(),
                         format_count(static_cast<double>(m.spikes_in_memory_stall)).c_str(),
                         m.spike_count > m.spikes.size() ? " (causes of the first listed spikes only)" : "");
  }
  out += "\n";

  out += printf_string("%-12s %10s %12s %12s %9s %10s %10s %11s %10s %10s\n", "system", "allocstall", "pgscan_direct",
                       "pgscan_kswapd", "compact", "pgmajfault", "refaults", "psi-mem-full", "min avail", "other CPU");
  for (const auto& m : report.modes) {
    const SystemDelta d = system_delta(m.system_start, m.system_end);
    auto c = [&](VmCounter v) { return format_count(static_cast<double>(d.vm[v])); };
    out += printf_string(
        "%-12s %10s %12s %12s %9s %10s %10s %9.0fms %10s %10.2f\n", m.name.c_str(), c(VmCounter::kAllocStall).c_str(),
        c(VmCounter::kPgScanDirect).c_str(), c(VmCounter::kPgScanKswapd).c_str(), c(VmCounter::kCompactStall).c_str(),
        c(VmCounter::kPgMajFault).c_str(), c(VmCounter::kWorkingsetRefaultFile).c_str(), d.psi_memory_full_ms,
        format_bytes(min_available_between(report.samples, m.start_ns, m.end_ns)).c_str(), d.other_cpus);
  }
  out += "(other CPU: CPUs kept busy by other processes and kernel threads, on average over the mode)\n";

  out += "\n";
  for (const auto& finding : spike_findings(report)) out += finding + "\n";
  for (const auto& m : report.modes) {
    for (size_t i = 0; i < m.engine_messages.size() && i < 5; ++i)
      out += printf_string(
          "%s: engine %s at %.3f s: %s\n", m.name.c_str(), m.engine_messages[i].level.c_str(),
          static_cast<double>(m.engine_messages[i].time_ns - std::min(m.engine_messages[i].time_ns, m.start_ns)) / 1e9,
          m.engine_messages[i].text.c_str());
    if (m.engine_messages.size() > 5)
      out +=
          m.name + ": " + std::to_string(m.engine_messages.size() - 5) + " more engine messages in the JSON report\n";
  }
  const auto comparisons = compare_modes(report);
  if (!comparisons.empty()) {
    out += "\n";
    for (const auto& c : comparisons)
      out += printf_string("%s vs mmap: p99.99 %s lower, max %s lower\n", c.mode.c_str(),
                           ratio_text(c.p9999_ratio).c_str(), ratio_text(c.max_ratio).c_str());
  }
  for (const auto& note : report.notes) out += "note: " + note + "\n";
  return out;
}

}  // namespace ringmq::perf
