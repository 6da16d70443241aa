// The consumer-group admin APIs: DescribeGroups (key 15, v0-5), ListGroups (key 16, v0-5),
// DeleteGroups (key 42, v0-2) and OffsetDelete (key 47, v0). Layouts (the JSON schemas;
// DescribeGroups flexible from v5, ListGroups from v3, DeleteGroups from v2, OffsetDelete never
// in the versions spoken here):
//   DescribeGroups request   groups ARRAY STRING, include_authorized_operations bool (v3+)
//   DescribeGroups response  throttle_time_ms int32 (v1+),
//                            groups ARRAY of [error_code int16, group_id STRING,
//                              group_state STRING, protocol_type STRING, protocol_data STRING,
//                              members ARRAY of [member_id STRING,
//                                group_instance_id NULLABLE_STRING (v4+), client_id STRING,
//                                client_host STRING, member_metadata BYTES,
//                                member_assignment BYTES],
//                              authorized_operations int32 (v3+)]
//   ListGroups request       states_filter ARRAY STRING (v4+), types_filter ARRAY STRING (v5+)
//   ListGroups response      throttle_time_ms int32 (v1+), error_code int16,
//                            groups ARRAY of [group_id STRING, protocol_type STRING,
//                              group_state STRING (v4+), group_type STRING (v5+)]
//   DeleteGroups request     groups_names ARRAY STRING
//   DeleteGroups response    throttle_time_ms int32, results ARRAY of [group_id STRING,
//                              error_code int16]
//   OffsetDelete request     group_id STRING, topics ARRAY of [name STRING,
//                              partitions ARRAY of [partition_index int32]]
//   OffsetDelete response    error_code int16 (first, before the throttle time),
//                            throttle_time_ms int32, topics ARRAY of [name STRING,
//                              partitions ARRAY of [partition_index int32, error_code int16]]
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/metadata.h"  // kAuthorizedOperationsOmitted
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

struct DescribeGroupsRequest {
  std::vector<std::string_view> groups;
  bool include_authorized_operations = false;
};

struct DescribedGroupMember {
  std::string_view member_id;
  std::optional<std::string_view> group_instance_id;
  std::string_view client_id;
  std::string_view client_host;
  std::span<const std::byte> member_metadata;    // empty unless the group is Stable
  std::span<const std::byte> member_assignment;  // empty unless the group is Stable
};

struct DescribedGroup {
  KafkaError error_code = KafkaError::kNone;
  std::string_view group_id;
  std::string_view group_state;    // "Empty", "Stable", ..., "Dead" for an unknown group
  std::string_view protocol_type;  // "" when the group has none
  std::string_view protocol_data;  // the selected assignor while Stable, else ""
  std::vector<DescribedGroupMember> members;
  int32_t authorized_operations = kAuthorizedOperationsOmitted;
};

struct DescribeGroupsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DescribedGroup> groups;
};

struct ListGroupsRequest {
  std::vector<std::string_view> states_filter;  // empty: every state
  std::vector<std::string_view> types_filter;   // empty: every type
};

struct ListedGroup {
  std::string_view group_id;
  std::string_view protocol_type;
  std::string_view group_state;
  std::string_view group_type;  // "classic" for every group here (KIP-848's name)
};

struct ListGroupsResponse {
  int32_t throttle_time_ms = 0;
  KafkaError error_code = KafkaError::kNone;
  std::vector<ListedGroup> groups;
};

struct DeleteGroupsRequest {
  std::vector<std::string_view> groups;
};

struct DeletableGroupResult {
  std::string_view group_id;
  KafkaError error_code = KafkaError::kNone;
};

struct DeleteGroupsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DeletableGroupResult> results;
};

struct OffsetDeleteRequestTopic {
  std::string_view name;
  std::vector<int32_t> partitions;
};

struct OffsetDeleteRequest {
  std::string_view group_id;
  std::vector<OffsetDeleteRequestTopic> topics;
};

struct OffsetDeletePartitionResult {
  int32_t partition_index = 0;
  KafkaError error_code = KafkaError::kNone;
};

struct OffsetDeleteTopicResult {
  std::string_view name;
  std::vector<OffsetDeletePartitionResult> partitions;
};

struct OffsetDeleteResponse {
  KafkaError error_code = KafkaError::kNone;  // the group's; set, the topics are left empty
  int32_t throttle_time_ms = 0;
  std::vector<OffsetDeleteTopicResult> topics;
};

Status decode_describe_groups_request(int16_t version, Reader& reader, DescribeGroupsRequest& out);
Status encode_describe_groups_response(int16_t version, int32_t correlation_id, const DescribeGroupsResponse& response,
                                       Writer& writer);
Status decode_list_groups_request(int16_t version, Reader& reader, ListGroupsRequest& out);
Status encode_list_groups_response(int16_t version, int32_t correlation_id, const ListGroupsResponse& response,
                                   Writer& writer);
Status decode_delete_groups_request(int16_t version, Reader& reader, DeleteGroupsRequest& out);
Status encode_delete_groups_response(int16_t version, int32_t correlation_id, const DeleteGroupsResponse& response,
                                     Writer& writer);
Status decode_offset_delete_request(int16_t version, Reader& reader, OffsetDeleteRequest& out);
Status encode_offset_delete_response(int16_t version, int32_t correlation_id, const OffsetDeleteResponse& response,
                                     Writer& writer);

}  // namespace ringmq::broker::protocol
