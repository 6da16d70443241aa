// RequestRouter: the seam between the TCP server and the Kafka request handlers. The server
// reads frames and calls handle(); the handler answers through the ResponseSlot, now or later.
//
// Threading contract:
//  - handle(), connection_opened() and connection_closed() run on the connection's network
//    thread; for one connection, in order. They must not block (no fdatasync wait, no sleep):
//    do the order-sensitive work (decode, append) inside handle() and hand anything that
//    waits (a long-poll Fetch, a Produce waiting for its sync flush) to a timer or another
//    thread together with the slot.
//  - request.frame, request.peer and request.session are valid only during handle(); copy what
//    you keep.
//  - Responses go out in request order per connection, whatever order slots complete in.
//  - connection_closed() comes once per connection, after its socket is closed; slots of
//    that connection still outstanding may be completed (or dropped) — the answer is discarded.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "broker/server/connection_session.h"
#include "broker/server/response_slot.h"

namespace ringmq::broker {

// One request frame, as read from a connection.
struct Request {
  // The frame after its 4-byte size: request header (api_key, api_version, correlation_id,
  // client_id, tagged fields for flexible versions) and body. At least 8 bytes.
  std::span<const std::byte> frame;
  ConnectionId connection = 0;
  std::string_view peer;  // "127.0.0.1:53412"
  // Who is on the connection (principal, SASL progress). Valid during handle() only, where the
  // handler may advance it; nullptr when the caller has no connection (tests): anonymous.
  ConnectionSession* session = nullptr;
  // Read from the first 8 bytes of the header, for routing, metrics and logs.
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::chrono::steady_clock::time_point received_at;
};

class RequestRouter {
 public:
  virtual ~RequestRouter() = default;
  virtual void handle(const Request& request, ResponseSlot slot) = 0;
  virtual void connection_opened(ConnectionId /*connection*/, std::string_view /*peer*/) {}
  virtual void connection_closed(ConnectionId /*connection*/) {}
};

}  // namespace ringmq::broker
