#include "broker/protocol/group_admin.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {
namespace {

void read_strings(FieldReader& f, std::vector<std::string_view>& out) {
  detail::resize_array(out, f.array_length());
  for (std::string_view& s : out) s = f.string();
}

}  // namespace

Status decode_describe_groups_request(int16_t version, Reader& reader, DescribeGroupsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kDescribeGroups, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kDescribeGroups, version));
  read_strings(f, out.groups);
  out.include_authorized_operations = version >= 3 ? f.boolean() : false;
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kDescribeGroups, version, reader);
}

Status encode_describe_groups_response(int16_t version, int32_t correlation_id, const DescribeGroupsResponse& response,
                                       Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kDescribeGroups, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kDescribeGroups, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kDescribeGroups, version));
  if (version >= 1) f.int32(response.throttle_time_ms);
  f.array_length(response.groups.size());
  for (const DescribedGroup& group : response.groups) {
    f.int16(code_of(group.error_code));
    f.string(group.group_id);
    f.string(group.group_state);
    f.string(group.protocol_type);
    f.string(group.protocol_data);
    f.array_length(group.members.size());
    for (const DescribedGroupMember& m : group.members) {
      f.string(m.member_id);
      if (version >= 4) f.nullable_string(m.group_instance_id);
      f.string(m.client_id);
      f.string(m.client_host);
      f.bytes(m.member_metadata);
      f.bytes(m.member_assignment);
      f.tagged_fields();
    }
    if (version >= 3) f.int32(group.authorized_operations);
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

Status decode_list_groups_request(int16_t version, Reader& reader, ListGroupsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kListGroups, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kListGroups, version));
  out.states_filter.clear();
  out.types_filter.clear();
  if (version >= 4) read_strings(f, out.states_filter);
  if (version >= 5) read_strings(f, out.types_filter);
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kListGroups, version, reader);
}

Status encode_list_groups_response(int16_t version, int32_t correlation_id, const ListGroupsResponse& response,
                                   Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kListGroups, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kListGroups, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kListGroups, version));
  if (version >= 1) f.int32(response.throttle_time_ms);
  f.int16(code_of(response.error_code));
  f.array_length(response.groups.size());
  for (const ListedGroup& group : response.groups) {
    f.string(group.group_id);
    f.string(group.protocol_type);
    if (version >= 4) f.string(group.group_state);
    if (version >= 5) f.string(group.group_type);
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

Status decode_delete_groups_request(int16_t version, Reader& reader, DeleteGroupsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kDeleteGroups, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kDeleteGroups, version));
  read_strings(f, out.groups);
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kDeleteGroups, version, reader);
}

Status encode_delete_groups_response(int16_t version, int32_t correlation_id, const DeleteGroupsResponse& response,
                                     Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kDeleteGroups, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kDeleteGroups, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kDeleteGroups, version));
  f.int32(response.throttle_time_ms);
  f.array_length(response.results.size());
  for (const DeletableGroupResult& r : response.results) {
    f.string(r.group_id);
    f.int16(code_of(r.error_code));
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

Status decode_offset_delete_request(int16_t version, Reader& reader, OffsetDeleteRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kOffsetDelete, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kOffsetDelete, version));
  out.group_id = f.string();
  detail::resize_array(out.topics, f.array_length());
  for (OffsetDeleteRequestTopic& topic : out.topics) {
    topic.name = f.string();
    detail::resize_array(topic.partitions, f.array_length(4));
    for (int32_t& p : topic.partitions) {
      p = f.int32();
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kOffsetDelete, version, reader);
}

Status encode_offset_delete_response(int16_t version, int32_t correlation_id, const OffsetDeleteResponse& response,
                                     Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kOffsetDelete, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kOffsetDelete, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kOffsetDelete, version));
  f.int16(code_of(response.error_code));
  f.int32(response.throttle_time_ms);
  f.array_length(response.topics.size());
  for (const OffsetDeleteTopicResult& topic : response.topics) {
    f.string(topic.name);
    f.array_length(topic.partitions.size());
    for (const OffsetDeletePartitionResult& p : topic.partitions) {
      f.int32(p.partition_index);
      f.int16(code_of(p.error_code));
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
