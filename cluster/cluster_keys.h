// Where a RingMQ cluster keeps its state in etcd, and how each value is written (JSON). The
// layout and every transition are documented in docs/cluster.md; this file is the one place
// that spells the keys.
//
//   /ringmq/<cluster>/brokers/<node_id>        BrokerRegistration, on the broker's lease
//   /ringmq/<cluster>/groups/<group>/leader    GroupLeader, on the leader's lease
//   /ringmq/<cluster>/groups/<group>/epoch     the group's last leader epoch ("7"), kept
//   /ringmq/<cluster>/groups/<group>/isr       InSyncSet, kept
//   /ringmq/<cluster>/groups/<group>/topics    the leader's topics (PublishedTopic list), kept
//   /ringmq/<cluster>/groups/<group>/topic-requests/<topic>   a follower asks the leader to
//                                              auto-create a topic; on the follower's lease
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ringmq::cluster {

// A live broker: where clients reach it and which group it serves.
struct BrokerRegistration {
  int32_t node_id = 0;
  std::string group;
  std::string host;  // the advertised Kafka endpoint (PLAINTEXT or the first listener)
  uint16_t port = 0;
  uint16_t replication_port = 0;  // where followers stream the commit log from (on `host`); 0: none
  int64_t started_ms = 0;         // wall clock at registration, for the ops CLI
};

// Who leads a group, in which epoch, on which lease.
struct GroupLeader {
  int32_t node_id = -1;
  int32_t epoch = -1;
  int64_t lease = 0;
};

// The members a new leader may be chosen from, as of an epoch.
struct InSyncSet {
  int32_t epoch = -1;
  std::vector<int32_t> members;

  bool contains(int32_t node_id) const;
};

// A topic as the group's leader publishes it, so that a follower's Metadata can describe it
// and send the client to the leader.
struct PublishedTopic {
  std::string name;
  std::array<uint8_t, 16> id{};
  int32_t partitions = 0;
  // The commit-log queue of each partition and the topic's settings: what a follower needs to
  // serve its copy of the log under the same names once it leads. Empty in values written
  // before replication (then only Metadata uses the topic).
  std::vector<uint32_t> queue_ids;
  std::map<std::string, std::string> configs;
};

class ClusterKeys {
 public:
  explicit ClusterKeys(std::string_view cluster_name);

  std::string brokers_prefix() const { return root_ + "brokers/"; }
  std::string broker(int32_t node_id) const { return brokers_prefix() + std::to_string(node_id); }
  std::string groups_prefix() const { return root_ + "groups/"; }
  std::string leader(std::string_view group) const { return group_dir(group) + "leader"; }
  std::string epoch(std::string_view group) const { return group_dir(group) + "epoch"; }
  std::string isr(std::string_view group) const { return group_dir(group) + "isr"; }
  std::string topics(std::string_view group) const { return group_dir(group) + "topics"; }
  std::string topic_requests_prefix(std::string_view group) const { return group_dir(group) + "topic-requests/"; }

 private:
  std::string group_dir(std::string_view group) const { return groups_prefix() + std::string(group) + "/"; }
  std::string root_;
};

std::string encode(const BrokerRegistration& broker);
std::string encode(const GroupLeader& leader);
std::string encode(const InSyncSet& isr);
std::string encode(const std::vector<PublishedTopic>& topics);
// kCorrupt with the value's text when it is not what the key holds.
Result<BrokerRegistration> decode_broker(std::string_view json);
Result<GroupLeader> decode_leader(std::string_view json);
Result<InSyncSet> decode_isr(std::string_view json);
Result<int32_t> decode_epoch(std::string_view text);
Result<std::vector<PublishedTopic>> decode_topics(std::string_view json);

// Names usable in keys: 1-64 of [A-Za-z0-9._-].
bool valid_name(std::string_view name);

}  // namespace ringmq::cluster
