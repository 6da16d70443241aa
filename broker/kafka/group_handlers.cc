// Consumer groups: FindCoordinator (always this broker), JoinGroup / SyncGroup / Heartbeat /
// LeaveGroup through the GroupCoordinator, and OffsetCommit / OffsetFetch through the
// engine-backed OffsetStore. Join and sync answers come from the coordinator's callbacks,
// commit answers from the flusher thread once the commit record is durable.
#include <spdlog/spdlog.h>

#include <deque>
#include <map>

#include "broker/kafka/kafka_router.h"

namespace ringmq::broker::kafka {

using protocol::KafkaError;

namespace {

std::optional<std::string> owned(std::optional<std::string_view> s) {
  return s ? std::optional<std::string>(std::string(*s)) : std::nullopt;
}
std::vector<std::byte> owned_bytes(std::span<const std::byte> b) { return {b.begin(), b.end()}; }

}  // namespace

void KafkaRouter::handle_find_coordinator(const Request& request, const protocol::RequestHeader& h,
                                          const protocol::FindCoordinatorRequest& r, ResponseSlot slot) {
  protocol::FindCoordinatorResponse response;
  const AdvertisedListener& endpoint = advertised_endpoint(request);
  const std::optional<PeerBroker> leader = role_.leader();  // the coordinators point into it
  for (std::string_view key : r.keys) {
    protocol::Coordinator c;
    c.key = key;
    if (r.key_type != protocol::kCoordinatorKeyGroup) {
      c.error_code = KafkaError::kCoordinatorNotAvailable;  // transactions: not supported
    } else if (!authorized(request, security::AclOperation::kDescribe, security::AclResourceType::kGroup, key)) {
      c.error_code = KafkaError::kGroupAuthorizationFailed;
    } else if (role_.leads()) {
      c.node_id = context_.config.server.node_id;
      c.host = endpoint.host;
      c.port = endpoint.port;
    } else if (leader) {  // a follower points at its group's leader
      c.node_id = leader->node_id;
      c.host = leader->host;
      c.port = leader->port;
    } else {
      c.error_code = KafkaError::kCoordinatorNotAvailable;  // no leader yet: retriable
    }
    response.coordinators.push_back(c);
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_find_coordinator_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_join_group(const Request& request, const protocol::RequestHeader& h,
                                    const protocol::JoinGroupRequest& r, ResponseSlot slot) {
  JoinRequest join;
  join.group_id = std::string(r.group_id);
  join.member_id = std::string(r.member_id);
  join.group_instance_id = owned(r.group_instance_id);
  join.client_id = std::string(h.client_id.value_or(""));
  join.client_host = std::string(request.peer.substr(0, request.peer.rfind(':')));
  join.session_timeout_ms = r.session_timeout_ms;
  join.rebalance_timeout_ms = r.rebalance_timeout_ms;
  join.protocol_type = std::string(r.protocol_type);
  for (const auto& p : r.protocols) join.protocols.push_back({std::string(p.name), owned_bytes(p.metadata)});
  join.api_version = h.api_version;
  auto shared_slot = std::make_shared<ResponseSlot>(std::move(slot));
  const int16_t version = h.api_version;
  const int32_t correlation_id = h.correlation_id;
  groups_->join(std::move(join), [shared_slot, version, correlation_id](JoinResult result) {
    protocol::JoinGroupResponse response;
    response.error_code = result.error_code;
    response.generation_id = result.generation_id;
    response.protocol_type = result.protocol_type;
    response.protocol_name = result.protocol_name;
    response.leader = result.leader_id;
    response.member_id = result.member_id;
    response.skip_assignment = result.skip_assignment;
    for (const auto& m : result.members) response.members.push_back({m.member_id, m.group_instance_id, m.metadata});
    respond(*shared_slot, [&](protocol::Writer& w) {
      return protocol::encode_join_group_response(version, correlation_id, response, w);
    });
  });
}

void KafkaRouter::handle_sync_group(const protocol::RequestHeader& h, const protocol::SyncGroupRequest& r,
                                    ResponseSlot slot) {
  SyncRequest sync;
  sync.group_id = std::string(r.group_id);
  sync.generation_id = r.generation_id;
  sync.member_id = std::string(r.member_id);
  sync.group_instance_id = owned(r.group_instance_id);
  sync.protocol_type = owned(r.protocol_type);
  sync.protocol_name = owned(r.protocol_name);
  for (const auto& a : r.assignments) sync.assignments.push_back({std::string(a.member_id), owned_bytes(a.assignment)});
  auto shared_slot = std::make_shared<ResponseSlot>(std::move(slot));
  const int16_t version = h.api_version;
  const int32_t correlation_id = h.correlation_id;
  groups_->sync(std::move(sync), [shared_slot, version, correlation_id](SyncResult result) {
    protocol::SyncGroupResponse response;
    response.error_code = result.error_code;
    response.protocol_type = result.protocol_type;
    response.protocol_name = result.protocol_name;
    response.assignment = result.assignment;
    respond(*shared_slot, [&](protocol::Writer& w) {
      return protocol::encode_sync_group_response(version, correlation_id, response, w);
    });
  });
}

void KafkaRouter::handle_heartbeat(const protocol::RequestHeader& h, const protocol::HeartbeatRequest& r,
                                   ResponseSlot slot) {
  protocol::HeartbeatResponse response;
  response.error_code = groups_->heartbeat(r.group_id, r.generation_id, r.member_id, r.group_instance_id);
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_heartbeat_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_leave_group(const protocol::RequestHeader& h, const protocol::LeaveGroupRequest& r,
                                     ResponseSlot slot) {
  std::vector<GroupMemberIdentity> members;
  for (const auto& m : r.members) members.push_back({std::string(m.member_id), owned(m.group_instance_id)});
  LeaveResult result = groups_->leave(r.group_id, members);
  protocol::LeaveGroupResponse response;
  response.error_code = result.error_code;
  // Before v3 there is one member and no per-member list: its error is the request's.
  if (h.api_version < 3 && !result.members.empty() && response.error_code == KafkaError::kNone)
    response.error_code = result.members.front().error_code;
  for (const auto& m : result.members) response.members.push_back({m.member_id, m.group_instance_id, m.error_code});
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_leave_group_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_offset_commit(const Request& request, const protocol::RequestHeader& h,
                                       const protocol::OffsetCommitRequest& r, ResponseSlot slot) {
  struct Answer {
    std::vector<std::string> names;
    protocol::OffsetCommitResponse response;
  };
  auto answer = std::make_shared<Answer>();
  answer->names.reserve(r.topics.size());
  const KafkaError group_error =
      groups_->validate_commit(r.group_id, r.generation_id, r.member_id, r.group_instance_id);
  auto snapshot = topics_->snapshot();
  std::vector<OffsetCommit> commits;
  for (const auto& topic : r.topics) {
    answer->names.emplace_back(topic.name);
    auto& out_topic = answer->response.topics.emplace_back();
    out_topic.name = answer->names.back();
    const TopicInfo* info = snapshot->find(topic.name);
    const bool may_read =
        authorized(request, security::AclOperation::kRead, security::AclResourceType::kTopic, topic.name);
    for (const auto& p : topic.partitions) {
      auto& out = out_topic.partitions.emplace_back();
      out.partition_index = p.partition_index;
      if (group_error != KafkaError::kNone)
        out.error_code = group_error;
      else if (!may_read)
        out.error_code = KafkaError::kTopicAuthorizationFailed;
      else if (!info || !info->queue_id(p.partition_index))
        out.error_code = KafkaError::kUnknownTopicOrPartition;
      else if (p.committed_metadata && p.committed_metadata->size() > 4096)
        out.error_code = KafkaError::kOffsetMetadataTooLarge;
      else
        commits.push_back({std::string(topic.name), p.partition_index, p.committed_offset, p.committed_leader_epoch,
                           std::string(p.committed_metadata.value_or(""))});
    }
  }
  const int16_t version = h.api_version;
  const int32_t correlation_id = h.correlation_id;
  auto shared_slot = std::make_shared<ResponseSlot>(std::move(slot));
  auto finish = [answer, shared_slot, version, correlation_id](Status s) {
    if (!s) {
      const KafkaError error = kafka_error_for(s.error());
      for (auto& t : answer->response.topics)
        for (auto& p : t.partitions)
          if (p.error_code == KafkaError::kNone) p.error_code = error;
    }
    respond(*shared_slot, [&](protocol::Writer& w) {
      return protocol::encode_offset_commit_response(version, correlation_id, answer->response, w);
    });
  };
  if (commits.empty()) {
    finish({});
    return;
  }
  offsets_->commit_async(r.group_id, commits, std::move(finish));
}

void KafkaRouter::handle_offset_fetch(const Request& request, const protocol::RequestHeader& h,
                                      const protocol::OffsetFetchRequest& r, ResponseSlot slot) {
  protocol::OffsetFetchResponse response;
  std::deque<std::string> strings;  // names and metadata the response views point into
  for (const auto& group : r.groups) {
    auto& out_group = response.groups.emplace_back();
    out_group.group_id = group.group_id;
    if (group.all_topics) {
      std::map<std::string, std::vector<protocol::OffsetFetchPartitionResponse>> by_topic;
      for (auto& committed : offsets_->fetch_all(group.group_id)) {
        protocol::OffsetFetchPartitionResponse p;
        p.partition_index = committed.partition;
        p.committed_offset = committed.committed.offset;
        p.committed_leader_epoch = committed.committed.leader_epoch;
        p.metadata = strings.emplace_back(std::move(committed.committed.metadata));
        by_topic[committed.topic].push_back(p);
      }
      for (auto& [name, partitions] : by_topic)  // topics the principal may not describe are left out
        if (authorized(request, security::AclOperation::kDescribe, security::AclResourceType::kTopic, name))
          out_group.topics.push_back({strings.emplace_back(name), std::move(partitions)});
      continue;
    }
    for (const auto& topic : group.topics) {
      auto& out_topic = out_group.topics.emplace_back();
      out_topic.name = topic.name;
      if (!authorized(request, security::AclOperation::kDescribe, security::AclResourceType::kTopic, topic.name)) {
        for (int32_t partition : topic.partition_indexes) {
          protocol::OffsetFetchPartitionResponse p;
          p.partition_index = partition;
          p.error_code = KafkaError::kTopicAuthorizationFailed;
          out_topic.partitions.push_back(p);
        }
        continue;
      }
      for (int32_t partition : topic.partition_indexes) {
        CommittedOffset committed = offsets_->fetch(group.group_id, topic.name, partition);
        protocol::OffsetFetchPartitionResponse p;
        p.partition_index = partition;
        p.committed_offset = committed.offset;
        p.committed_leader_epoch = committed.leader_epoch;
        p.metadata = strings.emplace_back(std::move(committed.metadata));
        out_topic.partitions.push_back(p);
      }
    }
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_offset_fetch_response(h.api_version, h.correlation_id, response, w);
  });
}

}  // namespace ringmq::broker::kafka
