// NetworkThread: one epoll reactor (thread "net-<i>") owning a set of connections. It reads
// frames, calls the router, takes completions from its inbox and writes responses; the first
// thread also accepts and deals new connections round-robin to all of them.
//
// epoll is level-triggered: a connection is read at most kReadBudget bytes per turn (fairness),
// and back pressure is simply dropping EPOLLIN from its interest set while it has too many
// requests in flight or too many response bytes unsent; when it drops below, frames already
// buffered are dispatched first, then EPOLLIN is restored. EPOLLOUT is set only while a
// response is stuck behind a full socket.
//
// Connections are referred to by id, never by pointer, across a turn: a connection closed in
// the middle of a turn (a bad frame, a handler asking) is closed at the end of it.
#pragma once

#include <spdlog/common.h>
#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "broker/server/broker_config.h"
#include "broker/server/broker_metrics.h"
#include "broker/server/completion_inbox.h"
#include "broker/server/connection.h"
#include "broker/server/request_router.h"
#include "io/unique_fd.h"

namespace ringmq::numa {
class Topology;
class PlacementPlan;
}  // namespace ringmq::numa

namespace ringmq::broker {

// Where network threads run: when both are set, thread i pins itself to the plan's "net-<i>".
struct NetworkPlacement {
  const numa::Topology* topology = nullptr;
  const numa::PlacementPlan* plan = nullptr;
};

// What the network threads of one server share.
struct NetworkShared {
  const ServerConfig& config;
  RequestRouter& router;
  BrokerMetrics& metrics;
  NetworkPlacement placement;
  std::vector<ListenerRuntime> listeners;  // by index, as the listening sockets are given
  std::atomic<uint32_t> open_connections{0};
  std::atomic<uint64_t> next_connection_id{1};
  std::atomic<int64_t> inflight_requests{0};
};

class NetworkThread final : public CompletionSink {
 public:
  NetworkThread(unsigned index, NetworkShared& shared);
  ~NetworkThread() override;  // stop()
  NetworkThread(const NetworkThread&) = delete;
  NetworkThread& operator=(const NetworkThread&) = delete;

  // Starts the thread. `listeners` (only for the accepting thread; index i is
  // shared.listeners[i]) are owned from here on; `peers` are all the server's threads, new
  // connections are dealt to them in turn.
  void start(std::vector<io::UniqueFd> listeners, std::vector<NetworkThread*> peers);
  // Any thread: gives an accepted socket of listener `listener` to this thread.
  void adopt(io::UniqueFd fd, std::string peer, uint32_t listener);
  // Any thread: close the listener (if this thread has it) and read no new requests.
  void begin_drain();
  // Any thread: close every connection and join. Idempotent.
  void stop();

  size_t connection_count() const { return connection_count_.load(std::memory_order_relaxed); }

  // Owner thread (through the inbox).
  void deliver(Completion&& completion) override;

 private:
  static constexpr uint64_t kWakeToken = 0;
  // Listener i has token kListenToken - i (connection ids count up from 1).
  static constexpr uint64_t kListenToken = UINT64_MAX;
  static constexpr size_t kReadBudget = 256 << 10;

  void run();
  void run_commands();
  void accept_connections(uint32_t listener);
  void add_connection(io::UniqueFd fd, std::string peer, uint32_t listener);
  void read_pending_input();
  // Closes after a failed read or write; one that failed in the TLS handshake is counted and
  // logged at info (a client with the wrong CA), others at debug (the peer went away).
  void close_after_io_error(Connection& connection, const Error& error);
  void on_readable(Connection& connection);
  void dispatch_frames(Connection& connection);
  bool paused(const Connection& connection) const;
  void queue_write(Connection& connection);
  void flush_writes();
  void update_interest(Connection& connection);
  void request_close(Connection& connection, std::string reason, spdlog::level::level_enum level);
  void close_queued();
  void close_idle(std::chrono::steady_clock::time_point now);
  void close_everything();
  Connection* find(ConnectionId id);
  std::chrono::milliseconds epoll_timeout() const;

  const unsigned index_;
  NetworkShared& shared_;
  io::UniqueFd epoll_fd_;
  std::vector<io::UniqueFd> listeners_;
  io::UniqueFd spare_fd_;  // kept open to accept-and-close when the process runs out of fds
  std::shared_ptr<CompletionInbox> inbox_;
  std::vector<NetworkThread*> peers_;
  size_t next_peer_ = 0;
  std::thread thread_;

  std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections_;
  std::atomic<size_t> connection_count_{0};
  std::vector<ConnectionId> write_queue_;
  std::vector<ConnectionId> close_queue_;
  // TLS connections with decrypted input OpenSSL holds (epoll cannot report it).
  std::vector<ConnectionId> pending_reads_;
  std::vector<ConnectionId> reading_now_;  // read_pending_input's scratch
  std::vector<Completion> completions_;
  std::vector<std::function<void()>> tasks_;  // run_on_owner tasks taken from the inbox
  std::vector<epoll_event> events_;
  std::chrono::steady_clock::time_point next_idle_check_;
  std::chrono::steady_clock::time_point last_reject_log_;
  uint64_t rejects_not_logged_ = 0;

  // Commands from other threads, under mutex_.
  std::mutex mutex_;
  struct Adopted {
    io::UniqueFd fd;
    std::string peer;
    uint32_t listener;
  };
  std::vector<Adopted> adopted_;
  std::atomic<bool> draining_{false};
  bool drain_applied_ = false;
  std::atomic<bool> stop_{false};
};

}  // namespace ringmq::broker
