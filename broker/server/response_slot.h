// ResponseSlot: the place a handler's answer to one request goes. Move-only; complete it
// exactly once, from any thread, at any time — inside handle() or later from a timer, a flush
// callback or another thread. The server writes answers in request order on each
// connection, so an early answer waits for the ones before it.
//
//   void handle(const Request& request, ResponseSlot slot) override {
//     std::vector<std::byte> out = slot.take_buffer();   // a recycled buffer, empty
//     protocol::Writer writer(out);
//     encode_..._response(version, request.correlation_id, response, writer);  // whole frame
//     slot.complete(std::move(out));
//   }
//
// A slot destroyed without an answer closes its connection (the client would otherwise wait
// for that correlation id forever) and logs an error naming the API.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "broker/server/completion_inbox.h"
#include "broker/server/response_body.h"

namespace ringmq::broker {

class ResponseSlot {
 public:
  ResponseSlot() = default;  // an empty slot: nothing to complete
  ResponseSlot(std::shared_ptr<CompletionInbox> inbox, ConnectionId connection, uint64_t sequence,
               std::vector<std::byte> spare_buffer);
  ResponseSlot(ResponseSlot&& other) noexcept = default;
  ResponseSlot& operator=(ResponseSlot&& other) noexcept;
  ResponseSlot(const ResponseSlot&) = delete;
  ResponseSlot& operator=(const ResponseSlot&) = delete;
  ~ResponseSlot();

  // The response: one complete frame, its 4-byte size prefix included (see ResponseBody).
  void complete(std::vector<std::byte>&& frame);
  void complete(ResponseBody&& body);
  // The request is done and gets no response (Produce with acks=0).
  void complete_without_response();
  // Answers nothing and closes the connection (a request the protocol says to drop the
  // connection for). `reason` is logged with the peer.
  void close_connection(std::string_view reason);

  // The inbox of the network thread that owns the connection: work that ends in complete()
  // can run there (CompletionInbox::run_on_owner) and needs no further hop. Null once completed;
  // take it while the slot is pending and keep the copy.
  std::shared_ptr<CompletionInbox> owner_inbox() const { return inbox_; }

  // True until one of the four calls above (or a move out).
  bool pending() const { return inbox_ != nullptr; }
  ConnectionId connection() const { return connection_; }
  // An empty buffer with capacity left by earlier responses on this connection: encode into
  // it to avoid an allocation per response. Call at most once.
  std::vector<std::byte> take_buffer() { return std::move(spare_); }

 private:
  void finish(Completion::Kind kind, ResponseBody&& body, std::string_view reason);

  std::shared_ptr<CompletionInbox> inbox_;
  ConnectionId connection_ = 0;
  uint64_t sequence_ = 0;
  std::vector<std::byte> spare_;
};

}  // namespace ringmq::broker
