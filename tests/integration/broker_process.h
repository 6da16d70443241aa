// BrokerProcess: a real ringmq-broker child process on 127.0.0.1 and a free port, with its
// data in a temp dir, for integration tests that drive it with real Kafka clients. Started
// in the constructor (waits until the port accepts), stopped with SIGTERM (or killed with
// SIGKILL by a crash test) and restartable on the same data.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/common/ports.h"
#include "tests/common/spawn.h"
#include "tests/common/temp_dir.h"

namespace ringmq::test {

class BrokerProcess {
 public:
  explicit BrokerProcess(std::vector<std::string> extra_args = {})
      : BrokerProcess(std::move(extra_args), free_port()) {}
  // `port`: the port start-up waits for (a PLAINTEXT listener the test chose in server.listeners).
  BrokerProcess(std::vector<std::string> extra_args, int port)
      : extra_args_(std::move(extra_args)), port_(port), metrics_port_(free_port()) {
    start();
  }
  ~BrokerProcess() { stop(); }
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  void start() {
    std::vector<std::string> args = {RINGMQ_BROKER_BINARY,
                                     "--data-dir",
                                     data_.path() + "/data",
                                     "--port",
                                     std::to_string(port_),
                                     "--set",
                                     "metrics.port=" + std::to_string(metrics_port_),
                                     "--set",
                                     "log.level=warn"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    pid_ = spawn(std::move(args));
    for (int i = 0; i < 1000; ++i) {
      if (port_accepts(port_)) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("ringmq-broker exited during start-up with status " + std::to_string(status));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("ringmq-broker did not listen on port " + std::to_string(port_) + " within 10 s");
  }
  // SIGTERM and wait; returns the exit status (0 = clean shutdown).
  int stop() {
    if (pid_ <= 0) return 0;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  void kill_hard() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  int metrics_port() const { return metrics_port_; }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string data_dir() const { return data_.path() + "/data"; }

 private:
  TempDir data_;
  std::vector<std::string> extra_args_;
  int port_;
  int metrics_port_;
  pid_t pid_ = -1;
};

// Runs a shell command, returns {exit status, stdout}.
inline std::pair<int, std::string> run_command(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {-1, out};
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The /metrics answer (HTTP header and exposition) of the endpoint on `port`; "" if none.
inline std::string scrape_metrics(int port) {
  auto [rc, out] =
      run_command("bash -c \"exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port) +
                  " && printf 'GET /metrics HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n' >&3 && timeout 5 cat <&3\"");
  return rc == 0 ? out : std::string();
}

// The value of sample `name` (with its labels as exposed) in an exposition; -1 when absent.
inline double sample_value(const std::string& exposition, const std::string& name) {
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(name + " ")) return std::stod(line.substr(name.size() + 1));
  return -1;
}

}  // namespace ringmq::test
