#include "broker/protocol/acl_admin.h"

#include <string>

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {
namespace {

// Smallest encoding of a creation or a filter over all versions (v2+: five one-byte fields,
// two one-byte compact strings, TAG_BUFFER), so that a count the bytes cannot hold fails
// before anything is sized from it.
constexpr size_t kAclEntryMinBytes = 8;

// The fields DescribeAcls sends once and DeleteAcls once per filter, in schema order.
void read_acl_filter(FieldReader& f, int16_t version, AclFilter& out) {
  out.resource_type = f.int8();
  out.resource_name = f.nullable_string();
  out.pattern_type = version >= 1 ? f.int8() : kAclPatternTypeLiteral;
  out.principal = f.nullable_string();
  out.host = f.nullable_string();
  out.operation = f.int8();
  out.permission_type = f.int8();
}

Status only_literal_in_v0(const char* api, std::string_view resource_name, int8_t pattern_type) {
  return make_error(ErrorCode::kInvalidArgument,
                    std::string(api) + " v0 response carries only LITERAL resource patterns; resource '" +
                        std::string(resource_name) + "' has pattern type " + std::to_string(pattern_type));
}

}  // namespace

Status decode_describe_acls_request(int16_t version, Reader& reader, DescribeAclsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kDescribeAcls, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kDescribeAcls, version));
  read_acl_filter(f, version, out.filter);
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kDescribeAcls, version, reader);
}

Status encode_describe_acls_response(int16_t version, int32_t correlation_id, const DescribeAclsResponse& response,
                                     Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kDescribeAcls, version, "response"); !ok) return ok;
  if (version == 0) {
    for (const DescribeAclsResource& r : response.resources) {
      if (r.pattern_type != kAclPatternTypeLiteral)
        return only_literal_in_v0("DescribeAcls", r.resource_name, r.pattern_type);
    }
  }
  ResponseFrame frame(writer, ApiKey::kDescribeAcls, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kDescribeAcls, version));
  f.int32(response.throttle_time_ms);
  f.int16(code_of(response.error_code));
  f.nullable_string(response.error_message);
  f.array_length(response.resources.size());
  for (const DescribeAclsResource& r : response.resources) {
    f.int8(r.resource_type);
    f.string(r.resource_name);
    if (version >= 1) f.int8(r.pattern_type);
    f.array_length(r.acls.size());
    for (const AclDescription& acl : r.acls) {
      f.string(acl.principal);
      f.string(acl.host);
      f.int8(acl.operation);
      f.int8(acl.permission_type);
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

Status decode_create_acls_request(int16_t version, Reader& reader, CreateAclsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kCreateAcls, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kCreateAcls, version));
  detail::resize_array(out.creations, f.array_length(kAclEntryMinBytes));
  for (AclCreation& c : out.creations) {
    c.resource_type = f.int8();
    c.resource_name = f.string();
    c.pattern_type = version >= 1 ? f.int8() : kAclPatternTypeLiteral;
    c.principal = f.string();
    c.host = f.string();
    c.operation = f.int8();
    c.permission_type = f.int8();
    f.tagged_fields();
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kCreateAcls, version, reader);
}

Status encode_create_acls_response(int16_t version, int32_t correlation_id, const CreateAclsResponse& response,
                                   Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kCreateAcls, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kCreateAcls, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kCreateAcls, version));
  f.int32(response.throttle_time_ms);
  f.array_length(response.results.size());
  for (const AclCreationResult& r : response.results) {
    f.int16(code_of(r.error_code));
    f.nullable_string(r.error_message);
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

Status decode_delete_acls_request(int16_t version, Reader& reader, DeleteAclsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kDeleteAcls, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kDeleteAcls, version));
  detail::resize_array(out.filters, f.array_length(kAclEntryMinBytes));
  for (AclFilter& filter : out.filters) {
    read_acl_filter(f, version, filter);
    f.tagged_fields();
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kDeleteAcls, version, reader);
}

Status encode_delete_acls_response(int16_t version, int32_t correlation_id, const DeleteAclsResponse& response,
                                   Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kDeleteAcls, version, "response"); !ok) return ok;
  if (version == 0) {
    for (const DeleteAclsFilterResult& r : response.filter_results) {
      for (const DeleteAclsMatchingAcl& acl : r.matching_acls) {
        if (acl.pattern_type != kAclPatternTypeLiteral)
          return only_literal_in_v0("DeleteAcls", acl.resource_name, acl.pattern_type);
      }
    }
  }
  ResponseFrame frame(writer, ApiKey::kDeleteAcls, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kDeleteAcls, version));
  f.int32(response.throttle_time_ms);
  f.array_length(response.filter_results.size());
  for (const DeleteAclsFilterResult& r : response.filter_results) {
    f.int16(code_of(r.error_code));
    f.nullable_string(r.error_message);
    f.array_length(r.matching_acls.size());
    for (const DeleteAclsMatchingAcl& acl : r.matching_acls) {
      f.int16(code_of(acl.error_code));
      f.nullable_string(acl.error_message);
      f.int8(acl.resource_type);
      f.string(acl.resource_name);
      if (version >= 1) f.int8(acl.pattern_type);
      f.string(acl.principal);
      f.string(acl.host);
      f.int8(acl.operation);
      f.int8(acl.permission_type);
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
