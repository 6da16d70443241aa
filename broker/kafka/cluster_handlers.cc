// The cluster as a client asks after it: DescribeCluster (the brokers and the controller),
// DescribeLogDirs (where each partition's data is and how large it is) and
// OffsetForLeaderEpoch (where a leader epoch ended, for a consumer checking for truncation).
// A standalone broker is the whole cluster, its own controller, with one data directory; in a
// broker cluster every live broker is listed and the group's leader is the controller.
#include <spdlog/spdlog.h>

#include <filesystem>

#include "broker/kafka/kafka_router.h"
#include "broker/kafka/leader_epochs.h"
#include "io/file.h"

namespace ringmq::broker::kafka {

using protocol::KafkaError;

namespace {

// AclOperation codes a cluster supports (Kafka's AclEntry.supportedOperations(CLUSTER)):
// ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11,
// IDEMPOTENT_WRITE 12, CREATE 5. With no authorizer every principal may do all of them.
constexpr int32_t kClusterOperations = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

}  // namespace

void KafkaRouter::handle_describe_cluster(const Request& request, const protocol::RequestHeader& h,
                                          const protocol::DescribeClusterRequest& r, ResponseSlot slot) {
  protocol::DescribeClusterResponse response;
  response.endpoint_type = r.endpoint_type;
  std::string message;
  GroupPlacement placement;  // the brokers point into it
  if (r.endpoint_type != protocol::kEndpointBrokers) {
    // Kafka: v0 can only say INVALID_REQUEST; v1 names what is wrong. A broker listener has
    // no controller endpoints to describe.
    const bool known = r.endpoint_type == protocol::kEndpointControllers;
    response.error_code = h.api_version == 0 ? KafkaError::kInvalidRequest
                          : known            ? KafkaError::kMismatchedEndpointType
                                             : KafkaError::kUnsupportedEndpointType;
    message = known ? "this is a broker endpoint; RingMQ has no separate controller endpoints"
                    : "unknown endpoint type " + std::to_string(r.endpoint_type) + " (1 brokers, 2 controllers)";
    response.error_message = message;
  } else {
    response.cluster_id = kClusterId;
    const AdvertisedListener& endpoint = advertised_endpoint(request);
    response.brokers.push_back(
        {context_.config.server.node_id, endpoint.host, static_cast<int32_t>(endpoint.port), std::nullopt});
    placement = role_.placement();
    response.controller_id = placement.controller_id;
    for (const PeerBroker& peer : placement.peers)
      response.brokers.push_back({peer.node_id, peer.host, peer.port, std::nullopt});
    if (r.include_cluster_authorized_operations) {
      // Kafka's cluster operations, those the principal may do.
      response.cluster_authorized_operations = 0;
      for (int op = 0; op < 31; ++op)
        if ((kClusterOperations & (1 << op)) != 0 &&
            authorized_on_cluster(request, static_cast<security::AclOperation>(op)))
          response.cluster_authorized_operations |= 1 << op;
    }
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_describe_cluster_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_describe_log_dirs(const protocol::RequestHeader& h, const protocol::DescribeLogDirsRequest& r,
                                           ResponseSlot slot) {
  // One log directory: the engine's data directory, holding every partition. Sizes count the
  // records each partition still serves (its share of the shared commit log). Partitions and
  // topics that do not exist are left out, as Kafka leaves out replicas it does not host.
  protocol::DescribeLogDirsResponse response;
  std::error_code ec;
  const std::string log_dir = std::filesystem::absolute(context_.config.engine.data_dir, ec).lexically_normal();
  protocol::DescribeLogDirsResult& dir = response.results.emplace_back();
  dir.log_dir = log_dir;
  if (auto usage = io::disk_usage(log_dir)) {
    dir.total_bytes = static_cast<int64_t>(usage->total_bytes);
    dir.usable_bytes = static_cast<int64_t>(usage->available_bytes);
  } else {
    spdlog::warn("DescribeLogDirs: {}", usage.error().message);
  }

  auto snapshot = topics_->snapshot();
  auto add = [&](const TopicInfo& topic, std::span<const int32_t> partitions) {
    protocol::DescribeLogDirsTopicResult t;
    t.name = topic.name;
    auto add_partition = [&](int32_t p) {
      auto queue = topic.queue_id(p);
      if (!queue) return;
      auto bytes = context_.store.queue_bytes(*queue);
      t.partitions.push_back({.partition_index = p, .partition_size = bytes ? static_cast<int64_t>(*bytes) : 0});
    };
    if (partitions.empty() && r.all_topics) {
      for (int32_t p = 0; p < topic.partition_count(); ++p) add_partition(p);
    } else {
      for (int32_t p : partitions) add_partition(p);
    }
    if (!t.partitions.empty()) dir.topics.push_back(std::move(t));
  };
  std::vector<std::shared_ptr<const TopicInfo>> keep;  // the views above point into these
  if (r.all_topics) {
    keep = topics_->list();
    for (const auto& topic : keep) add(*topic, {});
  } else {
    for (const auto& wanted : r.topics) {
      if (auto topic = snapshot->find_shared(wanted.topic)) {
        keep.push_back(topic);
        add(*topic, wanted.partitions);
      }
    }
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_describe_log_dirs_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_offset_for_leader_epoch(const Request& request, const protocol::RequestHeader& h,
                                                 const protocol::OffsetForLeaderEpochRequest& r, ResponseSlot slot) {
  protocol::OffsetForLeaderEpochResponse response;
  auto snapshot = topics_->snapshot();
  const int32_t current_epoch = role_.leader_epoch();
  for (const auto& topic : r.topics) {
    protocol::OffsetForLeaderTopicResult& t = response.topics.emplace_back();
    t.topic = topic.topic;
    const TopicInfo* info = snapshot->find(topic.topic);
    const bool may_describe =
        authorized(request, security::AclOperation::kDescribe, security::AclResourceType::kTopic, topic.topic);
    for (const auto& p : topic.partitions) {
      protocol::EpochEndOffset& out = t.partitions.emplace_back();
      out.partition = p.partition;
      auto queue = info ? info->queue_id(p.partition) : std::nullopt;
      if (!may_describe) {
        out.error_code = KafkaError::kTopicAuthorizationFailed;
      } else if (!queue) {
        out.error_code = KafkaError::kUnknownTopicOrPartition;
      } else if (p.current_leader_epoch > current_epoch) {
        out.error_code = KafkaError::kUnknownLeaderEpoch;  // the client knows a newer leader than this
      } else if (p.current_leader_epoch != protocol::kUndefinedEpoch && p.current_leader_epoch < current_epoch) {
        out.error_code = KafkaError::kFencedLeaderEpoch;
      } else {
        const auto range = context_.store.queue_range(*queue).value_or(engine::QueueRange{});
        const EpochEnd end =
            end_offset_in_unsplit_log(current_epoch, p.leader_epoch, static_cast<int64_t>(range.next_offset.value()));
        out.leader_epoch = end.epoch;
        out.end_offset = end.end_offset;
      }
    }
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_offset_for_leader_epoch_response(h.api_version, h.correlation_id, response, w);
  });
}

}  // namespace ringmq::broker::kafka
