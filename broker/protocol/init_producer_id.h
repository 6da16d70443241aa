// InitProducerId (key 22), v0-4: hands an idempotent (or transactional) producer its
// producer id and epoch. Layouts (InitProducerIdRequest.json / InitProducerIdResponse.json;
// flexible from v2):
//   request   transactional_id NULLABLE_STRING, transaction_timeout_ms int32,
//             producer_id int64 (v3+), producer_epoch int16 (v3+)
//   response  throttle_time_ms int32, error_code int16, producer_id int64,
//             producer_epoch int16
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

struct InitProducerIdRequest {
  std::optional<std::string_view> transactional_id;  // null for an idempotent producer
  int32_t transaction_timeout_ms = 0;
  int64_t producer_id = -1;  // v3+: the current id when bumping the epoch
  int16_t producer_epoch = -1;
};

struct InitProducerIdResponse {
  int32_t throttle_time_ms = 0;
  KafkaError error_code = KafkaError::kNone;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

Status decode_init_producer_id_request(int16_t version, Reader& reader, InitProducerIdRequest& out);
Status encode_init_producer_id_response(int16_t version, int32_t correlation_id, const InitProducerIdResponse& response,
                                        Writer& writer);

}  // namespace ringmq::broker::protocol
