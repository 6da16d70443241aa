#include "broker/protocol/produce.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {

Status decode_produce_request(int16_t version, Reader& reader, ProduceRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kProduce, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kProduce, version));
  out.transactional_id = version >= 3 ? f.nullable_string() : std::nullopt;
  out.acks = f.int16();
  out.timeout_ms = f.int32();
  detail::resize_array(out.topics, f.array_length());
  for (ProduceTopicData& topic : out.topics) {
    topic.name = f.string();
    detail::resize_array(topic.partitions, f.array_length());
    for (ProducePartitionData& partition : topic.partitions) {
      partition.index = f.int32();
      partition.records = f.nullable_bytes().value_or(std::span<const std::byte>());
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kProduce, version, reader);
}

Status encode_produce_response(int16_t version, int32_t correlation_id, const ProduceResponse& response,
                               Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kProduce, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kProduce, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kProduce, version));
  f.array_length(response.topics.size());
  for (const ProduceTopicResponse& topic : response.topics) {
    f.string(topic.name);
    f.array_length(topic.partitions.size());
    for (const ProducePartitionResponse& p : topic.partitions) {
      f.int32(p.index);
      f.int16(code_of(p.error_code));
      f.int64(p.base_offset);
      if (version >= 2) f.int64(p.log_append_time_ms);
      if (version >= 5) f.int64(p.log_start_offset);
      if (version >= 8) {
        f.array_length(p.record_errors.size());
        for (const ProduceRecordError& e : p.record_errors) {
          f.int32(e.batch_index);
          f.nullable_string(e.message);
          f.tagged_fields();
        }
        f.nullable_string(p.error_message);
      }
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  if (version >= 1) f.int32(response.throttle_time_ms);
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
