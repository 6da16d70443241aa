#include "broker/protocol/init_producer_id.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {

Status decode_init_producer_id_request(int16_t version, Reader& reader, InitProducerIdRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kInitProducerId, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kInitProducerId, version));
  out.transactional_id = f.nullable_string();
  out.transaction_timeout_ms = f.int32();
  out.producer_id = version >= 3 ? f.int64() : -1;
  out.producer_epoch = version >= 3 ? f.int16() : -1;
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kInitProducerId, version, reader);
}

Status encode_init_producer_id_response(int16_t version, int32_t correlation_id, const InitProducerIdResponse& response,
                                        Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kInitProducerId, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kInitProducerId, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kInitProducerId, version));
  f.int32(response.throttle_time_ms);
  f.int16(code_of(response.error_code));
  f.int64(response.producer_id);
  f.int16(response.producer_epoch);
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
