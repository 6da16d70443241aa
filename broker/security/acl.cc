#include "broker/security/acl.h"

#include <arpa/inet.h>

#include <span>

namespace ringmq::broker::security {
namespace {

template <typename Enum>
struct NamedValue {
  Enum value;
  std::string_view name;
};

constexpr NamedValue<AclResourceType> kResourceTypes[] = {
    {AclResourceType::kUnknown, "UNKNOWN"},
    {AclResourceType::kAny, "ANY"},
    {AclResourceType::kTopic, "TOPIC"},
    {AclResourceType::kGroup, "GROUP"},
    {AclResourceType::kCluster, "CLUSTER"},
    {AclResourceType::kTransactionalId, "TRANSACTIONAL_ID"},
    {AclResourceType::kDelegationToken, "DELEGATION_TOKEN"},
    {AclResourceType::kUser, "USER"},
};

constexpr NamedValue<AclPatternType> kPatternTypes[] = {
    {AclPatternType::kUnknown, "UNKNOWN"}, {AclPatternType::kAny, "ANY"},           {AclPatternType::kMatch, "MATCH"},
    {AclPatternType::kLiteral, "LITERAL"}, {AclPatternType::kPrefixed, "PREFIXED"},
};

constexpr NamedValue<AclOperation> kOperations[] = {
    {AclOperation::kUnknown, "UNKNOWN"},
    {AclOperation::kAny, "ANY"},
    {AclOperation::kAll, "ALL"},
    {AclOperation::kRead, "READ"},
    {AclOperation::kWrite, "WRITE"},
    {AclOperation::kCreate, "CREATE"},
    {AclOperation::kDelete, "DELETE"},
    {AclOperation::kAlter, "ALTER"},
    {AclOperation::kDescribe, "DESCRIBE"},
    {AclOperation::kClusterAction, "CLUSTER_ACTION"},
    {AclOperation::kDescribeConfigs, "DESCRIBE_CONFIGS"},
    {AclOperation::kAlterConfigs, "ALTER_CONFIGS"},
    {AclOperation::kIdempotentWrite, "IDEMPOTENT_WRITE"},
    {AclOperation::kCreateTokens, "CREATE_TOKENS"},
    {AclOperation::kDescribeTokens, "DESCRIBE_TOKENS"},
};

constexpr NamedValue<AclPermission> kPermissions[] = {
    {AclPermission::kUnknown, "UNKNOWN"},
    {AclPermission::kAny, "ANY"},
    {AclPermission::kDeny, "DENY"},
    {AclPermission::kAllow, "ALLOW"},
};

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

template <typename Enum>
const NamedValue<Enum>* find_value(std::span<const NamedValue<Enum>> table, Enum value) {
  for (const NamedValue<Enum>& entry : table)
    if (entry.value == value) return &entry;
  return nullptr;
}

template <typename Enum>
std::string_view lookup_name(std::span<const NamedValue<Enum>> table, Enum value) {
  const NamedValue<Enum>* entry = find_value(table, value);
  return entry != nullptr ? entry->name : "UNKNOWN";
}

template <typename Enum>
Result<Enum> lookup_value(std::span<const NamedValue<Enum>> table, std::string_view name, std::string_view what) {
  for (const NamedValue<Enum>& entry : table)
    if (equals_ignoring_case(entry.name, name)) return entry.value;
  std::string accepted;
  for (const NamedValue<Enum>& entry : table) {
    if (!accepted.empty()) accepted += ", ";
    accepted += entry.name;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown ACL " + std::string(what) + " \"" + std::string(name) + "\"; expected one of " + accepted);
}

// The names of the values a binding may hold, for messages.
template <typename Enum>
std::string concrete_names(std::span<const NamedValue<Enum>> table, bool (*is_concrete)(Enum)) {
  std::string names;
  for (const NamedValue<Enum>& entry : table) {
    if (!is_concrete(entry.value)) continue;
    if (!names.empty()) names += ", ";
    names += entry.name;
  }
  return names;
}

bool is_concrete_resource_type(AclResourceType type) {
  return find_value<AclResourceType>(kResourceTypes, type) != nullptr && type != AclResourceType::kUnknown &&
         type != AclResourceType::kAny;
}
bool is_concrete_pattern_type(AclPatternType type) {
  return type == AclPatternType::kLiteral || type == AclPatternType::kPrefixed;
}
bool is_concrete_operation(AclOperation operation) {
  return find_value<AclOperation>(kOperations, operation) != nullptr && operation != AclOperation::kUnknown &&
         operation != AclOperation::kAny;
}
bool is_concrete_permission(AclPermission permission) {
  return permission == AclPermission::kAllow || permission == AclPermission::kDeny;
}

// Why `principal` cannot be granted ACLs, or an empty string.
std::string principal_problem(std::string_view principal) {
  const size_t colon = principal.find(':');
  if (colon == std::string_view::npos)
    return "principal \"" + std::string(principal) + "\" has no type; write it as \"User:" + std::string(principal) +
           "\" (or \"User:*\" for every user)";
  if (principal.substr(0, colon) != "User")
    return "principal type \"" + std::string(principal.substr(0, colon)) +
           "\" is not supported; ACLs name \"User:<name>\" or \"User:*\"";
  if (colon + 1 == principal.size()) return "principal \"" + std::string(principal) + "\" has an empty user name";
  return {};
}

bool is_ip_literal(const std::string& host) {
  unsigned char address[16];
  return ::inet_pton(AF_INET, host.c_str(), address) == 1 || ::inet_pton(AF_INET6, host.c_str(), address) == 1;
}

// A field of a filter: valid when known and not UNKNOWN (ANY and concrete values are fine).
template <typename Enum>
std::string filter_field_problem(std::span<const NamedValue<Enum>> table, Enum value, std::string_view what) {
  if (value != Enum::kUnknown && find_value(table, value) != nullptr) return {};
  return "the filter's " + std::string(what) + " is UNKNOWN (code " + std::to_string(static_cast<int>(value)) +
         "); use ANY or a concrete value";
}

}  // namespace

std::string_view name_of(AclResourceType type) { return lookup_name<AclResourceType>(kResourceTypes, type); }
std::string_view name_of(AclPatternType type) { return lookup_name<AclPatternType>(kPatternTypes, type); }
std::string_view name_of(AclOperation operation) { return lookup_name<AclOperation>(kOperations, operation); }
std::string_view name_of(AclPermission permission) { return lookup_name<AclPermission>(kPermissions, permission); }

Result<AclResourceType> parse_resource_type(std::string_view name) {
  return lookup_value<AclResourceType>(kResourceTypes, name, "resource type");
}
Result<AclPatternType> parse_pattern_type(std::string_view name) {
  return lookup_value<AclPatternType>(kPatternTypes, name, "pattern type");
}
Result<AclOperation> parse_operation(std::string_view name) {
  return lookup_value<AclOperation>(kOperations, name, "operation");
}
Result<AclPermission> parse_permission(std::string_view name) {
  return lookup_value<AclPermission>(kPermissions, name, "permission");
}

Status validate_principal(std::string_view principal) {
  if (std::string why = principal_problem(principal); !why.empty())
    return make_error(ErrorCode::kInvalidArgument, std::move(why));
  return {};
}

Status validate_binding(const AclBinding& binding) {
  auto invalid = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument, "ACL " + describe(binding) + ": " + why);
  };
  if (!is_concrete_resource_type(binding.resource_type))
    return invalid("resource type " + std::string(name_of(binding.resource_type)) + " cannot be stored; use one of " +
                   concrete_names<AclResourceType>(kResourceTypes, is_concrete_resource_type));
  if (!is_concrete_pattern_type(binding.pattern_type))
    return invalid("pattern type " + std::string(name_of(binding.pattern_type)) +
                   " cannot be stored; use LITERAL or PREFIXED");
  if (!is_concrete_operation(binding.operation))
    return invalid("operation " + std::string(name_of(binding.operation)) + " cannot be stored; use one of " +
                   concrete_names<AclOperation>(kOperations, is_concrete_operation));
  if (!is_concrete_permission(binding.permission))
    return invalid("permission " + std::string(name_of(binding.permission)) + " cannot be stored; use ALLOW or DENY");
  if (binding.resource_name.empty()) return invalid("the resource name is empty");
  if (binding.pattern_type == AclPatternType::kPrefixed && binding.resource_name == kWildcardResourceName)
    return invalid("\"*\" is not a prefix; to match every resource of the type use the LITERAL name \"*\"");
  if (binding.resource_type == AclResourceType::kCluster && binding.pattern_type != AclPatternType::kLiteral)
    return invalid("the CLUSTER resource takes a LITERAL pattern only (there is one cluster)");
  if (binding.resource_type == AclResourceType::kCluster && binding.resource_name != kClusterResourceName)
    return invalid("the CLUSTER resource is named \"" + std::string(kClusterResourceName) + "\", not \"" +
                   binding.resource_name + "\"");
  if (std::string why = principal_problem(binding.principal); !why.empty()) return invalid(why);
  if (binding.host.empty()) return invalid("the host is empty; use \"*\" for every host");
  if (binding.host != kWildcardHost && !is_ip_literal(binding.host))
    return invalid("host \"" + binding.host +
                   "\" is not an IP address; an ACL host is the IPv4 or IPv6 address a client connects from, or "
                   "\"*\"");
  return {};
}

AclBindingFilter AclBindingFilter::exactly(const AclBinding& binding) {
  return AclBindingFilter{binding.resource_type, binding.resource_name, binding.pattern_type, binding.principal,
                          binding.host,          binding.operation,     binding.permission};
}

bool AclBindingFilter::matches(const AclBinding& binding) const {
  if (resource_type != AclResourceType::kAny && resource_type != binding.resource_type) return false;
  if (pattern_type != AclPatternType::kAny && pattern_type != AclPatternType::kMatch &&
      pattern_type != binding.pattern_type)
    return false;
  if (resource_name) {
    if (pattern_type != AclPatternType::kMatch) {
      if (*resource_name != binding.resource_name) return false;
    } else if (binding.pattern_type == AclPatternType::kLiteral) {
      if (*resource_name != binding.resource_name && binding.resource_name != kWildcardResourceName) return false;
    } else if (binding.pattern_type == AclPatternType::kPrefixed) {
      if (!resource_name->starts_with(binding.resource_name)) return false;
    } else {
      return false;  // a binding with no concrete pattern type is never stored
    }
  }
  if (principal && *principal != binding.principal) return false;
  if (host && *host != binding.host) return false;
  if (operation != AclOperation::kAny && operation != binding.operation) return false;
  if (permission != AclPermission::kAny && permission != binding.permission) return false;
  return true;
}

Status validate_filter(const AclBindingFilter& filter) {
  std::string why = filter_field_problem<AclResourceType>(kResourceTypes, filter.resource_type, "resource type");
  if (why.empty()) why = filter_field_problem<AclPatternType>(kPatternTypes, filter.pattern_type, "pattern type");
  if (why.empty()) why = filter_field_problem<AclOperation>(kOperations, filter.operation, "operation");
  if (why.empty()) why = filter_field_problem<AclPermission>(kPermissions, filter.permission, "permission");
  if (!why.empty()) return make_error(ErrorCode::kInvalidArgument, "ACL filter: " + why);
  return {};
}

std::string describe(const AclBinding& binding) {
  return std::string(name_of(binding.permission)) + " " + binding.principal + " from " + binding.host + " to " +
         std::string(name_of(binding.operation)) + " " + std::string(name_of(binding.resource_type)) + " \"" +
         binding.resource_name + "\" (" + std::string(name_of(binding.pattern_type)) + ")";
}

}  // namespace ringmq::broker::security
