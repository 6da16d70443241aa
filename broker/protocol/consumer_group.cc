#include "broker/protocol/consumer_group.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {

Status decode_find_coordinator_request(int16_t version, Reader& reader, FindCoordinatorRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kFindCoordinator, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kFindCoordinator, version));
  if (version >= 4) {
    out.key_type = f.int8();
    detail::resize_array(out.keys, f.array_length());
    for (std::string_view& key : out.keys) key = f.string();
  } else {
    detail::resize_array(out.keys, 1);
    out.keys[0] = f.string();
    out.key_type = version >= 1 ? f.int8() : kCoordinatorKeyGroup;
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kFindCoordinator, version, reader);
}

Status encode_find_coordinator_response(int16_t version, int32_t correlation_id,
                                        const FindCoordinatorResponse& response, Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kFindCoordinator, version, "response"); !ok) return ok;
  if (version < 4 && response.coordinators.size() != 1) {
    return make_error(ErrorCode::kInvalidArgument, "FindCoordinator v" + std::to_string(version) +
                                                       " response carries exactly one coordinator, got " +
                                                       std::to_string(response.coordinators.size()));
  }
  ResponseFrame frame(writer, ApiKey::kFindCoordinator, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kFindCoordinator, version));
  if (version >= 1) f.int32(response.throttle_time_ms);
  if (version >= 4) {
    f.array_length(response.coordinators.size());
    for (const Coordinator& c : response.coordinators) {
      f.string(c.key);
      f.int32(c.node_id);
      f.string(c.host);
      f.int32(c.port);
      f.int16(code_of(c.error_code));
      f.nullable_string(c.error_message);
      f.tagged_fields();
    }
  } else {
    const Coordinator& c = response.coordinators.front();
    f.int16(code_of(c.error_code));
    if (version >= 1) f.nullable_string(c.error_message);
    f.int32(c.node_id);
    f.string(c.host);
    f.int32(c.port);
  }
  f.tagged_fields();
  return frame.finish();
}

Status decode_join_group_request(int16_t version, Reader& reader, JoinGroupRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kJoinGroup, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kJoinGroup, version));
  out.group_id = f.string();
  out.session_timeout_ms = f.int32();
  out.rebalance_timeout_ms = version >= 1 ? f.int32() : out.session_timeout_ms;
  out.member_id = f.string();
  out.group_instance_id = version >= 5 ? f.nullable_string() : std::nullopt;
  out.protocol_type = f.string();
  detail::resize_array(out.protocols, f.array_length());
  for (JoinGroupProtocol& p : out.protocols) {
    p.name = f.string();
    p.metadata = f.bytes();
    f.tagged_fields();
  }
  out.reason = version >= 8 ? f.nullable_string() : std::nullopt;
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kJoinGroup, version, reader);
}

Status encode_join_group_response(int16_t version, int32_t correlation_id, const JoinGroupResponse& response,
                                  Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kJoinGroup, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kJoinGroup, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kJoinGroup, version));
  if (version >= 2) f.int32(response.throttle_time_ms);
  f.int16(code_of(response.error_code));
  f.int32(response.generation_id);
  if (version >= 7) {
    f.nullable_string(response.protocol_type);
    f.nullable_string(response.protocol_name);
  } else {
    f.string(response.protocol_name.value_or(std::string_view()));
  }
  f.string(response.leader);
  if (version >= 9) f.boolean(response.skip_assignment);
  f.string(response.member_id);
  f.array_length(response.members.size());
  for (const JoinGroupMember& m : response.members) {
    f.string(m.member_id);
    if (version >= 5) f.nullable_string(m.group_instance_id);
    f.bytes(m.metadata);
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

Status decode_sync_group_request(int16_t version, Reader& reader, SyncGroupRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kSyncGroup, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kSyncGroup, version));
  out.group_id = f.string();
  out.generation_id = f.int32();
  out.member_id = f.string();
  out.group_instance_id = version >= 3 ? f.nullable_string() : std::nullopt;
  out.protocol_type = version >= 5 ? f.nullable_string() : std::nullopt;
  out.protocol_name = version >= 5 ? f.nullable_string() : std::nullopt;
  detail::resize_array(out.assignments, f.array_length());
  for (SyncGroupAssignment& a : out.assignments) {
    a.member_id = f.string();
    a.assignment = f.bytes();
    f.tagged_fields();
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kSyncGroup, version, reader);
}

Status encode_sync_group_response(int16_t version, int32_t correlation_id, const SyncGroupResponse& response,
                                  Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kSyncGroup, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kSyncGroup, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kSyncGroup, version));
  if (version >= 1) f.int32(response.throttle_time_ms);
  f.int16(code_of(response.error_code));
  if (version >= 5) {
    f.nullable_string(response.protocol_type);
    f.nullable_string(response.protocol_name);
  }
  f.bytes(response.assignment);
  f.tagged_fields();
  return frame.finish();
}

Status decode_heartbeat_request(int16_t version, Reader& reader, HeartbeatRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kHeartbeat, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kHeartbeat, version));
  out.group_id = f.string();
  out.generation_id = f.int32();
  out.member_id = f.string();
  out.group_instance_id = version >= 3 ? f.nullable_string() : std::nullopt;
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kHeartbeat, version, reader);
}

Status encode_heartbeat_response(int16_t version, int32_t correlation_id, const HeartbeatResponse& response,
                                 Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kHeartbeat, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kHeartbeat, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kHeartbeat, version));
  if (version >= 1) f.int32(response.throttle_time_ms);
  f.int16(code_of(response.error_code));
  f.tagged_fields();
  return frame.finish();
}

Status decode_leave_group_request(int16_t version, Reader& reader, LeaveGroupRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kLeaveGroup, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kLeaveGroup, version));
  out.group_id = f.string();
  if (version >= 3) {
    detail::resize_array(out.members, f.array_length());
    for (LeavingMember& m : out.members) {
      m.member_id = f.string();
      m.group_instance_id = f.nullable_string();
      m.reason = version >= 5 ? f.nullable_string() : std::nullopt;
      f.tagged_fields();
    }
  } else {
    detail::resize_array(out.members, 1);
    out.members[0] = LeavingMember{f.string(), std::nullopt, std::nullopt};
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kLeaveGroup, version, reader);
}

Status encode_leave_group_response(int16_t version, int32_t correlation_id, const LeaveGroupResponse& response,
                                   Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kLeaveGroup, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kLeaveGroup, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kLeaveGroup, version));
  if (version >= 1) f.int32(response.throttle_time_ms);
  f.int16(code_of(response.error_code));
  if (version >= 3) {
    f.array_length(response.members.size());
    for (const LeftMember& m : response.members) {
      f.string(m.member_id);
      f.nullable_string(m.group_instance_id);
      f.int16(code_of(m.error_code));
      f.tagged_fields();
    }
  }
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
