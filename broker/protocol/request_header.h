// Request framing and header. Every request on the wire is
//   size            int32   bytes that follow (header + body), checked against a maximum
//   api_key         int16
//   api_version     int16
//   correlation_id  int32   echoed in the response
//   client_id       NULLABLE_STRING, int16 length even in header v2 (RequestHeader.json:
//                   older brokers must be able to read any ApiVersions request's header)
//   TAG_BUFFER      header v2 only, i.e. flexible versions (see api_keys.h)
//   body            the request message of (api_key, api_version)
// Header v0 (no client_id) is used only by ControlledShutdown v0, which the broker does not
// speak.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "broker/protocol/api_keys.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

inline constexpr size_t kFrameSizeBytes = 4;
// api_key + api_version + correlation_id + client_id length.
inline constexpr int32_t kMinRequestBytes = 10;

// A parsed request header and the body that follows it (a view into the frame).
struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string_view> client_id;
  int16_t header_version = 1;
  std::span<const std::byte> body;

  ApiKey key() const { return static_cast<ApiKey>(api_key); }
  // Whether the broker speaks this API at this version.
  bool supported() const { return is_supported(api_key, api_version); }
};

// Reads the 4-byte size prefix. A size below kMinRequestBytes or above max_request_bytes is
// an error (kCorrupt / kTooLarge); the connection should then be closed, since the stream can
// no longer be trusted to be in step.
Result<int32_t> parse_frame_size(std::span<const std::byte> prefix, int32_t max_request_bytes);

// Parses the header at the start of `frame` (the bytes after the size prefix). The header
// version follows from (api_key, api_version). For an API or version the broker does not
// speak the header is still returned (so the caller can answer or log with the correlation
// id), its tagged fields are left unread in `body`, and supported() is false. Errors only for
// a frame too short to hold the header, or a malformed client id or tag buffer.
Result<RequestHeader> parse_request_header(std::span<const std::byte> frame);

}  // namespace ringmq::broker::protocol
