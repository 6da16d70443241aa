#include "engine/checkpoint.h"

#include <cstring>

#include "common/crc32c.h"
#include "io/file.h"

namespace ringmq::engine {
namespace {

constexpr uint32_t kMagic = 0x504B4352;
constexpr uint32_t kVersion = 1;
constexpr size_t kFixedSize = 48;

template <typename T>
void put(std::vector<std::byte>& out, T value) {
  const auto* p = reinterpret_cast<const std::byte*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}
template <typename T>
T get(const std::byte* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

}  // namespace

std::vector<std::byte> encode_checkpoint(const Checkpoint& c) {
  std::vector<std::byte> out;
  out.reserve(kFixedSize + 12 * c.queue_next_offsets.size() + 4);
  put<uint32_t>(out, kMagic);
  put<uint32_t>(out, kVersion);
  put<uint64_t>(out, c.flushed_offset);
  put<uint64_t>(out, c.dispatched_offset);
  put<uint64_t>(out, c.log_start_offset);
  put<int64_t>(out, c.written_at_ms);
  put<uint32_t>(out, static_cast<uint32_t>(c.queue_next_offsets.size()));
  put<uint32_t>(out, 0);
  for (const auto& [queue, next] : c.queue_next_offsets) {
    put<uint32_t>(out, queue);
    put<uint64_t>(out, next);
  }
  put<uint32_t>(out, crc32c(out));
  return out;
}

Result<Checkpoint> decode_checkpoint(std::span<const std::byte> bytes) {
  auto bad = [](const std::string& why) { return make_error(ErrorCode::kCorrupt, "checkpoint: " + why); };
  if (bytes.size() < kFixedSize + 4) return bad("too short");
  const std::byte* p = bytes.data();
  if (get<uint32_t>(p) != kMagic) return bad("bad magic");
  if (get<uint32_t>(p + 4) != kVersion) return bad("unknown version " + std::to_string(get<uint32_t>(p + 4)));
  const uint32_t count = get<uint32_t>(p + 40);
  if (bytes.size() != kFixedSize + 12ull * count + 4) return bad("size does not match its queue count");
  if (crc32c(bytes.first(bytes.size() - 4)) != get<uint32_t>(p + bytes.size() - 4)) return bad("CRC mismatch");
  Checkpoint c;
  c.flushed_offset = get<uint64_t>(p + 8);
  c.dispatched_offset = get<uint64_t>(p + 16);
  c.log_start_offset = get<uint64_t>(p + 24);
  c.written_at_ms = get<int64_t>(p + 32);
  for (uint32_t i = 0; i < count; ++i) {
    const std::byte* q = p + kFixedSize + 12ull * i;
    c.queue_next_offsets.emplace_back(get<uint32_t>(q), get<uint64_t>(q + 4));
  }
  return c;
}

Status write_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  return io::write_file_atomically(path, encode_checkpoint(checkpoint));
}

Result<Checkpoint> read_checkpoint(const std::string& path) {
  if (!io::path_exists(path)) return make_error(ErrorCode::kNotFound, "no checkpoint at " + path);
  auto bytes = io::read_whole_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  return decode_checkpoint(*bytes);
}

}  // namespace ringmq::engine
