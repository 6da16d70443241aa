// The per-topic settings RingMQ honours, and the broker-level values they fall back to:
//   cleanup.policy     only "delete" (one shared commit log is never compacted)
//   retention.ms       a partition's records older than this are no longer served, shorter or
//                      longer than the broker's engine.retention_ms (the default); -1 keeps
//                      them forever. A longer one holds back the deletion of the shared
//                      commit log's segments (engine: retention_by_queue_floor)
//   retention.bytes    a partition keeps at most its newest this many bytes (-1: no limit)
//   max.message.bytes  the largest batch a producer may send to the topic, at most the
//                      engine's max_record_bytes
// Anything else is refused (INVALID_CONFIG), never accepted and ignored. Values are validated
// here, stored as strings in the topic registry, and read back as TopicSettings.
// DescribeConfigs reports each value with its source as Kafka does: 1 (DYNAMIC_TOPIC_CONFIG)
// for a topic override, 4 (STATIC_BROKER_CONFIG) for a value from the broker's config, 5
// (DEFAULT_CONFIG) for a built-in default.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/kafka/topic_registry_types.h"
#include "broker/protocol/config_admin.h"
#include "broker/server/broker_config.h"

namespace ringmq::broker::kafka {

inline constexpr int8_t kSourceTopic = 1;
inline constexpr int8_t kSourceStaticBroker = 4;
inline constexpr int8_t kSourceDefault = 5;

// What a topic's overrides amount to, every field resolved.
struct TopicSettings {
  int64_t retention_ms = -1;      // the topic's, else the broker's; -1: forever
  int64_t retention_bytes = -1;   // -1: no per-partition size limit
  int64_t max_message_bytes = 0;  // largest batch accepted
  bool retention_ms_set = false;  // the topic overrides retention.ms
};

struct ConfigSynonym {
  std::string name;
  std::string value;
  int8_t source = kSourceDefault;
};

// One line of DescribeConfigs.
struct ConfigEntry {
  std::string name;
  std::string value;
  int8_t source = kSourceDefault;
  bool read_only = false;
  std::vector<ConfigSynonym> synonyms;  // where the value comes from, most specific first
  protocol::ConfigType type = protocol::ConfigType::kUnknown;
  std::string documentation;
};

class TopicConfigRules {
 public:
  explicit TopicConfigRules(const BrokerConfig& config) : config_(config) {}

  // Why `name=value` cannot be a topic setting, or nothing. A null value means "unset".
  std::optional<std::string> check(std::string_view name, std::optional<std::string_view> value) const;
  // The first problem among `overrides`, or nothing.
  std::optional<std::string> check_all(const std::map<std::string, std::string>& overrides) const;
  // IncrementalAlterConfigs: `overrides` after the operations in order (set, delete, append to
  // or subtract from a list setting), each checked, as Kafka's errors: INVALID_REQUEST for a
  // repeated name, an unknown operation or a missing value; INVALID_CONFIG for the rest.
  TopicResult<std::map<std::string, std::string>> apply_operations(
      std::map<std::string, std::string> overrides,
      std::span<const protocol::IncrementalAlterableConfig> operations) const;
  // Stored values that fail check() (written before it existed) count as unset.
  TopicSettings settings(const std::map<std::string, std::string>& overrides) const;
  // Every topic setting with its value and source (overrides win).
  std::vector<ConfigEntry> describe_topic(const std::map<std::string, std::string>& overrides) const;
  // The broker's settings that topics inherit, and a few more an operator asks for; all
  // static (they come from the config file).
  std::vector<ConfigEntry> describe_broker() const;

 private:
  const BrokerConfig& config_;
};

}  // namespace ringmq::broker::kafka
