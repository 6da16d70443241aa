// ApiVersions (key 18), v0-3: the first request on every connection, answered with the table
// of api_keys.h. Layouts (ApiVersionsRequest.json / ApiVersionsResponse.json):
//   request   v0-2  (empty)
//             v3    client_software_name COMPACT_STRING, client_software_version
//                   COMPACT_STRING, TAG_BUFFER
//   response  error_code int16, api_keys ARRAY of [api_key int16, min_version int16,
//             max_version int16 (+ TAG_BUFFER v3)], throttle_time_ms int32 (v1+),
//             TAG_BUFFER (v3; tags 0-3 carry features, which the broker does not send)
//   The response header is v0 in every version (see api_keys.h).
// A client that asks with a version the broker does not speak (librdkafka starts with v3, a
// newer one with v4) gets encode_api_versions_fallback: the v0 layout, UNSUPPORTED_VERSION and
// the broker's table, from which it picks a version both sides know and asks again (KIP-511).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "broker/protocol/api_keys.h"
#include "broker/protocol/error_codes.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

struct ApiVersionsRequest {
  std::string_view client_software_name;     // v3+, e.g. "librdkafka"
  std::string_view client_software_version;  // v3+, e.g. "2.0.2"
};

struct ApiVersionsResponse {
  KafkaError error_code = KafkaError::kNone;
  std::span<const ApiSupport> api_keys = supported_apis();
  int32_t throttle_time_ms = 0;
};

Status decode_api_versions_request(int16_t version, Reader& reader, ApiVersionsRequest& out);
Status encode_api_versions_response(int16_t version, int32_t correlation_id, const ApiVersionsResponse& response,
                                    Writer& writer);
// UNSUPPORTED_VERSION in the v0 layout with the broker's full table, header v0.
Status encode_api_versions_fallback(int32_t correlation_id, Writer& writer);

}  // namespace ringmq::broker::protocol
