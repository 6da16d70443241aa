#include "broker/protocol/cluster_admin.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {

Status decode_describe_cluster_request(int16_t version, Reader& reader, DescribeClusterRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kDescribeCluster, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kDescribeCluster, version));
  out.include_cluster_authorized_operations = f.boolean();
  out.endpoint_type = version >= 1 ? f.int8() : kEndpointBrokers;
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kDescribeCluster, version, reader);
}

Status encode_describe_cluster_response(int16_t version, int32_t correlation_id,
                                        const DescribeClusterResponse& response, Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kDescribeCluster, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kDescribeCluster, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kDescribeCluster, version));
  f.int32(response.throttle_time_ms);
  f.int16(code_of(response.error_code));
  f.nullable_string(response.error_message);
  if (version >= 1) f.int8(response.endpoint_type);
  f.string(response.cluster_id);
  f.int32(response.controller_id);
  f.array_length(response.brokers.size());
  for (const DescribeClusterBroker& b : response.brokers) {
    f.int32(b.broker_id);
    f.string(b.host);
    f.int32(b.port);
    f.nullable_string(b.rack);
    f.tagged_fields();
  }
  f.int32(response.cluster_authorized_operations);
  f.tagged_fields();
  return frame.finish();
}

Status decode_describe_log_dirs_request(int16_t version, Reader& reader, DescribeLogDirsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kDescribeLogDirs, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kDescribeLogDirs, version));
  const int32_t topics = f.nullable_array_length();
  out.all_topics = topics < 0;
  detail::resize_array(out.topics, topics);
  for (DescribeLogDirsTopic& t : out.topics) {
    t.topic = f.string();
    detail::resize_array(t.partitions, f.array_length(4));
    for (int32_t& p : t.partitions) p = f.int32();
    f.tagged_fields();
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kDescribeLogDirs, version, reader);
}

Status encode_describe_log_dirs_response(int16_t version, int32_t correlation_id,
                                         const DescribeLogDirsResponse& response, Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kDescribeLogDirs, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kDescribeLogDirs, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kDescribeLogDirs, version));
  f.int32(response.throttle_time_ms);
  if (version >= 3) f.int16(code_of(response.error_code));
  f.array_length(response.results.size());
  for (const DescribeLogDirsResult& r : response.results) {
    f.int16(code_of(r.error_code));
    f.string(r.log_dir);
    f.array_length(r.topics.size());
    for (const DescribeLogDirsTopicResult& t : r.topics) {
      f.string(t.name);
      f.array_length(t.partitions.size());
      for (const DescribeLogDirsPartition& p : t.partitions) {
        f.int32(p.partition_index);
        f.int64(p.partition_size);
        f.int64(p.offset_lag);
        f.boolean(p.is_future_key);
        f.tagged_fields();
      }
      f.tagged_fields();
    }
    if (version >= 4) {
      f.int64(r.total_bytes);
      f.int64(r.usable_bytes);
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
