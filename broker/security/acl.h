// Kafka's ACL model: who (principal, host) may or may not do what (operation) to which
// resources (type, name, literal or prefixed pattern). The enums carry Kafka's wire codes so a
// protocol codec can cast them, and their names are Kafka's (kafka-acls prints and parses
// them). An AclBinding is one stored rule (CreateAcls); an AclBindingFilter selects bindings
// (DescribeAcls, DeleteAcls). Values only: the Authorizer (authorizer.h) stores and enforces.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ringmq::broker::security {

// Kafka's ResourceType codes.
enum class AclResourceType : int8_t {
  kUnknown = 0,
  kAny = 1,  // filters only
  kTopic = 2,
  kGroup = 3,
  kCluster = 4,  // one resource, named kClusterResourceName
  kTransactionalId = 5,
  kDelegationToken = 6,
  kUser = 7,
};

// Kafka's PatternType codes: how a binding's resource name is matched.
enum class AclPatternType : int8_t {
  kUnknown = 0,
  kAny = 1,    // filters only: any pattern type, names compared exactly
  kMatch = 2,  // filters only: the bindings that would apply to the filter's (literal) name
  kLiteral = 3,
  kPrefixed = 4,
};

// Kafka's AclOperation codes.
enum class AclOperation : int8_t {
  kUnknown = 0,
  kAny = 1,  // filters only
  kAll = 2,  // in a binding: every operation
  kRead = 3,
  kWrite = 4,
  kCreate = 5,
  kDelete = 6,
  kAlter = 7,
  kDescribe = 8,
  kClusterAction = 9,
  kDescribeConfigs = 10,
  kAlterConfigs = 11,
  kIdempotentWrite = 12,
  kCreateTokens = 13,
  kDescribeTokens = 14,
};

// Kafka's AclPermissionType codes.
enum class AclPermission : int8_t {
  kUnknown = 0,
  kAny = 1,  // filters only
  kDeny = 2,
  kAllow = 3,
};

// The name of the one CLUSTER resource.
inline constexpr std::string_view kClusterResourceName = "kafka-cluster";
// A literal resource name that matches every resource of its type.
inline constexpr std::string_view kWildcardResourceName = "*";
// A binding principal that matches every user; a binding host that matches every address.
inline constexpr std::string_view kWildcardPrincipal = "User:*";
inline constexpr std::string_view kWildcardHost = "*";

// Kafka's names ("TOPIC", "TRANSACTIONAL_ID", "PREFIXED", "IDEMPOTENT_WRITE", "ALLOW", ...).
// A value outside the enum is "UNKNOWN".
std::string_view name_of(AclResourceType type);
std::string_view name_of(AclPatternType type);
std::string_view name_of(AclOperation operation);
std::string_view name_of(AclPermission permission);

// The inverse, case-insensitive ("topic", "Topic" and "TOPIC" are TOPIC). kInvalidArgument,
// listing the accepted names, for anything else.
Result<AclResourceType> parse_resource_type(std::string_view name);
Result<AclPatternType> parse_pattern_type(std::string_view name);
Result<AclOperation> parse_operation(std::string_view name);
Result<AclPermission> parse_permission(std::string_view name);

// One rule: `principal` connecting from `host` is allowed (or denied) `operation` on the
// resources of `resource_type` that `resource_name` names under `pattern_type`.
struct AclBinding {
  AclResourceType resource_type = AclResourceType::kUnknown;
  std::string resource_name;
  AclPatternType pattern_type = AclPatternType::kUnknown;
  std::string principal;  // "User:<name>" or "User:*"
  std::string host;       // an IP address as the client connects from, or "*"
  AclOperation operation = AclOperation::kUnknown;
  AclPermission permission = AclPermission::kUnknown;

  // Field by field (the order sorts bindings by resource first); equal bindings are duplicates.
  auto operator<=>(const AclBinding&) const = default;
};

// Why `principal` cannot be named in an ACL: it must be "User:<name>" or "User:*" (the only
// principal type RingMQ authenticates). kInvalidArgument saying how to write it.
Status validate_principal(std::string_view principal);

// Why CreateAcls must refuse `binding`, as Kafka does: only concrete values (no ANY, MATCH or
// UNKNOWN), a LITERAL or PREFIXED pattern, a non-empty resource name, never "*" as a prefix,
// "kafka-cluster" as the CLUSTER's name, a "User:<name>" or "User:*" principal, and "*" or an
// IPv4/IPv6 literal as the host. kInvalidArgument saying which field is wrong and why.
Status validate_binding(const AclBinding& binding);

// A selection of bindings, Kafka's AclBindingFilter: every set field must match. Enum fields
// may be ANY; the pattern type may also be MATCH (see matches()). Names, principals and hosts
// compare exactly: a filter for "User:alice" does not select a "User:*" binding.
struct AclBindingFilter {
  AclResourceType resource_type = AclResourceType::kAny;
  std::optional<std::string> resource_name;  // nullopt: any name
  AclPatternType pattern_type = AclPatternType::kAny;
  std::optional<std::string> principal;  // nullopt: any principal
  std::optional<std::string> host;       // nullopt: any host
  AclOperation operation = AclOperation::kAny;
  AclPermission permission = AclPermission::kAny;

  // A filter that selects every binding.
  static AclBindingFilter any() { return {}; }
  // A filter that selects exactly `binding`.
  static AclBindingFilter exactly(const AclBinding& binding);

  // Whether `binding` is selected. With pattern type MATCH and a name, the bindings selected are
  // those that apply to a resource of that name: a LITERAL binding of the same name or of "*",
  // and every PREFIXED binding whose name is a prefix of it (Kafka's MATCH). With ANY (or a
  // concrete pattern type) and a name, the binding's name must equal it.
  bool matches(const AclBinding& binding) const;
};

// Why a DescribeAcls / DeleteAcls filter is unusable: Kafka refuses a filter with an UNKNOWN
// (or out-of-range) value in any field.
Status validate_filter(const AclBindingFilter& filter);

// One line for logs: `ALLOW User:alice from * to READ TOPIC "orders" (LITERAL)`.
std::string describe(const AclBinding& binding);

}  // namespace ringmq::broker::security
