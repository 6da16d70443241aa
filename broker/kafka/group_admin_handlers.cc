// The consumer-group admin APIs: ListGroups, DescribeGroups, DeleteGroups and OffsetDelete,
// and the consumer-lag samples for /metrics.
// A group is known to the GroupCoordinator (it has or had members since start-up), to the
// OffsetStore (it has committed offsets), or to both; group state lives in memory only, so
// after a restart a group with offsets and no members is listed and described as Empty with
// no protocol type, as Kafka shows a group that only ever committed offsets.
// Deleting is durable (a tombstone in the offsets queue) before the answer, like
// DeleteTopics; these are admin calls, so blocking a network thread for one flush is accepted.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "broker/kafka/kafka_router.h"

namespace ringmq::broker::kafka {

using protocol::KafkaError;

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

// Whether `value` passes a ListGroups filter (an empty filter passes everything).
bool passes(const std::vector<std::string_view>& filter, std::string_view value) {
  return filter.empty() ||
         std::ranges::any_of(filter, [&](std::string_view wanted) { return equals_ignoring_case(wanted, value); });
}

// Every group of KIP-848's two types is "classic" here: the broker speaks the classic protocol.
constexpr std::string_view kClassicGroupType = "classic";
constexpr std::string_view kEmptyState = "Empty";
constexpr std::string_view kDeadState = "Dead";

}  // namespace

void KafkaRouter::list_consumer_lag(std::vector<LabelledSample>& out) const {
  auto snapshot = topics_->snapshot();
  for (const std::string& group : offsets_->groups()) {
    for (const PartitionOffset& p : offsets_->fetch_all(group)) {
      const TopicInfo* topic = snapshot->find(p.topic);
      auto queue = topic ? topic->queue_id(p.partition) : std::nullopt;
      if (!queue || p.committed.offset < 0) continue;
      const auto range = context_.store.queue_range(*queue).value_or(engine::QueueRange{});
      const auto end = static_cast<int64_t>(range.next_offset.value());
      out.push_back({{{"group", group}, {"topic", p.topic}, {"partition", std::to_string(p.partition)}},
                     static_cast<double>(std::max<int64_t>(0, end - p.committed.offset))});
    }
  }
}

void KafkaRouter::handle_list_groups(const Request& request, const protocol::RequestHeader& h,
                                     const protocol::ListGroupsRequest& r, ResponseSlot slot) {
  // Coordinator groups first; groups with offsets only are Empty with no protocol type.
  std::map<std::string, GroupOverview, std::less<>> groups;
  for (GroupOverview& g : groups_->list()) groups.emplace(g.group_id, std::move(g));
  for (std::string& id : offsets_->groups()) {
    if (!groups.contains(id)) groups.emplace(id, GroupOverview{id, "", std::string(kEmptyState)});
  }
  protocol::ListGroupsResponse response;
  // DESCRIBE on the cluster shows every group; otherwise those the principal may describe.
  const bool all_visible = authorized_on_cluster(request, security::AclOperation::kDescribe);
  for (const auto& [id, g] : groups) {
    if (!passes(r.states_filter, g.state) || !passes(r.types_filter, kClassicGroupType)) continue;
    if (!all_visible && !authorized(request, security::AclOperation::kDescribe, security::AclResourceType::kGroup, id))
      continue;
    response.groups.push_back({g.group_id, g.protocol_type, g.state, kClassicGroupType});
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_list_groups_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_describe_groups(const Request& request, const protocol::RequestHeader& h,
                                         const protocol::DescribeGroupsRequest& r, ResponseSlot slot) {
  std::vector<GroupDescription> descriptions;
  descriptions.reserve(r.groups.size());
  for (std::string_view id : r.groups) {
    if (!authorized(request, security::AclOperation::kDescribe, security::AclResourceType::kGroup, id)) {
      GroupDescription refused;
      refused.group_id = std::string(id);
      refused.error_code = KafkaError::kGroupAuthorizationFailed;
      descriptions.push_back(std::move(refused));
      continue;
    }
    GroupDescription d = groups_->describe(id);
    if (d.error_code == KafkaError::kGroupIdNotFound) {
      // Before v6 an unknown group is no error: state "Dead", everything else empty (KafkaJS
      // and librdkafka read it that way).
      d.error_code = KafkaError::kNone;
      d.state = offsets_->has_group(id) ? kEmptyState : kDeadState;
    }
    descriptions.push_back(std::move(d));
  }
  protocol::DescribeGroupsResponse response;
  for (const GroupDescription& d : descriptions) {
    protocol::DescribedGroup& g = response.groups.emplace_back();
    g.error_code = d.error_code;
    g.group_id = d.group_id;
    g.group_state = d.state;
    g.protocol_type = d.protocol_type;
    g.protocol_data = d.protocol_name;
    // What Kafka lists for a group (READ, DESCRIBE, DELETE; bits 3, 8, 6) that the principal may do.
    if (r.include_authorized_operations) {
      g.authorized_operations = 0;
      for (const auto op :
           {security::AclOperation::kRead, security::AclOperation::kDescribe, security::AclOperation::kDelete})
        if (authorized(request, op, security::AclResourceType::kGroup, d.group_id))
          g.authorized_operations |= 1 << static_cast<int>(op);
    }
    for (const GroupMemberDescription& m : d.members) {
      g.members.push_back({m.member_id, m.group_instance_id, m.client_id, m.client_host, m.metadata, m.assignment});
    }
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_describe_groups_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_delete_groups(const Request& request, const protocol::RequestHeader& h,
                                       const protocol::DeleteGroupsRequest& r, ResponseSlot slot) {
  protocol::DeleteGroupsResponse response;
  for (std::string_view id : r.groups) {
    if (!authorized(request, security::AclOperation::kDelete, security::AclResourceType::kGroup, id)) {
      response.results.push_back({id, KafkaError::kGroupAuthorizationFailed});
      continue;
    }
    KafkaError error = groups_->delete_group(id);
    const bool offsets_only = error == KafkaError::kGroupIdNotFound && offsets_->has_group(id);
    if (error == KafkaError::kNone || offsets_only) {
      error = KafkaError::kNone;
      if (auto s = offsets_->delete_group(id); !s) {
        spdlog::warn("DeleteGroups {}: deleting its committed offsets failed: {}", id, s.error().message);
        error = kafka_error_for(s.error());
      }
    }
    response.results.push_back({id, error});
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_delete_groups_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_offset_delete(const Request& request, const protocol::RequestHeader& h,
                                       const protocol::OffsetDeleteRequest& r, ResponseSlot slot) {
  protocol::OffsetDeleteResponse response;
  auto answer = [&] {
    respond(slot, [&](protocol::Writer& w) {
      return protocol::encode_offset_delete_response(h.api_version, h.correlation_id, response, w);
    });
  };
  const GroupDescription group = groups_->describe(r.group_id);
  const bool known_to_coordinator = group.error_code == KafkaError::kNone;
  if (group.error_code != KafkaError::kNone && group.error_code != KafkaError::kGroupIdNotFound) {
    response.error_code = group.error_code;
    return answer();
  }
  if (!known_to_coordinator && !offsets_->has_group(r.group_id)) {
    response.error_code = KafkaError::kGroupIdNotFound;
    return answer();
  }
  // As Kafka: an Empty group loses any offset; a consumer group keeps those of topics its
  // members subscribe to (all of them when a subscription could not be read); any other
  // group with members refuses as a whole.
  const bool empty = !known_to_coordinator || group.state == kEmptyState;
  if (!empty && group.protocol_type != "consumer") {
    response.error_code = KafkaError::kNonEmptyGroup;
    return answer();
  }
  auto subscribed = [&](std::string_view topic) {
    if (empty) return false;
    if (!group.subscribed_topics) return true;
    return std::ranges::binary_search(*group.subscribed_topics, topic, std::less<>{});
  };
  auto snapshot = topics_->snapshot();
  std::vector<TopicPartitionName> deletable;
  std::vector<protocol::OffsetDeletePartitionResult*> deleted_results;
  for (const auto& topic : r.topics) {
    protocol::OffsetDeleteTopicResult& t = response.topics.emplace_back();
    t.name = topic.name;
    t.partitions.reserve(topic.partitions.size());
  }
  for (size_t i = 0; i < r.topics.size(); ++i) {
    const auto& topic = r.topics[i];
    const TopicInfo* info = snapshot->find(topic.name);
    for (int32_t partition : topic.partitions) {
      protocol::OffsetDeletePartitionResult& p = response.topics[i].partitions.emplace_back();
      p.partition_index = partition;
      if (!authorized(request, security::AclOperation::kRead, security::AclResourceType::kTopic, topic.name)) {
        p.error_code = KafkaError::kTopicAuthorizationFailed;
      } else if (info == nullptr || !info->queue_id(partition)) {
        p.error_code = KafkaError::kUnknownTopicOrPartition;
      } else if (subscribed(topic.name)) {
        p.error_code = KafkaError::kGroupSubscribedToTopic;
      } else {
        deletable.push_back({std::string(topic.name), partition});
        deleted_results.push_back(&p);
      }
    }
  }
  if (auto s = offsets_->delete_offsets(r.group_id, deletable); !s) {
    spdlog::warn("OffsetDelete {}: {}", r.group_id, s.error().message);
    for (auto* p : deleted_results) p->error_code = kafka_error_for(s.error());
  }
  answer();
}

}  // namespace ringmq::broker::kafka
