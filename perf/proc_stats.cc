#include "perf/proc_stats.h"

#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace ringmq::perf {
namespace {

// Splits `text` into lines and each line into its first word and the rest.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    fn(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

uint64_t to_u64(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Whitespace-separated fields of a line.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

constexpr const char* kVmNames[kVmCounterCount] = {
    "pgfault",
    "pgmajfault",
    "allocstall",
    "pgscan_kswapd",
    "pgscan_direct",
    "pgsteal_kswapd",
    "pgsteal_direct",
    "pgscan_direct_throttle",
    "compact_stall",
    "compact_fail",
    "thp_fault_alloc",
    "thp_fault_fallback",
    "workingset_refault_file",
    "workingset_refault_anon",
    "pgpgin",
    "pgpgout",
    "pswpin",
    "pswpout",
    "pgscan_proactive",
    "pgsteal_proactive",
    "oom_kill",
};

}  // namespace

const char* vm_counter_name(VmCounter counter) {
  const int i = static_cast<int>(counter);
  return i >= 0 && i < kVmCounterCount ? kVmNames[i] : "?";
}

VmCounters VmCounters::operator-(const VmCounters& earlier) const {
  VmCounters d;
  for (int i = 0; i < kVmCounterCount; ++i) {
    d.values[i] = values[i] >= earlier.values[i] ? values[i] - earlier.values[i] : 0;
    d.present[i] = present[i];
  }
  return d;
}

VmCounters parse_vmstat(std::string_view text) {
  VmCounters c;
  for_each_line(text, [&](std::string_view line) {
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) return;
    const std::string_view name = line.substr(0, space);
    const uint64_t value = to_u64(line.substr(space + 1));
    int index = -1;
    if (name.starts_with("allocstall_"))
      index = static_cast<int>(VmCounter::kAllocStall);
    else
      for (int i = 0; i < kVmCounterCount; ++i)
        if (name == kVmNames[i]) index = i;
    if (index < 0) return;
    c.values[index] += value;
    c.present[index] = true;
  });
  return c;
}

MemInfo parse_meminfo(std::string_view text) {
  MemInfo m;
  for_each_line(text, [&](std::string_view line) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view name = line.substr(0, colon);
    const uint64_t bytes = to_u64(line.substr(colon + 1)) * 1024;  // values are in kB
    if (name == "MemTotal")
      m.total = bytes, m.present = true;
    else if (name == "MemFree")
      m.free = bytes;
    else if (name == "MemAvailable")
      m.available = bytes;
    else if (name == "Cached")
      m.cached = bytes;
    else if (name == "Dirty")
      m.dirty = bytes;
    else if (name == "Writeback")
      m.writeback = bytes;
    else if (name == "AnonPages")
      m.anon = bytes;
    else if (name == "Mlocked")
      m.mlocked = bytes;
  });
  return m;
}

PressureTotals parse_pressure(std::string_view text) {
  PressureTotals p;
  for_each_line(text, [&](std::string_view line) {
    auto fields = fields_of(line);
    if (fields.empty()) return;
    for (auto f : fields) {
      if (!f.starts_with("total=")) continue;
      const uint64_t total = to_u64(f.substr(6));
      if (fields[0] == "some")
        p.some_us = total, p.present = true;
      else if (fields[0] == "full")
        p.full_us = total;
    }
  });
  return p;
}

CpuTimes parse_cpu_times(std::string_view text) {
  CpuTimes t;
  for_each_line(text, [&](std::string_view line) {
    auto f = fields_of(line);
    if (f.empty() || f[0] != "cpu") return;
    uint64_t* slots[] = {&t.user, &t.nice, &t.system, &t.idle, &t.iowait, &t.irq, &t.softirq, &t.steal};
    for (size_t i = 0; i < 8 && i + 1 < f.size(); ++i) *slots[i] = to_u64(f[i + 1]);
  });
  return t;
}

TaskStat parse_task_stat(std::string_view text) {
  TaskStat s;
  // "tid (comm) state ppid ...": comm may hold spaces and parentheses, so it ends at the last ')'.
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return s;
  s.tid = static_cast<int>(to_u64(text.substr(0, open)));
  s.name = std::string(text.substr(open + 1, close - open - 1));
  auto f = fields_of(text.substr(close + 1));
  // f[0] is field 3 (state): minflt is field 10, majflt 12, utime 14, stime 15.
  if (f.size() < 13) return s;
  s.minor_faults = to_u64(f[7]);
  s.major_faults = to_u64(f[9]);
  s.user_ticks = to_u64(f[11]);
  s.system_ticks = to_u64(f[12]);
  s.present = true;
  return s;
}

std::string read_text_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

SystemSample read_system_sample(const std::string& proc_root) {
  SystemSample s;
  s.time_ns = monotonic_ns();
  s.vm = parse_vmstat(read_text_file(proc_root + "/vmstat"));
  s.mem = parse_meminfo(read_text_file(proc_root + "/meminfo"));
  s.memory_pressure = parse_pressure(read_text_file(proc_root + "/pressure/memory"));
  s.io_pressure = parse_pressure(read_text_file(proc_root + "/pressure/io"));
  s.cpu = parse_cpu_times(read_text_file(proc_root + "/stat"));
  return s;
}

MemInfo read_meminfo(const std::string& proc_root) { return parse_meminfo(read_text_file(proc_root + "/meminfo")); }

TaskStat read_task_stat(const std::string& path) { return parse_task_stat(read_text_file(path)); }

std::vector<TaskStat> read_process_threads(int pid, const std::string& proc_root) {
  std::vector<TaskStat> threads;
  const std::string dir = proc_root + "/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return threads;
  while (dirent* entry = ::readdir(d)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    TaskStat s = read_task_stat(dir + "/" + entry->d_name + "/stat");
    if (s.present) threads.push_back(std::move(s));
  }
  ::closedir(d);
  std::sort(threads.begin(), threads.end(), [](const TaskStat& a, const TaskStat& b) { return a.tid < b.tid; });
  return threads;
}

uint64_t monotonic_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
}

}  // namespace ringmq::perf
