// SaslHandshake (key 17, v0-1, never flexible) and SaslAuthenticate (key 36, v0-2, flexible
// from v2): a client names its SASL mechanism, then sends the mechanism's tokens wrapped in
// SaslAuthenticate requests until the exchange succeeds or fails. Layouts (the JSON schemas):
//   SaslHandshake request      mechanism STRING ("PLAIN", "SCRAM-SHA-256", ...)
//   SaslHandshake response     error_code int16, mechanisms ARRAY of STRING (those enabled)
//   SaslAuthenticate request   auth_bytes BYTES
//   SaslAuthenticate response  error_code int16, error_message NULLABLE_STRING,
//                              auth_bytes BYTES, session_lifetime_ms int64 (v1+)
// SaslHandshake v0 has v1's layout and is decoded, but the broker answers it with
// UNSUPPORTED_VERSION: after a v0 handshake the client sends the mechanism's tokens as bare
// size-prefixed frames with no Kafka request header, a second framing this broker does not
// speak. (It is advertised because librdkafka's SASL feature check asks for v0.) Kafka never made SaslHandshake
// flexible (KAFKA-9577: clients up to 2.4 negotiate its version wrongly), so both its headers stay v1 / v0 in every
// version.
#pragma once

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

struct SaslHandshakeRequest {
  std::string_view mechanism;
};

struct SaslHandshakeResponse {
  KafkaError error_code = KafkaError::kNone;  // UNSUPPORTED_SASL_MECHANISM for one not enabled
  std::vector<std::string_view> mechanisms;   // sent on success and on failure alike
};

struct SaslAuthenticateRequest {
  std::span<const std::byte> auth_bytes;  // one token of the mechanism (may hold a password)
};

struct SaslAuthenticateResponse {
  KafkaError error_code = KafkaError::kNone;  // SASL_AUTHENTICATION_FAILED, ILLEGAL_SASL_STATE
  std::optional<std::string_view> error_message;
  std::span<const std::byte> auth_bytes;  // the server's token; empty when it has none
  // v1+: after this many ms the client must re-authenticate (KIP-368); 0 for no limit.
  int64_t session_lifetime_ms = 0;
};

Status decode_sasl_handshake_request(int16_t version, Reader& reader, SaslHandshakeRequest& out);
Status encode_sasl_handshake_response(int16_t version, int32_t correlation_id, const SaslHandshakeResponse& response,
                                      Writer& writer);
Status decode_sasl_authenticate_request(int16_t version, Reader& reader, SaslAuthenticateRequest& out);
Status encode_sasl_authenticate_response(int16_t version, int32_t correlation_id,
                                         const SaslAuthenticateResponse& response, Writer& writer);

}  // namespace ringmq::broker::protocol
