// ReplicaProgress: the leader's view of its followers — how far each one's log reaches
// (received), how much of it is durable, whether it is connected, and when it last had
// everything the leader had. Written by the replication sessions, read by metrics, the ops
// view and (next) the in-sync set and acks=all.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "broker/replication/replication_wire.h"

namespace ringmq::broker {

// The clock of ReplicaProgress's times.
inline int64_t progress_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct FollowerProgress {
  int32_t node_id = 0;
  uint64_t received = 0;
  uint64_t durable = 0;
  bool connected = false;
  // The last time it had caught up: its ack reached the leader's log end as of its previous
  // ack (Kafka's lastCaughtUpTime: under a steady stream a follower is never level with the
  // leader at the instant an ack arrives, but one that keeps up reaches where it was before).
  int64_t caught_up_ns = 0;
  int64_t acked_ns = 0;            // its last ack
  uint64_t leader_end_at_ack = 0;  // the leader's log end when its last ack arrived
  uint64_t session = 0;            // the stream these figures come from (see connected())
};

class ReplicaProgress {
 public:
  // A follower's new stream, from `log_end` while the leader's log ends at `leader_end`;
  // returns the session's token. A follower reconnects while its previous stream still winds
  // down: acks and the end of a stream count only for the session that is current.
  uint64_t connected(int32_t node_id, uint64_t log_end, uint64_t leader_end, int64_t now_ns);
  // `leader_end` is the leader's log end when the ack arrived.
  void acked(int32_t node_id, uint64_t session, const ReplicaAck& ack, uint64_t leader_end, int64_t now_ns);
  void disconnected(int32_t node_id, uint64_t session);
  std::vector<FollowerProgress> snapshot() const;

 private:
  FollowerProgress& find_or_add(int32_t node_id);  // under mutex_

  mutable std::mutex mutex_;
  std::vector<FollowerProgress> followers_;  // few (a group's members): a vector, by node id
  uint64_t last_session_ = 0;
};

}  // namespace ringmq::broker
