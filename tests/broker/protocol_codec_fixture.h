// Helpers for the per-API codec tests: decode a test-built request body through the real
// entry points (parse_request_header + decode_request), and open an encoded response frame
// for a WireParser.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <span>
#include <variant>

#include "broker/protocol/messages.h"
#include "tests/broker/protocol_wire.h"

namespace ringmq::broker::protocol::testing {

inline constexpr int32_t kCorrelationId = 0x1234567;

// A decoded request and the frame its views point into.
struct Decoded {
  Bytes frame;
  RequestHeader header;
  Request request;
};

inline Decoded decode_body(ApiKey key, int16_t version, bool header_v2, const Bytes& body) {
  Decoded d;
  d.frame = request_frame(static_cast<int16_t>(key), version, kCorrelationId, "ringmq-test", header_v2, body);
  auto header = parse_request_header(d.frame);
  if (!header) {
    ADD_FAILURE() << "header: " << header.error().message;
    return d;
  }
  d.header = *header;
  auto status = decode_request(d.header, d.request);
  if (!status) ADD_FAILURE() << "decode: " << status.error().message;
  return d;
}

template <typename T>
const T& as(const Decoded& d) {
  return std::get<T>(d.request);
}

// Checks the frame's size and correlation id, and reads the header tag buffer for response
// header v1; the returned parser is positioned at the body.
inline WireParser open_response(const Bytes& frame, bool flexible_body, bool header_v1) {
  WireParser p(frame, flexible_body);
  int32_t correlation_id = p.response_header(header_v1);
  EXPECT_EQ(correlation_id, kCorrelationId);
  return p;
}

// The parts, one after another (frames built field by field).
inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A request frame (after its size) decoded into `out`: the header, then the body.
inline Status decode_frame(std::span<const std::byte> frame, Request& out) {
  auto header = parse_request_header(frame);
  if (!header) return std::unexpected(header.error());
  return decode_request(*header, out);
}

}  // namespace ringmq::broker::protocol::testing
