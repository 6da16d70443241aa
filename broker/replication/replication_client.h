// ReplicationClient: a follower's end of replication. One thread connects to the group's
// leader (as `target` names it: node, epoch, replication endpoint), says where its log ends,
// and appends what the leader streams through MessageStore::append_replicated, acknowledging
// each chunk with its log end and flushed offset. It reconnects when the leader or its epoch
// changes, after an error, or when the leader refuses it (a diverged log is refused until
// truncation exists; the reason is logged once).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/replication/replication_wire.h"
#include "common/service_thread.h"
#include "engine/message_store.h"

namespace ringmq::broker {

// Where this follower's leader takes replication connections.
struct ReplicationTarget {
  int32_t node_id = -1;
  int32_t epoch = -1;
  std::string host;
  uint16_t port = 0;

  bool operator==(const ReplicationTarget&) const = default;
};

struct ReplicationClientOptions {
  int32_t node_id = 0;            // this broker
  std::string group;              // "<cluster>/<group>"
  uint32_t io_timeout_ms = 6000;  // a leader silent this long (no data, no heartbeat) is dropped
};

// Counts for metrics and tests, read at any time.
struct ReplicationClientStats {
  std::atomic<bool> connected{false};
  std::atomic<int32_t> leader{-1};      // the node streamed from, while connected
  std::atomic<uint64_t> leader_end{0};  // the leader's log end as last heard
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> chunks_applied{0};
  std::atomic<uint64_t> refusals{0};  // hellos the leader refused
  std::atomic<uint64_t> errors{0};    // streams that ended on an error
};

class ReplicationClient {
 public:
  // `target` is asked before each connection and after each frame: nullopt (this broker leads,
  // or there is no leader) or another target ends the stream.
  static std::unique_ptr<ReplicationClient> start(ReplicationClientOptions options, engine::MessageStore& store,
                                                  std::function<std::optional<ReplicationTarget>()> target);
  void stop();
  ~ReplicationClient() { stop(); }
  const ReplicationClientStats& stats() const { return stats_; }

  ReplicationClient(const ReplicationClient&) = delete;
  ReplicationClient& operator=(const ReplicationClient&) = delete;

 private:
  // The socket the acks go out on, shared with the flusher's durability callbacks, which
  // may run after the stream ended: they then find it closed.
  struct AckChannel {
    std::mutex mutex;
    int fd = -1;  // guarded by mutex; -1 once the stream ended
    std::atomic<uint64_t> received{0};
    std::atomic<uint64_t> durable{0};
    void send();  // the current offsets, without blocking (a dropped ack is carried by the next)
    void close();
  };

  ReplicationClient(ReplicationClientOptions options, engine::MessageStore& store,
                    std::function<std::optional<ReplicationTarget>()> target)
      : options_(std::move(options)), store_(store), target_(std::move(target)) {}
  void run_once();
  // Connects and handshakes; the socket when the leader accepted.
  Result<io::UniqueFd> open_stream(const ReplicationTarget& target);
  Status follow(int fd, const ReplicationTarget& target, const std::shared_ptr<AckChannel>& channel);
  void note_problem(const std::string& what);

  const ReplicationClientOptions options_;
  engine::MessageStore& store_;
  std::function<std::optional<ReplicationTarget>()> target_;
  std::vector<std::byte> buffer_;  // one chunk; grows to the largest chunk seen, then reused
  std::string last_problem_;       // logged once until it changes
  std::atomic<bool> stopping_{false};
  std::mutex stream_mutex_;
  int stream_fd_ = -1;  // guarded by stream_mutex_: stop() shuts it down to end a blocking read
  ReplicationClientStats stats_;
  ServiceThread thread_;
};

}  // namespace ringmq::broker
