// The JSON view of a run. Latencies are in microseconds (3 decimals), sizes in bytes, times
// in seconds from the run start unless a key says otherwise.
#include <algorithm>

#include "common/json_writer.h"
#include "numa/cpu_list.h"
#include "perf/jitter_report.h"
#include "perf/report_series.h"

namespace ringmq::perf {
namespace {

double us(uint64_t ns) { return static_cast<double>(ns) / 1e3; }

void write_latency(JsonWriter& j, std::string_view key, const LatencyHistogram& h) {
  const LatencySummary s = summarize(h);
  j.begin_object(key)
      .field("count", s.count)
      .field("min", us(s.min_ns))
      .field("mean", s.mean_ns / 1e3)
      .field("p50", us(s.p50_ns))
      .field("p90", us(s.p90_ns))
      .field("p99", us(s.p99_ns))
      .field("p99.9", us(s.p999_ns))
      .field("p99.99", us(s.p9999_ns))
      .field("p99.999", us(s.p99999_ns))
      .field("max", us(s.max_ns))
      .end_object();
}

void write_counts(JsonWriter& j, std::string_view key, const ThreadEventCounts& c) {
  j.begin_object(key)
      .field("minor_faults", c.minor_faults)
      .field("major_faults", c.major_faults)
      .field("context_switches", c.context_switches)
      .end_object();
}

template <typename T>
void write_series(JsonWriter& j, std::string_view key, const std::vector<T>& values, int decimals = 3) {
  j.begin_array(key, true);
  for (const T& v : values) {
    if constexpr (std::is_floating_point_v<T>)
      j.item(static_cast<double>(v), decimals);
    else
      j.item(static_cast<uint64_t>(v));
  }
  j.end_array();
}

void write_spike(JsonWriter& j, const Spike& s) {
  j.begin_object()
      .field("at_s", static_cast<double>(s.at_ns) / 1e9, 6)
      .field("latency_us", us(s.latency_ns))
      .field("service_us", us(s.service_ns))
      .field("producer", s.producer)
      .field("cause", spike_cause_name(s.cause()))
      .field("minor_faults", s.minor_faults)
      .field("major_faults", s.major_faults)
      .field("context_switches", s.context_switches)
      .field("segment_roll", s.segment_roll)
      .field("fault_location", s.minor_faults + s.major_faults ? fault_location_name(s.fault_location) : "")
      .field("window_direct_reclaim", s.direct_reclaim)
      .field("window_kswapd", s.kswapd)
      .field("window_compaction", s.compaction)
      .field("window_memory_stall", s.memory_stall)
      .field("window_io_stall", s.io_stall)
      .end_object();
}

void write_mode(JsonWriter& j, const RunReport& report, const ModeResult& m, size_t max_points) {
  j.begin_object();
  j.field("mode", m.name).field("error", m.error).field("interrupted", m.interrupted);
  j.field("start_s", static_cast<double>(m.start_ns - std::min(m.start_ns, report.run_start_ns)) / 1e9)
      .field("seconds", m.seconds)
      .field("ops", m.ops)
      .field("bytes", m.bytes)
      .field("warmup_ops", m.warmup_ops)
      .field("busy_retries", m.busy_retries)
      .field("ops_per_s", m.ops_per_s(), 1)
      .field("mib_per_s", m.mib_per_s(), 2)
      .field("durable_seconds", m.durable_seconds)
      .field("durable_mib_per_s", m.durable_mib_per_s(), 2)
      .field("locked_bytes", m.locked_bytes)
      .field("pressure_held_bytes", m.pressure_held_bytes);
  write_latency(j, "latency_us", m.latency);
  write_latency(j, "faulted_ops_latency_us", m.faulted_latency);
  if (report.options.rate_per_s)
    write_latency(j, report.options.service_latency ? "response_time_us" : "service_time_us", m.other_latency);
  j.begin_array("percentile_curve");
  for (const auto& p : m.latency.percentile_curve())
    j.begin_array({}, true).item(p.percentile, 6).item(us(p.value_ns)).end_array();
  j.end_array();

  const WriterEvents& w = m.writer;
  j.begin_object("writer_events")
      .field("backend", w.backend)
      .field("per_operation", w.per_operation)
      .field("sees_context_switches", w.sees_context_switches)
      .field("backend_note", w.backend_note);
  write_counts(j, "warmup", w.warmup);
  write_counts(j, "in_appends", w.in_appends);
  write_counts(j, "thread_total", w.measured);
  j.field("faults_per_million_ops", m.faults_per_million())
      .field("ops_with_faults", w.ops_with_faults)
      .field("ops_with_major_faults", w.ops_with_major_faults)
      .field("ops_with_context_switches", w.ops_with_context_switches)
      .field("lost_samples", w.lost_samples)
      .field("throttle_events", w.throttle_events);
  j.begin_object("faulted_ops_by_location");
  for (int k = 0; k < kFaultLocationCount; ++k)
    j.field(fault_location_name(static_cast<FaultLocation>(k)), w.fault_locations[k]);
  j.end_object();
  j.end_object();

  j.begin_object("spikes").field("threshold_us", us(report.options.spike_threshold_ns)).field("count", m.spike_count);
  j.field("listed", static_cast<uint64_t>(m.spikes.size()));
  j.begin_object("causes");
  for (int c = 0; c < kSpikeCauseCount; ++c) j.field(spike_cause_name(static_cast<SpikeCause>(c)), m.spike_causes[c]);
  j.end_object();
  j.field("in_direct_reclaim_windows", m.spikes_in_direct_reclaim)
      .field("in_memory_stall_windows", m.spikes_in_memory_stall)
      .field("in_compaction_windows", m.spikes_in_compaction);
  std::vector<const Spike*> largest;
  for (const Spike& s : m.spikes)
    if (!s.during_warmup) largest.push_back(&s);
  std::sort(largest.begin(), largest.end(), [](auto* a, auto* b) { return a->latency_ns > b->latency_ns; });
  if (largest.size() > 100) largest.resize(100);
  j.begin_array("largest");
  for (const Spike* s : largest) write_spike(j, *s);
  j.end_array();
  j.end_object();

  const SystemDelta d = system_delta(m.system_start, m.system_end);
  j.begin_object("system");
  j.begin_object("vmstat_delta");
  for (int c = 0; c < kVmCounterCount; ++c)
    if (d.vm.present[c]) j.field(vm_counter_name(static_cast<VmCounter>(c)), d.vm.values[c]);
  j.end_object();
  j.field("psi_memory_some_ms", d.psi_memory_some_ms)
      .field("psi_memory_full_ms", d.psi_memory_full_ms)
      .field("psi_io_some_ms", d.psi_io_some_ms)
      .field("psi_io_full_ms", d.psi_io_full_ms)
      .field("steal_pct", d.steal_pct, 2)
      .field("iowait_pct", d.iowait_pct, 2)
      .field("other_processes_cpus", d.other_cpus, 2)
      .field("min_available_bytes", min_available_between(report.samples, m.start_ns, m.end_ns))
      .end_object();

  j.begin_array("engine_messages");
  for (const auto& e : m.engine_messages)
    j.begin_object()
        .field("at_s", static_cast<double>(e.time_ns - std::min(e.time_ns, m.start_ns)) / 1e9, 6)
        .field("level", e.level)
        .field("text", e.text)
        .end_object();
  j.end_array();
  j.begin_array("threads");
  for (const auto& t : m.threads)
    j.begin_object()
        .field("name", t.name)
        .field("minor_faults", t.minor_faults)
        .field("major_faults", t.major_faults)
        .field("cpu_ms", t.cpu_ms)
        .end_object();
  j.end_array();

  const TimelineSeries t = timeline_series(m, report.run_start_ns, max_points);
  j.begin_object("timeline").field("point_s", t.point_s, 4);
  write_series(j, "t_s", t.t_s, 3);
  write_series(j, "ops", t.ops);
  write_series(j, "max_us", t.max_us, 1);
  write_series(j, "mean_us", t.mean_us, 2);
  write_series(j, "spikes", t.spikes);
  write_series(j, "minor_faults", t.minor_faults);
  write_series(j, "major_faults", t.major_faults);
  write_series(j, "context_switches", t.context_switches);
  j.end_object();
  j.end_object();
}

}  // namespace

std::string format_json_report(const RunReport& report, size_t max_points) {
  JsonWriter j;
  const WorkloadOptions& o = report.options;
  j.begin_object();
  j.field("tool", report.tool_version).field("command", report.command_line).field("started_at", report.started_at);
  j.field("interrupted", report.interrupted);

  const HostInfo& h = report.host;
  j.begin_object("host")
      .field("hostname", h.hostname)
      .field("kernel", h.kernel)
      .field("cpu_model", h.cpu_model)
      .field("cpus", h.cpus)
      .field("virtual_machine", h.virtual_machine)
      .field("mem_total_bytes", h.mem_total_bytes)
      .field("clocksource", h.clocksource)
      .field("filesystem", h.filesystem)
      .field("thp_enabled", h.thp_enabled)
      .field("thp_defrag", h.thp_defrag);
  j.begin_object("settings");
  for (const auto& [k, v] : h.sysctls) j.field(k, v);
  j.end_object().end_object();

  j.begin_object("workload");
  j.begin_array("modes", true);
  for (auto mode : o.modes) j.item(engine::write_mode_name(mode));
  j.end_array();
  j.field("record_bytes", o.record_bytes)
      .field("bytes_per_mode", o.bytes_per_mode)
      .field("duration_ms", o.duration_ms)
      .field("rate_per_s", o.rate_per_s)
      .field("latency", !o.rate_per_s       ? "service (closed loop)"
                        : o.service_latency ? "service"
                                            : "response")
      .field("producers", o.producers)
      .field("queues", o.queues)
      .field("flush", engine::flush_mode_name(o.flush))
      .field("segment_bytes", o.segment_bytes)
      .field("pool_buffers", o.pool_buffers)
      .field("warm_ahead_bytes", o.warm_ahead_bytes)
      .field("flush_interval_ms", o.flush_interval_ms)
      .field("flush_dirty_bytes", o.flush_dirty_bytes)
      .field("data_dir", o.data_dir)
      .field("writer_cpus", numa::format_cpu_list(o.writer_cpus))
      .field("helper_cpus", numa::format_cpu_list(o.helper_cpus))
      .field("writer_nice", static_cast<double>(o.writer_nice), 0)
      .end_object();

  j.begin_object("measurement")
      .field("spike_threshold_us", us(o.spike_threshold_ns))
      .field("warmup_ops", o.warmup_ops)
      .field("bin_ms", o.bin_ms)
      .field("sample_ms", o.sample_ms)
      .field("timer_overhead_ns", report.timer_overhead_ns, 1)
      .field("fault_backend", fault_backend_name(o.fault_backend))
      .end_object();

  if (report.pressure) {
    const PressureOptions& p = report.pressure_options;
    const PressureReport& r = report.pressure_report;
    j.begin_object("pressure")
        .field("hog", p.hog)
        .field("leave_available_bytes", p.hog && !p.hog_bytes ? p.leave_available_bytes : 0)
        .field("hog_bytes_requested", p.hog_bytes)
        .field("churn", p.churn)
        .field("churn_rate_bytes_per_s", p.churn_rate_bytes_per_s)
        .field("reclaim_pulse_bytes", p.reclaim_pulse_bytes)
        .field("safety_margin_bytes", r.safety_margin_bytes)
        .field("hog_peak_bytes", r.hog_peak_bytes)
        .field("hog_bytes_at_stop", r.hog_bytes_at_stop)
        .field("safety_shrinks", r.safety_shrinks)
        .field("min_available_bytes", r.min_available_bytes)
        .field("churn_file_bytes", r.churn_file_bytes)
        .field("churn_file", r.churn_file_note)
        .field("churn_bytes_read", r.churn_bytes_read)
        .field("reclaim_pulses", r.reclaim_pulses);
    j.begin_array("warnings");
    for (const auto& w : r.warnings) j.item(w);
    j.end_array().end_object();
  } else {
    j.null_field("pressure");
  }

  j.begin_array("modes");
  for (const auto& m : report.modes) write_mode(j, report, m, max_points);
  j.end_array();

  j.begin_array("comparison_with_mmap");
  for (const auto& c : compare_modes(report))
    j.begin_object()
        .field("mode", c.mode)
        .field("p99.99_lower_by", c.p9999_ratio, 2)
        .field("max_lower_by", c.max_ratio, 2)
        .end_object();
  j.end_array();

  const SystemSeries s = system_series(report.samples, report.run_start_ns, max_points);
  j.begin_object("system_samples");
  write_series(j, "t_s", s.t_s, 2);
  write_series(j, "available_mib", s.available_mib, 0);
  write_series(j, "free_mib", s.free_mib, 0);
  write_series(j, "cached_mib", s.cached_mib, 0);
  write_series(j, "dirty_mib", s.dirty_mib, 1);
  write_series(j, "writeback_mib", s.writeback_mib, 1);
  write_series(j, "hog_mib", s.hog_mib, 0);
  write_series(j, "allocstall_per_s", s.allocstall_per_s, 1);
  write_series(j, "pgscan_direct_per_s", s.pgscan_direct_per_s, 0);
  write_series(j, "pgscan_kswapd_per_s", s.pgscan_kswapd_per_s, 0);
  write_series(j, "pgsteal_per_s", s.pgsteal_per_s, 0);
  write_series(j, "compact_stall_per_s", s.compact_stall_per_s, 1);
  write_series(j, "pgmajfault_per_s", s.pgmajfault_per_s, 1);
  write_series(j, "workingset_refault_per_s", s.refault_per_s, 0);
  write_series(j, "pgpgin_mib_per_s", s.pgpgin_mib_per_s, 1);
  write_series(j, "psi_memory_some_pct", s.psi_memory_some_pct, 2);
  write_series(j, "psi_memory_full_pct", s.psi_memory_full_pct, 2);
  write_series(j, "psi_io_full_pct", s.psi_io_full_pct, 2);
  write_series(j, "steal_pct", s.steal_pct, 2);
  write_series(j, "other_processes_cpus", s.other_cpus, 2);
  j.end_object();

  j.begin_array("findings");
  for (const auto& f : spike_findings(report)) j.item(f);
  j.end_array();
  j.begin_array("notes");
  for (const auto& n : report.notes) j.item(n);
  j.end_array();
  j.end_object();
  return j.str();
}

}  // namespace ringmq::perf
