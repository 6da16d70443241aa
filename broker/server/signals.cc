#include "broker/server/signals.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace ringmq::broker {

ShutdownSignals::ShutdownSignals() {
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  if (int rc = ::pthread_sigmask(SIG_BLOCK, &mask, &previous_mask_); rc != 0)
    throw std::system_error(rc, std::generic_category(), "blocking SIGTERM/SIGINT/SIGHUP");
  fd_.reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd_.valid()) {
    const int err = errno;
    ::pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
    throw std::system_error(err, std::generic_category(), "signalfd for SIGTERM/SIGINT/SIGHUP");
  }
}

ShutdownSignals::~ShutdownSignals() {
  fd_.reset();
  ::pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

int ShutdownSignals::wait() {
  while (true) {
    if (auto signal = wait_for(std::chrono::milliseconds(-1))) return *signal;
  }
}

std::optional<int> ShutdownSignals::wait_for(std::chrono::milliseconds timeout) {
  pollfd poll_fd{fd_.get(), POLLIN, 0};
  const int ready = ::poll(&poll_fd, 1, static_cast<int>(timeout.count()));
  if (ready <= 0) return std::nullopt;  // timeout, or EINTR: the caller waits again
  signalfd_siginfo info{};
  if (::read(fd_.get(), &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return std::nullopt;
  return static_cast<int>(info.ssi_signo);
}

const char* ShutdownSignals::name(int signal) {
  switch (signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    case SIGQUIT:
      return "SIGQUIT";
    default:
      return "signal";
  }
}

}  // namespace ringmq::broker
