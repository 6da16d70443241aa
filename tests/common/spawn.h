// spawn(): starts a program as a child process (execv, no shell), its output to a log file or
// inherited, for tests that run real servers (brokers, etcd).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace ringmq::test {

// The child's pid; args[0] is the program's path. A child that cannot start exits 127.
inline pid_t spawn(std::vector<std::string> args, const std::string& log = "") {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (!log.empty() &&
        (std::freopen(log.c_str(), "a", stdout) == nullptr || std::freopen(log.c_str(), "a", stderr) == nullptr))
      ::_exit(126);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace ringmq::test
