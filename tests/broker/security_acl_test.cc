// Kafka's ACL model: names and wire codes, the CreateAcls validation rules, and how a filter
// (DescribeAcls, DeleteAcls) selects bindings, MATCH included.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker/security/acl.h"

namespace ringmq::broker::security {
namespace {

AclBinding topic_acl(std::string name, AclPatternType pattern = AclPatternType::kLiteral) {
  return AclBinding{AclResourceType::kTopic, std::move(name),      pattern, "User:alice", "*",
                    AclOperation::kRead,     AclPermission::kAllow};
}

std::string error_of(const Status& status) { return status ? "(valid)" : status.error().to_string(); }

TEST(AclNames, EnumsCarryKafkasWireCodes) {
  EXPECT_EQ(static_cast<int8_t>(AclResourceType::kTopic), 2);
  EXPECT_EQ(static_cast<int8_t>(AclResourceType::kTransactionalId), 5);
  EXPECT_EQ(static_cast<int8_t>(AclResourceType::kUser), 7);
  EXPECT_EQ(static_cast<int8_t>(AclPatternType::kMatch), 2);
  EXPECT_EQ(static_cast<int8_t>(AclPatternType::kPrefixed), 4);
  EXPECT_EQ(static_cast<int8_t>(AclOperation::kAll), 2);
  EXPECT_EQ(static_cast<int8_t>(AclOperation::kClusterAction), 9);
  EXPECT_EQ(static_cast<int8_t>(AclOperation::kIdempotentWrite), 12);
  EXPECT_EQ(static_cast<int8_t>(AclOperation::kDescribeTokens), 14);
  EXPECT_EQ(static_cast<int8_t>(AclPermission::kDeny), 2);
  EXPECT_EQ(static_cast<int8_t>(AclPermission::kAllow), 3);
}

TEST(AclNames, EveryValueRoundTripsThroughItsKafkaName) {
  for (int code = 0; code <= 7; ++code) {
    const auto type = static_cast<AclResourceType>(code);
    EXPECT_EQ(parse_resource_type(name_of(type)).value(), type) << code;
  }
  for (int code = 0; code <= 4; ++code) {
    const auto type = static_cast<AclPatternType>(code);
    EXPECT_EQ(parse_pattern_type(name_of(type)).value(), type) << code;
  }
  for (int code = 0; code <= 14; ++code) {
    const auto operation = static_cast<AclOperation>(code);
    EXPECT_EQ(parse_operation(name_of(operation)).value(), operation) << code;
  }
  for (int code = 0; code <= 3; ++code) {
    const auto permission = static_cast<AclPermission>(code);
    EXPECT_EQ(parse_permission(name_of(permission)).value(), permission) << code;
  }
  EXPECT_EQ(name_of(AclResourceType::kTransactionalId), "TRANSACTIONAL_ID");
  EXPECT_EQ(name_of(AclResourceType::kDelegationToken), "DELEGATION_TOKEN");
  EXPECT_EQ(name_of(AclPatternType::kPrefixed), "PREFIXED");
  EXPECT_EQ(name_of(AclOperation::kIdempotentWrite), "IDEMPOTENT_WRITE");
  EXPECT_EQ(name_of(AclOperation::kDescribeConfigs), "DESCRIBE_CONFIGS");
  EXPECT_EQ(name_of(AclPermission::kAllow), "ALLOW");
}

TEST(AclNames, ParsingIgnoresCase) {
  EXPECT_EQ(parse_resource_type("topic").value(), AclResourceType::kTopic);
  EXPECT_EQ(parse_resource_type("Transactional_Id").value(), AclResourceType::kTransactionalId);
  EXPECT_EQ(parse_pattern_type("prefixed").value(), AclPatternType::kPrefixed);
  EXPECT_EQ(parse_operation("idempotent_write").value(), AclOperation::kIdempotentWrite);
  EXPECT_EQ(parse_permission("Deny").value(), AclPermission::kDeny);
}

TEST(AclNames, AnUnknownNameIsRefusedWithTheAcceptedNames) {
  auto parsed = parse_operation("REED");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.error().message.find("\"REED\""), std::string::npos) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find("READ, WRITE"), std::string::npos) << parsed.error().message;
  EXPECT_FALSE(parse_resource_type(""));
  EXPECT_FALSE(parse_permission("ALLOWED"));
}

TEST(AclNames, AnOutOfRangeCodeIsNamedUnknown) {
  EXPECT_EQ(name_of(static_cast<AclOperation>(42)), "UNKNOWN");
  EXPECT_EQ(name_of(static_cast<AclResourceType>(-1)), "UNKNOWN");
}

TEST(AclValidation, AcceptsConcreteBindings) {
  EXPECT_TRUE(validate_binding(topic_acl("orders"))) << error_of(validate_binding(topic_acl("orders")));
  EXPECT_TRUE(validate_binding(topic_acl("orders-", AclPatternType::kPrefixed)));
  EXPECT_TRUE(validate_binding(topic_acl("*")));
  AclBinding cluster{AclResourceType::kCluster, "kafka-cluster",     AclPatternType::kLiteral, "User:*", "10.1.2.3",
                     AclOperation::kAll,        AclPermission::kDeny};
  EXPECT_TRUE(validate_binding(cluster)) << error_of(validate_binding(cluster));
  AclBinding ipv6 = topic_acl("orders");
  ipv6.host = "fe80::1";
  EXPECT_TRUE(validate_binding(ipv6)) << error_of(validate_binding(ipv6));
  for (auto type : {AclResourceType::kGroup, AclResourceType::kTransactionalId, AclResourceType::kDelegationToken,
                    AclResourceType::kUser}) {
    AclBinding binding = topic_acl("x");
    binding.resource_type = type;
    EXPECT_TRUE(validate_binding(binding)) << error_of(validate_binding(binding));
  }
}

// Each refusal, and a piece of the message that says what is wrong.
TEST(AclValidation, RefusesWhatCreateAclsRefuses) {
  struct Case {
    AclBinding binding;
    std::string says;
  };
  std::vector<Case> cases;
  auto with = [](auto change) {
    AclBinding binding = topic_acl("orders");
    change(binding);
    return binding;
  };
  cases.push_back({with([](AclBinding& b) { b.resource_type = AclResourceType::kAny; }), "resource type ANY"});
  cases.push_back({with([](AclBinding& b) { b.resource_type = AclResourceType::kUnknown; }), "resource type UNKNOWN"});
  cases.push_back({with([](AclBinding& b) { b.resource_type = static_cast<AclResourceType>(9); }), "resource type"});
  cases.push_back({with([](AclBinding& b) { b.pattern_type = AclPatternType::kMatch; }), "pattern type MATCH"});
  cases.push_back({with([](AclBinding& b) { b.pattern_type = AclPatternType::kAny; }), "pattern type ANY"});
  cases.push_back({with([](AclBinding& b) { b.pattern_type = AclPatternType::kUnknown; }), "pattern type UNKNOWN"});
  cases.push_back({with([](AclBinding& b) { b.operation = AclOperation::kAny; }), "operation ANY"});
  cases.push_back({with([](AclBinding& b) { b.operation = AclOperation::kUnknown; }), "operation UNKNOWN"});
  cases.push_back({with([](AclBinding& b) { b.permission = AclPermission::kAny; }), "permission ANY"});
  cases.push_back({with([](AclBinding& b) { b.permission = AclPermission::kUnknown; }), "permission UNKNOWN"});
  cases.push_back({with([](AclBinding& b) { b.resource_name.clear(); }), "resource name is empty"});
  cases.push_back({with([](AclBinding& b) {
                     b.resource_name = "*";
                     b.pattern_type = AclPatternType::kPrefixed;
                   }),
                   "not a prefix"});
  cases.push_back({with([](AclBinding& b) {
                     b.resource_type = AclResourceType::kCluster;
                     b.resource_name = "my-cluster";
                   }),
                   "\"kafka-cluster\", not \"my-cluster\""});
  cases.push_back({with([](AclBinding& b) {
                     b.resource_type = AclResourceType::kCluster;
                     b.resource_name = "kafka-cluster";
                     b.pattern_type = AclPatternType::kPrefixed;
                   }),
                   "LITERAL pattern only"});
  cases.push_back({with([](AclBinding& b) { b.principal = "alice"; }), "write it as \"User:alice\""});
  cases.push_back({with([](AclBinding& b) { b.principal = "Group:admins"; }), "principal type \"Group\""});
  cases.push_back({with([](AclBinding& b) { b.principal = "User:"; }), "empty user name"});
  cases.push_back({with([](AclBinding& b) { b.principal = ""; }), "has no type"});
  cases.push_back({with([](AclBinding& b) { b.host = ""; }), "host is empty"});
  cases.push_back({with([](AclBinding& b) { b.host = "broker.example.com"; }), "not an IP address"});
  cases.push_back({with([](AclBinding& b) { b.host = "10.0.0.300"; }), "not an IP address"});
  for (const Case& c : cases) {
    const Status status = validate_binding(c.binding);
    ASSERT_FALSE(status) << describe(c.binding);
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(status.error().message.find(c.says), std::string::npos)
        << "expected \"" << c.says << "\" in: " << status.error().message;
  }
}

TEST(AclValidation, PrincipalsAreUsersOrEveryUser) {
  EXPECT_TRUE(validate_principal("User:alice"));
  EXPECT_TRUE(validate_principal("User:*"));
  EXPECT_TRUE(validate_principal("User:CN=alice,O=example"));  // a TLS distinguished name
  EXPECT_FALSE(validate_principal("user:alice"));
  EXPECT_FALSE(validate_principal("alice"));
}

TEST(AclDescribe, ReadsAsASentence) {
  EXPECT_EQ(describe(topic_acl("orders-", AclPatternType::kPrefixed)),
            "ALLOW User:alice from * to READ TOPIC \"orders-\" (PREFIXED)");
}

TEST(AclFilter, AnEmptyFilterSelectsEverything) {
  EXPECT_TRUE(AclBindingFilter::any().matches(topic_acl("orders")));
  EXPECT_TRUE(AclBindingFilter::any().matches(topic_acl("o", AclPatternType::kPrefixed)));
  EXPECT_TRUE(AclBindingFilter::exactly(topic_acl("orders")).matches(topic_acl("orders")));
  EXPECT_FALSE(AclBindingFilter::exactly(topic_acl("orders")).matches(topic_acl("orders", AclPatternType::kPrefixed)));
}

TEST(AclFilter, EachSetFieldMustMatchExactly) {
  const AclBinding binding{AclResourceType::kGroup, "billing",           AclPatternType::kLiteral, "User:*", "10.0.0.1",
                           AclOperation::kRead,     AclPermission::kDeny};
  auto filter = [](auto change) {
    AclBindingFilter f;
    change(f);
    return f;
  };
  EXPECT_TRUE(filter([](AclBindingFilter& f) { f.resource_type = AclResourceType::kGroup; }).matches(binding));
  EXPECT_FALSE(filter([](AclBindingFilter& f) { f.resource_type = AclResourceType::kTopic; }).matches(binding));
  EXPECT_TRUE(filter([](AclBindingFilter& f) { f.principal = "User:*"; }).matches(binding));
  EXPECT_FALSE(filter([](AclBindingFilter& f) { f.principal = "User:alice"; }).matches(binding))
      << "a filter's principal is compared exactly, not expanded by the binding's wildcard";
  EXPECT_TRUE(filter([](AclBindingFilter& f) { f.host = "10.0.0.1"; }).matches(binding));
  EXPECT_FALSE(filter([](AclBindingFilter& f) { f.host = "*"; }).matches(binding));
  EXPECT_TRUE(filter([](AclBindingFilter& f) { f.operation = AclOperation::kRead; }).matches(binding));
  EXPECT_FALSE(filter([](AclBindingFilter& f) { f.operation = AclOperation::kAll; }).matches(binding));
  EXPECT_TRUE(filter([](AclBindingFilter& f) { f.permission = AclPermission::kDeny; }).matches(binding));
  EXPECT_FALSE(filter([](AclBindingFilter& f) { f.permission = AclPermission::kAllow; }).matches(binding));
  EXPECT_TRUE(filter([](AclBindingFilter& f) { f.pattern_type = AclPatternType::kLiteral; }).matches(binding));
  EXPECT_FALSE(filter([](AclBindingFilter& f) { f.pattern_type = AclPatternType::kPrefixed; }).matches(binding));
}

TEST(AclFilter, ANameWithAnyPatternTypeComparesNamesExactly) {
  AclBindingFilter filter;
  filter.resource_name = "orders-eu";
  EXPECT_TRUE(filter.matches(topic_acl("orders-eu")));
  EXPECT_TRUE(filter.matches(topic_acl("orders-eu", AclPatternType::kPrefixed)));
  EXPECT_FALSE(filter.matches(topic_acl("orders-", AclPatternType::kPrefixed)));
  EXPECT_FALSE(filter.matches(topic_acl("*")));
  filter.pattern_type = AclPatternType::kLiteral;
  EXPECT_FALSE(filter.matches(topic_acl("orders-eu", AclPatternType::kPrefixed)));
}

TEST(AclFilter, MatchSelectsTheBindingsThatApplyToTheName) {
  AclBindingFilter filter;
  filter.pattern_type = AclPatternType::kMatch;
  filter.resource_name = "orders-eu";
  EXPECT_TRUE(filter.matches(topic_acl("orders-eu")));
  EXPECT_TRUE(filter.matches(topic_acl("*")));
  EXPECT_TRUE(filter.matches(topic_acl("orders-", AclPatternType::kPrefixed)));
  EXPECT_TRUE(filter.matches(topic_acl("o", AclPatternType::kPrefixed)));
  EXPECT_TRUE(filter.matches(topic_acl("orders-eu", AclPatternType::kPrefixed)));
  EXPECT_FALSE(filter.matches(topic_acl("orders")));
  EXPECT_FALSE(filter.matches(topic_acl("orders-eu-1", AclPatternType::kPrefixed)));
  EXPECT_FALSE(filter.matches(topic_acl("orders-us", AclPatternType::kPrefixed)));
  filter.resource_type = AclResourceType::kGroup;
  EXPECT_FALSE(filter.matches(topic_acl("*"))) << "the resource type still has to match";
}

TEST(AclFilter, MatchWithoutANameSelectsEveryPatternType) {
  AclBindingFilter filter;
  filter.pattern_type = AclPatternType::kMatch;
  EXPECT_TRUE(filter.matches(topic_acl("orders")));
  EXPECT_TRUE(filter.matches(topic_acl("orders", AclPatternType::kPrefixed)));
}

TEST(AclFilter, ValidationRefusesUnknownValues) {
  EXPECT_TRUE(validate_filter(AclBindingFilter::any()));
  AclBindingFilter match;
  match.pattern_type = AclPatternType::kMatch;
  EXPECT_TRUE(validate_filter(match));
  EXPECT_TRUE(validate_filter(AclBindingFilter::exactly(topic_acl("orders"))));

  AclBindingFilter unknown_type;
  unknown_type.resource_type = AclResourceType::kUnknown;
  AclBindingFilter unknown_pattern;
  unknown_pattern.pattern_type = AclPatternType::kUnknown;
  AclBindingFilter unknown_operation;
  unknown_operation.operation = AclOperation::kUnknown;
  AclBindingFilter unknown_permission;
  unknown_permission.permission = AclPermission::kUnknown;
  AclBindingFilter out_of_range;
  out_of_range.operation = static_cast<AclOperation>(99);
  for (const auto& [filter, says] :
       std::vector<std::pair<AclBindingFilter, std::string>>{{unknown_type, "resource type is UNKNOWN"},
                                                             {unknown_pattern, "pattern type is UNKNOWN"},
                                                             {unknown_operation, "operation is UNKNOWN (code 0)"},
                                                             {unknown_permission, "permission is UNKNOWN"},
                                                             {out_of_range, "operation is UNKNOWN (code 99)"}}) {
    const Status status = validate_filter(filter);
    ASSERT_FALSE(status) << says;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(status.error().message.find(says), std::string::npos) << status.error().message;
  }
}

}  // namespace
}  // namespace ringmq::broker::security
