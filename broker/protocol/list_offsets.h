// ListOffsets (key 2), v0-7: the offset of a partition at a timestamp, or its earliest /
// latest offset. Layouts (ListOffsetsRequest.json / ListOffsetsResponse.json; flexible from
// v6):
//   request   replica_id int32, isolation_level int8 (v2+),
//             topics ARRAY of [name STRING,
//                              partitions ARRAY of [partition_index int32,
//                                current_leader_epoch int32 (v4+), timestamp int64,
//                                max_num_offsets int32 (v0 only)]]
//   response  throttle_time_ms int32 (v2+),
//             topics ARRAY of [name STRING,
//                              partitions ARRAY of [partition_index int32, error_code int16,
//                                old_style_offsets ARRAY int64 (v0 only),
//                                timestamp int64 (v1+), offset int64 (v1+),
//                                leader_epoch int32 (v4+)]]
// In v0 the one offset is sent as old_style_offsets ([offset], or [] when offset is -1).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

// Special timestamps of a ListOffsets request.
inline constexpr int64_t kListOffsetsLatest = -1;
inline constexpr int64_t kListOffsetsEarliest = -2;
inline constexpr int64_t kListOffsetsMaxTimestamp = -3;  // v7+ (KIP-734)

struct ListOffsetsPartition {
  int32_t partition_index = 0;
  int32_t current_leader_epoch = -1;
  int64_t timestamp = kListOffsetsLatest;
  int32_t max_num_offsets = 1;  // v0 only
};

struct ListOffsetsTopic {
  std::string_view name;
  std::vector<ListOffsetsPartition> partitions;
};

struct ListOffsetsRequest {
  int32_t replica_id = -1;
  int8_t isolation_level = 0;
  std::vector<ListOffsetsTopic> topics;
};

struct ListOffsetsPartitionResponse {
  int32_t partition_index = 0;
  KafkaError error_code = KafkaError::kNone;
  int64_t timestamp = -1;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
};

struct ListOffsetsTopicResponse {
  std::string_view name;
  std::vector<ListOffsetsPartitionResponse> partitions;
};

struct ListOffsetsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<ListOffsetsTopicResponse> topics;
};

Status decode_list_offsets_request(int16_t version, Reader& reader, ListOffsetsRequest& out);
Status encode_list_offsets_response(int16_t version, int32_t correlation_id, const ListOffsetsResponse& response,
                                    Writer& writer);

}  // namespace ringmq::broker::protocol
