// FakeNotifySocket: a bound unix datagram socket standing in for systemd's $NOTIFY_SOCKET, at
// a path or, for "@name", in the abstract namespace. A path socket is made writable by every
// user (the broker under test may run as another one).
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace ringmq::test {

class FakeNotifySocket {
 public:
  explicit FakeNotifySocket(const std::string& address) : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, address.data(), address.size());
    if (address[0] == '@') addr.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), length), 0) << std::strerror(errno);
    if (address[0] != '@') ::chmod(address.c_str(), 0666);
  }
  ~FakeNotifySocket() { ::close(fd_); }
  FakeNotifySocket(const FakeNotifySocket&) = delete;
  FakeNotifySocket& operator=(const FakeNotifySocket&) = delete;

  // The next datagram, or "" after `seconds`.
  std::string receive(int seconds = 5) {
    timeval timeout{.tv_sec = seconds, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buffer[512];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }

 private:
  int fd_;
};

}  // namespace ringmq::test
