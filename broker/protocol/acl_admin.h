// DescribeAcls (key 29), CreateAcls (key 30) and DeleteAcls (key 31), all v0-3, flexible from
// v2: the admin calls that list, add and remove ACL bindings (kafka-acls). Layouts (the JSON
// schemas):
//   DescribeAcls request   resource_type_filter int8, resource_name_filter NULLABLE_STRING,
//                          pattern_type_filter int8 (v1+), principal_filter NULLABLE_STRING,
//                          host_filter NULLABLE_STRING, operation int8, permission_type int8
//   DescribeAcls response  throttle_time_ms int32, error_code int16,
//                          error_message NULLABLE_STRING,
//                          resources ARRAY of [resource_type int8, resource_name STRING,
//                            pattern_type int8 (v1+),
//                            acls ARRAY of [principal STRING, host STRING, operation int8,
//                              permission_type int8]]
//   CreateAcls request     creations ARRAY of [resource_type int8, resource_name STRING,
//                            resource_pattern_type int8 (v1+), principal STRING, host STRING,
//                            operation int8, permission_type int8]
//   CreateAcls response    throttle_time_ms int32,
//                          results ARRAY of [error_code int16, error_message NULLABLE_STRING]
//                            (one per creation, in request order)
//   DeleteAcls request     filters ARRAY of [the DescribeAcls request's seven fields]
//   DeleteAcls response    throttle_time_ms int32,
//                          filter_results ARRAY of [error_code int16,
//                            error_message NULLABLE_STRING,
//                            matching_acls ARRAY of [error_code int16,
//                              error_message NULLABLE_STRING, resource_type int8,
//                              resource_name STRING, pattern_type int8 (v1+), principal STRING,
//                              host STRING, operation int8, permission_type int8]]
//                            (one per filter, in request order)
// v0 has no pattern type: a v0 request means LITERAL, and a v0 response can only describe
// LITERAL bindings (the encoders refuse anything else, as Kafka does). v3 changes no field; it
// tells the broker the client knows the USER resource type.
//
// The int8 fields carry Kafka's codes (ResourceType, PatternType, AclOperation,
// AclPermissionType) unchecked; broker/security/acl.h has them as enums, and the handler
// converts and validates.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

// PatternType LITERAL: what a v0 request means, and the only pattern a v0 response can carry.
inline constexpr int8_t kAclPatternTypeLiteral = 3;

// The selection of DescribeAcls and of each DeleteAcls entry. A null string matches any value.
struct AclFilter {
  int8_t resource_type = 0;
  std::optional<std::string_view> resource_name;
  int8_t pattern_type = kAclPatternTypeLiteral;  // LITERAL when the request is v0
  std::optional<std::string_view> principal;
  std::optional<std::string_view> host;
  int8_t operation = 0;
  int8_t permission_type = 0;
};

struct DescribeAclsRequest {
  AclFilter filter;
};

// One ACL of a described resource.
struct AclDescription {
  std::string_view principal;
  std::string_view host;
  int8_t operation = 0;
  int8_t permission_type = 0;
};

struct DescribeAclsResource {
  int8_t resource_type = 0;
  std::string_view resource_name;
  int8_t pattern_type = kAclPatternTypeLiteral;  // must stay LITERAL in a v0 response
  std::vector<AclDescription> acls;
};

struct DescribeAclsResponse {
  int32_t throttle_time_ms = 0;
  KafkaError error_code = KafkaError::kNone;  // for the whole request (SECURITY_DISABLED, ...)
  std::optional<std::string_view> error_message;
  std::vector<DescribeAclsResource> resources;  // the matching bindings, grouped by resource
};

// One binding to add.
struct AclCreation {
  int8_t resource_type = 0;
  std::string_view resource_name;
  int8_t pattern_type = kAclPatternTypeLiteral;  // LITERAL when the request is v0
  std::string_view principal;
  std::string_view host;
  int8_t operation = 0;
  int8_t permission_type = 0;
};

struct CreateAclsRequest {
  std::vector<AclCreation> creations;
};

struct AclCreationResult {
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> error_message;
};

struct CreateAclsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<AclCreationResult> results;  // one per creation, in request order
};

struct DeleteAclsRequest {
  std::vector<AclFilter> filters;
};

// One binding a filter matched, and whether deleting it worked.
struct DeleteAclsMatchingAcl {
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> error_message;
  int8_t resource_type = 0;
  std::string_view resource_name;
  int8_t pattern_type = kAclPatternTypeLiteral;  // must stay LITERAL in a v0 response
  std::string_view principal;
  std::string_view host;
  int8_t operation = 0;
  int8_t permission_type = 0;
};

struct DeleteAclsFilterResult {
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> error_message;
  std::vector<DeleteAclsMatchingAcl> matching_acls;
};

struct DeleteAclsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DeleteAclsFilterResult> filter_results;  // one per filter, in request order
};

Status decode_describe_acls_request(int16_t version, Reader& reader, DescribeAclsRequest& out);
// kInvalidArgument, with nothing written, for a v0 response holding a non-LITERAL resource.
Status encode_describe_acls_response(int16_t version, int32_t correlation_id, const DescribeAclsResponse& response,
                                     Writer& writer);
Status decode_create_acls_request(int16_t version, Reader& reader, CreateAclsRequest& out);
Status encode_create_acls_response(int16_t version, int32_t correlation_id, const CreateAclsResponse& response,
                                   Writer& writer);
Status decode_delete_acls_request(int16_t version, Reader& reader, DeleteAclsRequest& out);
// kInvalidArgument, with nothing written, for a v0 response holding a non-LITERAL binding.
Status encode_delete_acls_response(int16_t version, int32_t correlation_id, const DeleteAclsResponse& response,
                                   Writer& writer);

}  // namespace ringmq::broker::protocol
