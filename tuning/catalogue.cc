#include "tuning/catalogue.h"

#include <algorithm>
#include <sstream>

#include "tuning/block_device.h"
#include "tuning/kernel_value.h"
#include "tuning/mount_option.h"

namespace ringmq::tuning {
namespace {

constexpr const char* kThpDir = "/sys/kernel/mm/transparent_hugepage";
constexpr const char* kCpuDir = "/sys/devices/system/cpu";
constexpr const char* kClocksourceDir = "/sys/devices/system/clocksource/clocksource0";

ItemSpec sysctl(Group group, const std::string& key, int64_t value, Compare compare, std::string why) {
  ItemSpec spec;
  spec.id = key;
  spec.group = group;
  spec.why = std::move(why);
  std::string path = "/proc/sys/" + key;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  spec.paths = {path};
  spec.recommended = std::to_string(value);
  spec.compare = compare;
  spec.persist = PersistVia::kSysctlD;
  spec.persist_key = key;
  return spec;
}

ItemSpec sysfs(Group group, std::string id, std::vector<std::string> paths, std::string value, std::string why) {
  ItemSpec spec;
  spec.id = std::move(id);
  spec.group = group;
  spec.why = std::move(why);
  spec.paths = std::move(paths);
  spec.recommended = std::move(value);
  spec.persist = PersistVia::kTmpfilesD;
  return spec;
}

std::optional<int64_t> mem_total_kib(const SystemRoot& root) {
  auto meminfo = root.read_file("/proc/meminfo");
  if (!meminfo) return std::nullopt;
  std::istringstream lines(*meminfo);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("MemTotal:")) {
      std::istringstream fields(line.substr(9));
      int64_t kib = 0;
      if (fields >> kib) return kib;
    }
  return std::nullopt;
}

void add_memory_items(const SystemRoot& root, const ProfileValues& v, std::vector<ItemSpec>& items) {
  const Group g = Group::kMemory;
  items.push_back(sysctl(g, "vm.swappiness", v.swappiness, Compare::kEqual,
                         "Reclaim page cache before swapping out anonymous memory; a swapped-out heap or "
                         "index page costs a disk read on the request path."));
  items.push_back(sysctl(g, "vm.dirty_background_ratio", v.dirty_background_ratio, Compare::kEqual,
                         "Start background writeback early so dirty pages leave in small steady batches "
                         "instead of one large burst that queues ahead of the commit log's flushes."));
  items.push_back(sysctl(g, "vm.dirty_ratio", v.dirty_ratio, Compare::kEqual,
                         "Above this share of RAM dirty, writers are throttled inside write(); the latency "
                         "profile keeps the backlog small, the throughput profile lets bursts be absorbed."));
  items.push_back(sysctl(g, "vm.dirty_expire_centisecs", v.dirty_expire_centisecs, Compare::kEqual,
                         "Age at which dirty data must be written; shorter keeps writeback continuous."));
  items.push_back(sysctl(g, "vm.dirty_writeback_centisecs", v.dirty_writeback_centisecs, Compare::kEqual,
                         "How often the flusher threads wake; more often means smaller batches."));
  ItemSpec min_free = sysctl(g, "vm.min_free_kbytes", 0, Compare::kAtLeast,
                             "A free-memory reserve that wakes kswapd early, so socket buffers and page faults "
                             "do not fall into direct reclaim; scaled to RAM (" +
                                 std::to_string(v.min_free_permille_of_ram) + " per mille, clamped).");
  if (auto kib = mem_total_kib(root))
    min_free.recommended = std::to_string(recommended_min_free_kbytes(v, *kib));
  else
    min_free.unsupported_reason = "MemTotal not readable from /proc/meminfo, so no RAM-scaled value";
  items.push_back(std::move(min_free));
  items.push_back(sysctl(g, "vm.zone_reclaim_mode", v.zone_reclaim_mode, Compare::kEqual,
                         "Reclaiming on the local NUMA node before using a remote one stalls allocations; "
                         "remote memory is cheaper than a reclaim pause."));
  items.push_back(sysctl(g, "vm.max_map_count", v.max_map_count_at_least, Compare::kAtLeast,
                         "Every mapped segment and ring region is a mapping; the default 65530 runs out on a "
                         "broker with many partitions."));
  items.push_back(sysctl(g, "vm.overcommit_memory", v.overcommit_memory, Compare::kEqual,
                         "Strict accounting (2) refuses the large segment mappings the engine reserves up "
                         "front; the heuristic mode still refuses absurd requests."));
  items.push_back(sysctl(g, "vm.page-cluster", v.page_cluster, Compare::kEqual,
                         "Pages read per swap-in (2^n); 0 makes a rare swap-in one small read instead of a "
                         "burst of eight."));
  items.push_back(sysctl(g, "kernel.numa_balancing", v.numa_balancing, Compare::kEqual,
                         "The engine pins threads and allocates node-local memory itself; automatic balancing "
                         "adds hinting page faults and page migrations on the hot path."));
  items.push_back(sysfs(g, "mm.transparent_hugepage.enabled", {std::string(kThpDir) + "/enabled"},
                        v.transparent_hugepage_enabled,
                        "Huge pages only where the engine asks with madvise (its buffer pools); 'always' "
                        "adds khugepaged scans and compaction stalls everywhere."));
  items.push_back(sysfs(g, "mm.transparent_hugepage.defrag", {std::string(kThpDir) + "/defrag"},
                        v.transparent_hugepage_defrag,
                        v.transparent_hugepage_defrag == "defer"
                            ? "Never compact memory inside a page fault; kcompactd does it in the background."
                            : "Compact synchronously only for regions that asked for huge pages."));
}

ItemSpec queue_item(const std::string& disk, const std::string& attribute, std::string value, Compare compare,
                    std::string why) {
  ItemSpec spec;
  spec.id = "block." + disk + "." + attribute;
  spec.group = Group::kStorage;
  spec.why = std::move(why);
  spec.paths = {"/sys/block/" + disk + "/queue/" + attribute};
  spec.recommended = std::move(value);
  spec.compare = compare;
  spec.persist = PersistVia::kUdevRule;
  spec.persist_key = "queue/" + attribute;
  spec.device = disk;
  return spec;
}

void add_storage_items(const SystemRoot& root, const CheckOptions& options, const ProfileValues& v,
                       std::vector<ItemSpec>& items) {
  auto map = map_data_directory(root, options.data_directory);
  std::vector<std::string> disks;
  std::string reason;
  if (!map)
    reason = "cannot map the data directory to a disk: " + map.error().message;
  else if (map->disks.empty())
    reason = map->note;
  else
    disks = map->disks;
  if (disks.empty()) {
    for (const char* attribute :
         {"scheduler", "nr_requests", "read_ahead_kb", "nomerges", "rq_affinity", "write_cache"}) {
      ItemSpec spec = queue_item("(data)", attribute, "", Compare::kEqual,
                                 "Per-disk queue settings of the disk holding the data directory.");
      spec.id = std::string("block.") + attribute;
      spec.unsupported_reason = reason;
      items.push_back(std::move(spec));
    }
    return;
  }
  for (const auto& disk : disks) {
    const std::string queue = "/sys/block/" + disk + "/queue/";
    auto rotational = root.read_file(queue + "rotational");
    bool spins = rotational && trim(*rotational) == "1";
    ItemSpec scheduler =
        queue_item(disk, "scheduler", spins ? v.scheduler_rotational : v.scheduler_solid_state, Compare::kEqual,
                   spins ? "The disk reports that it spins, so mq-deadline keeps reads from starving behind writes."
                         : (v.scheduler_solid_state == "none"
                                ? "A solid-state device reorders its own queue; a scheduler only adds a lock and delay."
                                : "mq-deadline merges and batches writes and bounds how long a read can wait."));
    // Writing the scheduler makes the kernel reset nr_requests to the new scheduler's default.
    scheduler.reset_by_write = {queue + "nr_requests"};
    items.push_back(std::move(scheduler));
    items.push_back(queue_item(
        disk, "nr_requests", std::to_string(v.nr_requests),
        v.nr_requests_is_ceiling ? Compare::kAtMost : Compare::kAtLeast,
        v.nr_requests_is_ceiling ? "A shorter device queue bounds how many requests a commit flush waits behind."
                                 : "A deeper queue lets the scheduler merge more and the device overlap more writes."));
    items.push_back(queue_item(disk, "read_ahead_kb", std::to_string(v.read_ahead_kb),
                               v.read_ahead_is_ceiling ? Compare::kAtMost : Compare::kAtLeast,
                               v.read_ahead_is_ceiling
                                   ? "Large read-ahead fills the page cache with index pages nobody asked for and "
                                     "delays the read that was asked for."
                                   : "Consumers catching up read segments sequentially; larger read-ahead "
                                     "turns that into fewer, bigger reads."));
    items.push_back(queue_item(disk, "nomerges", std::to_string(v.nomerges), Compare::kEqual,
                               v.nomerges == 0 ? "Merging adjacent requests turns appends into fewer, larger I/Os."
                                               : "Only cheap one-hit merges; skip the costly merge search."));
    items.push_back(queue_item(disk, "rq_affinity", std::to_string(v.rq_affinity), Compare::kEqual,
                               v.rq_affinity == 2 ? "Complete each I/O on the CPU that issued it: no cross-CPU "
                                                    "wake-up and the submitter's cache stays warm."
                                                  : "Complete I/O in the issuing CPU's group."));
    ItemSpec write_cache = queue_item(disk, "write_cache", "", Compare::kReportOnly,
                                      "Shown so you know whether fdatasync goes through a volatile cache; never "
                                      "changed, since claiming 'write through' for a disk with a volatile cache "
                                      "stops the kernel's flushes and loses acknowledged data on power loss.");
    write_cache.persist = PersistVia::kNone;
    items.push_back(std::move(write_cache));
  }
}

std::vector<std::string> cpu_names(const SystemRoot& root) {
  std::vector<std::string> cpus;
  auto names = root.list_directory(kCpuDir);
  if (!names) return cpus;
  for (const auto& name : *names)
    if (name.size() > 3 && name.starts_with("cpu") &&
        std::all_of(name.begin() + 3, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      cpus.push_back(name);
  std::sort(cpus.begin(), cpus.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;  // cpu2 before cpu10
  });
  return cpus;
}

// The file system under the data directory: its type (reported) and the two mount options
// that decide whether timestamps cost the write path anything (set by remounting; see
// mount_option.h). Persisting them is an /etc/fstab edit, left to the operator.
void add_file_system_items(const SystemRoot& root, const CheckOptions& options, std::vector<ItemSpec>& items) {
  auto map = map_data_directory(root, options.data_directory);
  const std::string mount_point = map ? map->mount.mount_point : "";
  auto item = [&](const std::string& kind, std::string recommended, Compare compare, std::string why) {
    ItemSpec spec;
    spec.id = "fs." + kind;
    spec.group = Group::kStorage;
    spec.why = std::move(why);
    spec.paths = {mount_option_path(kind, mount_point.empty() ? "/" : mount_point)};
    spec.recommended = std::move(recommended);
    spec.compare = compare;
    if (!map) spec.unsupported_reason = "cannot find the data directory's mount: " + map.error().message;
    return spec;
  };
  items.push_back(item("type", "", Compare::kReportOnly,
                       "The pool write mode writes segments with O_DIRECT and every mode reserves them with "
                       "fallocate: ext4 and xfs do both; tmpfs, overlayfs and NFS do not (the pool then "
                       "writes through the page cache)."));
  const bool disk_file_system = map && (map->mount.fs_type == "ext4" || map->mount.fs_type == "xfs" ||
                                        map->mount.fs_type == "btrfs" || map->mount.fs_type == "f2fs");
  const std::string not_a_disk =
      map ? "the data directory is on " + map->mount.fs_type + ", not a disk file system" : "";
  ItemSpec atime = item("atime", "noatime", Compare::kEqual,
                        "Segments and indexes are modified all the time, so under relatime nearly every read "
                        "after a write also writes the access time (an inode update, a journal handle on ext4); "
                        "noatime stops it. Persist it in /etc/fstab.");
  ItemSpec lazytime = item("lazytime", "lazytime", Compare::kEqual,
                           "Every append changes a segment's mtime (page_mkwrite in the mmap modes, each O_DIRECT "
                           "write in pool mode); lazytime keeps timestamp updates in memory until the inode is "
                           "written anyway, so they start no journal transaction on the write path. Persist it "
                           "in /etc/fstab.");
  if (map && !disk_file_system) atime.unsupported_reason = lazytime.unsupported_reason = not_a_disk;
  items.push_back(std::move(atime));
  items.push_back(std::move(lazytime));
}

void add_cpu_items(const SystemRoot& root, const ProfileValues& v, std::vector<ItemSpec>& items) {
  const auto cpus = cpu_names(root);
  ItemSpec governor = sysfs(Group::kCpu, "cpu.scaling_governor", {}, v.cpu_governor,
                            "Run at full clock: frequency ramps take milliseconds, longer than a produce "
                            "request should.");
  for (const auto& cpu : cpus) {
    const std::string path = std::string(kCpuDir) + "/" + cpu + "/cpufreq/scaling_governor";
    if (root.exists(path)) governor.paths.push_back(path);
  }
  if (governor.paths.empty())
    governor.unsupported_reason = "no cpufreq driver exposes scaling_governor (virtual machine or firmware-managed)";
  else
    governor.choices_path =
        governor.paths.front().substr(0, governor.paths.front().rfind('/')) + "/scaling_available_governors";
  items.push_back(std::move(governor));

  // Idle states, one item per state name across all CPUs, in state order.
  struct IdleState {
    std::string name;
    int64_t exit_latency_us = 0;
    std::vector<std::string> disable_paths;
  };
  std::vector<IdleState> states;
  for (const auto& cpu : cpus) {
    const std::string dir = std::string(kCpuDir) + "/" + cpu + "/cpuidle";
    auto entries = root.list_directory(dir);
    if (!entries) continue;
    for (const auto& entry : *entries) {
      if (!entry.starts_with("state")) continue;
      auto name = root.read_file(dir + "/" + entry + "/name");
      auto latency = root.read_file(dir + "/" + entry + "/latency");
      if (!name || !root.exists(dir + "/" + entry + "/disable")) continue;
      std::string state_name = trim(*name);
      auto found = std::find_if(states.begin(), states.end(), [&](const IdleState& s) { return s.name == state_name; });
      if (found == states.end()) {
        states.push_back({state_name, latency ? parse_integer(*latency).value_or(0) : 0, {}});
        found = states.end() - 1;
      }
      found->disable_paths.push_back(dir + "/" + entry + "/disable");
    }
  }
  if (states.empty()) {
    ItemSpec idle = sysfs(Group::kCpu, "cpu.idle_states", {}, "", "Deep idle states add wake-up latency.");
    idle.unsupported_reason = "no cpuidle states exposed in " + std::string(kCpuDir) + "/cpu*/cpuidle";
    items.push_back(std::move(idle));
  }
  for (const auto& state : states) {
    std::string id = state.name;
    std::replace(id.begin(), id.end(), ' ', '_');
    bool disable = v.max_idle_exit_latency_us && state.exit_latency_us > *v.max_idle_exit_latency_us;
    std::string why = v.max_idle_exit_latency_us
                          ? "Exit latency " + std::to_string(state.exit_latency_us) + " us; states slower than " +
                                std::to_string(*v.max_idle_exit_latency_us) +
                                " us to wake are disabled (1) so a request "
                                "arriving at an idle core is not delayed."
                          : "Exit latency " + std::to_string(state.exit_latency_us) +
                                " us; deep idle states stay enabled (0) so "
                                "busy cores can boost higher.";
    items.push_back(sysfs(Group::kCpu, "cpu.idle." + id + ".disable", state.disable_paths, disable ? "1" : "0", why));
  }
}

ItemSpec limit_item(const std::string& id, LimitName name, const std::string& recommended, std::string why) {
  ItemSpec spec;
  spec.id = id;
  spec.group = Group::kLimits;
  spec.why = std::move(why);
  spec.recommended = recommended;
  spec.compare = Compare::kAtLeast;
  spec.persist = PersistVia::kLimits;
  spec.persist_key = name == LimitName::kMemlock ? "memlock" : "nofile";
  spec.limit = name;
  return spec;
}

}  // namespace

int64_t recommended_min_free_kbytes(const ProfileValues& values, int64_t mem_total_kib) {
  int64_t share = mem_total_kib * values.min_free_permille_of_ram / 1000;
  return std::clamp(share, values.min_free_kbytes_floor, values.min_free_kbytes_ceiling);
}

std::vector<ItemSpec> build_catalogue(const SystemRoot& root, const CheckOptions& options) {
  const ProfileValues& v = profile_values(options.profile);
  std::vector<ItemSpec> items;
  add_memory_items(root, v, items);
  add_storage_items(root, options, v, items);
  add_file_system_items(root, options, items);
  add_cpu_items(root, v, items);
  items.push_back(limit_item("limits.memlock", LimitName::kMemlock,
                             v.memlock_kib ? std::to_string(*v.memlock_kib) : "unlimited",
                             "The engine mlocks its mapped segments and I/O buffer pool so page faults never "
                             "reach the disk on the request path."));
  items.push_back(limit_item("limits.nofile", LimitName::kNofile, std::to_string(v.nofile),
                             "One descriptor per segment file, index file and client connection."));
  ItemSpec io_uring = sysctl(Group::kIoUring, "kernel.io_uring_disabled", v.io_uring_disabled, Compare::kEqual,
                             "The engine's write path submits through io_uring; 1 limits it to one group, "
                             "2 turns it off.");
  items.push_back(std::move(io_uring));
  ItemSpec clock = sysfs(Group::kClocksource, "clocksource.current",
                         {std::string(kClocksourceDir) + "/current_clocksource"}, v.clocksource,
                         "Timestamps and latency histograms read the clock on every request; the TSC is read "
                         "in user space, others (hpet, acpi_pm, xen) need a system call or slow I/O.");
  clock.choices_path = std::string(kClocksourceDir) + "/available_clocksource";
  items.push_back(std::move(clock));
  return items;
}

}  // namespace ringmq::tuning
