// Helpers for the server tests: Kafka-shaped frames, a blocking TCP client with timeouts, and
// a TcpServer on an ephemeral port of 127.0.0.1 with its own metrics.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "broker/server/broker_config.h"
#include "broker/server/broker_metrics.h"
#include "broker/server/request_router.h"
#include "broker/server/tcp_server.h"

namespace ringmq::broker::test {

using Bytes = std::vector<std::byte>;
using namespace std::chrono_literals;

inline void put_be32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::byte(v >> shift));
}
inline void put_be16(Bytes& out, uint16_t v) {
  out.push_back(std::byte(v >> 8));
  out.push_back(std::byte(v));
}
inline uint32_t get_be32(const std::byte* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

inline Bytes text_bytes(std::string_view text) {
  Bytes out(text.size());
  if (!text.empty()) std::memcpy(out.data(), text.data(), text.size());
  return out;
}

// size, api_key, api_version, correlation_id, client_id (null), payload.
inline Bytes request_frame(int16_t api_key, int32_t correlation_id, std::span<const std::byte> payload = {},
                           int16_t api_version = 0) {
  Bytes out;
  put_be32(out, static_cast<uint32_t>(10 + payload.size()));
  put_be16(out, static_cast<uint16_t>(api_key));
  put_be16(out, static_cast<uint16_t>(api_version));
  put_be32(out, static_cast<uint32_t>(correlation_id));
  put_be16(out, 0xffff);  // null client_id
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// The payload of a request frame (after the 10-byte header above).
inline std::span<const std::byte> request_payload(const Request& request) { return request.frame.subspan(10); }

// size, correlation_id, payload: a whole response frame.
inline Bytes response_frame(int32_t correlation_id, std::span<const std::byte> payload = {}) {
  Bytes out;
  put_be32(out, static_cast<uint32_t>(4 + payload.size()));
  put_be32(out, static_cast<uint32_t>(correlation_id));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// A blocking client socket with a timeout on every read.
class TestClient {
 public:
  explicit TestClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~TestClient() { close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

  bool send(std::span<const std::byte> bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads exactly `count` bytes; false on EOF, error or timeout.
  bool read_exact(std::byte* out, size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (count > 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t n = ::recv(fd_, out, count, 0);
      if (n <= 0) return false;
      out += n;
      count -= static_cast<size_t>(n);
    }
    return true;
  }

  // One whole response frame (size prefix included), or nullopt.
  std::optional<Bytes> read_frame(std::chrono::milliseconds timeout = 5000ms) {
    Bytes frame(4);
    if (!read_exact(frame.data(), 4, timeout)) return std::nullopt;
    const uint32_t size = get_be32(frame.data());
    frame.resize(4 + size);
    if (size > 0 && !read_exact(frame.data() + 4, size, timeout)) return std::nullopt;
    return frame;
  }

  // The correlation id of the next response frame, or -1.
  int32_t read_correlation_id(std::chrono::milliseconds timeout = 5000ms) {
    auto frame = read_frame(timeout);
    if (!frame || frame->size() < 8) return -1;
    return static_cast<int32_t>(get_be32(frame->data() + 4));
  }

  // True once the server has closed the connection (EOF or reset) within `timeout`; any
  // bytes that arrive first are discarded.
  bool closed_by_server(std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::byte buffer[4096];
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return true;
    }
  }

  // Nothing arrives within `quiet`.
  bool silent_for(std::chrono::milliseconds quiet) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(quiet.count())) == 0;
  }

 private:
  int fd_ = -1;
};

// A router built from lambdas, for tests that need one behaviour each.
class LambdaRouter : public RequestRouter {
 public:
  std::function<void(const Request&, ResponseSlot)> on_handle;
  std::function<void(ConnectionId, std::string_view)> on_opened;
  std::function<void(ConnectionId)> on_closed;

  void handle(const Request& request, ResponseSlot slot) override { on_handle(request, std::move(slot)); }
  void connection_opened(ConnectionId id, std::string_view peer) override {
    if (on_opened) on_opened(id, peer);
  }
  void connection_closed(ConnectionId id) override {
    if (on_closed) on_closed(id);
  }
};

// Answers at once with the request's correlation id and payload.
inline void echo(const Request& request, ResponseSlot slot) {
  Bytes out = slot.take_buffer();
  const Bytes frame = response_frame(request.correlation_id, request_payload(request));
  out.assign(frame.begin(), frame.end());
  slot.complete(std::move(out));
}

inline ServerConfig test_server_config() {
  ServerConfig config;
  config.listen_host = "127.0.0.1";
  config.listen_port = 0;
  config.network_threads = 2;
  return config;
}

// A TcpServer on an ephemeral port, started with `router`.
struct RunningServer {
  BrokerMetrics metrics;
  ServerConfig config;
  std::unique_ptr<TcpServer> server;

  RunningServer(RequestRouter& router, ServerConfig server_config = test_server_config()) : config(server_config) {
    auto bound = TcpServer::bind(config, metrics);
    if (!bound) throw std::runtime_error(bound.error().to_string());
    server = std::move(*bound);
    server->start(router);
  }
  uint16_t port() const { return server->port(); }
};

// Polls `condition` until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

}  // namespace ringmq::broker::test
