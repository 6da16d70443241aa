// The systemd readiness protocol as a Type=notify unit sees it: a datagram on $NOTIFY_SOCKET,
// at a path or in the abstract namespace; nothing at all outside systemd.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "broker/server/service_notify.h"
#include "tests/common/fake_notify_socket.h"
#include "tests/common/temp_dir.h"

namespace ringmq::broker {
namespace {

using FakeSystemd = ringmq::test::FakeNotifySocket;

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
