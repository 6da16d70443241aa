// The data a ringmq-jitter run produces: per write mode, the latency histogram, the
// operations' faults, a time series in bins and the list of spikes; for the whole run, the
// system samples and what the pressure generator did. The text, JSON and HTML reports are
// views of this; nothing here knows how it is printed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/config.h"
#include "perf/engine_log.h"
#include "perf/fault_probe.h"
#include "perf/latency_histogram.h"
#include "perf/memory_pressure.h"
#include "perf/proc_stats.h"
#include "perf/system_sampler.h"

namespace ringmq::perf {

// The workload, identical for every mode of a run.
struct WorkloadOptions {
  std::vector<engine::WriteMode> modes{engine::WriteMode::kMmap, engine::WriteMode::kMmapLocked,
                                       engine::WriteMode::kPool};
  uint32_t record_bytes = 1024;
  uint64_t bytes_per_mode = 1ull << 30;  // 0: no byte limit (then duration_ms must be set)
  uint64_t duration_ms = 0;              // 0: no time limit
  uint64_t rate_per_s = 0;               // appends per second over all producers; 0: closed loop
  // Open loop: the headline latency is the response time (from when the append was due, so
  // waiting behind an earlier slow append counts, as HdrHistogram's coordinated-omission
  // correction does) unless service_latency, the append call's own time. Both are kept.
  bool service_latency = false;
  uint32_t producers = 1;
  uint32_t queues = 16;
  engine::FlushMode flush = engine::FlushMode::kAsync;
  // Engine knobs passed through (the rest are the engine's defaults).
  uint64_t segment_bytes = 1ull << 30;
  uint32_t pool_buffers = 4;
  uint64_t warm_ahead_bytes = 64ull << 20;
  uint32_t flush_interval_ms = 200;
  uint64_t flush_dirty_bytes = 64u << 10;
  uint64_t retention_bytes = 0;  // 0: keep everything the mode writes (it is deleted after)
  std::string data_dir = "/var/tmp/ringmq-jitter";
  bool keep_data = false;
  // CPU placement (empty: leave it to the scheduler). Writers run on writer_cpus; every other
  // thread the run starts (engine, pressure, sampler) inherits helper_cpus from the main thread.
  std::vector<unsigned> writer_cpus, helper_cpus;
  int writer_nice = 0;  // setpriority of the writer threads (negative needs CAP_SYS_NICE)
  // Measurement.
  uint64_t spike_threshold_ns = 100'000;
  uint64_t warmup_ops = 10'000;  // per mode, over all producers: not in the histogram
  uint32_t bin_ms = 10;
  uint32_t sample_ms = 100;
  uint32_t max_spikes_kept = 200'000;  // per mode; beyond it spikes are counted, not listed
  uint32_t max_fault_sites = 200'000;  // per producer: faulted appends whose location is resolved
  FaultBackend fault_backend = FaultBackend::kAuto;
};

// One bin of a mode's timeline (all producers).
struct TimeBin {
  uint64_t ops = 0;
  uint64_t latency_sum_ns = 0;
  uint64_t latency_max_ns = 0;
  uint32_t spikes = 0;
  uint32_t minor_faults = 0;  // writer-thread events whose time falls in the bin
  uint32_t major_faults = 0;
  uint32_t context_switches = 0;
  void merge(const TimeBin& o);
};

// Where a writer fault landed, found by resolving its address against the mappings of the
// mode's segment files at the end of the mode (perf-ring backend only).
enum class FaultLocation { kWritePosition, kAheadOfWriter, kBehindWriter, kOtherMemory, kUnknown };
constexpr int kFaultLocationCount = 5;
const char* fault_location_name(FaultLocation where);
const char* fault_location_help(FaultLocation where);

// A writer operation that faulted: its first fault's address and the record it wrote.
struct FaultSite {
  uint64_t address = 0;
  uint64_t record_offset = 0, record_end = 0;  // commit-log offsets of the appended record
};

// Why a spike most likely happened, first match wins in this order.
enum class SpikeCause { kMajorFault, kMinorFault, kSegmentRoll, kContextSwitch, kOnCpu, kQueued };
constexpr int kSpikeCauseCount = 6;
const char* spike_cause_name(SpikeCause cause);
const char* spike_cause_help(SpikeCause cause);

// An operation slower than the spike threshold.
struct Spike {
  uint64_t at_ns = 0;       // operation start, from the mode start
  uint64_t latency_ns = 0;  // the headline latency (response time in open loop)
  uint64_t service_ns = 0;  // the append call's own time
  bool queued = false;      // open loop: slow only because it started late
  uint32_t producer = 0;
  uint32_t minor_faults = 0, major_faults = 0, context_switches = 0;
  bool segment_roll = false;  // the operation rolled to a new segment
  bool during_warmup = false;
  FaultSite fault_site;  // faulted operations (perf-ring): where
  FaultLocation fault_location = FaultLocation::kUnknown;
  // What the system did in the sampler window holding the spike (filled by annotate_spikes).
  bool direct_reclaim = false;  // allocstall or pgscan_direct moved
  bool kswapd = false;          // pgscan_kswapd moved
  bool compaction = false;      // compact_stall moved
  bool memory_stall = false;    // PSI memory "full" moved
  bool io_stall = false;        // PSI io "full" moved
  SpikeCause cause() const;
};

struct LatencySummary {
  uint64_t count = 0, min_ns = 0, p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0, p9999_ns = 0, p99999_ns = 0,
           max_ns = 0;
  double mean_ns = 0;
};
LatencySummary summarize(const LatencyHistogram& h);

// Faults and context switches of the writer threads.
struct WriterEvents {
  std::string backend;         // perf-ring, perf-count or rusage
  bool per_operation = false;  // exact per-operation attribution (perf-ring)
  bool sees_context_switches = true;
  std::string backend_note;    // why a better backend was not used
  ThreadEventCounts warmup;    // the writer threads' totals during the warm-up operations
  ThreadEventCounts measured;  // the writer threads' totals after warm-up (between appends too)
  // Inside the appends after warm-up: exact with perf-ring; with the per-batch backends, the
  // batches' counts (which include the few faults of the measuring loop itself).
  ThreadEventCounts in_appends;
  uint64_t ops_with_faults = 0;  // after warm-up (per batch when not per_operation)
  uint64_t ops_with_major_faults = 0;
  uint64_t ops_with_context_switches = 0;
  uint64_t lost_samples = 0, throttle_events = 0;
  // Faulted operations after warm-up by where their first fault landed (perf-ring only;
  // sites beyond the first million are not resolved).
  uint64_t fault_locations[kFaultLocationCount] = {};
};

// Faults of one named thread of this process during a mode (engine threads, pressure...).
struct ThreadFaults {
  std::string name;
  uint64_t minor_faults = 0, major_faults = 0;
  uint64_t cpu_ms = 0;
};

struct ModeResult {
  engine::WriteMode mode = engine::WriteMode::kMmap;
  std::string name;
  uint64_t start_ns = 0, end_ns = 0;  // CLOCK_MONOTONIC
  uint64_t ops = 0, bytes = 0, warmup_ops = 0;
  uint64_t busy_retries = 0;         // appends refused with kBusy and tried again (the wait is in the latency)
  double seconds = 0;                // first append to last append
  double durable_seconds = 0;        // first append until close() made everything durable
  LatencyHistogram latency;          // every operation after warm-up (the headline latency)
  LatencyHistogram faulted_latency;  // those that took at least one fault
  LatencyHistogram other_latency;    // open loop: the other of service and response time
  WriterEvents writer;
  std::vector<ThreadFaults> threads;
  uint64_t bin_ns = 0;
  std::vector<TimeBin> bins;
  std::vector<Spike> spikes;  // after warm-up, up to max_spikes_kept
  uint64_t spike_count = 0;   // after warm-up, all of them
  uint64_t spike_causes[kSpikeCauseCount] = {};
  uint64_t spikes_in_direct_reclaim = 0, spikes_in_memory_stall = 0, spikes_in_compaction = 0;
  SampledPoint system_start, system_end;  // taken at the mode's boundaries
  uint64_t locked_bytes = 0;
  uint64_t pressure_held_bytes = 0;            // hog memory given up for this mode's locked memory
  std::vector<LoggedMessage> engine_messages;  // warnings and errors the engine logged meanwhile
  std::string error;                           // set if the mode failed
  bool interrupted = false;

  double ops_per_s() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
  double mib_per_s() const { return seconds > 0 ? static_cast<double>(bytes) / seconds / (1 << 20) : 0; }
  double durable_mib_per_s() const {
    return durable_seconds > 0 ? static_cast<double>(bytes) / durable_seconds / (1 << 20) : 0;
  }
  double faults_per_million() const {
    const uint64_t n = latency.count();
    return n ? static_cast<double>(writer.in_appends.faults()) * 1e6 / static_cast<double>(n) : 0;
  }
};

struct HostInfo {
  std::string hostname, kernel, cpu_model, clocksource, filesystem, thp_enabled, thp_defrag;
  bool virtual_machine = false;  // the CPU reports a hypervisor: guest memory may fault on the host too
  uint32_t cpus = 0;
  uint64_t mem_total_bytes = 0;
  std::map<std::string, std::string> sysctls;  // vm.dirty_*, swappiness, min_free_kbytes, ...
};
HostInfo collect_host_info(const std::string& data_dir);

struct RunReport {
  std::string tool_version = "ringmq-jitter 0.1";
  std::string command_line;
  std::string started_at;  // local time, ISO 8601
  HostInfo host;
  WorkloadOptions options;
  bool pressure = false;
  PressureOptions pressure_options;
  PressureReport pressure_report;
  double timer_overhead_ns = 0;  // one clock_gettime, measured at start
  uint64_t run_start_ns = 0;     // CLOCK_MONOTONIC
  std::vector<ModeResult> modes;
  std::vector<SampledPoint> samples;
  std::vector<std::string> notes;
  bool interrupted = false;
};

// A file mapping of this process (from /proc/self/maps).
struct FileMapping {
  uint64_t start = 0, end = 0, file_offset = 0;
  std::string path;
};
std::vector<FileMapping> read_file_mappings(const std::string& path_prefix, const std::string& maps_text);
// Where `site` landed, given the segment mappings of the mode's commit-log directory.
FaultLocation locate_fault(const FaultSite& site, const std::vector<FileMapping>& segments, uint64_t page_bytes = 4096);

// Marks each spike with what the system did in its sampler window and counts the causes.
void annotate_spikes(ModeResult& mode, const std::vector<SampledPoint>& samples);

}  // namespace ringmq::perf
