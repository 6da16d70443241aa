// Connection: one client socket on a network thread. It reassembles request frames from
// whatever the socket delivers, keeps the requests in flight in arrival order, and writes
// their responses in that order as they become ready. Owned and used by one NetworkThread
// only; not thread-safe.
//
// Kafka framing, both directions:
//   offset  size  field
//   0       4     int32 big-endian: N, the size of what follows
//   4       N     request: header (api_key i16, api_version i16, correlation_id i32, ...) + body
//                 response: header (correlation_id i32, ...) + body
// Handlers hand over whole response frames (size prefix included); they are checked and sent
// as they are.
// A request frame with N < 0, N < 8 (shorter than the fixed header) or N > max_frame_bytes
// is refused: next_frame() reports it and the network thread closes the connection.
//
// Read buffer: bytes land once, straight from recv(), in one per-connection buffer, and
// handlers see frames in place. A frame longer than the buffer gets a buffer of its size
// (the partial bytes already read are copied over once); a partial frame at the end of the
// buffer is moved to the front only when the rest would not fit behind it. The buffer
// shrinks back after a large frame.
//
// TLS (SSL and SASL_SSL listeners): the same buffer receives the decrypted bytes (SSL_read).
// The handshake runs on the first reads and writes, never blocking: a step that needs the
// socket to drain is resumed on EPOLLOUT. Responses are copied into one staging buffer of up
// to 64 KiB and encrypted from there (OpenSSL needs the same bytes again when a write must be
// retried); decrypted bytes OpenSSL still holds (has_pending_input) are read without waiting
// for epoll, which only knows about the socket.
#pragma once

#include <sys/uio.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "broker/security/tls_context.h"
#include "broker/server/broker_config.h"
#include "broker/server/broker_metrics.h"
#include "broker/server/completion_inbox.h"
#include "broker/server/connection_session.h"
#include "broker/server/response_body.h"
#include "common/result.h"
#include "io/unique_fd.h"

namespace ringmq::broker {

// One bound listener as its connections see it.
struct ListenerRuntime {
  uint32_t index = 0;
  SecurityProtocol protocol = SecurityProtocol::kPlaintext;
  const security::TlsContext* tls = nullptr;  // set for SSL and SASL_SSL
};

// Before a client has authenticated, its frames are small (ApiVersions, SASL tokens): a larger
// one closes the connection, so that nobody unauthenticated makes the broker buffer
// server.max_frame_bytes (Kafka's sasl.server.max.receive.size, 512 KiB).
inline constexpr uint64_t kMaxUnauthenticatedFrameBytes = 512 << 10;

class Connection {
 public:
  // `server_inflight` counts the server's unanswered requests (for draining). Errors only for
  // a TLS listener whose session cannot be created.
  static Result<std::unique_ptr<Connection>> create(io::UniqueFd fd, ConnectionId id, std::string peer,
                                                    const ListenerRuntime& listener, const ServerConfig& config,
                                                    BrokerMetrics& metrics, std::atomic<int64_t>& server_inflight);
  Connection(io::UniqueFd fd, ConnectionId id, std::string peer, const ServerConfig& config, BrokerMetrics& metrics,
             std::atomic<int64_t>& server_inflight);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_.get(); }
  ConnectionId id() const { return id_; }
  const std::string& peer() const { return peer_; }
  ConnectionSession& session() { return session_; }
  const ConnectionSession& session() const { return session_; }

  // --- TLS ---
  bool uses_tls() const { return ssl_ != nullptr; }
  bool tls_established() const { return ssl_ == nullptr || tls_ready_; }
  // OpenSSL holds decrypted bytes not read yet: read again without waiting for epoll.
  bool has_pending_input() const;
  // The last TLS step needs the socket writable (handshake flight or a record not yet sent).
  bool tls_wants_write() const { return tls_wants_write_; }
  // Still proving who it is: TLS handshake or SASL not finished.
  bool awaiting_authentication() const { return !tls_established() || !session_.authenticated; }
  const std::chrono::steady_clock::time_point opened_at = std::chrono::steady_clock::now();

  // --- reading ---
  // One recvmsg() into the buffer. kClosed when the peer closed, kIo on a socket error.
  struct ReadOutcome {
    size_t bytes = 0;         // 0: the socket has nothing now
    bool maybe_more = false;  // the read filled the room it had: the socket may hold more
    // When the kernel received the last segment read (CLOCK_REALTIME, ns; 0 if it did not say):
    // with SO_TIMESTAMPNS on the socket, how long the bytes waited for a network thread.
    int64_t kernel_received_ns = 0;
  };
  Result<ReadOutcome> read_once();
  // The next complete frame (without its size), an empty span when none is complete yet, or
  // the reason the frame is refused. The span stays valid until the next read_once().
  Result<std::span<const std::byte>> next_frame();
  // A complete (or refusable) frame is waiting in the buffer.
  bool has_buffered_frame() const;

  // --- requests in flight, in arrival order ---
  // Registers a request; returns its sequence number (what its ResponseSlot carries).
  uint64_t begin_request(int16_t api_key, int32_t correlation_id, std::chrono::steady_clock::time_point received_at);
  // Records the answer to request `sequence` (kResponse or kNoResponse). kNotFound if it is
  // not in flight or already answered; kInvalidArgument for a frame whose size prefix does not
  // match its length (the connection must then be closed).
  Status complete(uint64_t sequence, Completion::Kind kind, ResponseBody&& body,
                  std::chrono::steady_clock::time_point answered_at = std::chrono::steady_clock::now());
  size_t inflight() const { return count_; }
  uint64_t unsent_bytes() const { return unsent_bytes_; }
  // API key and correlation id of a request in flight (for logs); {-1, -1} if unknown.
  std::pair<int16_t, int32_t> describe(uint64_t sequence) const;

  // --- writing ---
  // Writes ready responses in order until none is ready or the socket is full. True when
  // everything ready went out; false when the socket is full (wait for EPOLLOUT).
  Result<bool> write_ready();
  // The oldest unanswered-or-unwritten request has its answer (there is something to write).
  bool front_ready() const;

  // Encode buffers: handed to ResponseSlots, returned after their response is written.
  std::vector<std::byte> take_spare_buffer();
  void recycle(std::vector<std::byte>&& buffer);

  // --- owned by the network thread ---
  std::chrono::steady_clock::time_point last_activity;
  uint32_t registered_events = 0;  // the epoll interest set currently registered
  bool closing = false;            // queued for closing; read nothing more
  bool queued_for_write = false;   // in the network thread's list of connections to flush

 private:
  enum class State : uint8_t { kWaiting, kReady, kNoResponse };
  struct InflightRequest {
    uint64_t sequence = 0;
    State state = State::kWaiting;
    int16_t api_key = 0;
    int32_t correlation_id = 0;
    std::chrono::steady_clock::time_point received_at;
    std::chrono::steady_clock::time_point answered_at;  // when the handler answered (kReady)
    size_t written = 0;                                 // bytes of the response frame already sent
    ResponseBody body;
  };

  Result<ReadOutcome> read_tls();
  Result<bool> write_ready_tls();
  // One SSL_do_handshake step: true once established, false while it waits for the socket.
  Result<bool> advance_handshake();
  // Copies ready responses, in order, into tls_out_ (crediting them as written).
  void stage_responses_for_tls();
  InflightRequest* entry(uint64_t sequence);
  const InflightRequest* entry(uint64_t sequence) const;
  void pop_front();
  void pop_finished_front();
  void make_room_for_read();
  uint64_t frame_limit() const;  // server.max_frame_bytes, less before authentication
  void reallocate_buffer(size_t capacity);

  io::UniqueFd fd_;
  const ConnectionId id_;
  const std::string peer_;
  const ServerConfig& config_;
  BrokerMetrics& metrics_;
  std::atomic<int64_t>& server_inflight_;

  // Read buffer: [begin_, end_) holds bytes not yet handed out as frames.
  std::unique_ptr<std::byte[]> buffer_;
  size_t capacity_ = 0, begin_ = 0, end_ = 0;

  // Ring of requests in flight; ring_.size() is a power of two.
  std::vector<InflightRequest> ring_;
  size_t head_ = 0, count_ = 0;
  uint64_t next_sequence_ = 0;
  uint64_t unsent_bytes_ = 0;
  std::vector<iovec> iovecs_;
  std::vector<std::vector<std::byte>> spare_buffers_;

  ConnectionSession session_;
  security::SslPtr ssl_;
  const security::TlsContext* tls_ = nullptr;  // maps the client certificate to a principal
  bool tls_ready_ = false;
  bool tls_wants_write_ = false;
  bool tls_failed_ = false;         // a fatal TLS error: no close_notify
  bool quickack_set_ = false;       // TCP_QUICKACK set in this read turn
  std::vector<std::byte> tls_out_;  // staged response bytes; [tls_out_sent_, size) not yet encrypted
  size_t tls_out_sent_ = 0;
};

}  // namespace ringmq::broker
