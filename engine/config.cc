#include "engine/config.h"

#include <stdexcept>

#include "engine/record_format.h"

namespace ringmq::engine {

const char* write_mode_name(WriteMode mode) {
  switch (mode) {
    case WriteMode::kMmap:
      return "mmap";
    case WriteMode::kMmapLocked:
      return "mmap-locked";
    case WriteMode::kPool:
      return "pool";
  }
  return "?";
}

const char* flush_mode_name(FlushMode mode) { return mode == FlushMode::kSync ? "sync" : "async"; }

std::optional<WriteMode> parse_write_mode(const std::string& name) {
  if (name == "mmap") return WriteMode::kMmap;
  if (name == "mmap-locked") return WriteMode::kMmapLocked;
  if (name == "pool") return WriteMode::kPool;
  return std::nullopt;
}

std::optional<FlushMode> parse_flush_mode(const std::string& name) {
  if (name == "async") return FlushMode::kAsync;
  if (name == "sync") return FlushMode::kSync;
  return std::nullopt;
}

void EngineConfig::validate() const {
  auto fail = [](const std::string& msg) { throw std::invalid_argument("engine config: " + msg); };
  if (data_dir.empty()) fail("data_dir is empty");
  if (segment_bytes < (1u << 20) || segment_bytes % 4096 != 0)
    fail("segment_bytes must be a multiple of 4096 and at least 1 MiB (got " + std::to_string(segment_bytes) + ")");
  if (segment_bytes > (1ull << 32) - 1) fail("segment_bytes must be below 4 GiB");
  if (max_record_bytes == 0 || uint64_t{max_record_bytes} + kRecordHeaderSize > segment_bytes)
    fail("max_record_bytes (" + std::to_string(max_record_bytes) +
         ") plus a 64-byte header must fit in segment_bytes (" + std::to_string(segment_bytes) + ")");
  if (segments_ahead < 1 || segments_ahead > 8)
    fail("segments_ahead must be between 1 and 8, got " + std::to_string(segments_ahead));
  if (write_mode == WriteMode::kPool && pool_buffers < 2)
    fail("pool_buffers must be at least 2 (the chunk being written and the next), got " + std::to_string(pool_buffers));
  if (write_mode == WriteMode::kPool &&
      (pool_buffer_bytes % 4096 != 0 || pool_buffer_bytes < (1u << 20) || pool_buffer_bytes > (1u << 30)))
    fail(
        "pool_buffer_bytes must be a multiple of 4096 between 1 MiB and 1 GiB (the io_uring registered-buffer "
        "limit), got " +
        std::to_string(pool_buffer_bytes));
  if (write_mode == WriteMode::kPool && segment_bytes % pool_chunk_bytes() != 0)
    fail("segment_bytes (" + std::to_string(segment_bytes) + ") must be a multiple of pool_buffer_bytes (" +
         std::to_string(pool_buffer_bytes) + ")");
  if (write_mode == WriteMode::kMmapLocked && effective_mlock_budget_bytes() < 2 * segment_bytes)
    fail("mlock_budget_bytes (" + std::to_string(mlock_budget_bytes) +
         ") must hold two segments (the active and the next) in mmap-locked mode: at least " +
         std::to_string(2 * segment_bytes));
  if (warm_ahead_bytes < (1u << 20)) fail("warm_ahead_bytes must be at least 1 MiB");
  if (flush_interval_ms == 0) fail("flush_interval_ms must be > 0");
  if (sync_flush_timeout_ms == 0) fail("sync_flush_timeout_ms must be > 0");
  if (index_entries_per_file < 16) fail("index_entries_per_file must be at least 16");
  if (disk_high_water_percent == 0 || disk_high_water_percent > 100) fail("disk_high_water_percent must be in 1..100");
  if (retention_check_interval_ms == 0) fail("retention_check_interval_ms must be > 0");
}

}  // namespace ringmq::engine
