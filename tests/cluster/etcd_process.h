// EtcdProcess: a real etcd server (Debian's etcd-server) as a child process on loopback and
// free ports, with its data in a temp dir, for tests of the cluster layer and of brokers in a
// cluster. The constructor returns once etcd answers its health check; the destructor kills
// it. pause()/resume() (SIGSTOP/SIGCONT) make it unreachable without closing its sockets, as
// a partition does; kill() and start() stop and restart it on the same data. EtcdCluster runs
// several members, for tests that kill one. The including
// target defines RINGMQ_ETCD_BINARY (tests/cluster/CMakeLists.txt finds it).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/common/ports.h"
#include "tests/common/spawn.h"
#include "tests/common/temp_dir.h"

namespace ringmq::test {

class EtcdProcess {
 public:
  // A one-member etcd.
  EtcdProcess() : EtcdProcess("test", free_port(), free_port(), "") {}
  // A member of a cluster: `initial_cluster` lists every member as name=peer-URL (empty: this
  // one alone). Without `wait`, the caller waits with wait_healthy() once a quorum has started.
  EtcdProcess(std::string name, int client_port, int peer_port, std::string initial_cluster, bool wait = true)
      : name_(std::move(name)),
        client_port_(client_port),
        peer_port_(peer_port),
        initial_cluster_(initial_cluster.empty() ? name_ + "=" + peer_url(peer_port) : std::move(initial_cluster)) {
    start(wait);
  }
  ~EtcdProcess() { kill(); }
  EtcdProcess(const EtcdProcess&) = delete;
  EtcdProcess& operator=(const EtcdProcess&) = delete;

  static std::string peer_url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

  void start(bool wait = true) {
    const std::string client = "http://127.0.0.1:" + std::to_string(client_port_);
    std::vector<std::string> args = {RINGMQ_ETCD_BINARY,
                                     "--name=" + name_,
                                     "--data-dir=" + dir_.path() + "/etcd",
                                     "--listen-client-urls=" + client + "," + endpoint_via("127.0.0.2"),
                                     "--advertise-client-urls=" + client,
                                     "--listen-peer-urls=" + peer_url(peer_port_),
                                     "--initial-advertise-peer-urls=" + peer_url(peer_port_),
                                     "--initial-cluster=" + initial_cluster_,
                                     "--logger=zap",
                                     "--log-level=error"};
    pid_ = spawn(std::move(args), log_path());
    if (wait) wait_healthy();
  }
  void wait_healthy() {
    for (int i = 0; i < 1500; ++i) {
      if (healthy()) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("etcd exited during start-up with status " + std::to_string(status) + " (log " +
                                 log_path() + ")");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("etcd did not become healthy within 15 s (log " + log_path() + ")");
  }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  void pause() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }

  std::string endpoint() const { return endpoint_via("127.0.0.1"); }
  // Clients are served on 127.0.0.2 as well, so that a firewall rule on that address cuts off
  // the brokers that use it and no others.
  std::string endpoint_via(const std::string& loopback_address) const {
    return "http://" + loopback_address + ":" + std::to_string(client_port_);
  }
  int client_port() const { return client_port_; }

 private:
  // GET /health answers {"health":"true"} once the member has a leader (itself).
  bool healthy() const {
    if (!port_accepts(client_port_)) return false;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(client_port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string answer;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      const char request[] = "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
      if (::write(fd, request, sizeof request - 1) == static_cast<ssize_t>(sizeof request - 1)) {
        char buf[1024];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0) answer.append(buf, static_cast<size_t>(n));
      }
    }
    ::close(fd);
    return answer.find("\"health\":\"true\"") != std::string::npos;
  }

  std::string log_path() const { return dir_.path() + "/etcd.log"; }

  TempDir dir_;
  std::string name_;
  int client_port_;
  int peer_port_;
  std::string initial_cluster_;
  pid_t pid_ = -1;
};

// An etcd cluster of `size` members on loopback, healthy (it has a leader) when constructed.
class EtcdCluster {
 public:
  explicit EtcdCluster(int size) {
    std::vector<std::pair<int, int>> ports;  // client, peer
    std::string initial;
    for (int i = 0; i < size; ++i) {
      ports.emplace_back(free_port(), free_port());
      initial += (i ? "," : "") + ("m" + std::to_string(i)) + "=" + EtcdProcess::peer_url(ports.back().second);
    }
    for (int i = 0; i < size; ++i)
      members_.push_back(
          std::make_unique<EtcdProcess>("m" + std::to_string(i), ports[i].first, ports[i].second, initial, false));
    for (auto& m : members_) m->wait_healthy();
  }
  EtcdProcess& member(size_t i) { return *members_.at(i); }
  // Every member's client URL, comma-separated (cluster.etcd_endpoints).
  std::string endpoints() const {
    std::string out;
    for (const auto& m : members_) out += (out.empty() ? "" : ",") + m->endpoint();
    return out;
  }

 private:
  std::vector<std::unique_ptr<EtcdProcess>> members_;
};

}  // namespace ringmq::test
