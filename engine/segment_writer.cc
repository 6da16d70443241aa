#include "engine/segment_writer.h"

#include <spdlog/spdlog.h>

#include "engine/locked_mmap_segment_writer.h"
#include "engine/memlock_check.h"
#include "engine/mmap_segment_writer.h"
#include "engine/pool_segment_writer.h"
#include "io/ring_probe.h"

namespace ringmq::engine {
namespace {

// Without the io_uring pieces the pool needs, the store runs mmap-locked and says so.
Status pool_mode_usable() {
  auto probe = io::RingProbe::detect();
  return probe ? probe->check_required() : Status(std::unexpected(probe.error()));
}

}  // namespace

Result<std::unique_ptr<SegmentWriter>> make_segment_writer(const EngineConfig& config, std::shared_ptr<FileSystem> fs) {
  WriteMode mode = config.write_mode;
  if (mode == WriteMode::kPool) {
    if (auto usable = pool_mode_usable(); !usable) {
      spdlog::warn("pool write mode unavailable ({}); falling back to mmap-locked", usable.error().message);
      mode = WriteMode::kMmapLocked;
    }
  }
  if (mode != WriteMode::kMmap) {
    if (auto s = check_memlock_allowance(config.mlock_budget_bytes_for(mode), current_memlock_allowance()); !s) {
      if (!config.memlock_fallback) return std::unexpected(s.error());
      spdlog::warn(
          "{} write mode cannot lock its memory, running in mmap mode (appends may take page faults "
          "under memory pressure): {} (or set engine.memlock_fallback = false to refuse to start)",
          write_mode_name(mode), s.error().message);
      mode = WriteMode::kMmap;
    }
  }
  switch (mode) {
    case WriteMode::kMmap:
      return std::make_unique<MmapSegmentWriter>();
    case WriteMode::kMmapLocked:
      return std::make_unique<LockedMmapSegmentWriter>(config);
    case WriteMode::kPool: {
      auto pool = PoolSegmentWriter::create(config, std::move(fs));
      if (!pool) return std::unexpected(pool.error());
      return std::unique_ptr<SegmentWriter>(std::move(*pool));
    }
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown write mode");
}

}  // namespace ringmq::engine
