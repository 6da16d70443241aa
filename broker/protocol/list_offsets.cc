#include "broker/protocol/list_offsets.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {

Status decode_list_offsets_request(int16_t version, Reader& reader, ListOffsetsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kListOffsets, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kListOffsets, version));
  out.replica_id = f.int32();
  out.isolation_level = version >= 2 ? f.int8() : 0;
  detail::resize_array(out.topics, f.array_length());
  for (ListOffsetsTopic& topic : out.topics) {
    topic.name = f.string();
    detail::resize_array(topic.partitions, f.array_length());
    for (ListOffsetsPartition& p : topic.partitions) {
      p.partition_index = f.int32();
      p.current_leader_epoch = version >= 4 ? f.int32() : -1;
      p.timestamp = f.int64();
      p.max_num_offsets = version == 0 ? f.int32() : 1;
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kListOffsets, version, reader);
}

Status encode_list_offsets_response(int16_t version, int32_t correlation_id, const ListOffsetsResponse& response,
                                    Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kListOffsets, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kListOffsets, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kListOffsets, version));
  if (version >= 2) f.int32(response.throttle_time_ms);
  f.array_length(response.topics.size());
  for (const ListOffsetsTopicResponse& topic : response.topics) {
    f.string(topic.name);
    f.array_length(topic.partitions.size());
    for (const ListOffsetsPartitionResponse& p : topic.partitions) {
      f.int32(p.partition_index);
      f.int16(code_of(p.error_code));
      if (version == 0) {
        f.array_length(p.offset >= 0 ? 1 : 0);
        if (p.offset >= 0) f.int64(p.offset);
      } else {
        f.int64(p.timestamp);
        f.int64(p.offset);
      }
      if (version >= 4) f.int32(p.leader_epoch);
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
