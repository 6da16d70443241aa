#include "broker/protocol/leader_epoch.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {

Status decode_offset_for_leader_epoch_request(int16_t version, Reader& reader, OffsetForLeaderEpochRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kOffsetForLeaderEpoch, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kOffsetForLeaderEpoch, version));
  out.replica_id = version >= 3 ? f.int32() : -2;
  detail::resize_array(out.topics, f.array_length());
  for (OffsetForLeaderTopic& t : out.topics) {
    t.topic = f.string();
    detail::resize_array(t.partitions, f.array_length(8));
    for (OffsetForLeaderPartition& p : t.partitions) {
      p.partition = f.int32();
      p.current_leader_epoch = version >= 2 ? f.int32() : kUndefinedEpoch;
      p.leader_epoch = f.int32();
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kOffsetForLeaderEpoch, version, reader);
}

Status encode_offset_for_leader_epoch_response(int16_t version, int32_t correlation_id,
                                               const OffsetForLeaderEpochResponse& response, Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kOffsetForLeaderEpoch, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kOffsetForLeaderEpoch, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kOffsetForLeaderEpoch, version));
  if (version >= 2) f.int32(response.throttle_time_ms);
  f.array_length(response.topics.size());
  for (const OffsetForLeaderTopicResult& t : response.topics) {
    f.string(t.topic);
    f.array_length(t.partitions.size());
    for (const EpochEndOffset& p : t.partitions) {
      f.int16(code_of(p.error_code));
      f.int32(p.partition);
      if (version >= 1) f.int32(p.leader_epoch);
      f.int64(p.end_offset);
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
