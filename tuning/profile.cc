#include "tuning/profile.h"

namespace ringmq::tuning {
namespace {

ProfileValues latency_values() {
  ProfileValues v;
  v.swappiness = 1;
  v.dirty_background_ratio = 3;
  v.dirty_ratio = 10;
  v.dirty_expire_centisecs = 500;
  v.dirty_writeback_centisecs = 100;
  v.min_free_permille_of_ram = 10;
  v.min_free_kbytes_floor = 65536;
  v.min_free_kbytes_ceiling = 1048576;
  v.zone_reclaim_mode = 0;
  v.max_map_count_at_least = 262144;
  v.overcommit_memory = 0;
  v.page_cluster = 0;
  v.numa_balancing = 0;
  v.transparent_hugepage_enabled = "madvise";
  v.transparent_hugepage_defrag = "defer";
  v.scheduler_solid_state = "none";
  v.scheduler_rotational = "mq-deadline";
  v.nr_requests_is_ceiling = true;
  v.nr_requests = 64;
  v.read_ahead_is_ceiling = true;
  v.read_ahead_kb = 128;
  v.nomerges = 1;
  v.rq_affinity = 2;
  v.cpu_governor = "performance";
  v.max_idle_exit_latency_us = 10;
  v.memlock_kib = std::nullopt;
  v.nofile = 1048576;
  v.io_uring_disabled = 0;
  v.clocksource = "tsc";
  return v;
}

ProfileValues throughput_values() {
  ProfileValues v = latency_values();
  v.swappiness = 10;
  v.dirty_background_ratio = 10;
  v.dirty_ratio = 40;
  v.dirty_expire_centisecs = 3000;
  v.dirty_writeback_centisecs = 500;
  v.min_free_permille_of_ram = 5;
  v.min_free_kbytes_ceiling = 524288;
  v.page_cluster = 3;
  v.transparent_hugepage_defrag = "madvise";
  v.scheduler_solid_state = "mq-deadline";
  v.nr_requests_is_ceiling = false;
  v.nr_requests = 256;
  v.read_ahead_is_ceiling = false;
  v.read_ahead_kb = 512;
  v.nomerges = 0;
  v.rq_affinity = 1;
  v.max_idle_exit_latency_us = std::nullopt;
  return v;
}

}  // namespace

const ProfileValues& profile_values(Profile profile) {
  static const ProfileValues latency = latency_values();
  static const ProfileValues throughput = throughput_values();
  return profile == Profile::kLatency ? latency : throughput;
}

std::string_view profile_name(Profile profile) { return profile == Profile::kLatency ? "latency" : "throughput"; }

Result<Profile> parse_profile(std::string_view name) {
  if (name == "latency") return Profile::kLatency;
  if (name == "throughput") return Profile::kThroughput;
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown profile '" + std::string(name) + "': choose latency or throughput");
}

}  // namespace ringmq::tuning
