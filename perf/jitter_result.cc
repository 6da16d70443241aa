#include "perf/jitter_result.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace ringmq::perf {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The mount holding `path` (longest mount point that prefixes it) and its fs type.
std::string filesystem_of(const std::string& path) {
  const std::string mounts = read_text_file("/proc/mounts");
  std::string best_point, best_type, best_device;
  size_t pos = 0;
  while (pos < mounts.size()) {
    const size_t end = std::min(mounts.find('\n', pos), mounts.size());
    const std::string line = mounts.substr(pos, end - pos);
    pos = end + 1;
    const size_t a = line.find(' '), b = line.find(' ', a + 1), c = line.find(' ', b + 1);
    if (c == std::string::npos) continue;
    const std::string device = line.substr(0, a), point = line.substr(a + 1, b - a - 1),
                      type = line.substr(b + 1, c - b - 1);
    const bool prefix =
        path.starts_with(point) && (point == "/" || path.size() == point.size() || path[point.size()] == '/');
    if (prefix && point.size() >= best_point.size()) best_point = point, best_type = type, best_device = device;
  }
  return best_type.empty() ? "unknown" : best_type + " on " + best_device + " (" + best_point + ")";
}

}  // namespace

void TimeBin::merge(const TimeBin& o) {
  ops += o.ops;
  latency_sum_ns += o.latency_sum_ns;
  latency_max_ns = std::max(latency_max_ns, o.latency_max_ns);
  spikes += o.spikes;
  minor_faults += o.minor_faults;
  major_faults += o.major_faults;
  context_switches += o.context_switches;
}

const char* spike_cause_name(SpikeCause cause) {
  switch (cause) {
    case SpikeCause::kMajorFault:
      return "major fault";
    case SpikeCause::kMinorFault:
      return "minor fault";
    case SpikeCause::kSegmentRoll:
      return "segment roll";
    case SpikeCause::kContextSwitch:
      return "off CPU";
    case SpikeCause::kOnCpu:
      return "on CPU";
    case SpikeCause::kQueued:
      return "queued";
  }
  return "?";
}

const char* spike_cause_help(SpikeCause cause) {
  switch (cause) {
    case SpikeCause::kMajorFault:
      return "the operation waited for a page to be read from disk";
    case SpikeCause::kMinorFault:
      return "the operation faulted on a page (allocation, page_mkwrite, write-protect after writeback), possibly "
             "with reclaim or dirty throttling inside the fault";
    case SpikeCause::kSegmentRoll:
      return "the operation moved the log to its next segment";
    case SpikeCause::kContextSwitch:
      return "the writer thread was switched out during the operation: preempted by another thread or blocked on "
             "a lock or a wait";
    case SpikeCause::kOnCpu:
      return "no fault and no context switch on the writer: interrupts, hypervisor steal, cache and TLB misses";
    case SpikeCause::kQueued:
      return "open loop: the append itself was quick but started late, behind an earlier slow append";
  }
  return "";
}

const char* fault_location_name(FaultLocation where) {
  switch (where) {
    case FaultLocation::kWritePosition:
      return "write position";
    case FaultLocation::kAheadOfWriter:
      return "ahead of writer";
    case FaultLocation::kBehindWriter:
      return "behind writer";
    case FaultLocation::kOtherMemory:
      return "other memory";
    case FaultLocation::kUnknown:
      return "unresolved";
  }
  return "?";
}

const char* fault_location_help(FaultLocation where) {
  switch (where) {
    case FaultLocation::kWritePosition:
      return "a page the record itself is copied into: first touch of an unwarmed page, or a page that writeback "
             "(msync or the kernel flusher) write-protected while it was partly written";
    case FaultLocation::kAheadOfWriter:
      return "a segment page beyond the record (fault-around or a wider fault)";
    case FaultLocation::kBehindWriter:
      return "a segment page before the record";
    case FaultLocation::kOtherMemory:
      return "outside the segment files: heap, index, stacks";
    case FaultLocation::kUnknown:
      return "no address (per-batch backends) or the mapping was already gone";
  }
  return "";
}

std::vector<FileMapping> read_file_mappings(const std::string& path_prefix, const std::string& maps_text) {
  std::vector<FileMapping> out;
  size_t pos = 0;
  while (pos < maps_text.size()) {
    const size_t end = std::min(maps_text.find('\n', pos), maps_text.size());
    const std::string line = maps_text.substr(pos, end - pos);
    pos = end + 1;
    // "start-end perms offset dev inode   path"
    unsigned long long start = 0, stop = 0, offset = 0;
    char perms[8];
    int path_at = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %*s %*s %n", &start, &stop, perms, &offset, &path_at) < 4 ||
        path_at <= 0)
      continue;
    std::string path = line.substr(static_cast<size_t>(path_at));
    if (!path.starts_with(path_prefix)) continue;
    if (path.ends_with(" (deleted)")) path.resize(path.size() - 10);
    out.push_back({start, stop, offset, path});
  }
  return out;
}

FaultLocation locate_fault(const FaultSite& site, const std::vector<FileMapping>& segments, uint64_t page_bytes) {
  if (site.address == 0) return FaultLocation::kUnknown;
  for (const auto& m : segments) {
    if (site.address < m.start || site.address >= m.end) continue;
    const std::string name = m.path.substr(m.path.rfind('/') + 1);
    if (name.size() != 20 || name.find_first_not_of("0123456789") != std::string::npos)
      return FaultLocation::kOtherMemory;
    const uint64_t base = std::stoull(name);
    const uint64_t offset = base + m.file_offset + (site.address - m.start);
    const uint64_t page = offset / page_bytes;
    const uint64_t first = site.record_offset / page_bytes;
    const uint64_t last = (std::max(site.record_end, site.record_offset + 1) - 1) / page_bytes;
    if (page >= first && page <= last) return FaultLocation::kWritePosition;
    return page > last ? FaultLocation::kAheadOfWriter : FaultLocation::kBehindWriter;
  }
  return FaultLocation::kOtherMemory;
}

SpikeCause Spike::cause() const {
  if (queued) return SpikeCause::kQueued;
  if (major_faults) return SpikeCause::kMajorFault;
  if (minor_faults) return SpikeCause::kMinorFault;
  if (segment_roll) return SpikeCause::kSegmentRoll;
  if (context_switches) return SpikeCause::kContextSwitch;
  return SpikeCause::kOnCpu;
}

LatencySummary summarize(const LatencyHistogram& h) {
  LatencySummary s;
  s.count = h.count();
  s.min_ns = h.min();
  s.mean_ns = h.mean();
  s.p50_ns = h.value_at_percentile(50);
  s.p90_ns = h.value_at_percentile(90);
  s.p99_ns = h.value_at_percentile(99);
  s.p999_ns = h.value_at_percentile(99.9);
  s.p9999_ns = h.value_at_percentile(99.99);
  s.p99999_ns = h.value_at_percentile(99.999);
  s.max_ns = h.max();
  return s;
}

HostInfo collect_host_info(const std::string& data_dir) {
  HostInfo h;
  utsname u{};
  if (::uname(&u) == 0) {
    h.hostname = u.nodename;
    h.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
  }
  const std::string cpuinfo = read_text_file("/proc/cpuinfo");
  const size_t at = cpuinfo.find("model name");
  if (at != std::string::npos) {
    const size_t colon = cpuinfo.find(':', at);
    h.cpu_model = trim(cpuinfo.substr(colon + 2, cpuinfo.find('\n', colon) - colon - 2));
  }
  h.virtual_machine = cpuinfo.find(" hypervisor") != std::string::npos;
  h.cpus = static_cast<uint32_t>(::sysconf(_SC_NPROCESSORS_ONLN));
  h.mem_total_bytes = read_meminfo().total;
  h.clocksource = trim(read_text_file("/sys/devices/system/clocksource/clocksource0/current_clocksource"));
  h.thp_enabled = trim(read_text_file("/sys/kernel/mm/transparent_hugepage/enabled"));
  h.thp_defrag = trim(read_text_file("/sys/kernel/mm/transparent_hugepage/defrag"));
  h.filesystem = filesystem_of(data_dir);
  for (const char* name :
       {"dirty_ratio", "dirty_background_ratio", "dirty_bytes", "dirty_background_bytes", "dirty_expire_centisecs",
        "dirty_writeback_centisecs", "swappiness", "min_free_kbytes", "watermark_scale_factor", "zone_reclaim_mode"})
    h.sysctls[std::string("vm.") + name] = trim(read_text_file(std::string("/proc/sys/vm/") + name));
  h.sysctls["kernel.perf_event_paranoid"] = trim(read_text_file("/proc/sys/kernel/perf_event_paranoid"));
  // /proc/swaps is a header line plus one line per active swap area.
  const std::string swaps = trim(read_text_file("/proc/swaps"));
  h.sysctls["swap"] = swaps.find('\n') != std::string::npos ? "on" : "off";
  return h;
}

void annotate_spikes(ModeResult& mode, const std::vector<SampledPoint>& samples) {
  std::fill(std::begin(mode.spike_causes), std::end(mode.spike_causes), 0);
  mode.spikes_in_direct_reclaim = mode.spikes_in_memory_stall = mode.spikes_in_compaction = 0;
  for (Spike& s : mode.spikes) {
    const uint64_t t = mode.start_ns + s.at_ns;
    // The first sample at or after t closes the window (previous sample, that one].
    auto next = std::lower_bound(samples.begin(), samples.end(), t,
                                 [](const SampledPoint& p, uint64_t v) { return p.system.time_ns < v; });
    if (next != samples.begin() && next != samples.end()) {
      const SystemSample& a = std::prev(next)->system;
      const SystemSample& b = next->system;
      const VmCounters d = b.vm - a.vm;
      s.direct_reclaim = d[VmCounter::kAllocStall] > 0 || d[VmCounter::kPgScanDirect] > 0;
      s.kswapd = d[VmCounter::kPgScanKswapd] > 0;
      s.compaction = d[VmCounter::kCompactStall] > 0;
      s.memory_stall = b.memory_pressure.full_us > a.memory_pressure.full_us;
      s.io_stall = b.io_pressure.full_us > a.io_pressure.full_us;
    }
    if (s.during_warmup) continue;
    ++mode.spike_causes[static_cast<int>(s.cause())];
    mode.spikes_in_direct_reclaim += s.direct_reclaim;
    mode.spikes_in_memory_stall += s.memory_stall;
    mode.spikes_in_compaction += s.compaction;
  }
}

}  // namespace ringmq::perf
