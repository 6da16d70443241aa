// Little-endian loads and stores for every on-disk layout (commit-log records, checkpoints,
// index entries, the broker's offsets, topics and producer-id files): the byte order is
// explicit, so a file reads the same on any host. memcpy-based, so any alignment is fine;
// on a little-endian host each is one load or store.
#pragma once

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <vector>

namespace ringmq {

// The fixed-width integers a layout stores: 1, 2, 4 or 8 bytes, signed or not.
template <typename T>
concept LittleEndianInteger = std::integral<T> && !std::same_as<T, bool> &&
                              (sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8);

// Writes `value` at `dst` as sizeof(T) little-endian bytes.
template <LittleEndianInteger T>
inline void store_le(std::byte* dst, T value) {
  if constexpr (std::endian::native == std::endian::big) value = std::byteswap(value);
  std::memcpy(dst, &value, sizeof value);
}

// Reads sizeof(T) little-endian bytes at `src`.
template <LittleEndianInteger T>
inline T load_le(const std::byte* src) {
  T value;
  std::memcpy(&value, src, sizeof value);
  if constexpr (std::endian::native == std::endian::big) value = std::byteswap(value);
  return value;
}

// Appends `value` to `out` as sizeof(T) little-endian bytes.
template <LittleEndianInteger T>
inline void append_le(std::vector<std::byte>& out, T value) {
  const size_t at = out.size();
  out.resize(at + sizeof value);
  store_le(out.data() + at, value);
}

}  // namespace ringmq
