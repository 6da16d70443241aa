#include "broker/protocol/config_admin.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {

Status decode_describe_configs_request(int16_t version, Reader& reader, DescribeConfigsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kDescribeConfigs, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kDescribeConfigs, version));
  detail::resize_array(out.resources, f.array_length());
  for (DescribeConfigsResource& r : out.resources) {
    r.resource_type = f.int8();
    r.resource_name = f.string();
    const int32_t keys = f.nullable_array_length();
    r.all_keys = keys < 0;
    detail::resize_array(r.keys, keys);
    for (std::string_view& key : r.keys) key = f.string();
    f.tagged_fields();
  }
  out.include_synonyms = version >= 1 ? f.boolean() : false;
  out.include_documentation = version >= 3 ? f.boolean() : false;
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kDescribeConfigs, version, reader);
}

Status encode_describe_configs_response(int16_t version, int32_t correlation_id,
                                        const DescribeConfigsResponse& response, Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kDescribeConfigs, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kDescribeConfigs, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kDescribeConfigs, version));
  f.int32(response.throttle_time_ms);
  f.array_length(response.results.size());
  for (const DescribeConfigsResult& r : response.results) {
    f.int16(code_of(r.error_code));
    f.nullable_string(r.error_message);
    f.int8(r.resource_type);
    f.string(r.resource_name);
    f.array_length(r.configs.size());
    for (const DescribeConfigsEntry& c : r.configs) {
      f.string(c.name);
      f.nullable_string(c.value);
      f.boolean(c.read_only);
      if (version == 0)
        f.boolean(c.config_source == 5);  // is_default
      else
        f.int8(c.config_source);
      f.boolean(c.is_sensitive);
      if (version >= 1) {
        f.array_length(c.synonyms.size());
        for (const DescribeConfigsSynonym& s : c.synonyms) {
          f.string(s.name);
          f.nullable_string(s.value);
          f.int8(s.source);
          f.tagged_fields();
        }
      }
      if (version >= 3) {
        f.int8(static_cast<int8_t>(c.config_type));
        f.nullable_string(c.documentation);
      }
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

Status decode_alter_configs_request(int16_t version, Reader& reader, AlterConfigsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kAlterConfigs, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kAlterConfigs, version));
  detail::resize_array(out.resources, f.array_length());
  for (AlterConfigsResource& r : out.resources) {
    r.resource_type = f.int8();
    r.resource_name = f.string();
    detail::resize_array(r.configs, f.array_length());
    for (AlterableConfig& c : r.configs) {
      c.name = f.string();
      c.value = f.nullable_string();
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  out.validate_only = f.boolean();
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kAlterConfigs, version, reader);
}

namespace {

Status encode_alter_results(ApiKey key, int16_t version, int32_t correlation_id, const AlterConfigsResponse& response,
                            Writer& writer) {
  if (auto ok = detail::check_version(key, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, key, version, correlation_id);
  FieldWriter f(writer, is_flexible(key, version));
  f.int32(response.throttle_time_ms);
  f.array_length(response.responses.size());
  for (const AlterConfigsResult& r : response.responses) {
    f.int16(code_of(r.error_code));
    f.nullable_string(r.error_message);
    f.int8(r.resource_type);
    f.string(r.resource_name);
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

}  // namespace

Status encode_alter_configs_response(int16_t version, int32_t correlation_id, const AlterConfigsResponse& response,
                                     Writer& writer) {
  return encode_alter_results(ApiKey::kAlterConfigs, version, correlation_id, response, writer);
}

Status decode_incremental_alter_configs_request(int16_t version, Reader& reader, IncrementalAlterConfigsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kIncrementalAlterConfigs, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kIncrementalAlterConfigs, version));
  detail::resize_array(out.resources, f.array_length());
  for (IncrementalAlterConfigsResource& r : out.resources) {
    r.resource_type = f.int8();
    r.resource_name = f.string();
    detail::resize_array(r.configs, f.array_length());
    for (IncrementalAlterableConfig& c : r.configs) {
      c.name = f.string();
      c.operation = f.int8();
      c.value = f.nullable_string();
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  out.validate_only = f.boolean();
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kIncrementalAlterConfigs, version, reader);
}

Status encode_incremental_alter_configs_response(int16_t version, int32_t correlation_id,
                                                 const AlterConfigsResponse& response, Writer& writer) {
  return encode_alter_results(ApiKey::kIncrementalAlterConfigs, version, correlation_id, response, writer);
}

}  // namespace ringmq::broker::protocol
