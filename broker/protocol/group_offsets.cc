#include "broker/protocol/group_offsets.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {

Status decode_offset_commit_request(int16_t version, Reader& reader, OffsetCommitRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kOffsetCommit, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kOffsetCommit, version));
  out.group_id = f.string();
  out.generation_id = version >= 1 ? f.int32() : -1;
  out.member_id = version >= 1 ? f.string() : std::string_view();
  out.group_instance_id = version >= 7 ? f.nullable_string() : std::nullopt;
  out.retention_time_ms = (version >= 2 && version <= 4) ? f.int64() : -1;
  detail::resize_array(out.topics, f.array_length());
  for (OffsetCommitTopic& topic : out.topics) {
    topic.name = f.string();
    detail::resize_array(topic.partitions, f.array_length());
    for (OffsetCommitPartition& p : topic.partitions) {
      p.partition_index = f.int32();
      p.committed_offset = f.int64();
      p.committed_leader_epoch = version >= 6 ? f.int32() : -1;
      p.commit_timestamp = version == 1 ? f.int64() : -1;
      p.committed_metadata = f.nullable_string();
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kOffsetCommit, version, reader);
}

Status encode_offset_commit_response(int16_t version, int32_t correlation_id, const OffsetCommitResponse& response,
                                     Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kOffsetCommit, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kOffsetCommit, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kOffsetCommit, version));
  if (version >= 3) f.int32(response.throttle_time_ms);
  f.array_length(response.topics.size());
  for (const OffsetCommitTopicResponse& topic : response.topics) {
    f.string(topic.name);
    f.array_length(topic.partitions.size());
    for (const OffsetCommitPartitionResponse& p : topic.partitions) {
      f.int32(p.partition_index);
      f.int16(code_of(p.error_code));
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

namespace {

// The topic list of one group: null (all topics) is allowed from v2.
void read_offset_fetch_topics(FieldReader& f, bool nullable, OffsetFetchGroup& group) {
  int32_t count = nullable ? f.nullable_array_length() : f.array_length();
  group.all_topics = count < 0;
  detail::resize_array(group.topics, count);
  for (OffsetFetchTopic& topic : group.topics) {
    topic.name = f.string();
    detail::resize_array(topic.partition_indexes, f.array_length(4));
    for (int32_t& index : topic.partition_indexes) index = f.int32();
    f.tagged_fields();
  }
}

void write_offset_fetch_topics(FieldWriter& f, int16_t version, const std::vector<OffsetFetchTopicResponse>& topics) {
  f.array_length(topics.size());
  for (const OffsetFetchTopicResponse& topic : topics) {
    f.string(topic.name);
    f.array_length(topic.partitions.size());
    for (const OffsetFetchPartitionResponse& p : topic.partitions) {
      f.int32(p.partition_index);
      f.int64(p.committed_offset);
      if (version >= 5) f.int32(p.committed_leader_epoch);
      f.nullable_string(p.metadata);
      f.int16(code_of(p.error_code));
      f.tagged_fields();
    }
    f.tagged_fields();
  }
}

}  // namespace

Status decode_offset_fetch_request(int16_t version, Reader& reader, OffsetFetchRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kOffsetFetch, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kOffsetFetch, version));
  if (version >= 8) {
    detail::resize_array(out.groups, f.array_length());
    for (OffsetFetchGroup& group : out.groups) {
      group.group_id = f.string();
      read_offset_fetch_topics(f, true, group);
      f.tagged_fields();
    }
  } else {
    detail::resize_array(out.groups, 1);
    out.groups[0].group_id = f.string();
    read_offset_fetch_topics(f, version >= 2, out.groups[0]);
  }
  out.require_stable = version >= 7 ? f.boolean() : false;
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kOffsetFetch, version, reader);
}

Status encode_offset_fetch_response(int16_t version, int32_t correlation_id, const OffsetFetchResponse& response,
                                    Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kOffsetFetch, version, "response"); !ok) return ok;
  if (version < 8 && response.groups.size() != 1) {
    return make_error(ErrorCode::kInvalidArgument, "OffsetFetch v" + std::to_string(version) +
                                                       " response carries exactly one group, got " +
                                                       std::to_string(response.groups.size()));
  }
  ResponseFrame frame(writer, ApiKey::kOffsetFetch, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kOffsetFetch, version));
  if (version >= 3) f.int32(response.throttle_time_ms);
  if (version >= 8) {
    f.array_length(response.groups.size());
    for (const OffsetFetchGroupResponse& group : response.groups) {
      f.string(group.group_id);
      write_offset_fetch_topics(f, version, group.topics);
      f.int16(code_of(group.error_code));
      f.tagged_fields();
    }
  } else {
    const OffsetFetchGroupResponse& group = response.groups.front();
    write_offset_fetch_topics(f, version, group.topics);
    if (version >= 2) f.int16(code_of(group.error_code));
  }
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
