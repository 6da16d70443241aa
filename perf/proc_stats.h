// Readers of the kernel's memory and scheduling statistics: /proc/vmstat, /proc/meminfo,
// /proc/pressure/{memory,io} (PSI), /proc/stat and /proc/<pid>[/task/<tid>]/stat. Each
// parse_* takes the file's text (tests feed golden copies); each read_* reads the live file
// under `proc_root` (default "/proc"). Missing files or fields read as zero and are marked
// absent, never fail: older kernels lack PSI and some vmstat counters.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringmq::perf {

// The /proc/vmstat counters that explain append jitter. Cumulative event counts.
enum class VmCounter : int {
  kPgFault,               // pgfault: every page fault on the system
  kPgMajFault,            // pgmajfault: faults that waited for I/O
  kAllocStall,            // allocstall_* summed: allocations that entered direct reclaim
  kPgScanKswapd,          // pages scanned by kswapd (background reclaim)
  kPgScanDirect,          // pages scanned by allocating tasks (direct reclaim)
  kPgStealKswapd,         // pages reclaimed by kswapd
  kPgStealDirect,         // pages reclaimed in direct reclaim
  kPgScanDirectThrottle,  // direct reclaimers throttled
  kCompactStall,          // allocations that entered direct compaction
  kCompactFail,
  kThpFaultAlloc,          // THP allocated at fault time
  kThpFaultFallback,       // THP wanted but not available
  kWorkingsetRefaultFile,  // evicted file pages read back (cache too small)
  kWorkingsetRefaultAnon,
  kPgPgIn,   // KiB read from block devices
  kPgPgOut,  // KiB written to block devices
  kPSwpIn,
  kPSwpOut,
  kPgScanProactive,  // proactive reclaim (memory.reclaim, node reclaim)
  kPgStealProactive,
  kOomKill,
  kCount,
};
constexpr int kVmCounterCount = static_cast<int>(VmCounter::kCount);
const char* vm_counter_name(VmCounter counter);

struct VmCounters {
  std::array<uint64_t, kVmCounterCount> values{};
  std::array<bool, kVmCounterCount> present{};
  uint64_t operator[](VmCounter c) const { return values[static_cast<int>(c)]; }
  // Counter by counter difference (a counter that went backwards reads 0).
  VmCounters operator-(const VmCounters& earlier) const;
};
VmCounters parse_vmstat(std::string_view text);

// /proc/meminfo, in bytes.
struct MemInfo {
  uint64_t total = 0, free = 0, available = 0, cached = 0, dirty = 0, writeback = 0, anon = 0, mlocked = 0;
  bool present = false;
};
MemInfo parse_meminfo(std::string_view text);

// PSI totals (microseconds stalled since boot).
struct PressureTotals {
  uint64_t some_us = 0, full_us = 0;
  bool present = false;
};
PressureTotals parse_pressure(std::string_view text);

// The aggregate "cpu" line of /proc/stat, in USER_HZ ticks.
struct CpuTimes {
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  uint64_t total() const { return user + nice + system + idle + iowait + irq + softirq + steal; }
};
CpuTimes parse_cpu_times(std::string_view text);

// Fields of /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat.
struct TaskStat {
  int tid = 0;
  std::string name;  // comm: the thread name (pthread_setname_np)
  uint64_t minor_faults = 0, major_faults = 0;
  uint64_t user_ticks = 0, system_ticks = 0;
  bool present = false;
};
TaskStat parse_task_stat(std::string_view text);

// One sample of everything above that is system-wide.
struct SystemSample {
  uint64_t time_ns = 0;  // CLOCK_MONOTONIC
  VmCounters vm;
  MemInfo mem;
  PressureTotals memory_pressure, io_pressure;
  CpuTimes cpu;
};

std::string read_text_file(const std::string& path);  // "" if unreadable
SystemSample read_system_sample(const std::string& proc_root = "/proc");
MemInfo read_meminfo(const std::string& proc_root = "/proc");
TaskStat read_task_stat(const std::string& path);
// Every thread of process `pid` (from /proc/<pid>/task).
std::vector<TaskStat> read_process_threads(int pid, const std::string& proc_root = "/proc");

uint64_t monotonic_ns();

}  // namespace ringmq::perf
