#include "broker/protocol/api_versions.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {

Status decode_api_versions_request(int16_t version, Reader& reader, ApiVersionsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kApiVersions, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kApiVersions, version));
  out.client_software_name = version >= 3 ? f.string() : std::string_view();
  out.client_software_version = version >= 3 ? f.string() : std::string_view();
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kApiVersions, version, reader);
}

namespace {

void write_api_versions_body(int16_t version, const ApiVersionsResponse& response, Writer& writer) {
  FieldWriter f(writer, is_flexible(ApiKey::kApiVersions, version));
  f.int16(code_of(response.error_code));
  f.array_length(response.api_keys.size());
  for (const ApiSupport& api : response.api_keys) {
    f.int16(static_cast<int16_t>(api.key));
    f.int16(api.min_version);
    f.int16(api.max_version);
    f.tagged_fields();
  }
  if (version >= 1) f.int32(response.throttle_time_ms);
  f.tagged_fields();
}

}  // namespace

Status encode_api_versions_response(int16_t version, int32_t correlation_id, const ApiVersionsResponse& response,
                                    Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kApiVersions, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kApiVersions, version, correlation_id);
  write_api_versions_body(version, response, writer);
  return frame.finish();
}

Status encode_api_versions_fallback(int32_t correlation_id, Writer& writer) {
  ResponseFrame frame(writer, ApiKey::kApiVersions, 0, correlation_id);
  write_api_versions_body(0, ApiVersionsResponse{KafkaError::kUnsupportedVersion, supported_apis(), 0}, writer);
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
