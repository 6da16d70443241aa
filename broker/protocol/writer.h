// Writer: appends Kafka's big-endian primitives to a caller-owned byte vector, so a connection
// can reuse one buffer (and its capacity) for every response. The same primitives as Reader,
// plus placeholders that are patched once the bytes after them are known (a frame's size
// prefix, a records length).
//
// Errors are sticky, as in Reader: a value the wire type cannot carry (a STRING longer than
// 32767 bytes, an array longer than INT32_MAX) records an Error (code kInvalidArgument); the
// bytes written so far are then not a valid message and the caller drops them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/protocol/types.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

class Writer {
 public:
  // Appends to `out`, which must outlive the writer; existing contents are kept.
  explicit Writer(std::vector<std::byte>& out) : out_(out) {}

  void write_int8(int8_t value);
  void write_int16(int16_t value);
  void write_int32(int32_t value);
  void write_int64(int64_t value);
  void write_uint32(uint32_t value);
  void write_bool(bool value) { write_int8(value ? 1 : 0); }
  void write_uuid(const Uuid& id);
  void write_unsigned_varint(uint32_t value);
  void write_varint(int32_t value);   // zig-zag
  void write_varlong(int64_t value);  // zig-zag

  void write_string(std::string_view s);
  void write_nullable_string(std::optional<std::string_view> s);
  void write_compact_string(std::string_view s);
  void write_compact_nullable_string(std::optional<std::string_view> s);
  void write_bytes(std::span<const std::byte> b);
  void write_nullable_bytes(std::optional<std::span<const std::byte>> b);
  void write_compact_bytes(std::span<const std::byte> b);
  void write_compact_nullable_bytes(std::optional<std::span<const std::byte>> b);
  void write_array_length(size_t count);
  void write_null_array() { write_int32(-1); }
  void write_compact_array_length(size_t count);
  void write_compact_null_array() { write_unsigned_varint(0); }
  // An empty TAG_BUFFER: the broker sends no tagged fields.
  void write_empty_tagged_fields() { write_unsigned_varint(0); }
  void write_raw(std::span<const std::byte> bytes);

  // Bytes in the output vector (including what was there before this writer).
  size_t size() const { return out_.size(); }
  void reserve(size_t bytes) { out_.reserve(out_.size() + bytes); }
  // Writes a zero int32 and returns its position for patch_int32.
  size_t write_int32_placeholder();
  void patch_int32(size_t position, int32_t value);
  // A mutable view of bytes already written, for in-place fixes (a batch's base offset).
  std::span<std::byte> written(size_t position, size_t size) { return {out_.data() + position, size}; }

  bool ok() const { return !failed_; }
  Status status() const;
  void fail(std::string message);

 private:
  std::byte* grow(size_t size);

  std::vector<std::byte>& out_;
  bool failed_ = false;
  std::string error_message_;
};

}  // namespace ringmq::broker::protocol
