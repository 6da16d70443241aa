// Metadata (key 3), v0-12: which brokers exist and which partitions each topic has.
// Layouts (MetadataRequest.json / MetadataResponse.json; flexible from v9):
//   request   topics ARRAY of [topic_id UUID (v10+), name STRING (nullable v10+)]
//               v0: an empty array means all topics; v1+: a null array means all topics
//             allow_auto_topic_creation bool (v4+)
//             include_cluster_authorized_operations bool (v8-10)
//             include_topic_authorized_operations bool (v8+)
//   response  throttle_time_ms int32 (v3+)
//             brokers ARRAY of [node_id int32, host STRING, port int32,
//                               rack NULLABLE_STRING (v1+)]
//             cluster_id NULLABLE_STRING (v2+)
//             controller_id int32 (v1+)
//             topics ARRAY of [error_code int16, name STRING (nullable v12+),
//                              topic_id UUID (v10+), is_internal bool (v1+),
//                              partitions ARRAY of [error_code int16, partition_index int32,
//                                leader_id int32, leader_epoch int32 (v7+),
//                                replica_nodes ARRAY int32, isr_nodes ARRAY int32,
//                                offline_replicas ARRAY int32 (v5+)],
//                              topic_authorized_operations int32 (v8+)]
//             cluster_authorized_operations int32 (v8-10)
#pragma once

#include <climits>
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

// "Not requested" value of the authorized-operations bitfields.
inline constexpr int32_t kAuthorizedOperationsOmitted = INT32_MIN;

struct MetadataRequestTopic {
  Uuid topic_id;                         // v10+, zero when asked by name
  std::optional<std::string_view> name;  // null only in v10+ when asked by id
};

struct MetadataRequest {
  bool all_topics = false;  // the client asked for every topic
  std::vector<MetadataRequestTopic> topics;
  bool allow_auto_topic_creation = true;  // v4+; before v4 the broker's own setting decides
  bool include_cluster_authorized_operations = false;
  bool include_topic_authorized_operations = false;
};

struct MetadataBroker {
  int32_t node_id = 0;
  std::string_view host;
  int32_t port = 0;
  std::optional<std::string_view> rack;
};

struct MetadataPartition {
  KafkaError error_code = KafkaError::kNone;
  int32_t partition_index = 0;
  int32_t leader_id = -1;
  int32_t leader_epoch = -1;
  std::vector<int32_t> replica_nodes;
  std::vector<int32_t> isr_nodes;
  std::vector<int32_t> offline_replicas;
};

struct MetadataTopic {
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> name;  // null is sent as "" before v12
  Uuid topic_id;
  bool is_internal = false;
  std::vector<MetadataPartition> partitions;
  int32_t topic_authorized_operations = kAuthorizedOperationsOmitted;
};

// Strings are views: what they point at must live until the response is encoded.
struct MetadataResponse {
  int32_t throttle_time_ms = 0;
  std::vector<MetadataBroker> brokers;
  std::optional<std::string_view> cluster_id;
  int32_t controller_id = -1;
  std::vector<MetadataTopic> topics;
  int32_t cluster_authorized_operations = kAuthorizedOperationsOmitted;
};

Status decode_metadata_request(int16_t version, Reader& reader, MetadataRequest& out);
Status encode_metadata_response(int16_t version, int32_t correlation_id, const MetadataResponse& response,
                                Writer& writer);

}  // namespace ringmq::broker::protocol
