// Tuning profiles: the named values ringmq-tune recommends. `latency` (the default) keeps the
// tail of append and fetch latency short; `throughput` trades some of that for larger batches.
// Every recommendation is a named field here, so a reader can compare the two profiles in one
// place and the catalogue (catalogue.cc) holds no numbers of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ringmq::tuning {

enum class Profile { kLatency, kThroughput };

// The recommended value of every item for one profile.
struct ProfileValues {
  // memory
  int64_t swappiness = 0;
  int64_t dirty_background_ratio = 0;
  int64_t dirty_ratio = 0;
  int64_t dirty_expire_centisecs = 0;
  int64_t dirty_writeback_centisecs = 0;
  int64_t min_free_permille_of_ram = 0;  // vm.min_free_kbytes = MemTotal * this / 1000 ...
  int64_t min_free_kbytes_floor = 0;     // ... but no less than this
  int64_t min_free_kbytes_ceiling = 0;   // ... and no more than this
  int64_t zone_reclaim_mode = 0;
  int64_t max_map_count_at_least = 0;
  int64_t overcommit_memory = 0;
  int64_t page_cluster = 0;
  int64_t numa_balancing = 0;
  std::string transparent_hugepage_enabled;
  std::string transparent_hugepage_defrag;
  // storage, per block device under the data directory
  std::string scheduler_solid_state;    // for devices with queue/rotational = 0
  std::string scheduler_rotational;     // for spinning disks (and virtual disks that say so)
  bool nr_requests_is_ceiling = false;  // true: at most nr_requests; false: at least
  int64_t nr_requests = 0;
  bool read_ahead_is_ceiling = false;  // true: at most read_ahead_kb; false: at least
  int64_t read_ahead_kb = 0;
  int64_t nomerges = 0;
  int64_t rq_affinity = 0;
  // cpu
  std::string cpu_governor;
  // Idle states whose exit latency exceeds this are disabled; nullopt keeps every state on.
  std::optional<int64_t> max_idle_exit_latency_us;
  // limits for the broker's user; memlock in KiB as limits.conf counts it, nullopt = unlimited
  std::optional<int64_t> memlock_kib;
  int64_t nofile = 0;
  // io_uring and clocks
  int64_t io_uring_disabled = 0;
  std::string clocksource;
};

const ProfileValues& profile_values(Profile profile);
std::string_view profile_name(Profile profile);
// "latency" or "throughput"; anything else is kInvalidArgument naming the choices.
Result<Profile> parse_profile(std::string_view name);

}  // namespace ringmq::tuning
