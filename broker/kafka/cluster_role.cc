#include "broker/kafka/cluster_role.h"

#include <algorithm>

#include "broker/kafka/leader_epochs.h"

namespace ringmq::broker::kafka {

using protocol::ApiKey;
using protocol::KafkaError;

int32_t ClusterRole::leader_epoch() const {
  return member_ == nullptr ? kStandaloneLeaderEpoch : std::max(member_->leader_epoch(), 0);
}

std::optional<KafkaError> ClusterRole::following_refusal(ApiKey key) {
  switch (key) {
    // The group's one commit log is written and read on its leader.
    case ApiKey::kProduce:
    case ApiKey::kFetch:
    case ApiKey::kListOffsets:
    case ApiKey::kOffsetForLeaderEpoch:
    case ApiKey::kDeleteRecords:
      return KafkaError::kNotLeaderOrFollower;
    // Consumer groups, their committed offsets and producer ids live on the leader.
    case ApiKey::kOffsetCommit:
    case ApiKey::kOffsetFetch:
    case ApiKey::kJoinGroup:
    case ApiKey::kHeartbeat:
    case ApiKey::kLeaveGroup:
    case ApiKey::kSyncGroup:
    case ApiKey::kDescribeGroups:
    case ApiKey::kDeleteGroups:
    case ApiKey::kOffsetDelete:
      return KafkaError::kNotCoordinator;
    // Producer ids come from the leader. Not NOT_COORDINATOR: Java's idempotent producer
    // would go looking for a transaction coordinator; this one it simply retries.
    case ApiKey::kInitProducerId:
      return KafkaError::kCoordinatorLoadInProgress;
    // Topics are the leader's: Metadata names it as the controller.
    case ApiKey::kCreateTopics:
    case ApiKey::kDeleteTopics:
    case ApiKey::kCreatePartitions:
    case ApiKey::kAlterConfigs:
    case ApiKey::kIncrementalAlterConfigs:
      return KafkaError::kNotController;
    // Metadata, ApiVersions, FindCoordinator, DescribeCluster, DescribeConfigs,
    // DescribeLogDirs, SASL, and the ACLs and SCRAM users, which every broker keeps itself.
    // ListGroups too: admin clients ask every broker for the groups it coordinates and fail
    // on an error (the router answers a follower's with none).
    default:
      return std::nullopt;
  }
}

GroupPlacement ClusterRole::placement() const {
  GroupPlacement out;
  if (member_ == nullptr) {
    out.leader_id = out.controller_id = node_id_;
    out.leader_epoch = kStandaloneLeaderEpoch;
    out.replicas = out.isr = {node_id_};
    return out;
  }
  const auto view = member_->view();
  if (!current(*view)) {
    // Cut off from etcd for a session, or a leader that has been fenced: it does not know
    // who leads, and must not send clients to itself.
    out.error = KafkaError::kLeaderNotAvailable;
    out.leader_epoch = std::max(view->epoch, 0);
    return out;
  }
  for (const cluster::BrokerRegistration& b : view->brokers)
    if (b.node_id != node_id_) out.peers.push_back({b.node_id, b.host, b.port});
  out.replicas = view->group_members;
  for (int32_t id : view->isr.members)
    if (std::ranges::find(out.replicas, id) == out.replicas.end()) out.replicas.push_back(id);
  std::ranges::sort(out.replicas);
  out.leader_epoch = std::max(view->epoch, 0);
  // A leader whose registration is gone cannot be reached: clients are told to wait.
  if (!view->leader || view->broker(view->leader->node_id) == nullptr) {
    out.error = KafkaError::kLeaderNotAvailable;
    return out;
  }
  out.leader_id = out.controller_id = view->leader->node_id;
  out.isr = view->isr.members;
  if (std::ranges::find(out.isr, out.leader_id) == out.isr.end()) out.isr.push_back(out.leader_id);
  return out;
}

bool ClusterRole::current(const cluster::ClusterView& view) const {
  if (cluster::GroupMember::now_ns() - view.read_at_ns > member_->session_ns()) return false;
  return !(view.leader && view.leader->node_id == node_id_ && !member_->leading());
}

std::optional<PeerBroker> ClusterRole::leader() const {
  if (member_ == nullptr) return std::nullopt;
  const auto view = member_->view();
  if (!current(*view) || !view->leader) return std::nullopt;
  const cluster::BrokerRegistration* b = view->broker(view->leader->node_id);
  if (b == nullptr) return std::nullopt;
  return PeerBroker{b->node_id, b->host, b->port};
}

}  // namespace ringmq::broker::kafka
