#include "perf/broker/nats_wire.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace ringmq::perf {
namespace {
constexpr int kReplySid = 1;
constexpr const char* kReplySubject = "_bench_reply.1";
}  // namespace

NatsConnection::NatsConnection(const std::string& target) {
  const auto colon = target.rfind(':');
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(target.substr(0, colon).c_str(), target.substr(colon + 1).c_str(), &hints, &found) != 0) {
    error_ = "cannot resolve " + target;
    return;
  }
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  const bool connected = fd_ >= 0 && ::connect(fd_, found->ai_addr, found->ai_addrlen) == 0;
  ::freeaddrinfo(found);
  if (!connected) {
    error_ = "cannot connect to " + target + ": " + std::strerror(errno);
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  reader_ = std::thread([this] { read_loop(); });
  send_all("CONNECT {\"verbose\":false,\"pedantic\":false,\"lang\":\"c++\",\"version\":\"0\",\"protocol\":1}\r\n");
  send_all(std::string("SUB ") + kReplySubject + " " + std::to_string(kReplySid) + "\r\n");
}

NatsConnection::~NatsConnection() {
  closing_ = true;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  if (reader_.joinable()) reader_.join();
  if (fd_ >= 0) ::close(fd_);
}

bool NatsConnection::send_all(std::string_view bytes) {
  std::lock_guard lock(write_mutex_);
  for (size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += size_t(n);
  }
  return true;
}

bool NatsConnection::publish(const std::string& subject, std::string_view payload, const std::string& reply) {
  std::string frame =
      "PUB " + subject + (reply.empty() ? "" : " " + reply) + " " + std::to_string(payload.size()) + "\r\n";
  frame.append(payload).append("\r\n");
  return send_all(frame);
}

bool NatsConnection::subscribe(const std::string& subject, int sid, std::function<void(std::string_view)> on_message) {
  {
    std::lock_guard lock(handlers_mutex_);
    subscriber_ = std::move(on_message);
    subscriber_sid_ = sid;
  }
  return send_all("SUB " + subject + " " + std::to_string(sid) + "\r\n");
}

std::string NatsConnection::request(const std::string& subject, const std::string& payload, int timeout_ms) {
  {
    std::lock_guard lock(handlers_mutex_);
    replied_ = false;
  }
  if (!publish(subject, payload, kReplySubject)) return {};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(handlers_mutex_);
      if (replied_) return reply_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return {};
}

void NatsConnection::read_loop() {
  std::string buffer;
  char chunk[65536];
  while (!closing_) {
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return;
    buffer.append(chunk, size_t(n));
    size_t at = 0;
    for (;;) {
      const size_t eol = buffer.find("\r\n", at);
      if (eol == std::string::npos) break;
      std::string_view line(buffer.data() + at, eol - at);
      if (line.starts_with("MSG ")) {
        // MSG <subject> <sid> [reply-to] <#bytes>
        const size_t last_space = line.rfind(' ');
        const size_t bytes = std::strtoul(std::string(line.substr(last_space + 1)).c_str(), nullptr, 10);
        if (buffer.size() < eol + 2 + bytes + 2) break;  // payload not all here yet
        const size_t sid_start = line.find(' ', 4) + 1;
        const int sid = std::atoi(std::string(line.substr(sid_start, line.find(' ', sid_start) - sid_start)).c_str());
        std::string_view payload(buffer.data() + eol + 2, bytes);
        {
          std::lock_guard lock(handlers_mutex_);
          if (sid == kReplySid) {
            reply_.assign(payload);
            replied_ = true;
          } else if (sid == subscriber_sid_ && subscriber_) {
            subscriber_(payload);
          }
        }
        at = eol + 2 + bytes + 2;
        continue;
      }
      if (line == "PING") send_all("PONG\r\n");
      at = eol + 2;  // INFO, +OK, PONG, -ERR: nothing to do
    }
    buffer.erase(0, at);
  }
}

}  // namespace ringmq::perf
