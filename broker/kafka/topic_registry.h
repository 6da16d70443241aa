// TopicRegistry: the broker's topics — name, id, partitions, and the engine queue that stores
// each partition. Produce and fetch look topics up on every request, so readers take an
// immutable TopicSnapshot (one shared_ptr copy under a shared lock) and then look up as many
// partitions as they like without locking. create / add_partitions / delete_topic build a new
// snapshot, persist it to <data_dir>/topics (format: topic_registry_format.h) and swap it in;
// they are serialized among themselves, and a failed write changes nothing.
//
// Queue ids: 0 is reserved (OffsetStore's internal queue); topics get ids from a counter that
// starts at 1, only grows, and is persisted with the topics. A deleted topic's queues are
// retired forever, so a new topic of the same name can never show the old one's records.
// The engine caps ids at EngineConfig::max_queue_id; creating past it fails with
// POLICY_VIOLATION.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/kafka/topic_registry_types.h"
#include "common/result.h"

namespace ringmq::broker::kafka {

// One consistent view of all topics. Immutable once built: safe to use from any thread for as
// long as the shared_ptr is held. Take one per request, not one per partition.
class TopicSnapshot {
 public:
  const TopicInfo* find(std::string_view name) const;
  const TopicInfo* find(const TopicId& id) const;
  // The same as find(name), as a pointer that outlives the snapshot.
  std::shared_ptr<const TopicInfo> find_shared(std::string_view name) const;
  // The engine queue of (topic, partition), or nullopt if either is unknown.
  std::optional<uint32_t> queue_id(std::string_view name, int32_t partition) const;
  // Every topic, sorted by name.
  const std::vector<std::shared_ptr<const TopicInfo>>& topics() const { return topics_; }
  // The queue id the next partition will get; every id below it is taken or retired.
  uint32_t next_queue_id() const { return next_queue_id_; }

 private:
  friend class TopicRegistry;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void index();

  std::vector<std::shared_ptr<const TopicInfo>> topics_;
  std::unordered_map<std::string, std::shared_ptr<const TopicInfo>, StringHash, std::equal_to<>> by_name_;
  std::map<TopicId, const TopicInfo*> by_id_;
  uint32_t next_queue_id_ = kFirstTopicQueueId;
};

struct TopicRegistryOptions {
  std::string data_dir;  // the topics file is <data_dir>/topics
  // Partitions of an auto-created topic, and of a CreateTopics entry with num_partitions -1.
  int32_t default_partitions = 1;
  int32_t max_partitions_per_topic = 10000;
  // Highest queue id the engine accepts (EngineConfig::max_queue_id; inclusive).
  uint32_t max_queue_id = 1u << 20;
};

class TopicRegistry {
 public:
  // Reads <data_dir>/topics if present (an empty registry if not). A damaged file is a
  // kCorrupt error naming the file and the damage; the broker must not start without it,
  // since guessing would hand retired queue ids to new topics.
  static Result<std::unique_ptr<TopicRegistry>> load(const TopicRegistryOptions& options);

  std::shared_ptr<const TopicSnapshot> snapshot() const;
  // Convenience over snapshot(): the topic, or nullptr.
  std::shared_ptr<const TopicInfo> find(std::string_view name) const;
  std::vector<std::shared_ptr<const TopicInfo>> list() const;

  // Creates a topic with fresh queues and a random id and persists it. partitions == -1
  // means default_partitions (CreateTopics' "use the broker default"). Errors:
  // INVALID_TOPIC_EXCEPTION (bad name, or one that collides with an existing topic once '.'
  // and '_' are treated alike, as Kafka does), INVALID_PARTITIONS, INVALID_CONFIG (a config
  // key over 64 KiB), TOPIC_ALREADY_EXISTS, POLICY_VIOLATION (queue ids exhausted),
  // UNKNOWN_SERVER_ERROR (the topics file could not be written).
  TopicResult<std::shared_ptr<const TopicInfo>> create(std::string_view name, int32_t partitions,
                                                       std::map<std::string, std::string> configs = {});
  // The same checks as create() without creating (CreateTopics' validate_only).
  std::optional<TopicError> validate_create(std::string_view name, int32_t partitions) const;
  // For auto-creation on Metadata / Produce: the topic if it exists, otherwise a new one with
  // default_partitions. Two concurrent callers get the same topic.
  TopicResult<std::shared_ptr<const TopicInfo>> find_or_create(std::string_view name);
  // CreatePartitions: grows `name` to `new_total` partitions (new queues at the end).
  // UNKNOWN_TOPIC_OR_PARTITION, or INVALID_PARTITIONS unless new_total > current.
  TopicResult<std::shared_ptr<const TopicInfo>> add_partitions(std::string_view name, int32_t new_total);
  // The same checks as add_partitions() without growing (CreatePartitions' validate_only).
  std::optional<TopicError> validate_add_partitions(std::string_view name, int32_t new_total) const;
  // AlterConfigs: replaces the topic's settings (validated by the caller) and persists them.
  // UNKNOWN_TOPIC_OR_PARTITION if absent.
  TopicResult<std::shared_ptr<const TopicInfo>> set_configs(std::string_view name,
                                                            std::map<std::string, std::string> configs);
  // Removes the topic and retires its queue ids; returns what was removed so the caller can
  // drop its committed offsets and producer state. UNKNOWN_TOPIC_OR_PARTITION if absent.
  TopicResult<std::shared_ptr<const TopicInfo>> delete_topic(std::string_view name);

  // A follower takes its group leader's topics: exactly `topics` (names, ids, queues,
  // settings) from now on, persisted, so that its copy of the log serves them once it leads.
  // Queue ids only grow. Returns whether anything changed; UNKNOWN_SERVER_ERROR if the topics
  // file could not be written (the registry is then unchanged).
  TopicResult<bool> adopt(std::vector<TopicInfo> topics);
  // Makes the next new partition's queue id at least `floor` (persisted): a new leader's log
  // may hold queues of a topic the old leader created but had not published yet, and they must
  // never be handed to another topic.
  std::optional<TopicError> raise_next_queue_id(uint32_t floor);

  const TopicRegistryOptions& options() const { return options_; }
  const std::string& path() const { return path_; }

 private:
  TopicRegistry(const TopicRegistryOptions& options, std::shared_ptr<const TopicSnapshot> initial);
  std::optional<TopicError> check_create(const TopicSnapshot& current, std::string_view name, int32_t partitions) const;
  std::optional<TopicError> check_add_partitions(const TopicSnapshot& current, std::string_view name,
                                                 int32_t new_total) const;
  // Persists and publishes `current` with `existing` replaced by `replacement`.
  std::optional<TopicError> publish_replaced(const TopicSnapshot& current, const TopicInfo* existing,
                                             std::shared_ptr<const TopicInfo> replacement, uint32_t next_queue_id);
  TopicResult<std::shared_ptr<const TopicInfo>> create_locked(std::string_view name, int32_t partitions,
                                                              std::map<std::string, std::string> configs);
  // Writes `next` to the topics file and, only if that worked, makes it current.
  std::optional<TopicError> persist_and_publish(std::shared_ptr<TopicSnapshot> next);

  const TopicRegistryOptions options_;
  const std::string path_;
  std::mutex write_mutex_;                   // serializes create / add_partitions / delete_topic
  mutable std::shared_mutex current_mutex_;  // guards current_ (the pointer, not the snapshot)
  std::shared_ptr<const TopicSnapshot> current_;
};

}  // namespace ringmq::broker::kafka
