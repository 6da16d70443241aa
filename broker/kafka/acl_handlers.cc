// CreateAcls, DescribeAcls and DeleteAcls over the broker's Authorizer (durable in
// <security dir>/acls). Without [authorization] enabled every call is answered
// SECURITY_DISABLED, as Kafka without an authorizer. Who may call them is checked before
// (authorization.cc): ALTER on the cluster to create and delete, DESCRIBE to describe.
#include <spdlog/spdlog.h>

#include <deque>

#include "broker/kafka/kafka_router.h"
#include "broker/security/authorizer.h"

namespace ringmq::broker::kafka {

using protocol::KafkaError;

namespace {

constexpr std::string_view kNoAuthorizer = "no authorizer is configured on this broker (authorization.enabled = false)";

security::AclBindingFilter filter_of(const protocol::AclFilter& f) {
  security::AclBindingFilter filter;
  filter.resource_type = static_cast<security::AclResourceType>(f.resource_type);
  if (f.resource_name) filter.resource_name = std::string(*f.resource_name);
  filter.pattern_type = static_cast<security::AclPatternType>(f.pattern_type);
  if (f.principal) filter.principal = std::string(*f.principal);
  if (f.host) filter.host = std::string(*f.host);
  filter.operation = static_cast<security::AclOperation>(f.operation);
  filter.permission = static_cast<security::AclPermission>(f.permission_type);
  return filter;
}

std::string principal_of(const Request& request) {
  return request.session != nullptr ? request.session->principal : std::string(kAnonymousPrincipal);
}

}  // namespace

void KafkaRouter::handle_describe_acls(const protocol::RequestHeader& h, const protocol::DescribeAclsRequest& r,
                                       ResponseSlot slot) {
  protocol::DescribeAclsResponse response;
  std::string message;
  std::vector<security::AclBinding> bindings;  // the response's views point into these
  const security::AclBindingFilter filter = filter_of(r.filter);
  if (context_.authorizer == nullptr) {
    response.error_code = KafkaError::kSecurityDisabled;
    response.error_message = kNoAuthorizer;
  } else if (auto valid = security::validate_filter(filter); !valid) {
    response.error_code = KafkaError::kInvalidRequest;
    message = valid.error().message;
    response.error_message = message;
  } else {
    bindings = context_.authorizer->list(filter);  // sorted by resource: group consecutive ones
    for (const security::AclBinding& b : bindings) {
      const auto type = static_cast<int8_t>(b.resource_type);
      const auto pattern = static_cast<int8_t>(b.pattern_type);
      if (response.resources.empty() || response.resources.back().resource_type != type ||
          response.resources.back().resource_name != b.resource_name ||
          response.resources.back().pattern_type != pattern)
        response.resources.push_back({type, b.resource_name, pattern, {}});
      response.resources.back().acls.push_back(
          {b.principal, b.host, static_cast<int8_t>(b.operation), static_cast<int8_t>(b.permission)});
    }
  }
  if (response.error_code != KafkaError::kNone) context_.metrics.count_error(static_cast<int16_t>(response.error_code));
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_describe_acls_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_create_acls(const Request& request, const protocol::RequestHeader& h,
                                     const protocol::CreateAclsRequest& r, ResponseSlot slot) {
  protocol::CreateAclsResponse response;
  std::deque<std::string> messages;  // the results' messages point into these
  response.results.resize(r.creations.size());
  std::vector<security::AclBinding> valid;
  std::vector<size_t> valid_index;
  for (size_t i = 0; i < r.creations.size(); ++i) {
    const protocol::AclCreation& c = r.creations[i];
    protocol::AclCreationResult& result = response.results[i];
    if (context_.authorizer == nullptr) {
      result.error_code = KafkaError::kSecurityDisabled;
      result.error_message = kNoAuthorizer;
      continue;
    }
    security::AclBinding binding{static_cast<security::AclResourceType>(c.resource_type),
                                 std::string(c.resource_name),
                                 static_cast<security::AclPatternType>(c.pattern_type),
                                 std::string(c.principal),
                                 std::string(c.host),
                                 static_cast<security::AclOperation>(c.operation),
                                 static_cast<security::AclPermission>(c.permission_type)};
    if (auto ok = security::validate_binding(binding); !ok) {
      result.error_code = KafkaError::kInvalidRequest;
      result.error_message = messages.emplace_back(ok.error().message);
      continue;
    }
    valid.push_back(std::move(binding));
    valid_index.push_back(i);
  }
  if (!valid.empty()) {
    std::vector<std::string> described;
    for (const auto& b : valid) described.push_back(security::describe(b));
    if (auto added = context_.authorizer->add(std::move(valid)); !added) {
      spdlog::error("CreateAcls by {}: {}", principal_of(request), added.error().message);
      const std::string& text = messages.emplace_back("storing the ACLs failed: " + added.error().message);
      for (size_t i : valid_index) {
        response.results[i].error_code = KafkaError::kUnknownServerError;
        response.results[i].error_message = text;
      }
    } else {
      for (const std::string& d : described)
        spdlog::info("ACL added by {} peer={}: {}", principal_of(request), request.peer, d);
    }
  }
  for (const auto& result : response.results)
    if (result.error_code != KafkaError::kNone) context_.metrics.count_error(static_cast<int16_t>(result.error_code));
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_create_acls_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_delete_acls(const Request& request, const protocol::RequestHeader& h,
                                     const protocol::DeleteAclsRequest& r, ResponseSlot slot) {
  protocol::DeleteAclsResponse response;
  std::deque<std::string> messages;
  std::deque<std::vector<security::AclBinding>> removed;  // the matches' views point into these
  for (const protocol::AclFilter& f : r.filters) {
    protocol::DeleteAclsFilterResult& result = response.filter_results.emplace_back();
    const security::AclBindingFilter filter = filter_of(f);
    if (context_.authorizer == nullptr) {
      result.error_code = KafkaError::kSecurityDisabled;
      result.error_message = kNoAuthorizer;
      continue;
    }
    if (auto valid = security::validate_filter(filter); !valid) {
      result.error_code = KafkaError::kInvalidRequest;
      result.error_message = messages.emplace_back(valid.error().message);
      continue;
    }
    auto gone = context_.authorizer->remove(filter);
    if (!gone) {
      spdlog::error("DeleteAcls by {}: {}", principal_of(request), gone.error().message);
      result.error_code = KafkaError::kUnknownServerError;
      result.error_message = messages.emplace_back("removing the ACLs failed: " + gone.error().message);
      continue;
    }
    for (const security::AclBinding& b : removed.emplace_back(std::move(*gone))) {
      spdlog::info("ACL removed by {} peer={}: {}", principal_of(request), request.peer, security::describe(b));
      protocol::DeleteAclsMatchingAcl match;
      match.resource_type = static_cast<int8_t>(b.resource_type);
      match.resource_name = b.resource_name;
      match.pattern_type = static_cast<int8_t>(b.pattern_type);
      match.principal = b.principal;
      match.host = b.host;
      match.operation = static_cast<int8_t>(b.operation);
      match.permission_type = static_cast<int8_t>(b.permission);
      result.matching_acls.push_back(match);
    }
  }
  for (const auto& result : response.filter_results)
    if (result.error_code != KafkaError::kNone) context_.metrics.count_error(static_cast<int16_t>(result.error_code));
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_delete_acls_response(h.api_version, h.correlation_id, response, w);
  });
}

}  // namespace ringmq::broker::kafka
