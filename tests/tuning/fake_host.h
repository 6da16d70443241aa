// Fake hosts for the tuning tests: a /proc, /sys and /etc tree in a TempDir, shaped like the
// kernel's (selector files with brackets, a trailing newline after every value), in three
// kinds: a machine that needs every change of the latency profile, one already tuned to it,
// and an old kernel in a container that lacks half the files. Plus a snapshot of a whole
// tree, to prove that apply followed by rollback leaves it byte for byte as it was.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace ringmq::tuning::test {

// Writes `contents` to <root><host_path>, creating parent directories.
inline void put(const std::string& root, const std::string& host_path, const std::string& contents) {
  std::filesystem::path path = root + host_path;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

inline std::string get(const std::string& root, const std::string& host_path) {
  std::ifstream in(root + host_path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline bool has(const std::string& root, const std::string& host_path) {
  return std::filesystem::exists(root + host_path);
}

// Every directory (as "dir") and file (its bytes) under `root`, by path relative to it.
inline std::map<std::string, std::string> snapshot_tree(const std::string& root) {
  std::map<std::string, std::string> tree;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const std::string relative = std::filesystem::relative(entry.path(), root).string();
    if (entry.is_directory())
      tree[relative + "/"] = "dir";
    else
      tree[relative] = get(root, "/" + relative);
  }
  return tree;
}

// The part shared by every fake host: users, RAM, the data directory's mount.
inline void put_base(const std::string& root) {
  put(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nringmq:x:990:990::/var/lib/ringmq:/usr/sbin/nologin\n");
  put(root, "/etc/group", "root:x:0:\nringmq:x:990:\n");
  put(root, "/proc/meminfo", "MemTotal:       16384000 kB\nMemFree:        12000000 kB\n");
}

// Two CPUs; a disk nvme0n1 whose first partition holds /var/lib/ringmq; vda holds /.
inline void put_devices(const std::string& root) {
  put(root, "/proc/self/mountinfo",
      "22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n"
      "23 22 0:21 / /proc rw,relatime - proc proc rw\n"
      "24 22 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
      "30 22 259:1 / /var/lib/ringmq rw,relatime - xfs /dev/nvme0n1p1 rw\n");
  put(root, "/sys/block/vda/dev", "254:0\n");
  put(root, "/sys/block/vda/vda1/dev", "254:1\n");
  put(root, "/sys/block/vda/vda1/partition", "1\n");
  put(root, "/sys/block/vda/queue/rotational", "1\n");
  put(root, "/sys/block/nvme0n1/dev", "259:0\n");
  put(root, "/sys/block/nvme0n1/nvme0n1p1/dev", "259:1\n");
  put(root, "/sys/block/nvme0n1/nvme0n1p1/partition", "1\n");
  put(root, "/sys/block/nvme0n1/queue/rotational", "0\n");
  put(root, "/sys/block/nvme0n1/queue/write_cache", "write back\n");
  for (const char* cpu : {"cpu0", "cpu1"}) {
    const std::string dir = std::string("/sys/devices/system/cpu/") + cpu;
    put(root, dir + "/cpufreq/scaling_available_governors", "performance powersave\n");
    put(root, dir + "/cpuidle/state0/name", "POLL\n");
    put(root, dir + "/cpuidle/state0/latency", "0\n");
    put(root, dir + "/cpuidle/state1/name", "C1\n");
    put(root, dir + "/cpuidle/state1/latency", "2\n");
    put(root, dir + "/cpuidle/state2/name", "C6\n");
    put(root, dir + "/cpuidle/state2/latency", "133\n");
  }
  put(root, "/sys/devices/system/cpu/online", "0-1\n");
  put(root, "/sys/devices/system/clocksource/clocksource0/available_clocksource", "tsc hpet acpi_pm \n");
}

// A machine on which the latency profile changes every item it can change.
inline void build_untuned_host(const std::string& root) {
  put_base(root);
  put_devices(root);
  const std::map<std::string, std::string> sysctls = {{"vm/swappiness", "60"},
                                                      {"vm/dirty_background_ratio", "10"},
                                                      {"vm/dirty_ratio", "20"},
                                                      {"vm/dirty_expire_centisecs", "3000"},
                                                      {"vm/dirty_writeback_centisecs", "500"},
                                                      {"vm/min_free_kbytes", "45056"},
                                                      {"vm/zone_reclaim_mode", "1"},
                                                      {"vm/max_map_count", "65530"},
                                                      {"vm/overcommit_memory", "2"},
                                                      {"vm/page-cluster", "3"},
                                                      {"kernel/numa_balancing", "1"},
                                                      {"kernel/io_uring_disabled", "2"}};
  for (const auto& [path, value] : sysctls) put(root, "/proc/sys/" + path, value + "\n");
  put(root, "/sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n");
  put(root, "/sys/kernel/mm/transparent_hugepage/defrag", "[always] defer defer+madvise madvise never\n");
  put(root, "/sys/block/nvme0n1/queue/scheduler", "[mq-deadline] none\n");
  put(root, "/sys/block/nvme0n1/queue/nr_requests", "1023\n");
  put(root, "/sys/block/nvme0n1/queue/read_ahead_kb", "4096\n");
  put(root, "/sys/block/nvme0n1/queue/nomerges", "0\n");
  put(root, "/sys/block/nvme0n1/queue/rq_affinity", "1\n");
  for (const char* cpu : {"cpu0", "cpu1"}) {
    const std::string dir = std::string("/sys/devices/system/cpu/") + cpu;
    put(root, dir + "/cpufreq/scaling_governor", "powersave\n");
    put(root, dir + "/cpuidle/state0/disable", "1\n");  // someone turned polling off ...
    put(root, dir + "/cpuidle/state1/disable", "1\n");  // ... and C1, but left C6 on
    put(root, dir + "/cpuidle/state2/disable", "0\n");
  }
  put(root, "/sys/devices/system/clocksource/clocksource0/current_clocksource", "hpet\n");
  put(root, "/etc/security/limits.conf", "# defaults\n*       soft    nofile   1024\nringmq  hard    memlock  64\n");
  put(root, "/etc/sysctl.d/README", "Files here are read by systemd-sysctl at boot.\n");
}

// A machine already tuned to the latency profile.
inline void build_tuned_host(const std::string& root) {
  put_base(root);
  put_devices(root);
  const std::map<std::string, std::string> sysctls = {{"vm/swappiness", "1"},
                                                      {"vm/dirty_background_ratio", "3"},
                                                      {"vm/dirty_ratio", "10"},
                                                      {"vm/dirty_expire_centisecs", "500"},
                                                      {"vm/dirty_writeback_centisecs", "100"},
                                                      {"vm/min_free_kbytes", "200000"},
                                                      {"vm/zone_reclaim_mode", "0"},
                                                      {"vm/max_map_count", "1048576"},
                                                      {"vm/overcommit_memory", "0"},
                                                      {"vm/page-cluster", "0"},
                                                      {"kernel/numa_balancing", "0"},
                                                      {"kernel/io_uring_disabled", "0"}};
  for (const auto& [path, value] : sysctls) put(root, "/proc/sys/" + path, value + "\n");
  put(root, "/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
  put(root, "/sys/kernel/mm/transparent_hugepage/defrag", "always [defer] defer+madvise madvise never\n");
  put(root, "/sys/block/nvme0n1/queue/scheduler", "mq-deadline [none]\n");
  put(root, "/sys/block/nvme0n1/queue/nr_requests", "32\n");
  put(root, "/sys/block/nvme0n1/queue/read_ahead_kb", "128\n");
  put(root, "/sys/block/nvme0n1/queue/nomerges", "1\n");
  put(root, "/sys/block/nvme0n1/queue/rq_affinity", "2\n");
  for (const char* cpu : {"cpu0", "cpu1"}) {
    const std::string dir = std::string("/sys/devices/system/cpu/") + cpu;
    put(root, dir + "/cpufreq/scaling_governor", "performance\n");
    put(root, dir + "/cpuidle/state0/disable", "0\n");
    put(root, dir + "/cpuidle/state1/disable", "0\n");
    put(root, dir + "/cpuidle/state2/disable", "1\n");
  }
  put(root, "/sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc\n");
  put(root, "/etc/security/limits.d/50-ringmq.conf", "ringmq - memlock unlimited\nringmq - nofile 1048576\n");
  // The data directory's file system mounted noatime,lazytime.
  put(root, "/proc/self/mountinfo",
      "22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n"
      "23 22 0:21 / /proc rw,relatime - proc proc rw\n"
      "24 22 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
      "30 22 259:1 / /var/lib/ringmq rw,noatime - xfs /dev/nvme0n1p1 rw,lazytime\n");
}

// An old kernel in a container: no io_uring_disabled, numa_balancing, THP, cpufreq, cpuidle
// or clocksource files, and the data directory on overlay, which has no block device.
inline void build_old_container_host(const std::string& root) {
  put_base(root);
  const std::map<std::string, std::string> sysctls = {{"vm/swappiness", "60"},
                                                      {"vm/dirty_background_ratio", "10"},
                                                      {"vm/dirty_ratio", "20"},
                                                      {"vm/dirty_expire_centisecs", "3000"},
                                                      {"vm/dirty_writeback_centisecs", "500"},
                                                      {"vm/min_free_kbytes", "45056"},
                                                      {"vm/zone_reclaim_mode", "0"},
                                                      {"vm/max_map_count", "65530"},
                                                      {"vm/overcommit_memory", "0"},
                                                      {"vm/page-cluster", "3"}};
  for (const auto& [path, value] : sysctls) put(root, "/proc/sys/" + path, value + "\n");
  put(root, "/proc/self/mountinfo",
      "500 400 0:52 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
      "501 500 0:53 / /proc rw,nosuid - proc proc rw\n");
  put(root, "/sys/devices/system/cpu/cpu0/topology/core_id", "0\n");
}

}  // namespace ringmq::tuning::test
