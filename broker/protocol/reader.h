// Reader: a bounds-checked cursor over one received frame that decodes Kafka's big-endian
// primitives (protocol guide, "Protocol Primitive Types"; KIP-482 for the compact and varint
// forms). Strings and byte fields come back as views into the frame, never copies: the frame
// must outlive everything decoded from it.
//
// Errors are sticky. The first read that would run past the end, or that meets an impossible
// length, records an Error (code kCorrupt, message naming the field type and byte offset); from
// then on every read returns a zero value and consumes nothing. A decoder reads a whole message
// straight through and checks status() once at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "broker/protocol/types.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

class Reader {
 public:
  explicit Reader(std::span<const std::byte> data) : data_(data) {}

  int8_t read_int8();
  int16_t read_int16();
  int32_t read_int32();
  int64_t read_int64();
  uint32_t read_uint32();
  bool read_bool();  // any non-zero byte is true, as the protocol guide says
  Uuid read_uuid();
  // UNSIGNED_VARINT: 7 bits a byte, low bits first, at most 5 bytes.
  uint32_t read_unsigned_varint();
  // VARINT / VARLONG: zig-zag encoded, at most 5 / 10 bytes.
  int32_t read_varint();
  int64_t read_varlong();

  // STRING: int16 length then bytes; a negative length is an error.
  std::string_view read_string();
  // NULLABLE_STRING: length -1 is null.
  std::optional<std::string_view> read_nullable_string();
  // COMPACT_STRING: unsigned varint length+1 then bytes; 0 (null) is an error.
  std::string_view read_compact_string();
  // COMPACT_NULLABLE_STRING: unsigned varint 0 is null.
  std::optional<std::string_view> read_compact_nullable_string();

  // BYTES / NULLABLE_BYTES (int32 length, -1 null) and their COMPACT forms. RECORDS share the
  // NULLABLE_BYTES layout.
  std::span<const std::byte> read_bytes();
  std::optional<std::span<const std::byte>> read_nullable_bytes();
  std::span<const std::byte> read_compact_bytes();
  std::optional<std::span<const std::byte>> read_compact_nullable_bytes();

  // ARRAY length (int32, -1 null) and COMPACT_ARRAY length (unsigned varint N+1, 0 null).
  // Return -1 for null. A count that cannot fit in the bytes left, at min_element_bytes each,
  // is an error, so a caller may size a container from it without trusting the peer.
  int32_t read_array_length(size_t min_element_bytes = 1);
  int32_t read_compact_array_length(size_t min_element_bytes = 1);

  // A TAG_BUFFER (KIP-482): unsigned varint count, then per field an unsigned varint tag, an
  // unsigned varint size and that many bytes. Tags must strictly increase. The broker
  // understands no tagged request field yet, so they are checked and skipped.
  void skip_tagged_fields();

  // The next `size` bytes as a view.
  std::span<const std::byte> read_raw(size_t size);

  size_t offset() const { return offset_; }
  size_t remaining() const { return data_.size() - offset_; }
  // The bytes not read yet, without consuming them.
  std::span<const std::byte> rest() const { return data_.subspan(offset_); }
  bool ok() const { return !failed_; }
  // The first error, or success.
  Status status() const;
  // Records an error (code kCorrupt) unless one is already recorded.
  void fail(std::string message);

 private:
  // Points *out at the next `size` bytes and advances, or fails naming `what`.
  bool take(size_t size, const char* what, const std::byte** out);
  std::string_view take_string(int64_t length, const char* what);
  std::span<const std::byte> take_bytes(int64_t length, const char* what);
  int32_t check_array_length(int64_t count, size_t min_element_bytes, const char* what);

  std::span<const std::byte> data_;
  size_t offset_ = 0;
  bool failed_ = false;
  std::string error_message_;
};

}  // namespace ringmq::broker::protocol
