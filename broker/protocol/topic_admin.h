// CreateTopics (key 19, v0-7), DeleteTopics (key 20, v0-6), DeleteRecords (key 21, v0-2) and
// CreatePartitions (key 37, v0-3). Layouts (the JSON schemas; CreateTopics flexible from v5,
// DeleteTopics from v4, DeleteRecords and CreatePartitions from v2):
//   CreateTopics request   topics ARRAY of [name STRING, num_partitions int32 (-1: default),
//                            replication_factor int16 (-1: default),
//                            assignments ARRAY of [partition_index int32,
//                                                  broker_ids ARRAY int32],
//                            configs ARRAY of [name STRING, value NULLABLE_STRING]],
//                          timeout_ms int32, validate_only bool (v1+)
//   CreateTopics response  throttle_time_ms int32 (v2+),
//                          topics ARRAY of [name STRING, topic_id UUID (v7+),
//                            error_code int16, error_message NULLABLE_STRING (v1+),
//                            num_partitions int32 (v5+), replication_factor int16 (v5+),
//                            configs NULLABLE ARRAY of [name STRING, value NULLABLE_STRING,
//                              read_only bool, config_source int8, is_sensitive bool] (v5+)]
//                          (tagged topic_config_error_code, tag 0, v5+: never sent)
//   DeleteTopics request   v0-5: topic_names ARRAY STRING, timeout_ms int32
//                          v6:   topics ARRAY of [name NULLABLE_STRING, topic_id UUID],
//                                timeout_ms int32
//   DeleteTopics response  throttle_time_ms int32 (v1+),
//                          responses ARRAY of [name STRING (nullable v6+),
//                            topic_id UUID (v6+), error_code int16,
//                            error_message NULLABLE_STRING (v5+)]
//   DeleteRecords request      topics ARRAY of [name STRING, partitions ARRAY of
//                                [partition_index int32, offset int64 (-1: the high watermark)]],
//                              timeout_ms int32
//   DeleteRecords response     throttle_time_ms int32, topics ARRAY of [name STRING,
//                                partitions ARRAY of [partition_index int32,
//                                  low_watermark int64, error_code int16]]
//   CreatePartitions request   topics ARRAY of [name STRING, count int32 (the new total),
//                                assignments NULLABLE ARRAY of [broker_ids ARRAY int32]],
//                              timeout_ms int32, validate_only bool
//   CreatePartitions response  throttle_time_ms int32, results ARRAY of [name STRING,
//                                error_code int16, error_message NULLABLE_STRING]
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/types.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

struct CreatableReplicaAssignment {
  int32_t partition_index = 0;
  std::vector<int32_t> broker_ids;
};

struct CreatableTopicConfig {
  std::string_view name;
  std::optional<std::string_view> value;
};

struct CreatableTopic {
  std::string_view name;
  int32_t num_partitions = -1;
  int16_t replication_factor = -1;
  std::vector<CreatableReplicaAssignment> assignments;
  std::vector<CreatableTopicConfig> configs;
};

struct CreateTopicsRequest {
  std::vector<CreatableTopic> topics;
  int32_t timeout_ms = 0;
  bool validate_only = false;
};

struct CreateTopicConfigResult {
  std::string_view name;
  std::optional<std::string_view> value;
  bool read_only = false;
  int8_t config_source = -1;  // -1 unknown, 1 dynamic topic config, 5 default config
  bool is_sensitive = false;
};

struct CreateTopicResult {
  std::string_view name;
  Uuid topic_id;
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> error_message;
  int32_t num_partitions = -1;
  int16_t replication_factor = -1;
  std::vector<CreateTopicConfigResult> configs;
};

struct CreateTopicsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<CreateTopicResult> topics;
};

struct DeleteTopicState {
  std::optional<std::string_view> name;  // null only in v6+ when deleting by id
  Uuid topic_id;
};

struct DeleteTopicsRequest {
  std::vector<DeleteTopicState> topics;
  int32_t timeout_ms = 0;
};

struct DeletableTopicResult {
  std::optional<std::string_view> name;  // null is sent as "" before v6
  Uuid topic_id;
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> error_message;
};

struct DeleteTopicsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DeletableTopicResult> responses;
};

struct DeleteRecordsPartition {
  int32_t partition_index = 0;
  int64_t offset = 0;
};

struct DeleteRecordsTopic {
  std::string_view name;
  std::vector<DeleteRecordsPartition> partitions;
};

struct DeleteRecordsRequest {
  std::vector<DeleteRecordsTopic> topics;
  int32_t timeout_ms = 0;
};

struct DeleteRecordsPartitionResult {
  int32_t partition_index = 0;
  int64_t low_watermark = -1;
  KafkaError error_code = KafkaError::kNone;
};

struct DeleteRecordsTopicResult {
  std::string_view name;
  std::vector<DeleteRecordsPartitionResult> partitions;
};

struct DeleteRecordsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DeleteRecordsTopicResult> topics;
};

struct CreatePartitionsTopic {
  std::string_view name;
  int32_t count = 0;
  // Broker ids per new partition; null when the broker chooses.
  int32_t assignment_count = -1;
  std::vector<int32_t> assigned_brokers;  // every id of every assignment, flattened
};

struct CreatePartitionsRequest {
  std::vector<CreatePartitionsTopic> topics;
  int32_t timeout_ms = 0;
  bool validate_only = false;
};

struct CreatePartitionsTopicResult {
  std::string_view name;
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> error_message;
};

struct CreatePartitionsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<CreatePartitionsTopicResult> results;
};

Status decode_create_topics_request(int16_t version, Reader& reader, CreateTopicsRequest& out);
Status encode_create_topics_response(int16_t version, int32_t correlation_id, const CreateTopicsResponse& response,
                                     Writer& writer);
Status decode_delete_topics_request(int16_t version, Reader& reader, DeleteTopicsRequest& out);
Status encode_delete_topics_response(int16_t version, int32_t correlation_id, const DeleteTopicsResponse& response,
                                     Writer& writer);

Status decode_delete_records_request(int16_t version, Reader& reader, DeleteRecordsRequest& out);
Status encode_delete_records_response(int16_t version, int32_t correlation_id, const DeleteRecordsResponse& response,
                                      Writer& writer);
Status decode_create_partitions_request(int16_t version, Reader& reader, CreatePartitionsRequest& out);
Status encode_create_partitions_response(int16_t version, int32_t correlation_id,
                                         const CreatePartitionsResponse& response, Writer& writer);

}  // namespace ringmq::broker::protocol
