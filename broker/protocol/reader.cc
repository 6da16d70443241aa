#include "broker/protocol/reader.h"

#include <cstring>

namespace ringmq::broker::protocol {
namespace {

template <typename T>
T load_big_endian(const std::byte* p) {
  using U = std::make_unsigned_t<T>;
  U value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value = static_cast<U>((value << 8) | static_cast<uint8_t>(p[i]));
  return static_cast<T>(value);
}

}  // namespace

Status Reader::status() const {
  if (!failed_) return {};
  return make_error(ErrorCode::kCorrupt, error_message_);
}

void Reader::fail(std::string message) {
  if (failed_) return;
  failed_ = true;
  error_message_ = std::move(message);
}

bool Reader::take(size_t size, const char* what, const std::byte** out) {
  if (failed_) return false;
  if (size > remaining()) {
    fail(std::string("truncated ") + what + " at byte " + std::to_string(offset_) + ": needs " + std::to_string(size) +
         " bytes, " + std::to_string(remaining()) + " left");
    return false;
  }
  *out = data_.data() + offset_;
  offset_ += size;
  return true;
}

int8_t Reader::read_int8() {
  const std::byte* p;
  return take(1, "int8", &p) ? static_cast<int8_t>(*p) : 0;
}
int16_t Reader::read_int16() {
  const std::byte* p;
  return take(2, "int16", &p) ? load_big_endian<int16_t>(p) : 0;
}
int32_t Reader::read_int32() {
  const std::byte* p;
  return take(4, "int32", &p) ? load_big_endian<int32_t>(p) : 0;
}
int64_t Reader::read_int64() {
  const std::byte* p;
  return take(8, "int64", &p) ? load_big_endian<int64_t>(p) : 0;
}
uint32_t Reader::read_uint32() {
  const std::byte* p;
  return take(4, "uint32", &p) ? load_big_endian<uint32_t>(p) : 0;
}
bool Reader::read_bool() {
  const std::byte* p;
  return take(1, "boolean", &p) ? *p != std::byte{0} : false;
}

Uuid Reader::read_uuid() {
  Uuid id;
  const std::byte* p;
  if (take(16, "uuid", &p)) std::memcpy(id.bytes.data(), p, 16);
  return id;
}

uint32_t Reader::read_unsigned_varint() {
  uint32_t value = 0;
  size_t start = offset_;
  for (int shift = 0; shift < 35; shift += 7) {
    const std::byte* p;
    if (!take(1, "unsigned varint", &p)) return 0;
    uint32_t b = static_cast<uint8_t>(*p);
    // The fifth byte may only carry the top 4 bits of a 32-bit value.
    if (shift == 28 && (b & 0xF0) != 0) break;
    value |= (b & 0x7F) << shift;
    if ((b & 0x80) == 0) return value;
  }
  fail("unsigned varint at byte " + std::to_string(start) + " is longer than 5 bytes or overflows 32 bits");
  return 0;
}

int32_t Reader::read_varint() {
  uint32_t raw = read_unsigned_varint();
  return static_cast<int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

int64_t Reader::read_varlong() {
  uint64_t value = 0;
  size_t start = offset_;
  for (int shift = 0; shift < 70; shift += 7) {
    const std::byte* p;
    if (!take(1, "varlong", &p)) return 0;
    uint64_t b = static_cast<uint8_t>(*p);
    // The tenth byte may only carry the top bit of a 64-bit value.
    if (shift == 63 && (b & 0xFE) != 0) break;
    value |= (b & 0x7F) << shift;
    if ((b & 0x80) == 0) return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
  }
  fail("varlong at byte " + std::to_string(start) + " is longer than 10 bytes or overflows 64 bits");
  return 0;
}

std::string_view Reader::take_string(int64_t length, const char* what) {
  const std::byte* p;
  if (!take(static_cast<size_t>(length), what, &p)) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(length)};
}

std::span<const std::byte> Reader::take_bytes(int64_t length, const char* what) {
  const std::byte* p;
  if (!take(static_cast<size_t>(length), what, &p)) return {};
  return {p, static_cast<size_t>(length)};
}

std::string_view Reader::read_string() {
  size_t at = offset_;
  int16_t length = read_int16();
  if (length < 0 && ok())
    fail("string at byte " + std::to_string(at) + " has length " + std::to_string(length) +
         " where null is not allowed");
  return ok() ? take_string(length, "string") : std::string_view();
}

std::optional<std::string_view> Reader::read_nullable_string() {
  size_t at = offset_;
  int16_t length = read_int16();
  if (!ok()) return std::nullopt;
  if (length == -1) return std::nullopt;
  if (length < 0) {
    fail("nullable string at byte " + std::to_string(at) + " has length " + std::to_string(length));
    return std::nullopt;
  }
  std::string_view s = take_string(length, "string");
  return ok() ? std::optional(s) : std::nullopt;
}

std::string_view Reader::read_compact_string() {
  size_t at = offset_;
  uint32_t length_plus_one = read_unsigned_varint();
  if (length_plus_one == 0 && ok())
    fail("compact string at byte " + std::to_string(at) + " is null where null is not allowed");
  return ok() ? take_string(int64_t{length_plus_one} - 1, "compact string") : std::string_view();
}

std::optional<std::string_view> Reader::read_compact_nullable_string() {
  uint32_t length_plus_one = read_unsigned_varint();
  if (!ok() || length_plus_one == 0) return std::nullopt;
  std::string_view s = take_string(int64_t{length_plus_one} - 1, "compact string");
  return ok() ? std::optional(s) : std::nullopt;
}

std::span<const std::byte> Reader::read_bytes() {
  size_t at = offset_;
  int32_t length = read_int32();
  if (length < 0 && ok())
    fail("bytes at byte " + std::to_string(at) + " have length " + std::to_string(length) +
         " where null is not allowed");
  return ok() ? take_bytes(length, "bytes") : std::span<const std::byte>();
}

std::optional<std::span<const std::byte>> Reader::read_nullable_bytes() {
  size_t at = offset_;
  int32_t length = read_int32();
  if (!ok() || length == -1) return std::nullopt;
  if (length < 0) {
    fail("nullable bytes at byte " + std::to_string(at) + " have length " + std::to_string(length));
    return std::nullopt;
  }
  auto bytes = take_bytes(length, "bytes");
  return ok() ? std::optional(bytes) : std::nullopt;
}

std::span<const std::byte> Reader::read_compact_bytes() {
  size_t at = offset_;
  uint32_t length_plus_one = read_unsigned_varint();
  if (length_plus_one == 0 && ok())
    fail("compact bytes at byte " + std::to_string(at) + " are null where null is not allowed");
  return ok() ? take_bytes(int64_t{length_plus_one} - 1, "compact bytes") : std::span<const std::byte>();
}

std::optional<std::span<const std::byte>> Reader::read_compact_nullable_bytes() {
  uint32_t length_plus_one = read_unsigned_varint();
  if (!ok() || length_plus_one == 0) return std::nullopt;
  auto bytes = take_bytes(int64_t{length_plus_one} - 1, "compact bytes");
  return ok() ? std::optional(bytes) : std::nullopt;
}

int32_t Reader::check_array_length(int64_t count, size_t min_element_bytes, const char* what) {
  if (!ok()) return 0;
  if (count < -1) {
    fail(std::string(what) + " before byte " + std::to_string(offset_) + " has impossible length " +
         std::to_string(count));
    return 0;
  }
  if (count > 0 && static_cast<uint64_t>(count) * (min_element_bytes ? min_element_bytes : 1) > remaining()) {
    fail(std::string(what) + " before byte " + std::to_string(offset_) + " claims " + std::to_string(count) +
         " elements but only " + std::to_string(remaining()) + " bytes are left");
    return 0;
  }
  return static_cast<int32_t>(count);
}

int32_t Reader::read_array_length(size_t min_element_bytes) {
  int32_t count = read_int32();
  return check_array_length(count, min_element_bytes, "array");
}

int32_t Reader::read_compact_array_length(size_t min_element_bytes) {
  uint32_t count_plus_one = read_unsigned_varint();
  return check_array_length(int64_t{count_plus_one} - 1, min_element_bytes, "compact array");
}

void Reader::skip_tagged_fields() {
  size_t at = offset_;
  uint32_t count = read_unsigned_varint();
  if (ok() && count > remaining() / 2) {  // each field takes at least a tag byte and a size byte
    fail("tagged fields at byte " + std::to_string(at) + " claim " + std::to_string(count) + " fields in " +
         std::to_string(remaining()) + " bytes");
    return;
  }
  int64_t previous_tag = -1;
  for (uint32_t i = 0; i < count && ok(); ++i) {
    uint32_t tag = read_unsigned_varint();
    uint32_t size = read_unsigned_varint();
    if (!ok()) return;
    if (int64_t{tag} <= previous_tag) {
      fail("tagged field " + std::to_string(tag) + " at byte " + std::to_string(at) + " is out of order");
      return;
    }
    previous_tag = tag;
    read_raw(size);
  }
}

std::span<const std::byte> Reader::read_raw(size_t size) {
  const std::byte* p;
  if (!take(size, "raw bytes", &p)) return {};
  return {p, size};
}

}  // namespace ringmq::broker::protocol
