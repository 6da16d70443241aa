#include "engine/checkpoint.h"

#include <cstring>

#include "common/crc32c.h"
#include "common/little_endian.h"

namespace ringmq::engine {
namespace {

constexpr uint32_t kMagic = 0x504B4352;
constexpr uint32_t kVersion = 1;
constexpr size_t kFixedSize = 48;

}  // namespace

std::vector<std::byte> encode_checkpoint(const Checkpoint& c) {
  std::vector<std::byte> out;
  out.reserve(kFixedSize + 12 * c.queue_next_offsets.size() + 4);
  append_le<uint32_t>(out, kMagic);
  append_le<uint32_t>(out, kVersion);
  append_le<uint64_t>(out, c.flushed_offset);
  append_le<uint64_t>(out, c.dispatched_offset);
  append_le<uint64_t>(out, c.log_start_offset);
  append_le<int64_t>(out, c.written_at_ms);
  append_le<uint32_t>(out, static_cast<uint32_t>(c.queue_next_offsets.size()));
  append_le<uint32_t>(out, 0);
  for (const auto& [queue, next] : c.queue_next_offsets) {
    append_le<uint32_t>(out, queue);
    append_le<uint64_t>(out, next);
  }
  append_le<uint32_t>(out, crc32c(out));
  return out;
}

Result<Checkpoint> decode_checkpoint(std::span<const std::byte> bytes) {
  auto bad = [](const std::string& why) { return make_error(ErrorCode::kCorrupt, "checkpoint: " + why); };
  if (bytes.size() < kFixedSize + 4) return bad("too short");
  const std::byte* p = bytes.data();
  if (load_le<uint32_t>(p) != kMagic) return bad("bad magic");
  if (load_le<uint32_t>(p + 4) != kVersion) return bad("unknown version " + std::to_string(load_le<uint32_t>(p + 4)));
  const uint32_t count = load_le<uint32_t>(p + 40);
  if (bytes.size() != kFixedSize + 12ull * count + 4) return bad("size does not match its queue count");
  if (crc32c(bytes.first(bytes.size() - 4)) != load_le<uint32_t>(p + bytes.size() - 4)) return bad("CRC mismatch");
  Checkpoint c;
  c.flushed_offset = load_le<uint64_t>(p + 8);
  c.dispatched_offset = load_le<uint64_t>(p + 16);
  c.log_start_offset = load_le<uint64_t>(p + 24);
  c.written_at_ms = load_le<int64_t>(p + 32);
  for (uint32_t i = 0; i < count; ++i) {
    const std::byte* q = p + kFixedSize + 12ull * i;
    c.queue_next_offsets.emplace_back(load_le<uint32_t>(q), load_le<uint64_t>(q + 4));
  }
  return c;
}

Status write_checkpoint(FileSystem& fs, const std::string& path, const Checkpoint& checkpoint) {
  return write_file_atomically(fs, path, encode_checkpoint(checkpoint));
}

Result<Checkpoint> read_checkpoint(FileSystem& fs, const std::string& path) {
  if (!fs.exists(path)) return make_error(ErrorCode::kNotFound, "no checkpoint at " + path);
  auto bytes = read_whole_file(fs, path);
  if (!bytes) return std::unexpected(bytes.error());
  return decode_checkpoint(*bytes);
}

}  // namespace ringmq::engine
