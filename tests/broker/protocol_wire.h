// Test-side wire helpers for the protocol tests, written from the protocol guide and the
// message JSON schemas independently of broker/protocol's Reader and Writer, so that a test
// which builds bytes here and decodes them there (or the reverse) checks one implementation
// against another rather than against itself.
//   WireBuilder  appends fields; `flexible` picks compact strings/arrays and tag buffers.
//   WireParser   reads fields back and throws WireError on anything unexpected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringmq::broker::protocol::testing {

using Bytes = std::vector<std::byte>;

inline Bytes bytes_of(std::string_view s) {
  Bytes b(s.size());
  if (!s.empty()) std::memcpy(b.data(), s.data(), s.size());
  return b;
}

inline Bytes hex(std::string_view text) {
  Bytes out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int high = -1;
  for (char c : text) {
    int n = nibble(c);
    if (n < 0) continue;
    if (high < 0) {
      high = n;
    } else {
      out.push_back(static_cast<std::byte>(high * 16 + n));
      high = -1;
    }
  }
  return out;
}

class WireBuilder {
 public:
  explicit WireBuilder(bool flexible = false) : flexible_(flexible) {}

  WireBuilder& i8(int8_t v) { return be(static_cast<uint8_t>(v), 1); }
  WireBuilder& i16(int16_t v) { return be(static_cast<uint16_t>(v), 2); }
  WireBuilder& i32(int32_t v) { return be(static_cast<uint32_t>(v), 4); }
  WireBuilder& i64(int64_t v) { return be(static_cast<uint64_t>(v), 8); }
  WireBuilder& boolean(bool v) { return i8(v ? 1 : 0); }
  WireBuilder& uuid(uint8_t fill) {
    for (int i = 0; i < 16; ++i) out.push_back(static_cast<std::byte>(fill + i));
    return *this;
  }
  WireBuilder& uvarint(uint64_t v) {
    do {
      uint8_t b = v & 0x7F;
      v >>= 7;
      if (v != 0) b |= 0x80;
      out.push_back(static_cast<std::byte>(b));
    } while (v != 0);
    return *this;
  }
  WireBuilder& varint(int64_t v) { return uvarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  WireBuilder& raw(std::span<const std::byte> b) {
    out.insert(out.end(), b.begin(), b.end());
    return *this;
  }
  // STRING / COMPACT_STRING, or their nullable forms when `s` is nullopt.
  WireBuilder& str(std::optional<std::string_view> s) {
    if (!s) return flexible_ ? uvarint(0) : i16(-1);
    if (flexible_) {
      uvarint(s->size() + 1);
    } else {
      i16(static_cast<int16_t>(s->size()));
    }
    return raw(bytes_of(*s));
  }
  // Always the int16-length form (a request header's client_id).
  WireBuilder& legacy_str(std::optional<std::string_view> s) {
    if (!s) return i16(-1);
    i16(static_cast<int16_t>(s->size()));
    return raw(bytes_of(*s));
  }
  WireBuilder& bytes(std::optional<std::span<const std::byte>> b) {
    if (!b) return flexible_ ? uvarint(0) : i32(-1);
    if (flexible_) {
      uvarint(b->size() + 1);
    } else {
      i32(static_cast<int32_t>(b->size()));
    }
    return raw(*b);
  }
  // ARRAY / COMPACT_ARRAY length; -1 is null.
  WireBuilder& array(int32_t n) {
    if (flexible_) return uvarint(n < 0 ? 0 : static_cast<uint64_t>(n) + 1);
    return i32(n);
  }
  // An empty TAG_BUFFER in flexible versions, nothing otherwise.
  WireBuilder& tags() { return flexible_ ? uvarint(0) : *this; }
  // A TAG_BUFFER with fields the broker must skip (flexible versions only).
  WireBuilder& tags_with(const std::vector<std::pair<uint32_t, Bytes>>& fields) {
    if (!flexible_) return *this;
    uvarint(fields.size());
    for (const auto& [tag, data] : fields) {
      uvarint(tag);
      uvarint(data.size());
      raw(data);
    }
    return *this;
  }

  bool flexible() const { return flexible_; }
  Bytes out;

 private:
  WireBuilder& be(uint64_t v, int size) {
    for (int i = size - 1; i >= 0; --i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  bool flexible_;
};

// A request frame without its size prefix: header v1 (or v2 with an empty tag buffer) + body.
inline Bytes request_frame(int16_t api_key, int16_t version, int32_t correlation_id,
                           std::optional<std::string_view> client_id, bool header_v2, const Bytes& body) {
  WireBuilder b;
  b.i16(api_key).i16(version).i32(correlation_id).legacy_str(client_id);
  if (header_v2) b.uvarint(0);
  b.raw(body);
  return b.out;
}

struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class WireParser {
 public:
  WireParser(std::span<const std::byte> data, bool flexible) : data_(data), flexible_(flexible) {}

  int8_t i8() { return static_cast<int8_t>(be(1)); }
  int16_t i16() { return static_cast<int16_t>(be(2)); }
  int32_t i32() { return static_cast<int32_t>(be(4)); }
  int64_t i64() { return static_cast<int64_t>(be(8)); }
  bool boolean() { return i8() != 0; }
  Bytes uuid() { return take(16); }
  uint64_t uvarint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = static_cast<uint8_t>(take(1)[0]);
      v |= uint64_t{b & 0x7Fu} << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw WireError("varint too long");
  }
  std::optional<std::string> nstr() {
    int64_t n = flexible_ ? static_cast<int64_t>(uvarint()) - 1 : i16();
    if (n < 0) return std::nullopt;
    Bytes b = take(static_cast<size_t>(n));
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }
  std::string str() {
    auto s = nstr();
    if (!s) throw WireError("unexpected null string");
    return *s;
  }
  std::optional<Bytes> nbytes() {
    int64_t n = flexible_ ? static_cast<int64_t>(uvarint()) - 1 : i32();
    if (n < 0) return std::nullopt;
    return take(static_cast<size_t>(n));
  }
  Bytes bytes() {
    auto b = nbytes();
    if (!b) throw WireError("unexpected null bytes");
    return *b;
  }
  // Length of an array, -1 for null.
  int32_t array() { return flexible_ ? static_cast<int32_t>(static_cast<int64_t>(uvarint()) - 1) : i32(); }
  // The broker sends empty tag buffers only.
  void tags() {
    if (flexible_ && uvarint() != 0) throw WireError("expected an empty tag buffer");
  }
  size_t remaining() const { return data_.size() - offset_; }
  bool at_end() const { return offset_ == data_.size(); }

  // A response frame: checks the size prefix against the bytes, returns the correlation id,
  // and reads the header's tag buffer for response header v1.
  int32_t response_header(bool header_v1) {
    int32_t size = i32();
    if (static_cast<size_t>(size) != remaining()) {
      throw WireError("size prefix " + std::to_string(size) + " but " + std::to_string(remaining()) + " bytes follow");
    }
    int32_t correlation_id = i32();
    if (header_v1 && uvarint() != 0) throw WireError("expected an empty header tag buffer");
    return correlation_id;
  }

 private:
  Bytes take(size_t n) {
    if (n > remaining())
      throw WireError("truncated: wanted " + std::to_string(n) + " bytes, " + std::to_string(remaining()) + " left");
    Bytes b(data_.begin() + static_cast<std::ptrdiff_t>(offset_),
            data_.begin() + static_cast<std::ptrdiff_t>(offset_ + n));
    offset_ += n;
    return b;
  }
  uint64_t be(int size) {
    Bytes b = take(static_cast<size_t>(size));
    uint64_t v = 0;
    for (std::byte x : b) v = (v << 8) | static_cast<uint8_t>(x);
    return v;
  }
  std::span<const std::byte> data_;
  size_t offset_ = 0;
  bool flexible_;
};

// Every version in [low, high], for INSTANTIATE_TEST_SUITE_P.
inline std::vector<int16_t> versions(int16_t low, int16_t high) {
  std::vector<int16_t> v;
  for (int16_t i = low; i <= high; ++i) v.push_back(i);
  return v;
}

}  // namespace ringmq::broker::protocol::testing
