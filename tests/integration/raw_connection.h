// RawConnection: one TCP connection to a broker that sends request frames built byte by byte
// (tests/broker/protocol_wire.h) and reads whole response frames, for the APIs and the protocol
// states no client on this machine exercises (SASL order, requests before authentication).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "tests/broker/protocol_wire.h"

namespace ringmq::test {

using broker::protocol::testing::Bytes;
using broker::protocol::testing::WireBuilder;

// One TCP connection to the broker, sending a request frame and reading its response frame.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("connect failed");
    timeval timeout{.tv_sec = 30, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Sends `frame` (without its size) and returns the response with its size prefix, as
  // WireParser::response_header expects it.
  Bytes round_trip(const Bytes& frame) {
    WireBuilder sized;
    sized.i32(static_cast<int32_t>(frame.size())).raw(frame);
    write_all(sized.out);
    Bytes size = read_exactly(4);
    const uint32_t n = (std::to_integer<uint32_t>(size[0]) << 24) | (std::to_integer<uint32_t>(size[1]) << 16) |
                       (std::to_integer<uint32_t>(size[2]) << 8) | std::to_integer<uint32_t>(size[3]);
    Bytes body = read_exactly(n);
    size.insert(size.end(), body.begin(), body.end());
    return size;
  }

  // Sends a frame (without its size) and expects no answer.
  void send_frame(const Bytes& frame) {
    WireBuilder sized;
    sized.i32(static_cast<int32_t>(frame.size())).raw(frame);
    write_all(sized.out);
  }
  // True when the broker closes the connection within `timeout` (reads and drops anything
  // it sends first); false if it is still open then.
  bool closed_by_peer(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      std::byte sink[4096];
      const ssize_t n = ::recv(fd_, sink, sizeof sink, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
    }
  }

 private:
  void write_all(const Bytes& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      done += static_cast<size_t>(n);
    }
  }
  Bytes read_exactly(size_t count) {
    Bytes out(count);
    size_t done = 0;
    while (done < count) {
      const ssize_t n = ::recv(fd_, out.data() + done, count - done, 0);
      if (n <= 0) throw std::runtime_error("the broker closed the connection or timed out");
      done += static_cast<size_t>(n);
    }
    return out;
  }
  int fd_;
};

}  // namespace ringmq::test
