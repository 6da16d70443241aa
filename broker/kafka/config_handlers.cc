// Topic and broker settings: DescribeConfigs, AlterConfigs, IncrementalAlterConfigs, and the
// per-topic retention that the maintenance round enforces. Which settings exist and how they are checked is
// topic_config.h; here they meet the wire and the engine.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "broker/kafka/kafka_router.h"

namespace ringmq::broker::kafka {

using protocol::KafkaError;

namespace {

// Why a resource's settings cannot be changed, before its values are looked at: broker
// settings come from the config file, and only topics and the broker have settings.
std::optional<TopicError> unalterable(int8_t resource_type, std::string_view resource_name,
                                      const TopicRegistry& topics) {
  if (resource_type == protocol::kResourceBroker)
    return TopicError{static_cast<int16_t>(KafkaError::kInvalidRequest),
                      "broker settings are static: change them in the config file and restart"};
  if (resource_type != protocol::kResourceTopic)
    return TopicError{static_cast<int16_t>(KafkaError::kInvalidRequest),
                      "resource type " + std::to_string(resource_type) + " has no settings here (2 topic, 4 broker)"};
  if (!topics.find(resource_name))
    return TopicError{static_cast<int16_t>(KafkaError::kUnknownTopicOrPartition),
                      "topic '" + std::string(resource_name) + "' does not exist"};
  return std::nullopt;
}

}  // namespace

void KafkaRouter::handle_describe_configs(const Request& request, const protocol::RequestHeader& h,
                                          const protocol::DescribeConfigsRequest& r, ResponseSlot slot) {
  // The entries and messages the response's views point into.
  std::vector<std::vector<ConfigEntry>> entries;
  std::vector<std::string> messages;
  entries.reserve(r.resources.size());
  messages.reserve(r.resources.size());
  protocol::DescribeConfigsResponse response;
  auto snapshot = topics_->snapshot();
  const std::string node = std::to_string(context_.config.server.node_id);
  for (const auto& resource : r.resources) {
    protocol::DescribeConfigsResult& result = response.results.emplace_back();
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    std::vector<ConfigEntry>& found = entries.emplace_back();
    if (auto refused = config_access_refusal(request, security::AclOperation::kDescribeConfigs, resource.resource_type,
                                             resource.resource_name)) {
      result.error_code = static_cast<KafkaError>(refused->error_code);
      messages.push_back(std::move(refused->message));
    } else if (resource.resource_type == protocol::kResourceTopic) {
      if (const TopicInfo* topic = snapshot->find(resource.resource_name)) {
        found = config_rules_.describe_topic(topic->configs);
      } else {
        result.error_code = KafkaError::kUnknownTopicOrPartition;
        messages.push_back("topic '" + std::string(resource.resource_name) + "' does not exist");
      }
    } else if (resource.resource_type == protocol::kResourceBroker) {
      if (resource.resource_name.empty() || resource.resource_name == node) {
        found = config_rules_.describe_broker();
      } else {
        result.error_code = KafkaError::kInvalidRequest;
        messages.push_back("this is broker " + node + ", not " + std::string(resource.resource_name));
      }
    } else {
      result.error_code = KafkaError::kInvalidRequest;
      messages.push_back("resource type " + std::to_string(resource.resource_type) +
                         " has no settings here (2 topic, 4 broker)");
    }
    if (result.error_code != KafkaError::kNone) {
      result.error_message = messages.back();
      continue;
    }
    for (const ConfigEntry& e : found) {
      if (!resource.all_keys && std::ranges::find(resource.keys, e.name) == resource.keys.end()) continue;
      protocol::DescribeConfigsEntry& out = result.configs.emplace_back();
      out.name = e.name;
      out.value = e.value;
      out.read_only = e.read_only;
      out.config_source = e.source;
      out.config_type = e.type;
      if (r.include_documentation) out.documentation = e.documentation;
      if (r.include_synonyms)
        for (const ConfigSynonym& s : e.synonyms) out.synonyms.push_back({s.name, s.value, s.source});
    }
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_describe_configs_response(h.api_version, h.correlation_id, response, w);
  });
}

std::optional<TopicError> KafkaRouter::config_access_refusal(const Request& request, security::AclOperation operation,
                                                             int8_t resource_type,
                                                             std::string_view resource_name) const {
  if (resource_type == protocol::kResourceTopic &&
      !authorized(request, operation, security::AclResourceType::kTopic, resource_name))
    return TopicError{static_cast<int16_t>(KafkaError::kTopicAuthorizationFailed),
                      "not authorized for the settings of topic " + std::string(resource_name)};
  if (resource_type == protocol::kResourceBroker && !authorized_on_cluster(request, operation))
    return TopicError{static_cast<int16_t>(KafkaError::kClusterAuthorizationFailed),
                      "not authorized for the broker's settings"};
  return std::nullopt;
}

template <typename Resource, typename NewSettings>
protocol::AlterConfigsResponse KafkaRouter::alter_topic_settings(const Request& request,
                                                                 const std::vector<Resource>& resources,
                                                                 bool validate_only, std::string_view api,
                                                                 std::vector<std::string>& messages,
                                                                 NewSettings new_settings) {
  protocol::AlterConfigsResponse response;
  messages.reserve(resources.size());
  for (const auto& resource : resources) {
    protocol::AlterConfigsResult& result = response.responses.emplace_back();
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    // Serialised: each change is a read-modify-write of the topic's registry entry.
    std::unique_lock lock(config_change_mutex_);
    std::optional<TopicError> error = config_access_refusal(request, security::AclOperation::kAlterConfigs,
                                                            resource.resource_type, resource.resource_name);
    if (!error) error = unalterable(resource.resource_type, resource.resource_name, *topics_);
    // One lookup: a DeleteTopics on another network thread may remove it meanwhile.
    auto topic = error ? nullptr : topics_->find(resource.resource_name);
    if (!error && !topic)
      error = TopicError{static_cast<int16_t>(KafkaError::kUnknownTopicOrPartition),
                         "topic '" + std::string(resource.resource_name) + "' does not exist"};
    if (!error) {
      auto settings = new_settings(resource, *topic);
      if (!settings) {
        error = settings.error();
      } else if (!validate_only) {
        if (auto changed = topics_->set_configs(resource.resource_name, std::move(*settings)); !changed)
          error = changed.error();
        else
          spdlog::info("topic {}: settings changed by {}", resource.resource_name, api);
      }
    }
    lock.unlock();
    if (error) {
      result.error_code = static_cast<KafkaError>(error->error_code);
      messages.push_back(error->message);
      result.error_message = messages.back();
    }
  }
  return response;
}

void KafkaRouter::handle_alter_configs(const Request& request, const protocol::RequestHeader& h,
                                       const protocol::AlterConfigsRequest& r, ResponseSlot slot) {
  // AlterConfigs replaces a topic's settings as a whole: what the request leaves out goes back
  // to the broker's value.
  std::vector<std::string> messages;
  auto response = alter_topic_settings(
      request, r.resources, r.validate_only, "AlterConfigs", messages,
      [&](const auto& resource, const TopicInfo&) -> TopicResult<std::map<std::string, std::string>> {
        std::map<std::string, std::string> configs;
        for (const auto& c : resource.configs) {
          if (auto problem = config_rules_.check(c.name, c.value))
            return std::unexpected(TopicError{static_cast<int16_t>(KafkaError::kInvalidConfig), *problem});
          if (c.value) configs[std::string(c.name)] = std::string(*c.value);
        }
        return configs;
      });
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_alter_configs_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_incremental_alter_configs(const Request& request, const protocol::RequestHeader& h,
                                                   const protocol::IncrementalAlterConfigsRequest& r,
                                                   ResponseSlot slot) {
  // Each topic's operations apply to its stored settings, all or none.
  std::vector<std::string> messages;
  auto response = alter_topic_settings(request, r.resources, r.validate_only, "IncrementalAlterConfigs", messages,
                                       [&](const auto& resource, const TopicInfo& topic) {
                                         return config_rules_.apply_operations(topic.configs, resource.configs);
                                       });
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_incremental_alter_configs_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::enforce_topic_retention(int64_t now_ms) {
  // Topics with their own retention.ms / retention.bytes have each partition's start moved by
  // it. Topics that keep records longer than engine.retention_ms (or forever) also hold back
  // the engine's segment deletion: the floor is the lowest commit-log position one of their
  // partitions still serves. Everything else expires with the segments at engine.retention_ms
  // (by the time the broker stored it, so a producer's future timestamps cannot hold the log
  // back); its records in a segment held back stay readable until the segment goes.
  const auto broker_ms = static_cast<int64_t>(context_.config.engine.retention_ms);
  uint64_t floor = UINT64_MAX;
  for (const auto& topic : topics_->list()) {
    if (topic->configs.empty()) continue;
    const TopicSettings settings = config_rules_.settings(topic->configs);
    const bool longer = settings.retention_ms_set && (settings.retention_ms < 0 || settings.retention_ms > broker_ms);
    if (!settings.retention_ms_set && settings.retention_bytes < 0) continue;
    for (int32_t p = 0; p < topic->partition_count(); ++p) {
      const uint32_t queue = *topic->queue_id(p);
      auto range = context_.store.queue_range(queue);
      if (!range) continue;  // never written
      engine::QueueOffset start = range->start_offset;
      if (settings.retention_ms_set && settings.retention_ms >= 0) {
        // The first record batch whose newest record is recent enough stays, with all after it.
        auto kept = context_.store.offset_for_timestamp(queue, now_ms - settings.retention_ms);
        if (kept) start = std::max(start, *kept);
      }
      if (settings.retention_bytes >= 0) {
        auto kept = context_.store.offset_keeping_bytes(queue, static_cast<uint64_t>(settings.retention_bytes));
        if (kept) start = std::max(start, *kept);
      }
      if (start > range->start_offset) {
        if (auto moved = context_.store.delete_records_before(queue, start); !moved)
          spdlog::warn("retention of {}-{}: {}", topic->name, p, moved.error().message);
        else
          spdlog::debug("retention of {}-{}: start moved to {}", topic->name, p, engine::to_string(start));
      }
      if (!longer) continue;
      if (auto position = context_.store.queue_start_position(queue)) floor = std::min(floor, position->value());
    }
  }
  context_.store.set_retention_floor(engine::LogPosition(floor));
}

}  // namespace ringmq::broker::kafka
