// ShutdownSignals: SIGTERM and SIGINT (stop) and SIGHUP (reload the TLS certificate) as a
// readable signalfd instead of asynchronous handlers, and SIGPIPE ignored (a client that disappears mid-write gives
// EPIPE, not a dead broker).
//
// Construct it first thing in main, before any thread starts: it blocks SIGTERM/SIGINT in the
// calling thread and every thread created afterwards inherits the mask, so the signals stay
// pending for the signalfd instead of killing a thread that happens to receive them.
//
//   ShutdownSignals signals;               // before threads
//   ... start everything ...
//   int signal = signals.wait();            // main thread parks here
//   spdlog::info("{}: shutting down", ShutdownSignals::name(signal));
#pragma once

#include <signal.h>

#include <chrono>
#include <optional>

#include "io/unique_fd.h"

namespace ringmq::broker {

class ShutdownSignals {
 public:
  // Throws std::system_error if the mask or the signalfd cannot be set up (start-up only).
  ShutdownSignals();
  ~ShutdownSignals();  // restores the calling thread's signal mask
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  // Blocks until SIGTERM, SIGINT or SIGHUP arrives; returns its number.
  int wait();
  // Waits up to `timeout`; the signal, or std::nullopt if none came.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);

  int fd() const { return fd_.get(); }
  // "SIGTERM", "SIGINT", ...
  static const char* name(int signal);

 private:
  io::UniqueFd fd_;
  sigset_t previous_mask_;
};

}  // namespace ringmq::broker
