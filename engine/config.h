// EngineConfig: every knob of the storage engine, with units in the names and defaults sized
// for a production host. The broker loads it from TOML; tests shrink segments to a few MiB.
// validate() is the one place that rejects impossible combinations, with a message that
// names the setting.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"

namespace ringmq::engine {

// How appends reach the segment file.
enum class WriteMode {
  kMmap,        // copy into the mapped segment; no warm-up (the baseline, RocketMQ's default)
  kMmapLocked,  // the same, but segments are pre-faulted and mlock'd before they are used
  kPool,        // copy into a locked transient pool buffer, io_uring writes it to the file
};
enum class FlushMode {
  kAsync,  // answer after the append; flush every flush_interval_ms or flush_dirty_bytes
  kSync,   // group commit: answer after the flush that covers the record
};

const char* write_mode_name(WriteMode mode);
const char* flush_mode_name(FlushMode mode);
std::optional<WriteMode> parse_write_mode(const std::string& name);
std::optional<FlushMode> parse_flush_mode(const std::string& name);

// Where the engine's threads and pool memory go (numa/). Set by the broker from its
// placement plan; empty functions mean "leave it to the kernel".
struct EnginePlacement {
  // Called first thing on each engine thread with its role: "allocator", "dispatcher",
  // "flusher" (which is also the pool mode's committer), "retention".
  std::function<void(const char* role)> pin_thread;
  // Binds [data, data + bytes) to the engine's node (pool buffers).
  std::function<Status(void* data, size_t bytes)> bind_memory;
};

struct EngineConfig {
  std::string data_dir;  // holds commitlog/, index/, checkpoint, abort

  // Commit log.
  uint64_t segment_bytes = 1ull << 30;
  WriteMode write_mode = WriteMode::kPool;
  // When the memlock allowance is short of what write_mode locks: run as kMmap with a warning
  // (true) or refuse to open (false).
  bool memlock_fallback = true;
  // Locked memory allowed for segments (mmap-locked); 0 means the active segment and those
  // prepared ahead of it.
  uint64_t mlock_budget_bytes = 0;
  // pool: locked chunks of pool_buffer_bytes each, mapped over the active segment just ahead
  // of the writer (and over the next segment's start before a roll) until the committer has
  // written them to the file. The locked footprint is their product (256 MiB by default),
  // whatever segment_bytes is.
  uint32_t pool_buffers = 4;
  uint64_t pool_buffer_bytes = 64ull << 20;
  bool pool_huge_pages = true;
  // mmap-locked: how far ahead of the writer pages are made writable (see SegmentAllocator).
  uint64_t warm_ahead_bytes = 64ull << 20;
  uint32_t max_record_bytes = 64u << 20;
  uint32_t max_queue_id = 1u << 20;
  // Segments made ready before the writer needs them (file created, fallocated, prepared by
  // the write mode): two, so that a roll never waits for a fallocate even when the writer
  // crosses a segment while the next one is still being made.
  uint32_t segments_ahead = 2;
  // An append that must wait longer than this for the next segment fails with kBusy.
  uint32_t append_wait_timeout_ms = 2000;

  // Flush.
  FlushMode flush_mode = FlushMode::kAsync;
  uint32_t flush_interval_ms = 200;
  uint64_t flush_dirty_bytes = 64u << 10;
  uint32_t sync_flush_timeout_ms = 5000;
  uint32_t checkpoint_interval_ms = 1000;

  // ConsumeQueue (per-queue index).
  uint32_t index_entries_per_file = 1u << 20;  // 32 MiB files

  // Reads.
  bool verify_crc_on_read = true;

  // Retention: whole segments older than retention_ms or beyond retention_bytes go.
  uint64_t retention_ms = 7ull * 24 * 3600 * 1000;
  // With a queue floor, a segment older than retention_ms still stays while it ends above the
  // floor the store's user sets (MessageStore::set_retention_floor: the lowest commit-log
  // position a queue still serves), and nothing expires until the first floor is set. For a
  // user that moves each queue's start by its own retention (the broker: per-topic
  // retention.ms, longer or shorter than this): a segment goes once no queue needs it.
  // retention_bytes is never held back by the floor (the high-water mark deletes nothing: it
  // refuses appends).
  bool retention_by_queue_floor = false;
  uint64_t retention_bytes = 0;  // 0 = no size limit
  uint32_t retention_check_interval_ms = 5000;
  // Appends are rejected while the data directory's file system is fuller than this.
  uint32_t disk_high_water_percent = 95;

  EnginePlacement placement;

  // Throws std::invalid_argument naming the bad setting (start-up only).
  void validate() const;
  // Memory `mode` locks: the pool's buffers (pool), else the segments' budget (mmap-locked).
  uint64_t mlock_budget_bytes_for(WriteMode mode) const {
    if (mode == WriteMode::kPool) return uint64_t{pool_buffers} * pool_chunk_bytes();
    return mlock_budget_bytes ? mlock_budget_bytes : (1 + uint64_t{segments_ahead}) * segment_bytes;
  }
  // A pool chunk never covers more than one segment.
  uint64_t pool_chunk_bytes() const { return std::min(pool_buffer_bytes, segment_bytes); }
  uint64_t effective_mlock_budget_bytes() const { return mlock_budget_bytes_for(write_mode); }
};

}  // namespace ringmq::engine
