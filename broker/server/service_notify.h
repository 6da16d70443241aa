// ServiceNotifier: the systemd readiness protocol (sd_notify(3)) without libsystemd. When the
// broker runs under a Type=notify unit, systemd passes a unix datagram socket in
// $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace); the broker sends
// "READY=1" once it listens and "STOPPING=1" when it begins to shut down, so that
// `systemctl start` returns only when clients can connect and dependants start after it.
// Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace ringmq::broker {

class ServiceNotifier {
 public:
  // Reads $NOTIFY_SOCKET once; a notifier built from an empty address does nothing.
  static ServiceNotifier from_environment();
  explicit ServiceNotifier(std::string address) : address_(std::move(address)) {}

  bool enabled() const { return !address_.empty(); }
  // Sends `state` ("READY=1\nSTATUS=...") as one datagram. Errors are values: a broker that
  // cannot tell systemd it is ready still serves (systemd's start timeout then reports it).
  Status notify(std::string_view state) const;

 private:
  std::string address_;
};

}  // namespace ringmq::broker
