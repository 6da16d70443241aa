// The plain values TopicRegistry hands out: a topic's description, its id, and the Kafka
// error a failed create or delete maps to. No wire codec here: handlers copy these into
// whatever response structs the protocol layer defines.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringmq::broker::kafka {

// Engine queue 0 is the broker's own (OffsetStore's committed offsets); topics start at 1.
inline constexpr uint32_t kFirstTopicQueueId = 1;
// Kafka's limit (Topic.MAX_NAME_LENGTH).
inline constexpr size_t kMaxTopicNameLength = 249;

// Kafka error codes (org.apache.kafka.common.protocol.Errors) the registry answers with.
// Same numbers as broker/protocol's KafkaError; kept here so this layer stays codec-free.
namespace topic_error {
inline constexpr int16_t kUnknownServerError = -1;
inline constexpr int16_t kUnknownTopicOrPartition = 3;
inline constexpr int16_t kInvalidTopic = 17;
inline constexpr int16_t kTopicAlreadyExists = 36;
inline constexpr int16_t kInvalidPartitions = 37;
inline constexpr int16_t kInvalidConfig = 40;
inline constexpr int16_t kPolicyViolation = 44;
}  // namespace topic_error

// A Kafka topic id: a random (version 4) UUID, 16 bytes in wire order.
using TopicId = std::array<uint8_t, 16>;
// Kafka's text form (Uuid.toString): URL-safe base64 without padding, 22 characters.
std::string topic_id_to_string(const TopicId& id);

struct TopicInfo {
  std::string name;
  TopicId topic_id{};
  std::vector<uint32_t> queue_ids;             // partition p is stored in engine queue queue_ids[p]
  std::map<std::string, std::string> configs;  // topic settings (topic_config.h says which)
  int64_t created_at_ms = 0;

  int32_t partition_count() const { return static_cast<int32_t>(queue_ids.size()); }
  std::optional<uint32_t> queue_id(int32_t partition) const {
    if (partition < 0 || partition >= partition_count()) return std::nullopt;
    return queue_ids[static_cast<size_t>(partition)];
  }
};

// Why a create / delete / add_partitions failed: the Kafka code to answer with and a
// message for the response's error_message field and the log.
struct TopicError {
  int16_t error_code = topic_error::kUnknownServerError;
  std::string message;
};
template <typename T>
using TopicResult = std::expected<T, TopicError>;

// Kafka's rules: 1..249 characters of [a-zA-Z0-9._-], not "." or "..". nullopt if legal,
// otherwise INVALID_TOPIC_EXCEPTION with the reason.
std::optional<TopicError> validate_topic_name(std::string_view name);

}  // namespace ringmq::broker::kafka
