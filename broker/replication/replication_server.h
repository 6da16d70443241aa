// ReplicationServer: the leader's end of replication. It listens on the replication port,
// and for each follower that connects (ReplicationClient) checks its hello, then streams the
// commit log to it from where the follower's log ends: chunks of whole records, pushed as they
// are appended, heartbeats when there is nothing to send. Each follower has two threads, one
// sending and one reading its acks into ReplicaProgress. A session ends when this broker stops
// leading in the epoch it started in, when the follower goes away, or at stop().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "broker/replication/replica_progress.h"
#include "common/result.h"
#include "engine/message_store.h"
#include "io/unique_fd.h"

namespace ringmq::broker {

struct ReplicationServerOptions {
  std::string host;               // where to listen: the broker's advertised host, so peers reach it there
  uint16_t port = 0;              // 0: an ephemeral port (published in the broker's registration)
  std::string group;              // "<cluster>/<group>": hellos for another group are refused
  uint32_t io_timeout_ms = 6000;  // a follower silent this long is dropped
  uint32_t heartbeat_ms = 200;    // sent when the log does not grow for this long
  uint64_t max_chunk_bytes = 1 << 20;
};

class ReplicationServer {
 public:
  // Binds now (so the port can be registered before the broker joins its group); serves
  // nobody until start(). Start-up only.
  static Result<std::unique_ptr<ReplicationServer>> bind(ReplicationServerOptions options);
  // `leading_epoch` says whether this broker leads now and in which epoch (any thread);
  // `on_ack` gets every follower ack (on that follower's ack thread).
  using AckListener = std::function<void(int32_t node_id, const ReplicaAck& ack)>;
  void start(engine::MessageStore& store, std::function<std::optional<int32_t>()> leading_epoch,
             AckListener on_ack = {});
  // Ends every session and the accept thread. Idempotent; the destructor calls it.
  void stop();
  ~ReplicationServer() { stop(); }

  uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }
  const ReplicaProgress& progress() const { return progress_; }
  uint64_t bytes_sent() const { return bytes_sent_.load(std::memory_order_relaxed); }

  ReplicationServer(const ReplicationServer&) = delete;
  ReplicationServer& operator=(const ReplicationServer&) = delete;

 private:
  struct Session {
    io::UniqueFd socket;
    std::thread thread;
    std::atomic<bool> finished{false};
  };
  ReplicationServer(ReplicationServerOptions options, io::UniqueFd listener, uint16_t port, std::string address)
      : options_(std::move(options)), listener_(std::move(listener)), port_(port), address_(std::move(address)) {}

  void accept_loop();
  void serve(Session& session);
  // Answers the hello; the follower's node id and log end when accepted.
  std::optional<std::pair<ReplicationHello, int32_t>> handshake(int fd);
  // Why the follower's log is not a prefix of this one, or nullopt.
  std::optional<std::string> divergence(const ReplicationHello& hello) const;
  void stream(int fd, const ReplicationHello& hello, int32_t epoch, std::atomic<bool>& follower_gone);
  void reap_finished_sessions();  // under sessions_mutex_

  const ReplicationServerOptions options_;
  io::UniqueFd listener_;
  const uint16_t port_;
  const std::string address_;
  engine::MessageStore* store_ = nullptr;
  std::function<std::optional<int32_t>()> leading_epoch_;
  AckListener on_ack_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex sessions_mutex_;
  std::list<Session> sessions_;  // guarded by sessions_mutex_; a list, so a Session never moves
  ReplicaProgress progress_;
  std::atomic<uint64_t> bytes_sent_{0};
};

}  // namespace ringmq::broker
