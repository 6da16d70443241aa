// The systemd readiness protocol as a Type=notify unit sees it: a datagram on $NOTIFY_SOCKET,
// at a path or in the abstract namespace; nothing at all outside systemd.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "broker/server/service_notify.h"
#include "tests/common/temp_dir.h"

namespace ringmq::broker {
namespace {

// A bound unix datagram socket standing in for systemd's notify socket.
class FakeSystemd {
 public:
  explicit FakeSystemd(const std::string& address) : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, address.data(), address.size());
    if (address[0] == '@') addr.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), length), 0) << std::strerror(errno);
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~FakeSystemd() { ::close(fd_); }
  std::string receive() {
    char buffer[512];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }

 private:
  int fd_;
};

TEST(ServiceNotifier, SendsTheStateToASocketPath) {
  ringmq::test::TempDir dir;
  const std::string path = dir.path() + "/notify";
  FakeSystemd systemd(path);
  ServiceNotifier notifier(path);
  ASSERT_TRUE(notifier.enabled());
  ASSERT_TRUE(notifier.notify("READY=1\nSTATUS=serving"));
  EXPECT_EQ(systemd.receive(), "READY=1\nSTATUS=serving");
}

TEST(ServiceNotifier, SendsToAnAbstractSocket) {
  const std::string name = "@ringmq-notify-test-" + std::to_string(::getpid());
  FakeSystemd systemd(name);
  ASSERT_TRUE(ServiceNotifier(name).notify("STOPPING=1"));
  EXPECT_EQ(systemd.receive(), "STOPPING=1");
}

TEST(ServiceNotifier, DoesNothingOutsideSystemdAndReportsABadAddress) {
  EXPECT_FALSE(ServiceNotifier("").enabled());
  EXPECT_TRUE(ServiceNotifier("").notify("READY=1"));
  EXPECT_FALSE(ServiceNotifier("relative/path").notify("READY=1"));
  auto missing = ServiceNotifier("/nonexistent/ringmq-notify").notify("READY=1");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/ringmq-notify"), std::string::npos);
}

}  // namespace
}  // namespace ringmq::broker
