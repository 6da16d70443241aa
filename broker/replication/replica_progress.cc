#include "broker/replication/replica_progress.h"

#include <algorithm>

namespace ringmq::broker {

FollowerProgress& ReplicaProgress::find_or_add(int32_t node_id) {
  auto it = std::find_if(followers_.begin(), followers_.end(), [&](const auto& f) { return f.node_id == node_id; });
  if (it != followers_.end()) return *it;
  followers_.push_back(FollowerProgress{node_id});
  std::sort(followers_.begin(), followers_.end(), [](const auto& a, const auto& b) { return a.node_id < b.node_id; });
  return *std::find_if(followers_.begin(), followers_.end(), [&](const auto& f) { return f.node_id == node_id; });
}

uint64_t ReplicaProgress::connected(int32_t node_id, uint64_t log_end, uint64_t leader_end, int64_t now_ns) {
  std::lock_guard lock(mutex_);
  FollowerProgress& f = find_or_add(node_id);
  f.session = ++last_session_;
  f.connected = true;
  f.received = log_end;
  f.acked_ns = now_ns;
  f.leader_end_at_ack = leader_end;  // caught up only once it reaches where the leader was
  return f.session;
}

void ReplicaProgress::acked(int32_t node_id, uint64_t session, const ReplicaAck& ack, uint64_t leader_end,
                            int64_t now_ns) {
  std::lock_guard lock(mutex_);
  FollowerProgress& f = find_or_add(node_id);
  if (f.session != session) return;  // a stream that has been replaced
  f.received = ack.received;
  f.durable = ack.durable;
  f.acked_ns = now_ns;
  if (ack.received >= std::min(f.leader_end_at_ack, leader_end)) f.caught_up_ns = now_ns;
  f.leader_end_at_ack = leader_end;
}

void ReplicaProgress::disconnected(int32_t node_id, uint64_t session) {
  std::lock_guard lock(mutex_);
  FollowerProgress& f = find_or_add(node_id);
  if (f.session == session) f.connected = false;
}

std::vector<FollowerProgress> ReplicaProgress::snapshot() const {
  std::lock_guard lock(mutex_);
  return followers_;
}

}  // namespace ringmq::broker
