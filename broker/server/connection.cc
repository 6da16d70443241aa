#include "broker/server/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace ringmq::broker {
namespace {

constexpr size_t kInitialBufferBytes = 16 << 10;
// A buffer grown past this for one large frame is given back once it is empty; up to it a
// buffer is kept, so a producer sending 1 MiB requests (the clients' default maximum) does not
// allocate one per request.
constexpr size_t kShrinkAboveBytes = 2 << 20;
constexpr size_t kMinReadRoomBytes = 4 << 10;
constexpr size_t kMinFrameBytes = 8;  // api_key, api_version, correlation_id
constexpr size_t kMaxIovecs = 64;
constexpr size_t kMaxSpareBuffers = 4;
constexpr size_t kMaxSpareCapacity = 1 << 20;  // larger encode buffers are freed, not kept
// Response bytes encrypted per SSL_write: four full TLS records.
constexpr size_t kTlsStageBytes = 64 << 10;

// "10.0.0.7:51234" -> "10.0.0.7", "[fe80::1]:51234" -> "fe80::1".
std::string host_of(const std::string& peer) {
  const size_t colon = peer.rfind(':');
  std::string host = colon == std::string::npos ? peer : peer.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

int32_t read_be32(const std::byte* p) {
  return static_cast<int32_t>((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]));
}

}  // namespace

Connection::Connection(io::UniqueFd fd, ConnectionId id, std::string peer, const ServerConfig& config,
                       BrokerMetrics& metrics, std::atomic<int64_t>& server_inflight)
    : last_activity(std::chrono::steady_clock::now()),
      fd_(std::move(fd)),
      id_(id),
      peer_(std::move(peer)),
      config_(config),
      metrics_(metrics),
      server_inflight_(server_inflight),
      ring_(8),
      iovecs_(kMaxIovecs) {
  reallocate_buffer(kInitialBufferBytes);
}

Result<std::unique_ptr<Connection>> Connection::create(io::UniqueFd fd, ConnectionId id, std::string peer,
                                                       const ListenerRuntime& listener, const ServerConfig& config,
                                                       BrokerMetrics& metrics, std::atomic<int64_t>& server_inflight) {
  security::SslPtr ssl;
  if (listener.tls != nullptr) {
    auto made = listener.tls->new_session(fd.get());
    if (!made) return std::unexpected(made.error());
    ssl = std::move(*made);
  }
  auto connection = std::make_unique<Connection>(std::move(fd), id, std::move(peer), config, metrics, server_inflight);
  connection->session_.listener = listener.index;
  connection->session_.host = host_of(connection->peer_);
  connection->session_.protocol = listener.protocol;
  connection->session_.authenticated = !uses_sasl(listener.protocol);
  connection->ssl_ = std::move(ssl);
  connection->tls_ = listener.tls;
  return connection;
}

Connection::~Connection() {
  // A close_notify, best effort (the socket is non-blocking and closes right after); never
  // after a fatal TLS error, where OpenSSL forbids it.
  if (ssl_ && tls_ready_ && !tls_failed_) {
    ERR_clear_error();
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
  }
  // Requests still in flight die with the connection; their answers, if any come, are dropped.
  if (count_ > 0) {
    server_inflight_.fetch_sub(static_cast<int64_t>(count_), std::memory_order_relaxed);
    metrics_.requests_in_flight.add(-static_cast<int64_t>(count_));
  }
}

void Connection::reallocate_buffer(size_t capacity) {
  auto fresh = std::make_unique_for_overwrite<std::byte[]>(capacity);
  const size_t kept = end_ - begin_;
  if (kept > 0) std::memcpy(fresh.get(), buffer_.get() + begin_, kept);
  buffer_ = std::move(fresh);
  capacity_ = capacity;
  begin_ = 0;
  end_ = kept;
}

void Connection::make_room_for_read() {
  if (begin_ == end_) {
    begin_ = end_ = 0;
    if (capacity_ > kShrinkAboveBytes) reallocate_buffer(kInitialBufferBytes);
    return;
  }
  const size_t kept = end_ - begin_;
  if (kept >= 4) {
    const int32_t length = read_be32(buffer_.get() + begin_);
    if (length < 0 || static_cast<uint64_t>(length) > frame_limit()) return;  // refused by next_frame
    const size_t frame_bytes = 4 + static_cast<size_t>(length);
    if (frame_bytes > capacity_) {
      // Copies the partial frame once, into a buffer that holds all of it and the start of the
      // next one (so that one recv() can end this frame and begin the next).
      reallocate_buffer(frame_bytes + kInitialBufferBytes);
      return;
    }
    if (begin_ + frame_bytes <= capacity_) return;  // the rest fits behind it
  } else if (capacity_ - end_ >= kMinReadRoomBytes) {
    return;
  }
  std::memmove(buffer_.get(), buffer_.get() + begin_, kept);
  begin_ = 0;
  end_ = kept;
}

uint64_t Connection::frame_limit() const {
  return awaiting_authentication() ? std::min<uint64_t>(config_.max_frame_bytes, kMaxUnauthenticatedFrameBytes)
                                   : config_.max_frame_bytes;
}

bool Connection::has_pending_input() const { return ssl_ && tls_ready_ && SSL_pending(ssl_.get()) > 0; }

Result<bool> Connection::advance_handshake() {
  ERR_clear_error();
  errno = 0;
  tls_wants_write_ = false;
  const int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) {
    tls_ready_ = true;
    std::string principal = tls_->principal_of(ssl_.get());
    if (!principal.empty()) session_.principal = std::move(principal);
    return true;
  }
  const int error = SSL_get_error(ssl_.get(), rc);
  if (error == SSL_ERROR_WANT_READ) return false;
  if (error == SSL_ERROR_WANT_WRITE) {
    tls_wants_write_ = true;
    return false;
  }
  tls_failed_ = true;
  std::string why = security::take_openssl_errors();
  if (const long verify = SSL_get_verify_result(ssl_.get()); verify != X509_V_OK)
    why = std::string("client certificate: ") + X509_verify_cert_error_string(verify) +
          (why.empty() ? "" : " (" + why + ")");
  if (why.empty())
    why = error == SSL_ERROR_SYSCALL ? "the peer closed the connection" : "SSL error " + std::to_string(error);
  return make_error(ErrorCode::kInvalidArgument, "TLS handshake failed: " + why);
}

Result<Connection::ReadOutcome> Connection::read_tls() {
  if (!tls_ready_) {
    auto established = advance_handshake();
    if (!established) return std::unexpected(established.error());
    if (!*established) return ReadOutcome{};
  }
  const size_t room = capacity_ - end_;
  ERR_clear_error();
  errno = 0;
  size_t n = 0;
  const int rc = SSL_read_ex(ssl_.get(), buffer_.get() + end_, room, &n);
  if (rc == 1) {
    end_ += n;
    metrics_.network_bytes_received.add(n);
    if (!quickack_set_) {
      // Clients with Nagle on (librdkafka's default) write a request as several TLS records
      // and hold each one back until the previous is acknowledged; a delayed ACK here then
      // costs them milliseconds per request. Acknowledge at once instead (once per read
      // turn: the kernel leaves quick-ACK mode by itself).
      const int one = 1;
      ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      quickack_set_ = true;
    }
    // One record per call: the socket may well hold the next one, so read until WANT_READ.
    return ReadOutcome{n, true};
  }
  switch (SSL_get_error(ssl_.get(), rc)) {
    case SSL_ERROR_WANT_READ:
      quickack_set_ = false;  // the turn is over
      return ReadOutcome{};
    case SSL_ERROR_WANT_WRITE:
      tls_wants_write_ = true;
      return ReadOutcome{};
    case SSL_ERROR_ZERO_RETURN:
      return make_error(ErrorCode::kClosed, "closed by the peer (TLS close_notify)");
    case SSL_ERROR_SYSCALL:
      tls_failed_ = true;
      if (errno == 0) return make_error(ErrorCode::kClosed, "closed by the peer");
      return errno_error("TLS recv", errno);
    default:
      tls_failed_ = true;
      return make_error(ErrorCode::kIo, "TLS: " + security::take_openssl_errors());
  }
}

Result<Connection::ReadOutcome> Connection::read_once() {
  make_room_for_read();
  if (end_ == capacity_) return ReadOutcome{};  // only complete frames buffered: they must be taken first
  if (ssl_) return read_tls();
  const size_t room = capacity_ - end_;
  while (true) {
    iovec iov{buffer_.get() + end_, room};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd_.get(), &message, 0);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      metrics_.network_bytes_received.add(static_cast<uint64_t>(n));
      ReadOutcome outcome{static_cast<size_t>(n), static_cast<size_t>(n) == room};
      for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts;
          std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
          outcome.kernel_received_ns = int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
        }
      }
      return outcome;
    }
    if (n == 0) return make_error(ErrorCode::kClosed, "closed by the peer");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return ReadOutcome{};
    return errno_error("recv", errno);
  }
}

Result<std::span<const std::byte>> Connection::next_frame() {
  const size_t available = end_ - begin_;
  if (available < 4) return std::span<const std::byte>();
  const int32_t length = read_be32(buffer_.get() + begin_);
  if (length < 0) return make_error(ErrorCode::kInvalidArgument, "negative frame length " + std::to_string(length));
  if (static_cast<size_t>(length) < kMinFrameBytes)
    return make_error(ErrorCode::kInvalidArgument,
                      "frame of " + std::to_string(length) + " bytes is shorter than a request header (8 bytes)");
  if (static_cast<uint64_t>(length) > frame_limit())
    return make_error(
        ErrorCode::kTooLarge,
        "frame of " + std::to_string(length) + " bytes exceeds " +
            (awaiting_authentication()
                 ? std::to_string(kMaxUnauthenticatedFrameBytes) + " bytes, the most before authentication"
                 : "server.max_frame_bytes (" + std::to_string(config_.max_frame_bytes) + ")"));
  if (available < 4 + static_cast<size_t>(length)) return std::span<const std::byte>();
  std::span<const std::byte> frame(buffer_.get() + begin_ + 4, static_cast<size_t>(length));
  begin_ += 4 + static_cast<size_t>(length);
  return frame;
}

bool Connection::has_buffered_frame() const {
  const size_t available = end_ - begin_;
  if (available < 4) return false;
  const int32_t length = read_be32(buffer_.get() + begin_);
  if (length < static_cast<int32_t>(kMinFrameBytes) || static_cast<uint64_t>(length) > frame_limit())
    return true;  // a refusable frame: next_frame() reports it
  return available >= 4 + static_cast<size_t>(length);
}

uint64_t Connection::begin_request(int16_t api_key, int32_t correlation_id,
                                   std::chrono::steady_clock::time_point received_at) {
  if (count_ == ring_.size()) {
    std::vector<InflightRequest> grown(ring_.size() * 2);
    for (size_t i = 0; i < count_; ++i) grown[i] = std::move(ring_[(head_ + i) & (ring_.size() - 1)]);
    ring_ = std::move(grown);
    head_ = 0;
  }
  InflightRequest& request = ring_[(head_ + count_) & (ring_.size() - 1)];
  request.sequence = next_sequence_++;
  request.state = State::kWaiting;
  request.api_key = api_key;
  request.correlation_id = correlation_id;
  request.received_at = received_at;
  request.written = 0;
  ++count_;
  server_inflight_.fetch_add(1, std::memory_order_relaxed);
  metrics_.requests_in_flight.add(1);
  return request.sequence;
}

Connection::InflightRequest* Connection::entry(uint64_t sequence) {
  if (count_ == 0) return nullptr;
  const uint64_t first = ring_[head_].sequence;
  if (sequence < first || sequence - first >= count_) return nullptr;
  return &ring_[(head_ + (sequence - first)) & (ring_.size() - 1)];
}

const Connection::InflightRequest* Connection::entry(uint64_t sequence) const {
  return const_cast<Connection*>(this)->entry(sequence);
}

std::pair<int16_t, int32_t> Connection::describe(uint64_t sequence) const {
  const InflightRequest* request = entry(sequence);
  return request ? std::pair{request->api_key, request->correlation_id} : std::pair<int16_t, int32_t>{-1, -1};
}

Status Connection::complete(uint64_t sequence, Completion::Kind kind, ResponseBody&& body,
                            std::chrono::steady_clock::time_point answered_at) {
  InflightRequest* request = entry(sequence);
  if (request == nullptr || request->state != State::kWaiting)
    return make_error(ErrorCode::kNotFound, "a second answer to one request");
  if (kind == Completion::Kind::kNoResponse) {
    request->state = State::kNoResponse;
    recycle(body.release_bytes());
    return {};
  }
  if (!body.size_prefix_matches()) {
    const auto& bytes = body.bytes();
    const int64_t prefix = bytes.size() >= 4 ? read_be32(bytes.data()) : -1;
    return make_error(ErrorCode::kInvalidArgument, "the handler's response frame is " + std::to_string(body.size()) +
                                                       " bytes but its size prefix says " + std::to_string(prefix) +
                                                       " + 4");
  }
  request->body = std::move(body);
  request->answered_at = answered_at;
  request->state = State::kReady;
  unsent_bytes_ += request->body.size();
  return {};
}

bool Connection::front_ready() const { return count_ > 0 && ring_[head_].state != State::kWaiting; }

void Connection::pop_front() {
  InflightRequest& request = ring_[head_];
  const auto now = std::chrono::steady_clock::now();
  metrics_.request_latency.record(now - request.received_at);
  if (request.state == State::kReady) metrics_.response_write_latency.record(now - request.answered_at);
  recycle(request.body.release_bytes());
  head_ = (head_ + 1) & (ring_.size() - 1);
  --count_;
  server_inflight_.fetch_sub(1, std::memory_order_relaxed);
  metrics_.requests_in_flight.add(-1);
}

void Connection::pop_finished_front() {
  while (count_ > 0) {
    const InflightRequest& front = ring_[head_];
    const bool done =
        front.state == State::kNoResponse || (front.state == State::kReady && front.written == front.body.size());
    if (!done) return;
    pop_front();
  }
}

void Connection::stage_responses_for_tls() {
  tls_out_.clear();
  tls_out_sent_ = 0;
  pop_finished_front();
  for (size_t i = 0; i < count_ && tls_out_.size() < kTlsStageBytes; ++i) {
    InflightRequest& request = ring_[(head_ + i) & (ring_.size() - 1)];
    if (request.state == State::kWaiting) break;
    if (request.state == State::kNoResponse) continue;
    const size_t pieces = request.body.gather(request.written, iovecs_.data(), iovecs_.size());
    for (size_t p = 0; p < pieces && tls_out_.size() < kTlsStageBytes; ++p) {
      const size_t take = std::min(iovecs_[p].iov_len, kTlsStageBytes - tls_out_.size());
      const auto* from = static_cast<const std::byte*>(iovecs_[p].iov_base);
      tls_out_.insert(tls_out_.end(), from, from + take);
      request.written += take;
      unsent_bytes_ -= take;
    }
    if (request.written < request.body.size()) break;  // the stage is full
  }
}

Result<bool> Connection::write_ready_tls() {
  if (!tls_ready_) {
    auto established = advance_handshake();
    if (!established) return std::unexpected(established.error());
    if (!*established) return !tls_wants_write_;
  }
  tls_wants_write_ = false;
  while (true) {
    if (tls_out_sent_ == tls_out_.size()) {
      stage_responses_for_tls();
      if (tls_out_.empty()) return true;
    }
    ERR_clear_error();
    errno = 0;
    size_t n = 0;
    const int rc = SSL_write_ex(ssl_.get(), tls_out_.data() + tls_out_sent_, tls_out_.size() - tls_out_sent_, &n);
    if (rc == 1) {
      tls_out_sent_ += n;
      metrics_.network_bytes_sent.add(n);
      last_activity = std::chrono::steady_clock::now();
      continue;
    }
    switch (SSL_get_error(ssl_.get(), rc)) {
      case SSL_ERROR_WANT_WRITE:
        tls_wants_write_ = true;
        return false;
      case SSL_ERROR_WANT_READ:
        return true;  // no renegotiation: nothing to write until the peer sends
      case SSL_ERROR_SYSCALL:
        tls_failed_ = true;
        return errno_error("TLS send", errno == 0 ? EPIPE : errno);
      default:
        tls_failed_ = true;
        return make_error(ErrorCode::kIo, "TLS: " + security::take_openssl_errors());
    }
  }
}

Result<bool> Connection::write_ready() {
  if (ssl_) return write_ready_tls();
  while (true) {
    pop_finished_front();
    // Gather the ready responses at the front, in order, up to the first one still waiting.
    size_t used = 0;
    for (size_t i = 0; i < count_ && used < iovecs_.size(); ++i) {
      const InflightRequest& request = ring_[(head_ + i) & (ring_.size() - 1)];
      if (request.state == State::kWaiting) break;
      if (request.state == State::kNoResponse) continue;
      used += request.body.gather(request.written, iovecs_.data() + used, iovecs_.size() - used);
    }
    if (used == 0) return true;

    msghdr message{};
    message.msg_iov = iovecs_.data();
    message.msg_iovlen = used;
    // MSG_NOSIGNAL: a peer that went away gives EPIPE here, not a SIGPIPE for the process.
    const ssize_t n = ::sendmsg(fd_.get(), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
      return errno_error("send", errno);
    }
    metrics_.network_bytes_sent.add(static_cast<uint64_t>(n));
    unsent_bytes_ -= static_cast<uint64_t>(n);
    last_activity = std::chrono::steady_clock::now();
    // Credit the bytes sent to the responses in order.
    size_t left = static_cast<size_t>(n);
    for (size_t i = 0; i < count_ && left > 0; ++i) {
      InflightRequest& request = ring_[(head_ + i) & (ring_.size() - 1)];
      if (request.state != State::kReady) continue;
      const size_t remaining = request.body.size() - request.written;
      const size_t taken = std::min(remaining, left);
      request.written += taken;
      left -= taken;
    }
  }
}

std::vector<std::byte> Connection::take_spare_buffer() {
  if (spare_buffers_.empty()) return {};
  std::vector<std::byte> buffer = std::move(spare_buffers_.back());
  spare_buffers_.pop_back();
  return buffer;
}

void Connection::recycle(std::vector<std::byte>&& buffer) {
  if (buffer.capacity() == 0 || buffer.capacity() > kMaxSpareCapacity || spare_buffers_.size() >= kMaxSpareBuffers)
    return;
  buffer.clear();
  spare_buffers_.push_back(std::move(buffer));
}

}  // namespace ringmq::broker
