// ClusterRole: what this broker is in its broker group, as the Kafka handlers need it. A
// standalone broker (no [cluster] etcd endpoints) leads everything at epoch 0. In a cluster
// the group's leader, elected in etcd by cluster::GroupMember, serves the data, coordinator
// and controller APIs while its leadership is fresh; every other member, and a leader that
// has been fenced, refuses them with the retriable error that sends a Kafka client back to
// Metadata, where it learns who leads now.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/protocol/api_keys.h"
#include "broker/protocol/error_codes.h"
#include "cluster/group_member.h"

namespace ringmq::broker::kafka {

// Another broker of the cluster, as Metadata and DescribeCluster list it.
struct PeerBroker {
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
};

// Who serves the group's partitions, for Metadata (the same for every partition: a group
// shares one commit log).
struct GroupPlacement {
  protocol::KafkaError error = protocol::KafkaError::kNone;  // LEADER_NOT_AVAILABLE without a leader
  int32_t leader_id = -1;
  int32_t leader_epoch = -1;
  std::vector<int32_t> replicas;  // the group's live members and its in-sync set
  std::vector<int32_t> isr;
  int32_t controller_id = -1;     // the leader: it creates topics and answers admin requests
  std::vector<PeerBroker> peers;  // every live broker but this one
};

class ClusterRole {
 public:
  // `member` may be null (standalone); it outlives the role.
  ClusterRole(const cluster::GroupMember* member, int32_t node_id) : member_(member), node_id_(node_id) {}

  // Whether this broker may append, serve fetches and coordinate now. One atomic load and one
  // clock read in a cluster.
  bool leads() const { return member_ == nullptr || member_->leading(); }
  // The epoch Metadata, ListOffsets and OffsetForLeaderEpoch report.
  int32_t leader_epoch() const;
  // The error API `key` is refused with now (NOT_LEADER_OR_FOLLOWER, NOT_COORDINATOR,
  // NOT_CONTROLLER), or nullopt when this broker serves it.
  std::optional<protocol::KafkaError> refusal(protocol::ApiKey key) const {
    return leads() ? std::nullopt : following_refusal(key);
  }
  // What a broker that does not lead answers API `key` with (nullopt: it serves it).
  static std::optional<protocol::KafkaError> following_refusal(protocol::ApiKey key);
  GroupPlacement placement() const;
  // The group's leader as a peer (host and port from its registration), for FindCoordinator;
  // nullopt without a leader. This broker itself when standalone is not asked.
  std::optional<PeerBroker> leader() const;
  // The cluster as last seen (null when standalone).
  std::shared_ptr<const cluster::ClusterView> view() const { return member_ ? member_->view() : nullptr; }

 private:
  // Whether `view` can be trusted: read within a session, and not naming this broker as
  // leader while its leadership has run out.
  bool current(const cluster::ClusterView& view) const;

  const cluster::GroupMember* member_;
  int32_t node_id_;
};

}  // namespace ringmq::broker::kafka
