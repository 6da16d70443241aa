#include "broker/protocol/metadata.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {
namespace {

void write_int32_array(FieldWriter& f, const std::vector<int32_t>& values) {
  f.array_length(values.size());
  for (int32_t v : values) f.int32(v);
}

}  // namespace

Status decode_metadata_request(int16_t version, Reader& reader, MetadataRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kMetadata, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kMetadata, version));
  int32_t count = version >= 1 ? f.nullable_array_length() : f.array_length();
  out.all_topics = count < 0 || (version == 0 && count == 0);
  detail::resize_array(out.topics, count);
  for (MetadataRequestTopic& topic : out.topics) {
    topic.topic_id = version >= 10 ? f.uuid() : Uuid{};
    if (version >= 10) {
      topic.name = f.nullable_string();
    } else {
      topic.name = f.string();
    }
    f.tagged_fields();
  }
  out.allow_auto_topic_creation = version >= 4 ? f.boolean() : true;
  out.include_cluster_authorized_operations = (version >= 8 && version <= 10) ? f.boolean() : false;
  out.include_topic_authorized_operations = version >= 8 ? f.boolean() : false;
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kMetadata, version, reader);
}

Status encode_metadata_response(int16_t version, int32_t correlation_id, const MetadataResponse& response,
                                Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kMetadata, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kMetadata, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kMetadata, version));
  if (version >= 3) f.int32(response.throttle_time_ms);
  f.array_length(response.brokers.size());
  for (const MetadataBroker& broker : response.brokers) {
    f.int32(broker.node_id);
    f.string(broker.host);
    f.int32(broker.port);
    if (version >= 1) f.nullable_string(broker.rack);
    f.tagged_fields();
  }
  if (version >= 2) f.nullable_string(response.cluster_id);
  if (version >= 1) f.int32(response.controller_id);
  f.array_length(response.topics.size());
  for (const MetadataTopic& topic : response.topics) {
    f.int16(code_of(topic.error_code));
    if (version >= 12) {
      f.nullable_string(topic.name);
    } else {
      f.string(topic.name.value_or(std::string_view()));
    }
    if (version >= 10) f.uuid(topic.topic_id);
    if (version >= 1) f.boolean(topic.is_internal);
    f.array_length(topic.partitions.size());
    for (const MetadataPartition& p : topic.partitions) {
      f.int16(code_of(p.error_code));
      f.int32(p.partition_index);
      f.int32(p.leader_id);
      if (version >= 7) f.int32(p.leader_epoch);
      write_int32_array(f, p.replica_nodes);
      write_int32_array(f, p.isr_nodes);
      if (version >= 5) write_int32_array(f, p.offline_replicas);
      f.tagged_fields();
    }
    if (version >= 8) f.int32(topic.topic_authorized_operations);
    f.tagged_fields();
  }
  if (version >= 8 && version <= 10) f.int32(response.cluster_authorized_operations);
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
