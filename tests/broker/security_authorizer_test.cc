// The Authorizer: Kafka's decision rule (deny wins, ALL, implied DESCRIBE, literal / prefixed /
// wildcard resources, wildcard principal, hosts, super users, resources without ACLs), checked
// case by case and against a brute-force reference over random ACLs; the ACL file (format,
// reopen, corruption, failed writes); readers concurrent with writers.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "broker/security/authorizer.h"
#include "broker/security/record_file.h"
#include "common/crc32c.h"
#include "tests/common/temp_dir.h"

namespace ringmq::broker::security {
namespace {

using Op = AclOperation;
using Type = AclResourceType;

AclBinding allow(std::string principal, Op operation, Type type, std::string name,
                 AclPatternType pattern = AclPatternType::kLiteral, std::string host = "*") {
  return AclBinding{type,      std::move(name),      pattern, std::move(principal), std::move(host),
                    operation, AclPermission::kAllow};
}

AclBinding deny(std::string principal, Op operation, Type type, std::string name,
                AclPatternType pattern = AclPatternType::kLiteral, std::string host = "*") {
  AclBinding binding = allow(std::move(principal), operation, type, std::move(name), pattern, std::move(host));
  binding.permission = AclPermission::kDeny;
  return binding;
}

std::unique_ptr<Authorizer> authorizer_with(std::vector<AclBinding> acls, AuthorizerConfig config = {}) {
  auto authorizer = Authorizer::in_memory(std::move(config));
  EXPECT_TRUE(authorizer) << authorizer.error().to_string();
  auto added = (*authorizer)->add(std::move(acls));
  EXPECT_TRUE(added) << added.error().to_string();
  return std::move(*authorizer);
}

constexpr std::string_view kAlice = "User:alice";
constexpr std::string_view kBob = "User:bob";
constexpr std::string_view kClientHost = "10.0.0.1";

bool alice_may(const Authorizer& authorizer, Op operation, std::string_view topic) {
  return authorizer.authorize(kAlice, kClientHost, operation, Type::kTopic, topic);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(AuthorizerRules, DenyWinsOverAllow) {
  auto authorizer = authorizer_with(
      {allow("User:alice", Op::kRead, Type::kTopic, "orders"), deny("User:alice", Op::kRead, Type::kTopic, "orders")});
  EXPECT_FALSE(alice_may(*authorizer, Op::kRead, "orders"));
  // Whichever pattern carries them: a prefixed deny beats a literal allow, a wildcard deny too.
  authorizer = authorizer_with({allow("User:alice", Op::kWrite, Type::kTopic, "orders"),
                                deny("User:*", Op::kWrite, Type::kTopic, "ord", AclPatternType::kPrefixed),
                                allow("User:alice", Op::kCreate, Type::kTopic, "orders"),
                                deny("User:alice", Op::kCreate, Type::kTopic, "*")});
  EXPECT_FALSE(alice_may(*authorizer, Op::kWrite, "orders"));
  EXPECT_FALSE(alice_may(*authorizer, Op::kCreate, "orders"));
}

TEST(AuthorizerRules, AllowAllAllowsEveryOperationAndDenyAllDeniesThem) {
  auto authorizer = authorizer_with(
      {allow("User:alice", Op::kAll, Type::kTopic, "orders"), allow("User:alice", Op::kAll, Type::kTopic, "audit"),
       allow("User:alice", Op::kRead, Type::kTopic, "audit"), deny("User:alice", Op::kAll, Type::kTopic, "audit")});
  for (int code = static_cast<int>(Op::kRead); code <= static_cast<int>(Op::kDescribeTokens); ++code) {
    EXPECT_TRUE(alice_may(*authorizer, static_cast<Op>(code), "orders")) << name_of(static_cast<Op>(code));
    EXPECT_FALSE(alice_may(*authorizer, static_cast<Op>(code), "audit")) << name_of(static_cast<Op>(code));
  }
}

TEST(AuthorizerRules, ReadWriteDeleteAndAlterImplyDescribe) {
  for (Op granted : {Op::kRead, Op::kWrite, Op::kDelete, Op::kAlter}) {
    auto authorizer = authorizer_with({allow("User:alice", granted, Type::kTopic, "orders")});
    EXPECT_TRUE(alice_may(*authorizer, Op::kDescribe, "orders")) << name_of(granted);
    EXPECT_FALSE(alice_may(*authorizer, Op::kDescribeConfigs, "orders")) << name_of(granted);
  }
  for (Op granted : {Op::kCreate, Op::kClusterAction, Op::kIdempotentWrite, Op::kAlterConfigs}) {
    auto authorizer = authorizer_with({allow("User:alice", granted, Type::kTopic, "orders")});
    EXPECT_FALSE(alice_may(*authorizer, Op::kDescribe, "orders")) << name_of(granted);
  }
  auto writer = authorizer_with({allow("User:alice", Op::kWrite, Type::kTopic, "orders")});
  EXPECT_FALSE(alice_may(*writer, Op::kRead, "orders")) << "only DESCRIBE is implied";
}

TEST(AuthorizerRules, AlterConfigsImpliesDescribeConfigs) {
  auto authorizer = authorizer_with({allow("User:alice", Op::kAlterConfigs, Type::kTopic, "orders")});
  EXPECT_TRUE(alice_may(*authorizer, Op::kDescribeConfigs, "orders"));
  EXPECT_TRUE(alice_may(*authorizer, Op::kAlterConfigs, "orders"));
  EXPECT_FALSE(alice_may(*authorizer, Op::kAlter, "orders"));
  auto describer = authorizer_with({allow("User:alice", Op::kDescribeConfigs, Type::kTopic, "orders")});
  EXPECT_FALSE(alice_may(*describer, Op::kAlterConfigs, "orders"));
}

// Kafka widens an ALLOW to the operations it implies, never a DENY: a DENY applies to its own
// operation and ALL only.
TEST(AuthorizerRules, ADenyOfReadDoesNotDenyDescribe) {
  auto authorizer = authorizer_with({allow("User:alice", Op::kRead, Type::kTopic, "orders"),
                                     deny("User:alice", Op::kRead, Type::kTopic, "orders"),
                                     allow("User:alice", Op::kAlterConfigs, Type::kTopic, "orders"),
                                     deny("User:alice", Op::kAlterConfigs, Type::kTopic, "orders")});
  EXPECT_FALSE(alice_may(*authorizer, Op::kRead, "orders"));
  EXPECT_TRUE(alice_may(*authorizer, Op::kDescribe, "orders"));
  EXPECT_FALSE(alice_may(*authorizer, Op::kAlterConfigs, "orders"));
  EXPECT_TRUE(alice_may(*authorizer, Op::kDescribeConfigs, "orders"));
  auto described = authorizer_with({allow("User:alice", Op::kRead, Type::kTopic, "orders"),
                                    deny("User:alice", Op::kDescribe, Type::kTopic, "orders")});
  EXPECT_FALSE(alice_may(*described, Op::kDescribe, "orders"));
  EXPECT_TRUE(alice_may(*described, Op::kRead, "orders")) << "a DENY of DESCRIBE does not deny READ";
}

TEST(AuthorizerRules, LiteralPrefixedAndWildcardNamesApplyToTheirResources) {
  auto authorizer = authorizer_with(
      {allow("User:alice", Op::kRead, Type::kTopic, "orders"),
       allow("User:alice", Op::kWrite, Type::kTopic, "orders-", AclPatternType::kPrefixed),
       allow("User:alice", Op::kCreate, Type::kTopic, "*"), allow("User:alice", Op::kDelete, Type::kGroup, "*")});
  EXPECT_TRUE(alice_may(*authorizer, Op::kRead, "orders"));
  EXPECT_FALSE(alice_may(*authorizer, Op::kRead, "orders-eu")) << "a literal name is not a prefix";
  EXPECT_FALSE(alice_may(*authorizer, Op::kRead, "order"));
  EXPECT_TRUE(alice_may(*authorizer, Op::kWrite, "orders-eu"));
  EXPECT_TRUE(alice_may(*authorizer, Op::kWrite, "orders-")) << "a prefix applies to the name equal to it";
  EXPECT_FALSE(alice_may(*authorizer, Op::kWrite, "orders"));
  EXPECT_FALSE(alice_may(*authorizer, Op::kWrite, "Orders-eu")) << "names are case-sensitive";
  EXPECT_TRUE(alice_may(*authorizer, Op::kCreate, "anything"));
  EXPECT_TRUE(alice_may(*authorizer, Op::kCreate, "*"));
  EXPECT_FALSE(alice_may(*authorizer, Op::kDelete, "anything")) << "the group wildcard is not a topic wildcard";
  EXPECT_TRUE(authorizer->authorize(kAlice, kClientHost, Op::kDelete, Type::kGroup, "anything"));
}

TEST(AuthorizerRules, EveryPrefixOfTheNameApplies) {
  auto authorizer = authorizer_with({allow("User:alice", Op::kRead, Type::kTopic, "a", AclPatternType::kPrefixed),
                                     allow("User:alice", Op::kWrite, Type::kTopic, "ab", AclPatternType::kPrefixed),
                                     deny("User:alice", Op::kRead, Type::kTopic, "abc", AclPatternType::kPrefixed),
                                     allow("User:alice", Op::kCreate, Type::kTopic, "abd", AclPatternType::kPrefixed)});
  EXPECT_TRUE(alice_may(*authorizer, Op::kRead, "ab"));
  EXPECT_TRUE(alice_may(*authorizer, Op::kWrite, "abcd"));
  EXPECT_FALSE(alice_may(*authorizer, Op::kRead, "abcd"));
  EXPECT_FALSE(alice_may(*authorizer, Op::kCreate, "abcd"));
  EXPECT_TRUE(alice_may(*authorizer, Op::kCreate, "abd"));
}

TEST(AuthorizerRules, TheWildcardPrincipalAppliesToEveryUser) {
  auto authorizer = authorizer_with({allow("User:*", Op::kRead, Type::kTopic, "public"),
                                     deny("User:*", Op::kWrite, Type::kTopic, "public"),
                                     allow("User:alice", Op::kWrite, Type::kTopic, "public")});
  EXPECT_TRUE(authorizer->authorize(kBob, kClientHost, Op::kRead, Type::kTopic, "public"));
  EXPECT_TRUE(alice_may(*authorizer, Op::kRead, "public"));
  EXPECT_FALSE(alice_may(*authorizer, Op::kWrite, "public")) << "the wildcard DENY applies to alice too";
  auto named = authorizer_with({allow("User:alice", Op::kRead, Type::kTopic, "private")});
  EXPECT_FALSE(named->authorize(kBob, kClientHost, Op::kRead, Type::kTopic, "private"));
}

TEST(AuthorizerRules, AnAclAppliesFromItsHostOnly) {
  auto authorizer =
      authorizer_with({allow("User:alice", Op::kRead, Type::kTopic, "orders", AclPatternType::kLiteral, "10.0.0.1"),
                       allow("User:alice", Op::kWrite, Type::kTopic, "orders", AclPatternType::kLiteral, "*"),
                       deny("User:alice", Op::kWrite, Type::kTopic, "orders", AclPatternType::kLiteral, "10.0.0.9")});
  EXPECT_TRUE(authorizer->authorize(kAlice, "10.0.0.1", Op::kRead, Type::kTopic, "orders"));
  EXPECT_FALSE(authorizer->authorize(kAlice, "10.0.0.2", Op::kRead, Type::kTopic, "orders"));
  EXPECT_TRUE(authorizer->authorize(kAlice, "10.0.0.2", Op::kWrite, Type::kTopic, "orders"));
  EXPECT_FALSE(authorizer->authorize(kAlice, "10.0.0.9", Op::kWrite, Type::kTopic, "orders"));
}

TEST(AuthorizerRules, ASuperUserIsAllowedEverything) {
  AuthorizerConfig config;
  config.super_users = {"User:admin"};
  auto authorizer = authorizer_with({deny("User:*", Op::kAll, Type::kTopic, "*")}, config);
  EXPECT_TRUE(authorizer->authorize("User:admin", kClientHost, Op::kWrite, Type::kTopic, "orders"));
  EXPECT_TRUE(authorizer->authorize("User:admin", kClientHost, Op::kClusterAction, Type::kCluster, "kafka-cluster"));
  EXPECT_FALSE(authorizer->authorize("User:Admin", kClientHost, Op::kWrite, Type::kTopic, "orders"));
  EXPECT_FALSE(alice_may(*authorizer, Op::kWrite, "orders"));
}

TEST(AuthorizerRules, AResourceWithoutAclsFollowsAllowEveryoneIfNoAclFound) {
  const std::vector<AclBinding> acls = {
      allow("User:bob", Op::kRead, Type::kTopic, "other"), allow("User:bob", Op::kRead, Type::kTopic, "orders-eu"),
      allow("User:bob", Op::kRead, Type::kGroup, "orders"), allow("User:bob", Op::kRead, Type::kTopic, "locked")};
  AuthorizerConfig open_config;
  open_config.allow_everyone_if_no_acl_found = true;
  auto open = authorizer_with(acls, open_config);
  auto closed = authorizer_with(acls);
  // No ACL on topic "orders" (ACLs on other resources and types, a longer literal, don't count).
  EXPECT_TRUE(alice_may(*open, Op::kWrite, "orders"));
  EXPECT_FALSE(alice_may(*closed, Op::kWrite, "orders"));
  // An ACL on "locked" for someone else, for another operation: the resource is governed by ACLs.
  EXPECT_FALSE(alice_may(*open, Op::kWrite, "locked"));
  EXPECT_FALSE(alice_may(*closed, Op::kWrite, "locked"));
  // So does an ACL from another host, or a prefixed or wildcard one.
  auto prefixed =
      authorizer_with({allow("User:bob", Op::kRead, Type::kTopic, "ord", AclPatternType::kPrefixed)}, open_config);
  EXPECT_FALSE(alice_may(*prefixed, Op::kWrite, "orders"));
  EXPECT_TRUE(alice_may(*prefixed, Op::kWrite, "audit"));
  auto wildcard = authorizer_with(
      {allow("User:bob", Op::kRead, Type::kTopic, "*", AclPatternType::kLiteral, "10.9.9.9")}, open_config);
  EXPECT_FALSE(alice_may(*wildcard, Op::kWrite, "audit"));
  EXPECT_TRUE(wildcard->authorize(kAlice, kClientHost, Op::kRead, Type::kGroup, "audit"));
}

TEST(AuthorizerRules, IndefiniteOperationsAndResourceTypesAreNeverAuthorized) {
  AuthorizerConfig config;
  config.allow_everyone_if_no_acl_found = true;
  auto authorizer = authorizer_with({}, config);
  EXPECT_TRUE(alice_may(*authorizer, Op::kRead, "orders"));
  EXPECT_FALSE(alice_may(*authorizer, Op::kAny, "orders"));
  EXPECT_FALSE(alice_may(*authorizer, Op::kUnknown, "orders"));
  EXPECT_FALSE(alice_may(*authorizer, static_cast<Op>(77), "orders"));
  EXPECT_FALSE(authorizer->authorize(kAlice, kClientHost, Op::kRead, Type::kAny, "orders"));
  EXPECT_FALSE(authorizer->authorize(kAlice, kClientHost, Op::kRead, static_cast<Type>(-3), "orders"));
}

TEST(AuthorizerAcls, AddIsAllOrNothingAndIgnoresDuplicates) {
  auto authorizer = authorizer_with({allow("User:alice", Op::kRead, Type::kTopic, "orders")});
  AclBinding bad = allow("User:alice", Op::kRead, Type::kCluster, "my-cluster");
  auto added = authorizer->add({allow("User:alice", Op::kWrite, Type::kTopic, "orders"), bad});
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(added.error().message.find("kafka-cluster"), std::string::npos) << added.error().message;
  EXPECT_EQ(authorizer->size(), 1u);
  EXPECT_FALSE(alice_may(*authorizer, Op::kWrite, "orders"));

  ASSERT_TRUE(authorizer->add({allow("User:alice", Op::kRead, Type::kTopic, "orders"),
                               allow("User:alice", Op::kWrite, Type::kTopic, "orders"),
                               allow("User:alice", Op::kWrite, Type::kTopic, "orders")}));
  EXPECT_EQ(authorizer->size(), 2u);
  EXPECT_TRUE(alice_may(*authorizer, Op::kWrite, "orders"));
}

TEST(AuthorizerAcls, RemoveReturnsWhatItRemovedAndListFilters) {
  auto authorizer = authorizer_with({allow("User:alice", Op::kRead, Type::kTopic, "orders"),
                                     allow("User:alice", Op::kRead, Type::kTopic, "ord", AclPatternType::kPrefixed),
                                     allow("User:bob", Op::kRead, Type::kTopic, "*"),
                                     allow("User:bob", Op::kRead, Type::kGroup, "orders")});
  AclBindingFilter match;
  match.resource_type = Type::kTopic;
  match.pattern_type = AclPatternType::kMatch;
  match.resource_name = "orders";
  EXPECT_EQ(authorizer->list(match).size(), 3u);

  AclBindingFilter alices;
  alices.principal = "User:alice";
  auto removed = authorizer->remove(alices);
  ASSERT_TRUE(removed) << removed.error().to_string();
  EXPECT_EQ(*removed,
            (std::vector<AclBinding>{allow("User:alice", Op::kRead, Type::kTopic, "ord", AclPatternType::kPrefixed),
                                     allow("User:alice", Op::kRead, Type::kTopic, "orders")}));
  EXPECT_EQ(authorizer->size(), 2u);
  EXPECT_FALSE(alice_may(*authorizer, Op::kRead, "orders"));
  EXPECT_TRUE(authorizer->remove(alices)->empty());

  AclBindingFilter unknown;
  unknown.operation = Op::kUnknown;
  auto refused = authorizer->remove(unknown);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(authorizer->list(unknown).empty());
  EXPECT_EQ(authorizer->list(AclBindingFilter::any()).size(), 2u);
}

TEST(AuthorizerConfigCheck, RefusesMalformedSuperUsers) {
  for (const char* user : {"admin", "Group:admins", "User:*"}) {
    AuthorizerConfig config;
    config.super_users = {"User:root", user};
    auto authorizer = Authorizer::in_memory(config);
    ASSERT_FALSE(authorizer) << user;
    EXPECT_EQ(authorizer.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(authorizer.error().message.find(user), std::string::npos) << authorizer.error().message;
  }
}

// Kafka's rule written as plainly as possible, over every ACL, to check the index against.
bool reference_authorize(const std::vector<AclBinding>& acls, const AuthorizerConfig& config,
                         const std::string& principal, const std::string& host, Op operation, Type type,
                         const std::string& name) {
  for (const std::string& user : config.super_users)
    if (user == principal) return true;
  std::vector<Op> allowed_by = {operation, Op::kAll};
  if (operation == Op::kDescribe) allowed_by.insert(allowed_by.end(), {Op::kRead, Op::kWrite, Op::kDelete, Op::kAlter});
  if (operation == Op::kDescribeConfigs) allowed_by.push_back(Op::kAlterConfigs);
  bool any_acl = false, denied = false, allowed = false;
  for (const AclBinding& acl : acls) {
    if (acl.resource_type != type) continue;
    const bool on_resource = acl.pattern_type == AclPatternType::kLiteral
                                 ? (acl.resource_name == name || acl.resource_name == "*")
                                 : name.compare(0, acl.resource_name.size(), acl.resource_name) == 0;
    if (!on_resource) continue;
    any_acl = true;
    if (acl.principal != principal && acl.principal != "User:*") continue;
    if (acl.host != host && acl.host != "*") continue;
    if (acl.permission == AclPermission::kDeny && (acl.operation == operation || acl.operation == Op::kAll))
      denied = true;
    if (acl.permission == AclPermission::kAllow &&
        std::find(allowed_by.begin(), allowed_by.end(), acl.operation) != allowed_by.end())
      allowed = true;
  }
  if (denied) return false;
  if (allowed) return true;
  return !any_acl && config.allow_everyone_if_no_acl_found;
}

// Small universes of names, principals and hosts, so that random ACLs overlap: every query meets
// literal, prefixed and wildcard ACLs, allows, denies, and resources nobody wrote an ACL for.
class RandomAcls {
 public:
  explicit RandomAcls(uint32_t seed) : random_(seed) {}

  AclBinding binding() {
    AclBinding acl;
    const int kind = pick(100);
    if (kind < 5) {
      acl.resource_type = Type::kCluster;
      acl.resource_name = "kafka-cluster";
      acl.pattern_type = AclPatternType::kLiteral;
    } else {
      acl.resource_type = pick(3) == 0 ? Type::kGroup : Type::kTopic;
      acl.pattern_type = pick(3) == 0 ? AclPatternType::kPrefixed : AclPatternType::kLiteral;
      // "*" only for topics, so that groups keep resources without any ACL.
      acl.resource_name =
          (acl.resource_type == Type::kTopic && acl.pattern_type == AclPatternType::kLiteral && pick(100) < 2)
              ? "*"
              : name("abc", 1 + pick(4));
    }
    static const char* principals[] = {"User:alice", "User:bob", "User:carol", "User:*"};
    static const char* hosts[] = {"*", "*", "10.0.0.1", "10.0.0.2"};
    acl.principal = principals[pick(4)];
    acl.host = hosts[pick(4)];
    acl.operation = static_cast<Op>(static_cast<int>(Op::kAll) + pick(13));
    acl.permission = pick(100) < 15 ? AclPermission::kDeny : AclPermission::kAllow;
    return acl;
  }

  struct Query {
    std::string principal, host;
    Op operation;
    Type type;
    std::string name;
  };

  Query query() {
    static const char* principals[] = {"User:alice", "User:bob", "User:carol", "User:dave", "User:root"};
    static const char* hosts[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
    Query q;
    q.principal = principals[pick(100) < 3 ? 4 : pick(4)];
    q.host = hosts[pick(3)];
    q.operation = static_cast<Op>(static_cast<int>(Op::kAll) + pick(13));
    const int kind = pick(100);
    if (kind < 5) {
      q.type = Type::kCluster;
      q.name = "kafka-cluster";
    } else {
      q.type = pick(3) == 0 ? Type::kGroup : Type::kTopic;
      q.name = kind < 35 ? name("xyz", 1 + pick(5)) : name("abc", 1 + pick(5));
    }
    return q;
  }

 private:
  int pick(int bound) { return std::uniform_int_distribution<int>(0, bound - 1)(random_); }
  std::string name(std::string_view alphabet, int length) {
    std::string text;
    for (int i = 0; i < length; ++i) text += alphabet[pick(static_cast<int>(alphabet.size()))];
    return text;
  }

  std::mt19937 random_;
};

TEST(AuthorizerProperty, AgreesWithABruteForceReferenceOnRandomAcls) {
  constexpr uint32_t kSeed = 20240611;
  constexpr int kAcls = 1000, kQueries = 10000;
  RandomAcls random(kSeed);
  std::vector<AclBinding> acls;
  for (int i = 0; i < kAcls; ++i) acls.push_back(random.binding());
  AuthorizerConfig closed_config;
  closed_config.super_users = {"User:root"};
  AuthorizerConfig open_config = closed_config;
  open_config.allow_everyone_if_no_acl_found = true;
  auto closed = authorizer_with(acls, closed_config);
  auto open = authorizer_with(acls, open_config);
  ASSERT_GT(closed->size(), 900u);

  int allowed = 0, denied = 0, open_only = 0;
  for (int i = 0; i < kQueries; ++i) {
    const RandomAcls::Query q = random.query();
    const bool expected_closed =
        reference_authorize(acls, closed_config, q.principal, q.host, q.operation, q.type, q.name);
    const bool expected_open = reference_authorize(acls, open_config, q.principal, q.host, q.operation, q.type, q.name);
    const std::string what = "seed " + std::to_string(kSeed) + " query " + std::to_string(i) + ": " + q.principal +
                             " from " + q.host + " " + std::string(name_of(q.operation)) + " " +
                             std::string(name_of(q.type)) + " " + q.name;
    ASSERT_EQ(closed->authorize(q.principal, q.host, q.operation, q.type, q.name), expected_closed) << what;
    ASSERT_EQ(open->authorize(q.principal, q.host, q.operation, q.type, q.name), expected_open) << what;
    allowed += expected_closed;
    denied += !expected_open;
    open_only += expected_open && !expected_closed;
  }
  // The mix is what makes the comparison mean something: each outcome is common.
  EXPECT_GT(allowed, kQueries / 20) << "allowed by an ACL";
  EXPECT_GT(denied, kQueries / 20) << "denied";
  EXPECT_GT(open_only, kQueries / 20) << "allowed only because no ACL applies";

  // DescribeAcls with MATCH selects exactly the ACLs the decision looked at.
  const std::vector<AclBinding> stored = closed->list(AclBindingFilter::any());
  for (int i = 0; i < 300; ++i) {
    const RandomAcls::Query q = random.query();
    AclBindingFilter filter;
    filter.resource_type = q.type;
    filter.pattern_type = AclPatternType::kMatch;
    filter.resource_name = q.name;
    size_t expected = 0;
    for (const AclBinding& acl : stored)
      expected += acl.resource_type == q.type && (acl.pattern_type == AclPatternType::kLiteral
                                                      ? (acl.resource_name == q.name || acl.resource_name == "*")
                                                      : q.name.starts_with(acl.resource_name));
    EXPECT_EQ(closed->list(filter).size(), expected) << q.name;
  }
}

TEST(AuthorizerFile, AclsSurviveAReopen) {
  test::TempDir dir;
  {
    auto authorizer = Authorizer::open(dir.path(), {});
    ASSERT_TRUE(authorizer) << authorizer.error().to_string();
    EXPECT_EQ((*authorizer)->size(), 0u) << "no file: no ACLs";
    ASSERT_TRUE((*authorizer)
                    ->add({allow("User:alice", Op::kRead, Type::kTopic, "orders"),
                           deny("User:*", Op::kWrite, Type::kTopic, "tmp.", AclPatternType::kPrefixed, "fe80::1"),
                           allow("User:bob", Op::kAll, Type::kTransactionalId, "tx id %1")}));
    AclBindingFilter bob;
    bob.principal = "User:bob";
    ASSERT_TRUE((*authorizer)->add({allow("User:bob", Op::kDescribe, Type::kGroup, "g")}));
    ASSERT_EQ((*authorizer)->remove(bob)->size(), 2u);
    ASSERT_TRUE((*authorizer)->add({allow("User:carol", Op::kIdempotentWrite, Type::kCluster, "kafka-cluster")}));
  }
  auto reopened = Authorizer::open(dir.path(), {});
  ASSERT_TRUE(reopened) << reopened.error().to_string();
  EXPECT_EQ((*reopened)->list(AclBindingFilter::any()),
            (std::vector<AclBinding>{
                allow("User:alice", Op::kRead, Type::kTopic, "orders"),
                deny("User:*", Op::kWrite, Type::kTopic, "tmp.", AclPatternType::kPrefixed, "fe80::1"),
                allow("User:carol", Op::kIdempotentWrite, Type::kCluster, "kafka-cluster"),
            }));
  EXPECT_TRUE(alice_may(**reopened, Op::kRead, "orders"));
  EXPECT_FALSE((*reopened)->authorize(kAlice, "fe80::1", Op::kWrite, Type::kTopic, "tmp.1"));
}

TEST(AuthorizerFile, WritesOneEscapedRecordPerBindingUnderAChecksum) {
  test::TempDir dir;
  auto authorizer = Authorizer::open(dir.path(), {});
  ASSERT_TRUE(authorizer) << authorizer.error().to_string();
  ASSERT_TRUE(
      (*authorizer)
          ->add({deny("User:bob", Op::kDescribe, Type::kGroup, "billing team", AclPatternType::kLiteral, "10.0.0.1"),
                 allow("User:alice", Op::kRead, Type::kTopic, "orders-", AclPatternType::kPrefixed)}));
  const std::string body =
      "ringmq-acls 1\n"
      "TOPIC PREFIXED orders- User:alice * READ ALLOW\n"
      "GROUP LITERAL billing%20team User:bob 10.0.0.1 DESCRIBE DENY\n";
  char checksum[32];
  std::snprintf(checksum, sizeof checksum, "crc32c %08x\n", crc32c(0, body.data(), body.size()));
  EXPECT_EQ(read_text(dir.path() + "/acls"), body + checksum);
  struct stat info {};
  ASSERT_EQ(::stat((dir.path() + "/acls").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(AuthorizerFile, ACorruptFileIsRefused) {
  test::TempDir dir;
  {
    auto authorizer = Authorizer::open(dir.path(), {});
    ASSERT_TRUE(authorizer);
    ASSERT_TRUE((*authorizer)->add({allow("User:alice", Op::kRead, Type::kTopic, "orders")}));
  }
  const std::string path = dir.path() + "/acls";
  std::string text = read_text(path);
  text.replace(text.find("READ"), 4, "REED");  // a hand edit: the checksum no longer matches
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  auto opened = Authorizer::open(dir.path(), {});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(opened.error().message.find(path), std::string::npos) << opened.error().message;

  std::ofstream(path, std::ios::binary | std::ios::trunc) << "ringmq-acls 1\nTOPIC LIT";  // torn
  opened = Authorizer::open(dir.path(), {});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kCorrupt);
}

TEST(AuthorizerFile, ARecordThatIsNotAValidBindingIsCorrupt) {
  test::TempDir dir;
  const std::string path = dir.path() + "/acls";
  for (const std::string record :
       {"TOPIC LITERAL orders User:alice * REED ALLOW", "TOPIC LITERAL orders User:alice * READ",
        "TOPIC LITERAL orders alice * READ ALLOW", "ANY LITERAL orders User:alice * READ ALLOW",
        "TOPIC LITERAL %4 User:a * READ ALLOW"}) {
    ASSERT_TRUE(write_record_file(path, "ringmq-acls", 1, std::vector<std::string>{record}));
    auto opened = Authorizer::open(dir.path(), {});
    ASSERT_FALSE(opened) << record;
    EXPECT_EQ(opened.error().code, ErrorCode::kCorrupt) << record;
    EXPECT_NE(opened.error().message.find("record 1"), std::string::npos) << opened.error().message;
  }
}

// The atomic write goes through "<dir>/acls.tmp"; a directory in its place makes it fail
// (chmod would not: the tests run as root).
TEST(AuthorizerFile, AFailedWriteChangesNeitherMemoryNorDisk) {
  test::TempDir dir;
  auto opened = Authorizer::open(dir.path(), {});
  ASSERT_TRUE(opened);
  Authorizer& authorizer = **opened;
  ASSERT_TRUE(authorizer.add({allow("User:alice", Op::kRead, Type::kTopic, "orders")}));
  const std::string path = dir.path() + "/acls";
  const std::string before = read_text(path);
  ASSERT_EQ(::mkdir((path + ".tmp").c_str(), 0700), 0);

  auto added = authorizer.add({allow("User:alice", Op::kWrite, Type::kTopic, "orders")});
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("ACLs unchanged"), std::string::npos) << added.error().message;
  EXPECT_EQ(authorizer.size(), 1u);
  EXPECT_FALSE(alice_may(authorizer, Op::kWrite, "orders"));
  auto removed = authorizer.remove(AclBindingFilter::any());
  ASSERT_FALSE(removed);
  EXPECT_EQ(authorizer.size(), 1u);
  EXPECT_TRUE(alice_may(authorizer, Op::kRead, "orders"));
  EXPECT_EQ(read_text(path), before);

  ASSERT_EQ(::rmdir((path + ".tmp").c_str()), 0);
  ASSERT_TRUE(authorizer.add({allow("User:alice", Op::kWrite, Type::kTopic, "orders")}));
  auto reopened = Authorizer::open(dir.path(), {});
  ASSERT_TRUE(reopened);
  EXPECT_EQ((*reopened)->size(), 2u);
}

// Readers see either the old or the new ACLs, never a torn state; the stable ACLs hold
// throughout. Run under TSAN to check the publication.
TEST(AuthorizerConcurrency, ReadersRunWhileAWriterAddsAndRemoves) {
  auto authorizer = authorizer_with(
      {allow("User:alice", Op::kRead, Type::kTopic, "stable"), deny("User:bob", Op::kRead, Type::kTopic, "stable")});
  std::atomic<bool> writing{true};
  std::atomic<int> wrong{0};
  std::atomic<long> checks{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      const std::string churn_topic = "churn-" + std::to_string(t);
      long local = 0;
      while (writing.load(std::memory_order_relaxed) || local < 1000) {
        if (!alice_may(*authorizer, Op::kRead, "stable")) wrong.fetch_add(1);
        if (authorizer->authorize(kBob, kClientHost, Op::kRead, Type::kTopic, "stable")) wrong.fetch_add(1);
        (void)alice_may(*authorizer, Op::kWrite, churn_topic);
        (void)authorizer->list(AclBindingFilter::any());
        ++local;
      }
      checks.fetch_add(local);
    });
  }
  AclBindingFilter churn;
  churn.resource_type = Type::kTopic;
  churn.pattern_type = AclPatternType::kPrefixed;
  for (int round = 0; round < 200; ++round) {
    std::vector<AclBinding> acls;
    for (int t = 0; t < 4; ++t)
      acls.push_back(
          allow("User:alice", Op::kWrite, Type::kTopic, "churn-" + std::to_string(t), AclPatternType::kPrefixed));
    ASSERT_TRUE(authorizer->add(acls));
    auto removed = authorizer->remove(churn);
    ASSERT_TRUE(removed);
    EXPECT_EQ(removed->size(), 4u);
  }
  writing.store(false);
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(checks.load(), 4000);
  EXPECT_EQ(authorizer->size(), 2u);
}

}  // namespace
}  // namespace ringmq::broker::security
