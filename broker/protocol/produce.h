// Produce (key 0), v3-9: a producer's record batches, one blob per partition. The blob stays
// a view into the request frame; validate it with RecordBatchIterator (record_batch.h) and
// store the batches as they are. With acks = 0 the client expects no response at all.
// Layouts (ProduceRequest.json / ProduceResponse.json; flexible from v9):
//   request   transactional_id NULLABLE_STRING (v3+), acks int16, timeout_ms int32,
//             topic_data ARRAY of [name STRING,
//                                  partition_data ARRAY of [index int32,
//                                                           records NULLABLE_BYTES]]
//   response  responses ARRAY of [name STRING,
//                                 partition_responses ARRAY of [index int32,
//                                   error_code int16, base_offset int64,
//                                   log_append_time_ms int64 (v2+),
//                                   log_start_offset int64 (v5+),
//                                   record_errors ARRAY of [batch_index int32,
//                                     batch_index_error_message NULLABLE_STRING] (v8+),
//                                   error_message NULLABLE_STRING (v8+)]]
//             throttle_time_ms int32 (v1+)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

struct ProducePartitionData {
  int32_t index = 0;
  std::span<const std::byte> records;  // empty when the client sent null
};

struct ProduceTopicData {
  std::string_view name;
  std::vector<ProducePartitionData> partitions;
};

struct ProduceRequest {
  std::optional<std::string_view> transactional_id;
  int16_t acks = -1;  // 0: no response; 1: leader; -1: all in-sync replicas
  int32_t timeout_ms = 0;
  std::vector<ProduceTopicData> topics;
};

struct ProduceRecordError {
  int32_t batch_index = 0;
  std::optional<std::string_view> message;
};

struct ProducePartitionResponse {
  int32_t index = 0;
  KafkaError error_code = KafkaError::kNone;
  int64_t base_offset = -1;
  int64_t log_append_time_ms = -1;  // -1 unless the topic uses LogAppendTime
  int64_t log_start_offset = -1;
  std::vector<ProduceRecordError> record_errors;
  std::optional<std::string_view> error_message;
};

struct ProduceTopicResponse {
  std::string_view name;
  std::vector<ProducePartitionResponse> partitions;
};

struct ProduceResponse {
  std::vector<ProduceTopicResponse> topics;
  int32_t throttle_time_ms = 0;
};

Status decode_produce_request(int16_t version, Reader& reader, ProduceRequest& out);
Status encode_produce_response(int16_t version, int32_t correlation_id, const ProduceResponse& response,
                               Writer& writer);

}  // namespace ringmq::broker::protocol
