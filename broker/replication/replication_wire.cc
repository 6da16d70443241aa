#include "broker/replication/replication_wire.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include "common/little_endian.h"

namespace ringmq::broker {
namespace {

// A little cursor over a hello's bytes; every read is bounds-checked.
class Reader {
 public:
  explicit Reader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  template <typename T>
  bool read(T& out) {
    if (bytes_.size() - pos_ < sizeof(T)) return false;
    out = load_le<T>(bytes_.data() + pos_);
    pos_ += sizeof(T);
    return true;
  }
  bool read_string(std::string& out) {
    uint16_t n = 0;
    if (!read(n) || bytes_.size() - pos_ < n) return false;
    out.assign(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return true;
  }

 private:
  std::span<const std::byte> bytes_;
  size_t pos_ = 0;
};

template <typename T>
void put(std::string& out, T value) {
  std::byte b[sizeof(T)];
  store_le(b, value);
  out.append(reinterpret_cast<const char*>(b), sizeof b);
}

void put_string(std::string& out, std::string_view s) {
  const auto n = static_cast<uint16_t>(std::min<size_t>(s.size(), 1024));
  put(out, n);
  out.append(s.substr(0, n));
}

Error bad(std::string what) { return Error{ErrorCode::kCorrupt, "replication: " + std::move(what)}; }

Status io_error(const char* what) {
  if (errno == EAGAIN || errno == EWOULDBLOCK)
    return make_error(ErrorCode::kTimeout, std::string("replication ") + what + " timed out");
  return errno_error(std::string("replication ") + what, errno);
}

}  // namespace

const char* hello_status_name(HelloStatus status) {
  switch (status) {
    case HelloStatus::kAccepted:
      return "accepted";
    case HelloStatus::kNotLeader:
      return "not the leader";
    case HelloStatus::kWrongGroup:
      return "wrong group";
    case HelloStatus::kSegmentMismatch:
      return "segment sizes differ";
    case HelloStatus::kDiverged:
      return "log diverged";
    case HelloStatus::kBadHello:
      return "bad hello";
  }
  return "unknown";
}

std::string encode_hello(const ReplicationHello& hello) {
  std::string out;
  put(out, kReplicationMagic);
  put(out, kReplicationVersion);
  put(out, hello.node_id);
  put(out, hello.epoch);
  put(out, hello.segment_bytes);
  put(out, hello.log_end);
  put(out, hello.last_record_at);
  put(out, hello.last_record_crc);
  put_string(out, hello.group);
  return out;
}

Result<ReplicationHello> decode_hello(std::span<const std::byte> body) {
  Reader r(body);
  uint32_t magic = 0;
  uint16_t version = 0;
  ReplicationHello hello;
  if (!r.read(magic) || magic != kReplicationMagic) return std::unexpected(bad("not a replication hello"));
  if (!r.read(version) || version != kReplicationVersion)
    return std::unexpected(bad("unsupported replication version " + std::to_string(version)));
  if (!r.read(hello.node_id) || !r.read(hello.epoch) || !r.read(hello.segment_bytes) || !r.read(hello.log_end) ||
      !r.read(hello.last_record_at) || !r.read(hello.last_record_crc) || !r.read_string(hello.group))
    return std::unexpected(bad("truncated hello"));
  return hello;
}

std::string encode_hello_reply(const ReplicationHelloReply& reply) {
  std::string out;
  put(out, static_cast<uint16_t>(reply.status));
  put(out, reply.epoch);
  put(out, reply.log_start);
  put(out, reply.log_end);
  put_string(out, reply.message);
  return out;
}

Result<ReplicationHelloReply> decode_hello_reply(std::span<const std::byte> body) {
  Reader r(body);
  uint16_t status = 0;
  ReplicationHelloReply reply;
  if (!r.read(status) || !r.read(reply.epoch) || !r.read(reply.log_start) || !r.read(reply.log_end) ||
      !r.read_string(reply.message))
    return std::unexpected(bad("truncated hello reply"));
  if (status > static_cast<uint16_t>(HelloStatus::kBadHello))
    return std::unexpected(bad("unknown hello status " + std::to_string(status)));
  reply.status = static_cast<HelloStatus>(status);
  return reply;
}

void encode_frame_header(const FrameHeader& header, std::byte* out) {
  out[0] = static_cast<std::byte>(header.type);
  store_le(out + 1, header.at);
  store_le(out + 9, header.next);
  store_le(out + 17, header.length);
}

Result<FrameHeader> decode_frame_header(const std::byte* in) {
  FrameHeader header;
  const auto type = static_cast<uint8_t>(in[0]);
  if (type != static_cast<uint8_t>(FrameType::kData) && type != static_cast<uint8_t>(FrameType::kHeartbeat))
    return std::unexpected(bad("unknown frame type " + std::to_string(type)));
  header.type = static_cast<FrameType>(type);
  header.at = load_le<uint64_t>(in + 1);
  header.next = load_le<uint64_t>(in + 9);
  header.length = load_le<uint32_t>(in + 17);
  if (header.next < header.at) return std::unexpected(bad("frame ends before it starts"));
  return header;
}

void encode_ack(const ReplicaAck& ack, std::byte* out) {
  store_le(out, ack.received);
  store_le(out + 8, ack.durable);
}

ReplicaAck decode_ack(const std::byte* in) { return {load_le<uint64_t>(in), load_le<uint64_t>(in + 8)}; }

Status set_socket_timeouts(int fd, uint32_t timeout_ms) {
  timeval tv{static_cast<time_t>(timeout_ms / 1000), static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
    return errno_error("setsockopt SO_RCVTIMEO/SO_SNDTIMEO", errno);
  const int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // acks are tiny and urgent
  return {};
}

Status send_all(int fd, std::span<const std::byte> first, std::span<const std::byte> second) {
  iovec iov[2] = {{const_cast<std::byte*>(first.data()), first.size()},
                  {const_cast<std::byte*>(second.data()), second.size()}};
  int count = second.empty() ? 1 : 2;
  iovec* next = iov;
  while (count > 0) {
    msghdr msg{};
    msg.msg_iov = next;
    msg.msg_iovlen = static_cast<size_t>(count);
    const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("send");
    }
    size_t sent = static_cast<size_t>(n);
    while (count > 0 && sent >= next->iov_len) {
      sent -= next->iov_len;
      ++next;
      --count;
    }
    if (count > 0) {
      next->iov_base = static_cast<std::byte*>(next->iov_base) + sent;
      next->iov_len -= sent;
    }
  }
  return {};
}

Status receive_exactly(int fd, std::byte* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::recv(fd, out + got, n - got, 0);
    if (r == 0) return make_error(ErrorCode::kClosed, "replication peer closed the connection");
    if (r < 0) {
      if (errno == EINTR) continue;
      return io_error("receive");
    }
    got += static_cast<size_t>(r);
  }
  return {};
}

Status send_message(int fd, const std::string& body) {
  std::byte length[4];
  store_le(length, static_cast<uint32_t>(body.size()));
  return send_all(fd, length, std::as_bytes(std::span(body)));
}

Result<std::string> receive_message(int fd) {
  std::byte length[4];
  if (auto s = receive_exactly(fd, length, 4); !s) return std::unexpected(s.error());
  const uint32_t n = load_le<uint32_t>(length);
  if (n > kMaxHelloBytes) return std::unexpected(bad("hello of " + std::to_string(n) + " bytes"));
  std::string body(n, '\0');
  if (auto s = receive_exactly(fd, reinterpret_cast<std::byte*>(body.data()), n); !s) return std::unexpected(s.error());
  return body;
}

Result<io::UniqueFd> connect_to(const std::string& host, uint16_t port, uint32_t timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string where = host + ":" + std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0)
    return make_error(ErrorCode::kIo, "resolving " + where + ": " + ::gai_strerror(rc));
  Error last{ErrorCode::kIo, "no address for " + where};
  for (addrinfo* a = found; a; a = a->ai_next) {
    io::UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd.valid()) {
      last = errno_error("socket", errno).error();
      continue;
    }
    // SO_SNDTIMEO bounds a blocking connect too.
    if (auto s = set_socket_timeouts(fd.get(), timeout_ms); !s) {
      last = s.error();
      continue;
    }
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0) {
      last = errno_error("connecting to " + where, errno).error();
      continue;
    }
    ::freeaddrinfo(found);
    return fd;
  }
  ::freeaddrinfo(found);
  return std::unexpected(last);
}

}  // namespace ringmq::broker
