#include "broker/protocol/sasl.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {

Status decode_sasl_handshake_request(int16_t version, Reader& reader, SaslHandshakeRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kSaslHandshake, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kSaslHandshake, version));
  out.mechanism = f.string();
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kSaslHandshake, version, reader);
}

Status encode_sasl_handshake_response(int16_t version, int32_t correlation_id, const SaslHandshakeResponse& response,
                                      Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kSaslHandshake, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kSaslHandshake, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kSaslHandshake, version));
  f.int16(code_of(response.error_code));
  f.array_length(response.mechanisms.size());
  for (std::string_view mechanism : response.mechanisms) f.string(mechanism);
  f.tagged_fields();
  return frame.finish();
}

Status decode_sasl_authenticate_request(int16_t version, Reader& reader, SaslAuthenticateRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kSaslAuthenticate, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kSaslAuthenticate, version));
  out.auth_bytes = f.bytes();
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kSaslAuthenticate, version, reader);
}

Status encode_sasl_authenticate_response(int16_t version, int32_t correlation_id,
                                         const SaslAuthenticateResponse& response, Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kSaslAuthenticate, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kSaslAuthenticate, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kSaslAuthenticate, version));
  f.int16(code_of(response.error_code));
  f.nullable_string(response.error_message);
  f.bytes(response.auth_bytes);
  if (version >= 1) f.int64(response.session_lifetime_ms);
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
