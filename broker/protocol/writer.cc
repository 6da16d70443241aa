#include "broker/protocol/writer.h"

#include <climits>
#include <cstring>

namespace ringmq::broker::protocol {
namespace {

template <typename T>
void store_big_endian(std::byte* p, T value) {
  using U = std::make_unsigned_t<T>;
  U v = static_cast<U>(value);
  for (size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<std::byte>(v >> (8 * (sizeof(T) - 1 - i)));
}

std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace

Status Writer::status() const {
  if (!failed_) return {};
  return make_error(ErrorCode::kInvalidArgument, error_message_);
}

void Writer::fail(std::string message) {
  if (failed_) return;
  failed_ = true;
  error_message_ = std::move(message);
}

std::byte* Writer::grow(size_t size) {
  size_t at = out_.size();
  out_.resize(at + size);
  return out_.data() + at;
}

void Writer::write_int8(int8_t value) { *grow(1) = static_cast<std::byte>(value); }
void Writer::write_int16(int16_t value) { store_big_endian(grow(2), value); }
void Writer::write_int32(int32_t value) { store_big_endian(grow(4), value); }
void Writer::write_int64(int64_t value) { store_big_endian(grow(8), value); }
void Writer::write_uint32(uint32_t value) { store_big_endian(grow(4), value); }
void Writer::write_uuid(const Uuid& id) { std::memcpy(grow(16), id.bytes.data(), 16); }

void Writer::write_unsigned_varint(uint32_t value) {
  std::byte buffer[5];
  size_t n = 0;
  while (value >= 0x80) {
    buffer[n++] = static_cast<std::byte>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  buffer[n++] = static_cast<std::byte>(value);
  std::memcpy(grow(n), buffer, n);
}

void Writer::write_varint(int32_t value) {
  write_unsigned_varint((static_cast<uint32_t>(value) << 1) ^ static_cast<uint32_t>(value >> 31));
}

void Writer::write_varlong(int64_t value) {
  uint64_t v = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  std::byte buffer[10];
  size_t n = 0;
  while (v >= 0x80) {
    buffer[n++] = static_cast<std::byte>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  buffer[n++] = static_cast<std::byte>(v);
  std::memcpy(grow(n), buffer, n);
}

void Writer::write_string(std::string_view s) {
  if (s.size() > INT16_MAX) {
    fail("string of " + std::to_string(s.size()) + " bytes is longer than a STRING can carry (32767)");
    return;
  }
  write_int16(static_cast<int16_t>(s.size()));
  write_raw(as_bytes(s));
}

void Writer::write_nullable_string(std::optional<std::string_view> s) {
  if (!s) {
    write_int16(-1);
    return;
  }
  write_string(*s);
}

void Writer::write_compact_string(std::string_view s) {
  if (s.size() >= UINT32_MAX) {
    fail("compact string too long");
    return;
  }
  write_unsigned_varint(static_cast<uint32_t>(s.size() + 1));
  write_raw(as_bytes(s));
}

void Writer::write_compact_nullable_string(std::optional<std::string_view> s) {
  if (!s) {
    write_unsigned_varint(0);
    return;
  }
  write_compact_string(*s);
}

void Writer::write_bytes(std::span<const std::byte> b) {
  if (b.size() > INT32_MAX) {
    fail("bytes field of " + std::to_string(b.size()) + " bytes is longer than INT32_MAX");
    return;
  }
  write_int32(static_cast<int32_t>(b.size()));
  write_raw(b);
}

void Writer::write_nullable_bytes(std::optional<std::span<const std::byte>> b) {
  if (!b) {
    write_int32(-1);
    return;
  }
  write_bytes(*b);
}

void Writer::write_compact_bytes(std::span<const std::byte> b) {
  if (b.size() >= UINT32_MAX) {
    fail("compact bytes too long");
    return;
  }
  write_unsigned_varint(static_cast<uint32_t>(b.size() + 1));
  write_raw(b);
}

void Writer::write_compact_nullable_bytes(std::optional<std::span<const std::byte>> b) {
  if (!b) {
    write_unsigned_varint(0);
    return;
  }
  write_compact_bytes(*b);
}

void Writer::write_array_length(size_t count) {
  if (count > INT32_MAX) {
    fail("array of " + std::to_string(count) + " elements is longer than INT32_MAX");
    return;
  }
  write_int32(static_cast<int32_t>(count));
}

void Writer::write_compact_array_length(size_t count) {
  if (count >= INT32_MAX) {
    fail("compact array of " + std::to_string(count) + " elements is too long");
    return;
  }
  write_unsigned_varint(static_cast<uint32_t>(count + 1));
}

void Writer::write_raw(std::span<const std::byte> bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }

size_t Writer::write_int32_placeholder() {
  size_t at = out_.size();
  write_int32(0);
  return at;
}

void Writer::patch_int32(size_t position, int32_t value) { store_big_endian(out_.data() + position, value); }

}  // namespace ringmq::broker::protocol
