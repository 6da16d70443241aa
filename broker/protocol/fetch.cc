#include "broker/protocol/fetch.h"

#include <climits>

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/record_batch.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {

Status decode_fetch_request(int16_t version, Reader& reader, FetchRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kFetch, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kFetch, version));
  out.replica_id = f.int32();
  out.max_wait_ms = f.int32();
  out.min_bytes = f.int32();
  out.max_bytes = version >= 3 ? f.int32() : INT32_MAX;
  out.isolation_level = version >= 4 ? f.int8() : 0;
  out.session_id = version >= 7 ? f.int32() : 0;
  out.session_epoch = version >= 7 ? f.int32() : -1;
  detail::resize_array(out.topics, f.array_length());
  for (FetchTopic& topic : out.topics) {
    topic.topic = f.string();
    detail::resize_array(topic.partitions, f.array_length());
    for (FetchPartition& p : topic.partitions) {
      p.partition = f.int32();
      p.current_leader_epoch = version >= 9 ? f.int32() : -1;
      p.fetch_offset = f.int64();
      p.last_fetched_epoch = version >= 12 ? f.int32() : -1;
      p.log_start_offset = version >= 5 ? f.int64() : -1;
      p.partition_max_bytes = f.int32();
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  detail::resize_array(out.forgotten_topics, version >= 7 ? f.array_length() : 0);
  for (ForgottenTopic& topic : out.forgotten_topics) {
    topic.topic = f.string();
    detail::resize_array(topic.partitions, f.array_length(4));
    for (int32_t& partition : topic.partitions) partition = f.int32();
    f.tagged_fields();
  }
  out.rack_id = version >= 11 ? f.string() : std::string_view();
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kFetch, version, reader);
}

Status encode_fetch_response(int16_t version, int32_t correlation_id, const FetchResponse& response, Writer& writer,
                             FetchRecordsSink* sink) {
  if (auto ok = detail::check_version(ApiKey::kFetch, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kFetch, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kFetch, version));
  if (version >= 1) f.int32(response.throttle_time_ms);
  if (version >= 7) {
    f.int16(code_of(response.error_code));
    f.int32(response.session_id);
  }
  f.array_length(response.topics.size());
  for (const FetchTopicResponse& topic : response.topics) {
    f.string(topic.topic);
    f.array_length(topic.partitions.size());
    for (const FetchPartitionResponse& p : topic.partitions) {
      f.int32(p.partition_index);
      f.int16(code_of(p.error_code));
      f.int64(p.high_watermark);
      if (version >= 4) {
        f.int64(p.last_stable_offset);
        if (version >= 5) f.int64(p.log_start_offset);
        f.array_length(p.aborted_transactions.size());
        for (const AbortedTransaction& t : p.aborted_transactions) {
          f.int64(t.producer_id);
          f.int64(t.first_offset);
          f.tagged_fields();
        }
      }
      if (version >= 11) f.int32(p.preferred_read_replica);
      size_t records_size = 0;
      for (const FetchRecordChunk& chunk : p.records) records_size += chunk.bytes.size();
      if (records_size > INT32_MAX - 1) {
        writer.fail("records of " + std::to_string(records_size) + " bytes do not fit one fetch response");
        break;
      }
      if (f.flexible()) {
        writer.write_unsigned_varint(static_cast<uint32_t>(records_size + 1));
      } else {
        writer.write_int32(static_cast<int32_t>(records_size));
      }
      for (const FetchRecordChunk& chunk : p.records) {
        bool rewrite = chunk.base_offset != kKeepBaseOffset && chunk.bytes.size() >= 8;
        if (sink != nullptr) {
          std::span<const std::byte> view = chunk.bytes;
          if (rewrite) {
            writer.write_int64(chunk.base_offset);
            view = view.subspan(8);
          }
          if (!view.empty()) sink->append_view(view);
          frame.add_external_bytes(view.size());
          continue;
        }
        size_t at = writer.size();
        writer.write_raw(chunk.bytes);
        if (rewrite) (void)set_base_offset(writer.written(at, chunk.bytes.size()), chunk.base_offset);
      }
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
