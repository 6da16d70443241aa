// Committed consumer offsets: OffsetCommit (key 8, v0-8) and OffsetFetch (key 9, v0-8).
// Layouts (the JSON schemas; OffsetCommit flexible from v8, OffsetFetch from v6):
//   OffsetCommit request   group_id STRING, generation_id int32 (v1+), member_id STRING (v1+),
//                          group_instance_id NULLABLE_STRING (v7+),
//                          retention_time_ms int64 (v2-4),
//                          topics ARRAY of [name STRING,
//                            partitions ARRAY of [partition_index int32,
//                              committed_offset int64, committed_leader_epoch int32 (v6+),
//                              commit_timestamp int64 (v1 only),
//                              committed_metadata NULLABLE_STRING]]
//   OffsetCommit response  throttle_time_ms int32 (v3+),
//                          topics ARRAY of [name STRING,
//                            partitions ARRAY of [partition_index int32, error_code int16]]
//   OffsetFetch request    v0-7: group_id STRING,
//                                topics ARRAY of [name STRING, partition_indexes ARRAY int32]
//                                  (null = all topics, v2+),
//                                require_stable bool (v7)
//                          v8:   groups ARRAY of [group_id STRING, topics NULLABLE ARRAY of
//                                  [name STRING, partition_indexes ARRAY int32]],
//                                require_stable bool
//   OffsetFetch response   v0-7: throttle_time_ms int32 (v3+),
//                                topics ARRAY of [name STRING, partitions ARRAY of
//                                  [partition_index int32, committed_offset int64,
//                                   committed_leader_epoch int32 (v5+),
//                                   metadata NULLABLE_STRING, error_code int16]],
//                                error_code int16 (v2+)
//                          v8:   throttle_time_ms int32, groups ARRAY of [group_id STRING,
//                                  topics (as above), error_code int16]
// Requests before v8 name one group; they decode into groups[0] and their response is built
// from groups[0]. v0 and v1 have no group-level error code, so put a group error on every
// partition for them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

// ---- OffsetCommit
struct OffsetCommitPartition {
  int32_t partition_index = 0;
  int64_t committed_offset = 0;
  int32_t committed_leader_epoch = -1;
  int64_t commit_timestamp = -1;  // v1 only
  std::optional<std::string_view> committed_metadata;
};

struct OffsetCommitTopic {
  std::string_view name;
  std::vector<OffsetCommitPartition> partitions;
};

struct OffsetCommitRequest {
  std::string_view group_id;
  int32_t generation_id = -1;  // -1 (and an empty member id) for a commit outside a group
  std::string_view member_id;
  std::optional<std::string_view> group_instance_id;
  int64_t retention_time_ms = -1;  // v2-4
  std::vector<OffsetCommitTopic> topics;
};

struct OffsetCommitPartitionResponse {
  int32_t partition_index = 0;
  KafkaError error_code = KafkaError::kNone;
};

struct OffsetCommitTopicResponse {
  std::string_view name;
  std::vector<OffsetCommitPartitionResponse> partitions;
};

struct OffsetCommitResponse {
  int32_t throttle_time_ms = 0;
  std::vector<OffsetCommitTopicResponse> topics;
};

Status decode_offset_commit_request(int16_t version, Reader& reader, OffsetCommitRequest& out);
Status encode_offset_commit_response(int16_t version, int32_t correlation_id, const OffsetCommitResponse& response,
                                     Writer& writer);

// ---- OffsetFetch
struct OffsetFetchTopic {
  std::string_view name;
  std::vector<int32_t> partition_indexes;
};

struct OffsetFetchGroup {
  std::string_view group_id;
  bool all_topics = false;  // the client sent a null topic list
  std::vector<OffsetFetchTopic> topics;
};

struct OffsetFetchRequest {
  std::vector<OffsetFetchGroup> groups;  // one group before v8
  bool require_stable = false;
};

struct OffsetFetchPartitionResponse {
  int32_t partition_index = 0;
  int64_t committed_offset = -1;  // -1: nothing committed
  int32_t committed_leader_epoch = -1;
  std::optional<std::string_view> metadata;
  KafkaError error_code = KafkaError::kNone;
};

struct OffsetFetchTopicResponse {
  std::string_view name;
  std::vector<OffsetFetchPartitionResponse> partitions;
};

struct OffsetFetchGroupResponse {
  std::string_view group_id;
  std::vector<OffsetFetchTopicResponse> topics;
  KafkaError error_code = KafkaError::kNone;
};

struct OffsetFetchResponse {
  int32_t throttle_time_ms = 0;
  std::vector<OffsetFetchGroupResponse> groups;  // exactly one before v8
};

Status decode_offset_fetch_request(int16_t version, Reader& reader, OffsetFetchRequest& out);
Status encode_offset_fetch_response(int16_t version, int32_t correlation_id, const OffsetFetchResponse& response,
                                    Writer& writer);

}  // namespace ringmq::broker::protocol
