// run_in_child: runs a test body in a forked child, for tests that change process-wide state
// (rlimits, capabilities, mount namespaces) the rest of the suite must not see. The body
// returns "" for success or a failure message; the exit code carries the verdict and a pipe
// carries the message. A machine that cannot set the test up (no root, no mount namespace)
// fails it: the suite runs as root on Linux, as scripts/setup and CI do.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace ringmq::test {

struct ChildResult {
  enum Verdict { kPassed = 0, kFailed = 1, kCrashed = 2 };
  Verdict verdict = kCrashed;
  std::string message;
  bool passed() const { return verdict == kPassed; }
};

inline ChildResult run_in_child(const std::function<std::string()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) return {ChildResult::kCrashed, "pipe failed"};
  const pid_t pid = ::fork();
  if (pid < 0) return {ChildResult::kCrashed, "fork failed"};
  if (pid == 0) {
    ::close(fds[0]);
    const std::string message = body();
    const char* data = message.data();
    size_t left = message.size();
    while (left > 0) {
      const ssize_t n = ::write(fds[1], data, left);
      if (n <= 0) break;
      data += n;
      left -= static_cast<size_t>(n);
    }
    // _exit: no atexit handlers, no flushing of the parent's stdio buffers a second time.
    ::_exit(message.empty() ? ChildResult::kPassed : ChildResult::kFailed);
  }
  ::close(fds[1]);
  ChildResult result;
  char buffer[512];
  ssize_t n;
  while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) result.message.append(buffer, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) <= ChildResult::kFailed) {
    result.verdict = static_cast<ChildResult::Verdict>(WEXITSTATUS(status));
  } else {
    result.verdict = ChildResult::kCrashed;
    result.message += " (child ended with status " + std::to_string(status) + ")";
  }
  return result;
}

}  // namespace ringmq::test
