#include "broker/kafka/topic_config.h"

#include <charconv>

namespace ringmq::broker::kafka {
namespace {

constexpr std::string_view kCleanupPolicy = "cleanup.policy";
constexpr std::string_view kRetentionMs = "retention.ms";
constexpr std::string_view kRetentionBytes = "retention.bytes";
constexpr std::string_view kMaxMessageBytes = "max.message.bytes";

std::optional<int64_t> parse_long(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Where a broker-level value comes from: the config file if it differs from the built-in one.
int8_t broker_source(bool differs_from_default) { return differs_from_default ? kSourceStaticBroker : kSourceDefault; }

}  // namespace

std::optional<std::string> TopicConfigRules::check(std::string_view name, std::optional<std::string_view> value) const {
  // Strings are built only for a message: a valid value allocates nothing (produce checks the
  // topic's max.message.bytes on every request).
  if (name != kCleanupPolicy && name != kRetentionMs && name != kRetentionBytes && name != kMaxMessageBytes)
    return "unknown or unsupported topic setting '" + std::string(name) +
           "' (RingMQ honours cleanup.policy, retention.ms, retention.bytes, max.message.bytes)";
  if (!value) return std::nullopt;  // unset: back to the broker's value
  if (name == kCleanupPolicy) {
    if (*value == "delete") return std::nullopt;
    return "cleanup.policy=" + std::string(*value) +
           " is not supported: RingMQ keeps one shared commit log and never compacts it; use delete";
  }
  auto number = parse_long(*value);
  if (!number) return std::string(name) + "=" + std::string(*value) + " is not a whole number";
  if (name == kRetentionMs) {
    const auto broker_ms = static_cast<int64_t>(config_.engine.retention_ms);
    if (*number < -1 || *number > broker_ms)
      return "retention.ms=" + std::to_string(*number) + " must be -1 (the broker's retention) or lie in [0, " +
             std::to_string(broker_ms) +
             "]: the shared commit log deletes segments at the broker's retention (engine.retention_ms)";
  } else if (name == kRetentionBytes) {
    if (*number < -1) return "retention.bytes must be -1 (no limit) or a size in bytes";
  } else {
    const auto limit = static_cast<int64_t>(config_.engine.max_record_bytes);
    if (*number <= 0 || *number > limit)
      return "max.message.bytes=" + std::to_string(*number) + " must lie in [1, " + std::to_string(limit) +
             "] (engine.max_record_bytes)";
  }
  return std::nullopt;
}

std::optional<std::string> TopicConfigRules::check_all(const std::map<std::string, std::string>& overrides) const {
  for (const auto& [name, value] : overrides)
    if (auto problem = check(name, value)) return problem;
  return std::nullopt;
}

TopicSettings TopicConfigRules::settings(const std::map<std::string, std::string>& overrides) const {
  TopicSettings s;
  s.max_message_bytes = static_cast<int64_t>(config_.engine.max_record_bytes);
  // Static keys: a lookup allocates nothing (produce calls this for every request).
  static const std::string kRetentionMsKey(kRetentionMs), kRetentionBytesKey(kRetentionBytes),
      kMaxMessageBytesKey(kMaxMessageBytes);
  // A stored value that fails today's checks (a topic created before they existed) counts as
  // unset: it must never delete data or lift the size limit.
  auto number = [&](const std::string& key) -> std::optional<int64_t> {
    if (overrides.empty()) return std::nullopt;
    auto it = overrides.find(key);
    if (it == overrides.end() || check(it->first, it->second)) return std::nullopt;
    return parse_long(it->second);
  };
  if (auto v = number(kRetentionMsKey); v && *v >= 0) s.retention_ms = *v, s.retention_ms_set = true;
  if (auto v = number(kRetentionBytesKey)) s.retention_bytes = *v;
  if (auto v = number(kMaxMessageBytesKey)) s.max_message_bytes = *v;
  return s;
}

std::vector<ConfigEntry> TopicConfigRules::describe_broker() const {
  static const BrokerConfig defaults;
  const auto& e = config_.engine;
  const auto& d = defaults.engine;
  auto entry = [](std::string name, std::string value, int8_t source) {
    ConfigEntry c{std::move(name), std::move(value), source, /*read_only=*/true, {}};
    c.synonyms.push_back({c.name, c.value, c.source});
    return c;
  };
  return {
      entry("broker.id", std::to_string(config_.server.node_id),
            broker_source(config_.server.node_id != defaults.server.node_id)),
      entry("log.retention.ms", std::to_string(e.retention_ms), broker_source(e.retention_ms != d.retention_ms)),
      entry("log.retention.bytes", e.retention_bytes == 0 ? "-1" : std::to_string(e.retention_bytes),
            broker_source(e.retention_bytes != d.retention_bytes)),
      entry("log.segment.bytes", std::to_string(e.segment_bytes), broker_source(e.segment_bytes != d.segment_bytes)),
      entry("message.max.bytes", std::to_string(e.max_record_bytes),
            broker_source(e.max_record_bytes != d.max_record_bytes)),
      entry("num.partitions", std::to_string(config_.topics.default_partitions),
            broker_source(config_.topics.default_partitions != defaults.topics.default_partitions)),
      entry("auto.create.topics.enable", config_.topics.auto_create ? "true" : "false",
            broker_source(config_.topics.auto_create != defaults.topics.auto_create)),
  };
}

std::vector<ConfigEntry> TopicConfigRules::describe_topic(const std::map<std::string, std::string>& overrides) const {
  std::map<std::string, ConfigEntry> broker;
  for (ConfigEntry& c : describe_broker()) broker.emplace(c.name, std::move(c));
  // Each topic setting: the override if any, then what it falls back to.
  auto entry = [&](std::string_view name, const ConfigEntry* fallback, std::string built_in) {
    ConfigEntry c;
    c.name = std::string(name);
    if (auto it = overrides.find(c.name); it != overrides.end()) {
      c.value = it->second;
      c.source = kSourceTopic;
      c.synonyms.push_back({c.name, c.value, kSourceTopic});
    } else if (fallback) {
      c.value = fallback->value;
      c.source = fallback->source;
    } else {
      c.value = std::move(built_in);
      c.source = kSourceDefault;
    }
    if (fallback) c.synonyms.push_back(fallback->synonyms.front());
    return c;
  };
  return {
      entry(kCleanupPolicy, nullptr, "delete"),
      entry(kRetentionMs, &broker.at("log.retention.ms"), ""),
      entry(kRetentionBytes, nullptr, "-1"),
      entry(kMaxMessageBytes, &broker.at("message.max.bytes"), ""),
  };
}

}  // namespace ringmq::broker::kafka
