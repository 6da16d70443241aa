#include "broker/protocol/topic_admin.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {

Status decode_create_topics_request(int16_t version, Reader& reader, CreateTopicsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kCreateTopics, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kCreateTopics, version));
  detail::resize_array(out.topics, f.array_length());
  for (CreatableTopic& topic : out.topics) {
    topic.name = f.string();
    topic.num_partitions = f.int32();
    topic.replication_factor = f.int16();
    detail::resize_array(topic.assignments, f.array_length());
    for (CreatableReplicaAssignment& a : topic.assignments) {
      a.partition_index = f.int32();
      detail::resize_array(a.broker_ids, f.array_length(4));
      for (int32_t& id : a.broker_ids) id = f.int32();
      f.tagged_fields();
    }
    detail::resize_array(topic.configs, f.array_length());
    for (CreatableTopicConfig& c : topic.configs) {
      c.name = f.string();
      c.value = f.nullable_string();
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  out.timeout_ms = f.int32();
  out.validate_only = version >= 1 ? f.boolean() : false;
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kCreateTopics, version, reader);
}

Status encode_create_topics_response(int16_t version, int32_t correlation_id, const CreateTopicsResponse& response,
                                     Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kCreateTopics, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kCreateTopics, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kCreateTopics, version));
  if (version >= 2) f.int32(response.throttle_time_ms);
  f.array_length(response.topics.size());
  for (const CreateTopicResult& topic : response.topics) {
    f.string(topic.name);
    if (version >= 7) f.uuid(topic.topic_id);
    f.int16(code_of(topic.error_code));
    if (version >= 1) f.nullable_string(topic.error_message);
    if (version >= 5) {
      f.int32(topic.num_partitions);
      f.int16(topic.replication_factor);
      f.array_length(topic.configs.size());
      for (const CreateTopicConfigResult& c : topic.configs) {
        f.string(c.name);
        f.nullable_string(c.value);
        f.boolean(c.read_only);
        f.int8(c.config_source);
        f.boolean(c.is_sensitive);
        f.tagged_fields();
      }
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

Status decode_delete_topics_request(int16_t version, Reader& reader, DeleteTopicsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kDeleteTopics, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kDeleteTopics, version));
  detail::resize_array(out.topics, f.array_length());
  for (DeleteTopicState& topic : out.topics) {
    if (version >= 6) {
      topic.name = f.nullable_string();
      topic.topic_id = f.uuid();
      f.tagged_fields();
    } else {
      topic.name = f.string();
      topic.topic_id = Uuid{};
    }
  }
  out.timeout_ms = f.int32();
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kDeleteTopics, version, reader);
}

Status encode_delete_topics_response(int16_t version, int32_t correlation_id, const DeleteTopicsResponse& response,
                                     Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kDeleteTopics, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kDeleteTopics, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kDeleteTopics, version));
  if (version >= 1) f.int32(response.throttle_time_ms);
  f.array_length(response.responses.size());
  for (const DeletableTopicResult& r : response.responses) {
    if (version >= 6) {
      f.nullable_string(r.name);
      f.uuid(r.topic_id);
    } else {
      f.string(r.name.value_or(std::string_view()));
    }
    f.int16(code_of(r.error_code));
    if (version >= 5) f.nullable_string(r.error_message);
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

Status decode_delete_records_request(int16_t version, Reader& reader, DeleteRecordsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kDeleteRecords, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kDeleteRecords, version));
  detail::resize_array(out.topics, f.array_length());
  for (DeleteRecordsTopic& topic : out.topics) {
    topic.name = f.string();
    detail::resize_array(topic.partitions, f.array_length(12));
    for (DeleteRecordsPartition& p : topic.partitions) {
      p.partition_index = f.int32();
      p.offset = f.int64();
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  out.timeout_ms = f.int32();
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kDeleteRecords, version, reader);
}

Status encode_delete_records_response(int16_t version, int32_t correlation_id, const DeleteRecordsResponse& response,
                                      Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kDeleteRecords, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kDeleteRecords, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kDeleteRecords, version));
  f.int32(response.throttle_time_ms);
  f.array_length(response.topics.size());
  for (const DeleteRecordsTopicResult& topic : response.topics) {
    f.string(topic.name);
    f.array_length(topic.partitions.size());
    for (const DeleteRecordsPartitionResult& p : topic.partitions) {
      f.int32(p.partition_index);
      f.int64(p.low_watermark);
      f.int16(code_of(p.error_code));
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

Status decode_create_partitions_request(int16_t version, Reader& reader, CreatePartitionsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kCreatePartitions, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kCreatePartitions, version));
  detail::resize_array(out.topics, f.array_length());
  for (CreatePartitionsTopic& topic : out.topics) {
    topic.name = f.string();
    topic.count = f.int32();
    topic.assignment_count = f.nullable_array_length();
    topic.assigned_brokers.clear();
    for (int32_t a = 0; a < topic.assignment_count && f.ok(); ++a) {
      const int32_t brokers = f.array_length(4);
      for (int32_t b = 0; b < brokers && f.ok(); ++b) topic.assigned_brokers.push_back(f.int32());
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  out.timeout_ms = f.int32();
  out.validate_only = f.boolean();
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kCreatePartitions, version, reader);
}

Status encode_create_partitions_response(int16_t version, int32_t correlation_id,
                                         const CreatePartitionsResponse& response, Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kCreatePartitions, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kCreatePartitions, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kCreatePartitions, version));
  f.int32(response.throttle_time_ms);
  f.array_length(response.results.size());
  for (const CreatePartitionsTopicResult& r : response.results) {
    f.string(r.name);
    f.int16(code_of(r.error_code));
    f.nullable_string(r.error_message);
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
