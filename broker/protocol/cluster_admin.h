// DescribeCluster (key 60, v0-1, flexible in every version) and DescribeLogDirs (key 35, v0-4,
// flexible from v2). Layouts (the JSON schemas):
//   DescribeCluster request   include_cluster_authorized_operations bool,
//                             endpoint_type int8 (v1+; 1 brokers, 2 controllers)
//   DescribeCluster response  throttle_time_ms int32, error_code int16,
//                             error_message NULLABLE_STRING, endpoint_type int8 (v1+),
//                             cluster_id STRING, controller_id int32,
//                             brokers ARRAY of [broker_id int32, host STRING, port int32,
//                               rack NULLABLE_STRING],
//                             cluster_authorized_operations int32
//   DescribeLogDirs request   topics NULLABLE ARRAY of [topic STRING, partitions ARRAY int32]
//                             (null: every topic)
//   DescribeLogDirs response  throttle_time_ms int32, error_code int16 (v3+),
//                             results ARRAY of [error_code int16, log_dir STRING,
//                               topics ARRAY of [name STRING, partitions ARRAY of [
//                                 partition_index int32, partition_size int64,
//                                 offset_lag int64, is_future_key bool]],
//                               total_bytes int64 (v4+), usable_bytes int64 (v4+)]
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/metadata.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

inline constexpr int8_t kEndpointBrokers = 1;
inline constexpr int8_t kEndpointControllers = 2;

struct DescribeClusterRequest {
  bool include_cluster_authorized_operations = false;
  int8_t endpoint_type = kEndpointBrokers;
};

struct DescribeClusterBroker {
  int32_t broker_id = 0;
  std::string_view host;
  int32_t port = 0;
  std::optional<std::string_view> rack;
};

struct DescribeClusterResponse {
  int32_t throttle_time_ms = 0;
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> error_message;
  int8_t endpoint_type = kEndpointBrokers;
  std::string_view cluster_id;
  int32_t controller_id = -1;
  std::vector<DescribeClusterBroker> brokers;
  int32_t cluster_authorized_operations = kAuthorizedOperationsOmitted;
};

struct DescribeLogDirsTopic {
  std::string_view topic;
  std::vector<int32_t> partitions;
};

struct DescribeLogDirsRequest {
  bool all_topics = true;  // topics was null
  std::vector<DescribeLogDirsTopic> topics;
};

struct DescribeLogDirsPartition {
  int32_t partition_index = 0;
  int64_t partition_size = 0;
  int64_t offset_lag = 0;
  bool is_future_key = false;
};

struct DescribeLogDirsTopicResult {
  std::string_view name;
  std::vector<DescribeLogDirsPartition> partitions;
};

struct DescribeLogDirsResult {
  KafkaError error_code = KafkaError::kNone;
  std::string_view log_dir;
  std::vector<DescribeLogDirsTopicResult> topics;
  int64_t total_bytes = -1;
  int64_t usable_bytes = -1;
};

struct DescribeLogDirsResponse {
  int32_t throttle_time_ms = 0;
  KafkaError error_code = KafkaError::kNone;
  std::vector<DescribeLogDirsResult> results;
};

Status decode_describe_cluster_request(int16_t version, Reader& reader, DescribeClusterRequest& out);
Status encode_describe_cluster_response(int16_t version, int32_t correlation_id,
                                        const DescribeClusterResponse& response, Writer& writer);
Status decode_describe_log_dirs_request(int16_t version, Reader& reader, DescribeLogDirsRequest& out);
Status encode_describe_log_dirs_response(int16_t version, int32_t correlation_id,
                                         const DescribeLogDirsResponse& response, Writer& writer);

}  // namespace ringmq::broker::protocol
