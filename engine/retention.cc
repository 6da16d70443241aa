#include "engine/retention.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace ringmq::engine {

void RetentionService::start() {
  thread_.start(
      "rmq-retention",
      [this] {
        using namespace std::chrono;
        const int64_t now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
        if (auto r = run_once(now); !r) spdlog::error("retention round failed: {}", r.error().message);
        thread_.sleep_for(milliseconds(config_.retention_check_interval_ms));
      },
      [this] {
        if (config_.placement.pin_thread) config_.placement.pin_thread("retention");
      });
}

Result<RetentionRound> RetentionService::run_once(int64_t now_ms) {
  RetentionRound round;
  auto usage = fs_.disk_usage(config_.data_dir);
  if (!usage) return std::unexpected(usage.error());
  const uint64_t used_percent = usage->total_bytes ? 100 - usage->available_bytes * 100 / usage->total_bytes : 0;
  round.disk_full = used_percent >= config_.disk_high_water_percent;
  if (round.disk_full != was_full_) {
    if (round.disk_full)
      spdlog::error("data directory {} is {}% full (disk_high_water_percent = {}): rejecting appends", config_.data_dir,
                    used_percent, config_.disk_high_water_percent);
    else
      spdlog::info("data directory {} is back below its high-water mark: accepting appends", config_.data_dir);
    was_full_ = round.disk_full;
  }
  log_.set_disk_full(round.disk_full, round.disk_full ? "data directory " + config_.data_dir + " is " +
                                                            std::to_string(used_percent) +
                                                            "% full, above disk_high_water_percent (" +
                                                            std::to_string(config_.disk_high_water_percent) +
                                                            "); appends resume when retention frees space"
                                                      : std::string());

  uint64_t total = log_.size_bytes();
  const uint64_t floor = config_.retention_by_queue_floor ? floor_.load(std::memory_order_acquire) : UINT64_MAX;
  for (const auto& segment : log_.inactive_segments()) {
    if (dispatcher_.dispatched_offset() < segment->end_offset()) break;
    const bool over_size = config_.retention_bytes && total > config_.retention_bytes;
    bool expired = false;
    if (auto next = log_.read_slot(segment->end_offset(), false); next && next->slot.kind == SlotKind::kRecord)
      expired = next->slot.record.fields.store_timestamp_ms < now_ms - static_cast<int64_t>(config_.retention_ms);
    const bool needed = segment->end_offset() > floor;  // some queue still serves from it
    if (!over_size && (!expired || needed)) break;
    if (over_size && needed)
      spdlog::warn("retention_bytes deletes commit-log segment {} although queues still serve from it (floor {})",
                   segment->base_offset(), floor);
    if (auto s = log_.delete_oldest_segment(); !s) return std::unexpected(s.error());
    total -= config_.segment_bytes;
    ++round.segments_deleted;
  }
  if (round.segments_deleted > 0) {
    if (auto s = dispatcher_.trim_indexes(LogPosition(log_.log_start_offset())); !s) return std::unexpected(s.error());
  }
  return round;
}

}  // namespace ringmq::engine
