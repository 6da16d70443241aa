#include "broker/kafka/topic_config.h"

#include <algorithm>
#include <charconv>
#include <set>

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

using protocol::ConfigType;

// What DescribeConfigs v3+ says of each setting.
struct SettingInfo {
  std::string_view name;
  ConfigType type;
  std::string_view documentation;
};

constexpr SettingInfo kSettings[] = {
    {kCleanupPolicy, ConfigType::kList,
     "What happens to old records: only \"delete\" (RingMQ's shared commit log is never compacted)."},
    {kRetentionMs, ConfigType::kLong,
     "Records older than this many milliseconds are no longer served (longer or shorter than the broker's "
     "log.retention.ms); -1 keeps them forever."},
    {kRetentionBytes, ConfigType::kLong,
     "Each partition keeps at most its newest this many bytes; -1 means no size limit."},
    {kMaxMessageBytes, ConfigType::kInt,
     "The largest record batch a producer may send to this topic, at most the broker's message.max.bytes."},
    {"broker.id", ConfigType::kInt, "This broker's node id (server.node_id)."},
    {"log.retention.ms", ConfigType::kLong,
     "The retention of topics without their own retention.ms (engine.retention_ms)."},
    {"log.retention.bytes", ConfigType::kLong, "The commit log's size limit (engine.retention_bytes); -1 means none."},
    {"log.segment.bytes", ConfigType::kInt, "The size of each commit-log segment file (engine.segment_bytes)."},
    {"message.max.bytes", ConfigType::kInt, "The largest record batch the broker accepts (engine.max_record_bytes)."},
    {"num.partitions", ConfigType::kInt, "Partitions of an auto-created topic (topics.default_partitions)."},
    {"auto.create.topics.enable", ConfigType::kBoolean,
     "Whether producing to or asking metadata of an unknown topic creates it (topics.auto_create)."},
};

const SettingInfo* setting_info(std::string_view name) {
  for (const SettingInfo& s : kSettings)
    if (s.name == name) return &s;
  return nullptr;
}

// Fills in the type and documentation of each entry.
std::vector<ConfigEntry> with_info(std::vector<ConfigEntry> entries) {
  for (ConfigEntry& e : entries) {
    if (const SettingInfo* info = setting_info(e.name)) {
      e.type = info->type;
      e.documentation = std::string(info->documentation);
    }
  }
  return entries;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
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
    if (*number < -1) return "retention.ms must be -1 (keep forever) or a number of milliseconds";
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
  s.retention_ms = static_cast<int64_t>(config_.engine.retention_ms);
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
  if (auto v = number(kRetentionMsKey)) s.retention_ms = *v, s.retention_ms_set = true;
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
  return with_info({
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
  });
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
  return with_info({
      entry(kCleanupPolicy, nullptr, "delete"),
      entry(kRetentionMs, &broker.at("log.retention.ms"), ""),
      entry(kRetentionBytes, nullptr, "-1"),
      entry(kMaxMessageBytes, &broker.at("message.max.bytes"), ""),
  });
}

TopicResult<std::map<std::string, std::string>> TopicConfigRules::apply_operations(
    std::map<std::string, std::string> overrides,
    std::span<const protocol::IncrementalAlterableConfig> operations) const {
  using protocol::ConfigOperation;
  auto refuse = [](protocol::KafkaError code, std::string message) {
    return std::unexpected(TopicError{static_cast<int16_t>(code), std::move(message)});
  };
  std::set<std::string_view> seen;
  for (const auto& op : operations) {
    if (!seen.insert(op.name).second)
      return refuse(protocol::KafkaError::kInvalidRequest,
                    "'" + std::string(op.name) + "' appears twice in one request");
  }
  for (const auto& op : operations) {
    const std::string name(op.name);
    const auto kind = static_cast<ConfigOperation>(op.operation);
    if (op.operation < 0 || op.operation > static_cast<int8_t>(ConfigOperation::kSubtract))
      return refuse(protocol::KafkaError::kInvalidRequest, "unknown config operation " + std::to_string(op.operation) +
                                                               " for '" + name +
                                                               "' (0 set, 1 delete, 2 append, 3 subtract)");
    if (!op.value && kind != ConfigOperation::kDelete)
      return refuse(protocol::KafkaError::kInvalidRequest, "a null value is only allowed with delete ('" + name + "')");
    if (auto problem = check(name, std::nullopt)) return refuse(protocol::KafkaError::kInvalidConfig, *problem);
    if (kind == ConfigOperation::kSet) {
      overrides[name] = std::string(*op.value);
    } else if (kind == ConfigOperation::kDelete) {
      overrides.erase(name);
    } else {
      const SettingInfo* info = setting_info(name);
      if (!info || info->type != ConfigType::kList)
        return refuse(protocol::KafkaError::kInvalidConfig,
                      std::string(kind == ConfigOperation::kAppend ? "append" : "subtract") +
                          " only applies to list settings, and '" + name + "' is not one");
      // The current list: the override, else the default ("delete" is cleanup.policy's).
      auto it = overrides.find(name);
      std::vector<std::string> items = split_list(it != overrides.end() ? std::string_view(it->second) : "delete");
      for (const std::string& item : split_list(*op.value)) {
        auto found = std::ranges::find(items, item);
        if (kind == ConfigOperation::kAppend && found == items.end()) items.push_back(item);
        if (kind == ConfigOperation::kSubtract && found != items.end()) items.erase(found);
      }
      overrides[name] = join_list(items);
    }
  }
  if (auto problem = check_all(overrides)) return refuse(protocol::KafkaError::kInvalidConfig, *problem);
  return overrides;
}

}  // namespace ringmq::broker::kafka
