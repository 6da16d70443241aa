// Checkpoint: the store's safe point, replaced atomically (temp file, fdatasync, rename).
//
// Layout (little-endian), written here and nowhere else:
//   offset size field
//   0      4    magic "RCKP" (0x504B4352)
//   4      4    version (1)
//   8      8    flushed_offset      commit-log bytes below this were durable
//   16     8    dispatched_offset   index entries for every record below this were durable
//   24     8    log_start_offset
//   32     8    written_at_ms
//   40     4    queue_count
//   44     4    reserved
//   48     12n  queue_count x {u32 queue_id, u64 next_offset at dispatched_offset}
//   end    4    CRC32C of everything before it
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "engine/file_system.h"

namespace ringmq::engine {

struct Checkpoint {
  uint64_t flushed_offset = 0;
  uint64_t dispatched_offset = 0;
  uint64_t log_start_offset = 0;
  int64_t written_at_ms = 0;
  std::vector<std::pair<uint32_t, uint64_t>> queue_next_offsets;
};

std::vector<std::byte> encode_checkpoint(const Checkpoint& checkpoint);
Result<Checkpoint> decode_checkpoint(std::span<const std::byte> bytes);
// Replaces the checkpoint at `path` atomically; on failure the previous one stays valid.
Status write_checkpoint(FileSystem& fs, const std::string& path, const Checkpoint& checkpoint);
// kNotFound if there is none; kCorrupt if it fails its checks.
Result<Checkpoint> read_checkpoint(FileSystem& fs, const std::string& path);

}  // namespace ringmq::engine
