// FieldReader / FieldWriter: the wire type of a message field depends on whether the message
// version is flexible (KIP-482). In a flexible version STRING becomes COMPACT_STRING, BYTES
// become COMPACT_BYTES, ARRAY becomes COMPACT_ARRAY, and every struct (the message itself and
// each array element) ends with a TAG_BUFFER; in older versions there are no tagged fields.
// These wrappers pick the form once, so a message codec reads like its JSON schema.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"

namespace ringmq::broker::protocol {

class FieldReader {
 public:
  FieldReader(Reader& reader, bool flexible) : r_(reader), flexible_(flexible) {}

  bool flexible() const { return flexible_; }
  Reader& reader() { return r_; }
  bool ok() const { return r_.ok(); }

  int8_t int8() { return r_.read_int8(); }
  int16_t int16() { return r_.read_int16(); }
  int32_t int32() { return r_.read_int32(); }
  int64_t int64() { return r_.read_int64(); }
  bool boolean() { return r_.read_bool(); }
  Uuid uuid() { return r_.read_uuid(); }
  std::string_view string() { return flexible_ ? r_.read_compact_string() : r_.read_string(); }
  std::optional<std::string_view> nullable_string() {
    return flexible_ ? r_.read_compact_nullable_string() : r_.read_nullable_string();
  }
  std::span<const std::byte> bytes() { return flexible_ ? r_.read_compact_bytes() : r_.read_bytes(); }
  std::optional<std::span<const std::byte>> nullable_bytes() {
    return flexible_ ? r_.read_compact_nullable_bytes() : r_.read_nullable_bytes();
  }
  // A non-nullable array's length; null is an error. Never negative.
  int32_t array_length(size_t min_element_bytes = 1) {
    size_t at = r_.offset();
    int32_t n = flexible_ ? r_.read_compact_array_length(min_element_bytes) : r_.read_array_length(min_element_bytes);
    if (n < 0) {
      r_.fail("array at byte " + std::to_string(at) + " is null where null is not allowed");
      return 0;
    }
    return n;
  }
  // A nullable array's length, -1 for null.
  int32_t nullable_array_length(size_t min_element_bytes = 1) {
    return flexible_ ? r_.read_compact_array_length(min_element_bytes) : r_.read_array_length(min_element_bytes);
  }
  // The TAG_BUFFER ending a struct in a flexible version; nothing otherwise.
  void tagged_fields() {
    if (flexible_) r_.skip_tagged_fields();
  }

 private:
  Reader& r_;
  bool flexible_;
};

class FieldWriter {
 public:
  FieldWriter(Writer& writer, bool flexible) : w_(writer), flexible_(flexible) {}

  bool flexible() const { return flexible_; }
  Writer& writer() { return w_; }

  void int8(int8_t v) { w_.write_int8(v); }
  void int16(int16_t v) { w_.write_int16(v); }
  void int32(int32_t v) { w_.write_int32(v); }
  void int64(int64_t v) { w_.write_int64(v); }
  void boolean(bool v) { w_.write_bool(v); }
  void uuid(const Uuid& v) { w_.write_uuid(v); }
  void string(std::string_view s) { flexible_ ? w_.write_compact_string(s) : w_.write_string(s); }
  void nullable_string(std::optional<std::string_view> s) {
    flexible_ ? w_.write_compact_nullable_string(s) : w_.write_nullable_string(s);
  }
  void bytes(std::span<const std::byte> b) { flexible_ ? w_.write_compact_bytes(b) : w_.write_bytes(b); }
  void nullable_bytes(std::optional<std::span<const std::byte>> b) {
    flexible_ ? w_.write_compact_nullable_bytes(b) : w_.write_nullable_bytes(b);
  }
  void array_length(size_t n) { flexible_ ? w_.write_compact_array_length(n) : w_.write_array_length(n); }
  void null_array() { flexible_ ? w_.write_compact_null_array() : w_.write_null_array(); }
  void tagged_fields() {
    if (flexible_) w_.write_empty_tagged_fields();
  }

 private:
  Writer& w_;
  bool flexible_;
};

}  // namespace ringmq::broker::protocol
