// OffsetForLeaderEpoch (key 23, v0-4, flexible from v4): the end offset of a leader epoch, which
// a consumer asks after a leader change or an offset reset to detect a truncated log (KIP-320).
// Layouts (the JSON schemas):
//   request   replica_id int32 (v3+; -1 a consumer, -2 "not sent"),
//             topics ARRAY of [topic STRING, partitions ARRAY of [partition int32,
//               current_leader_epoch int32 (v2+), leader_epoch int32]]
//   response  throttle_time_ms int32 (v2+),
//             topics ARRAY of [topic STRING, partitions ARRAY of [error_code int16,
//               partition int32, leader_epoch int32 (v1+), end_offset int64]]
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

// UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET.
inline constexpr int32_t kUndefinedEpoch = -1;
inline constexpr int64_t kUndefinedEpochOffset = -1;

struct OffsetForLeaderPartition {
  int32_t partition = 0;
  int32_t current_leader_epoch = kUndefinedEpoch;  // -1: no fencing check
  int32_t leader_epoch = 0;
};

struct OffsetForLeaderTopic {
  std::string_view topic;
  std::vector<OffsetForLeaderPartition> partitions;
};

struct OffsetForLeaderEpochRequest {
  int32_t replica_id = -2;
  std::vector<OffsetForLeaderTopic> topics;
};

struct EpochEndOffset {
  KafkaError error_code = KafkaError::kNone;
  int32_t partition = 0;
  int32_t leader_epoch = kUndefinedEpoch;
  int64_t end_offset = kUndefinedEpochOffset;
};

struct OffsetForLeaderTopicResult {
  std::string_view topic;
  std::vector<EpochEndOffset> partitions;
};

struct OffsetForLeaderEpochResponse {
  int32_t throttle_time_ms = 0;
  std::vector<OffsetForLeaderTopicResult> topics;
};

Status decode_offset_for_leader_epoch_request(int16_t version, Reader& reader, OffsetForLeaderEpochRequest& out);
Status encode_offset_for_leader_epoch_response(int16_t version, int32_t correlation_id,
                                               const OffsetForLeaderEpochResponse& response, Writer& writer);

}  // namespace ringmq::broker::protocol
