// KafkaAdmin: the calls ringmq-admin makes, over librdkafka's admin API and metadata calls, so
// that the CLI talks to any RingMQ (or Kafka) through the Kafka protocol as every other client
// does. Each call blocks up to the timeout and returns plain structs or an AdminError that
// names the broker's error. ACLs travel as the broker's own value types (broker/security/acl.h:
// Kafka's codes and names). Owns its rd_kafka_t handles (RAII).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/security/acl.h"
#include "common/result.h"

struct rd_kafka_s;
struct rd_kafka_queue_s;

namespace ringmq::admin {

// Why a call failed: the broker's error name (e.g. "UNKNOWN_TOPIC_OR_PART"), or a transport
// failure (the broker could not be reached), and a readable message.
struct AdminError {
  std::string name;
  std::string message;
  bool unreachable = false;
};

template <typename T>
using AdminResult = std::expected<T, AdminError>;

struct BrokerInfo {
  int32_t id = -1;
  std::string host;
  int32_t port = 0;
};

struct PartitionInfo {
  int32_t partition = 0;
  int32_t leader = -1;
  int64_t start_offset = -1;  // low watermark
  int64_t end_offset = -1;    // high watermark
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;  // watermarks filled by describe_topic only
};

// One setting of a topic or broker, as DescribeConfigs reports it.
struct ConfigLine {
  std::string name;
  std::string value;
  std::string source;  // librdkafka's name: DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG...
  bool read_only = false;
  bool overridden = false;  // set on the topic itself
};

struct ClusterInfo {
  std::vector<BrokerInfo> brokers;
  int32_t controller_id = -1;
  std::vector<TopicInfo> topics;
};

struct GroupListing {
  std::string group;
  std::string state;
  bool simple = false;  // no members ever joined: offsets only
};

struct GroupMember {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::vector<std::pair<std::string, int32_t>> assignment;
};

struct GroupDescription {
  std::string group;
  std::string state;
  std::string assignor;
  std::vector<GroupMember> members;
};

// A per-partition result of a group or topic call: "NO_ERROR" or the error's name.
struct PartitionOutcome {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  std::string error = "NO_ERROR";
};

// Per-name outcome of a call on several topics or groups ("NO_ERROR" or the error's name).
struct NamedOutcome {
  std::string name;
  std::string error = "NO_ERROR";
  std::string message;
};

// The outcome of one binding of a CreateAcls call ("NO_ERROR" or the broker's error for it).
struct AclCreation {
  broker::security::AclBinding binding;
  std::string error = "NO_ERROR";
  std::string message;
};

// The outcome of one filter of a DeleteAcls call: the bindings it removed, or the broker's error.
struct AclDeletion {
  std::vector<broker::security::AclBinding> removed;
  std::string error = "NO_ERROR";
  std::string message;
};

class KafkaAdmin {
 public:
  // `bootstrap` as for any client ("host:port,..."); calls wait at most timeout_ms each.
  // `properties` are librdkafka client properties set last (security.protocol, sasl.mechanism,
  // sasl.username, sasl.password, ssl.ca.location, ...).
  static AdminResult<std::unique_ptr<KafkaAdmin>> connect(const std::string& bootstrap, int timeout_ms,
                                                          const std::map<std::string, std::string>& properties = {});
  ~KafkaAdmin();
  KafkaAdmin(const KafkaAdmin&) = delete;
  KafkaAdmin& operator=(const KafkaAdmin&) = delete;

  AdminResult<ClusterInfo> cluster();
  // The topic with each partition's watermarks; UNKNOWN_TOPIC_OR_PART if absent.
  AdminResult<TopicInfo> describe_topic(const std::string& topic);
  AdminResult<NamedOutcome> create_topic(const std::string& topic, int partitions,
                                         const std::map<std::string, std::string>& configs);
  AdminResult<std::vector<NamedOutcome>> delete_topics(const std::vector<std::string>& topics);
  AdminResult<NamedOutcome> add_partitions(const std::string& topic, int total);
  // DeleteRecords: each partition's start moves up to its offset (-1: its end); the results
  // carry the new low watermarks.
  AdminResult<std::vector<PartitionOutcome>> delete_records(const std::vector<PartitionOutcome>& before);

  AdminResult<std::vector<ConfigLine>> topic_configs(const std::string& topic);
  // AlterConfigs: the topic's settings become exactly `settings` (others back to the broker's).
  AdminResult<NamedOutcome> replace_topic_configs(const std::string& topic,
                                                  const std::map<std::string, std::string>& settings);

  AdminResult<std::vector<GroupListing>> list_groups();
  AdminResult<GroupDescription> describe_group(const std::string& group);
  AdminResult<std::vector<NamedOutcome>> delete_groups(const std::vector<std::string>& groups);
  // The group's committed offsets: of every partition it has committed (topics empty), or of
  // the partitions of these topics (offset -1 where nothing is committed).
  AdminResult<std::vector<PartitionOutcome>> committed(const std::string& group,
                                                       const std::vector<std::string>& topics);
  // Commits `offsets` for the group (the group must have no live members).
  AdminResult<std::vector<PartitionOutcome>> alter_offsets(const std::string& group,
                                                           const std::vector<PartitionOutcome>& offsets);
  AdminResult<std::vector<PartitionOutcome>> delete_offsets(const std::string& group,
                                                            const std::vector<PartitionOutcome>& partitions);
  // ListOffsets by time for each partition of `topic`: the first offset at or after `time_ms`
  // (-1 when none is that late).
  AdminResult<std::vector<PartitionOutcome>> offsets_for_time(const std::string& topic, int64_t time_ms);

  // CreateAcls: one outcome per binding, in the same order.
  AdminResult<std::vector<AclCreation>> create_acls(const std::vector<broker::security::AclBinding>& bindings);
  // DescribeAcls: the bindings `filter` selects, in the broker's order. librdkafka (2.0.2, and
  // still 2.15) drops the response's error code: a refusal (SECURITY_DISABLED,
  // CLUSTER_AUTHORIZATION_FAILED) arrives as no bindings.
  AdminResult<std::vector<broker::security::AclBinding>> describe_acls(
      const broker::security::AclBindingFilter& filter);
  // DeleteAcls: one outcome per filter, in the same order.
  AdminResult<std::vector<AclDeletion>> delete_acls(const std::vector<broker::security::AclBindingFilter>& filters);

 private:
  KafkaAdmin(rd_kafka_s* producer, rd_kafka_s* consumer, rd_kafka_queue_s* queue, int timeout_ms);

  rd_kafka_s* producer_;     // admin calls and metadata
  rd_kafka_s* consumer_;     // watermarks and offsets_for_times (consumer-only calls)
  rd_kafka_queue_s* queue_;  // admin results
  int timeout_ms_;
};

}  // namespace ringmq::admin
