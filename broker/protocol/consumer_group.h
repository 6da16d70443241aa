// The classic consumer-group protocol: FindCoordinator (key 10, v0-4), JoinGroup (11, v0-9),
// Heartbeat (12, v0-4), LeaveGroup (13, v0-5), SyncGroup (14, v0-5). Member metadata and
// assignments are opaque bytes to the broker (views into the request). Layouts (the JSON
// schemas; flexible from FindCoordinator v3, JoinGroup v6, Heartbeat v4, LeaveGroup v4,
// SyncGroup v4):
//   FindCoordinator request   v0: key STRING; v1-3: key STRING, key_type int8;
//                             v4: key_type int8, coordinator_keys ARRAY STRING
//   FindCoordinator response  v0: error_code int16, node_id int32, host STRING, port int32
//                             v1-3: throttle_time_ms int32, error_code int16,
//                                   error_message NULLABLE_STRING, node_id, host, port
//                             v4: throttle_time_ms int32, coordinators ARRAY of [key STRING,
//                                 node_id int32, host STRING, port int32, error_code int16,
//                                 error_message NULLABLE_STRING]
//   JoinGroup request   group_id STRING, session_timeout_ms int32,
//                       rebalance_timeout_ms int32 (v1+), member_id STRING,
//                       group_instance_id NULLABLE_STRING (v5+), protocol_type STRING,
//                       protocols ARRAY of [name STRING, metadata BYTES],
//                       reason NULLABLE_STRING (v8+)
//   JoinGroup response  throttle_time_ms int32 (v2+), error_code int16, generation_id int32,
//                       protocol_type NULLABLE_STRING (v7+), protocol_name STRING (nullable
//                       v7+), leader STRING, skip_assignment bool (v9+), member_id STRING,
//                       members ARRAY of [member_id STRING,
//                         group_instance_id NULLABLE_STRING (v5+), metadata BYTES]
//   SyncGroup request   group_id STRING, generation_id int32, member_id STRING,
//                       group_instance_id NULLABLE_STRING (v3+),
//                       protocol_type NULLABLE_STRING (v5+), protocol_name NULLABLE_STRING
//                       (v5+), assignments ARRAY of [member_id STRING, assignment BYTES]
//   SyncGroup response  throttle_time_ms int32 (v1+), error_code int16,
//                       protocol_type NULLABLE_STRING (v5+),
//                       protocol_name NULLABLE_STRING (v5+), assignment BYTES
//   Heartbeat request   group_id STRING, generation_id int32, member_id STRING,
//                       group_instance_id NULLABLE_STRING (v3+)
//   Heartbeat response  throttle_time_ms int32 (v1+), error_code int16
//   LeaveGroup request  group_id STRING; v0-2: member_id STRING; v3+: members ARRAY of
//                       [member_id STRING, group_instance_id NULLABLE_STRING,
//                        reason NULLABLE_STRING (v5+)]
//   LeaveGroup response throttle_time_ms int32 (v1+), error_code int16,
//                       members ARRAY of [member_id STRING, group_instance_id
//                        NULLABLE_STRING, error_code int16] (v3+)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

// ---- FindCoordinator
inline constexpr int8_t kCoordinatorKeyGroup = 0;
inline constexpr int8_t kCoordinatorKeyTransaction = 1;

struct FindCoordinatorRequest {
  int8_t key_type = kCoordinatorKeyGroup;
  std::vector<std::string_view> keys;  // one key before v4
};

struct Coordinator {
  std::string_view key;
  int32_t node_id = -1;
  std::string_view host;
  int32_t port = -1;
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> error_message;
};

// Before v4 exactly one coordinator is sent (the first).
struct FindCoordinatorResponse {
  int32_t throttle_time_ms = 0;
  std::vector<Coordinator> coordinators;
};

Status decode_find_coordinator_request(int16_t version, Reader& reader, FindCoordinatorRequest& out);
Status encode_find_coordinator_response(int16_t version, int32_t correlation_id,
                                        const FindCoordinatorResponse& response, Writer& writer);

// ---- JoinGroup
struct JoinGroupProtocol {
  std::string_view name;
  std::span<const std::byte> metadata;
};

struct JoinGroupRequest {
  std::string_view group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // v0 has none: use session_timeout_ms
  std::string_view member_id;
  std::optional<std::string_view> group_instance_id;
  std::string_view protocol_type;
  std::vector<JoinGroupProtocol> protocols;
  std::optional<std::string_view> reason;
};

struct JoinGroupMember {
  std::string_view member_id;
  std::optional<std::string_view> group_instance_id;
  std::span<const std::byte> metadata;
};

struct JoinGroupResponse {
  int32_t throttle_time_ms = 0;
  KafkaError error_code = KafkaError::kNone;
  int32_t generation_id = -1;
  std::optional<std::string_view> protocol_type;
  std::optional<std::string_view> protocol_name;  // null is sent as "" before v7
  std::string_view leader;
  bool skip_assignment = false;
  std::string_view member_id;
  std::vector<JoinGroupMember> members;  // filled for the leader only
};

Status decode_join_group_request(int16_t version, Reader& reader, JoinGroupRequest& out);
Status encode_join_group_response(int16_t version, int32_t correlation_id, const JoinGroupResponse& response,
                                  Writer& writer);

// ---- SyncGroup
struct SyncGroupAssignment {
  std::string_view member_id;
  std::span<const std::byte> assignment;
};

struct SyncGroupRequest {
  std::string_view group_id;
  int32_t generation_id = -1;
  std::string_view member_id;
  std::optional<std::string_view> group_instance_id;
  std::optional<std::string_view> protocol_type;
  std::optional<std::string_view> protocol_name;
  std::vector<SyncGroupAssignment> assignments;  // from the leader only
};

struct SyncGroupResponse {
  int32_t throttle_time_ms = 0;
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> protocol_type;
  std::optional<std::string_view> protocol_name;
  std::span<const std::byte> assignment;
};

Status decode_sync_group_request(int16_t version, Reader& reader, SyncGroupRequest& out);
Status encode_sync_group_response(int16_t version, int32_t correlation_id, const SyncGroupResponse& response,
                                  Writer& writer);

// ---- Heartbeat
struct HeartbeatRequest {
  std::string_view group_id;
  int32_t generation_id = -1;
  std::string_view member_id;
  std::optional<std::string_view> group_instance_id;
};

struct HeartbeatResponse {
  int32_t throttle_time_ms = 0;
  KafkaError error_code = KafkaError::kNone;
};

Status decode_heartbeat_request(int16_t version, Reader& reader, HeartbeatRequest& out);
Status encode_heartbeat_response(int16_t version, int32_t correlation_id, const HeartbeatResponse& response,
                                 Writer& writer);

// ---- LeaveGroup
struct LeavingMember {
  std::string_view member_id;
  std::optional<std::string_view> group_instance_id;
  std::optional<std::string_view> reason;
};

struct LeaveGroupRequest {
  std::string_view group_id;
  std::vector<LeavingMember> members;  // one member (member_id only) before v3
};

struct LeftMember {
  std::string_view member_id;
  std::optional<std::string_view> group_instance_id;
  KafkaError error_code = KafkaError::kNone;
};

struct LeaveGroupResponse {
  int32_t throttle_time_ms = 0;
  KafkaError error_code = KafkaError::kNone;
  std::vector<LeftMember> members;  // v3+
};

Status decode_leave_group_request(int16_t version, Reader& reader, LeaveGroupRequest& out);
Status encode_leave_group_response(int16_t version, int32_t correlation_id, const LeaveGroupResponse& response,
                                   Writer& writer);

}  // namespace ringmq::broker::protocol
