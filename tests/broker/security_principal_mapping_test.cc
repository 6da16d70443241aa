// Kafka's ssl.principal.mapping.rules: RULE:pattern/replacement/[L|U] and DEFAULT, in order,
// the first matching rule winning; malformed lists and patterns refused with the rule named.
#include <gtest/gtest.h>

#include "broker/security/principal_mapping.h"

namespace ringmq::broker::security {
namespace {

TEST(PrincipalMapping, TheFirstMatchingRuleWinsWithItsCase) {
  auto mapping =
      PrincipalMapping::parse("RULE:^CN=([^,]+),OU=eng,.*$/$1/L, RULE:^CN=([^,]+),OU=(ops),.*$/$2-$1/U,DEFAULT");
  ASSERT_TRUE(mapping) << mapping.error().message;
  EXPECT_EQ(mapping->map("CN=Alice,OU=eng,O=Example"), "alice");
  EXPECT_EQ(mapping->map("CN=bob,OU=ops,O=Example"), "OPS-BOB");
  EXPECT_EQ(mapping->map("CN=carol,O=Example"), "CN=carol,O=Example") << "DEFAULT: the subject as it is";
}

TEST(PrincipalMapping, NoRuleOrNoMatchKeepsTheSubject) {
  auto empty = PrincipalMapping::parse("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->map("CN=x"), "CN=x");
  auto only = PrincipalMapping::parse("RULE:^CN=(.*)$/$1/");
  ASSERT_TRUE(only);
  EXPECT_EQ(only->map("CN=x"), "x");
  EXPECT_EQ(only->map("O=y"), "O=y");
}

TEST(PrincipalMapping, EscapedSlashesAndBackslashes) {
  auto mapping = PrincipalMapping::parse(R"(RULE:^CN=([^,]+),OU=a\/b$/$1\/x/)");
  ASSERT_TRUE(mapping) << mapping.error().message;
  EXPECT_EQ(mapping->map("CN=z,OU=a/b"), "z/x");
}

TEST(PrincipalMapping, MalformedRulesAreRefusedByName) {
  for (const char* rules : {"RULE:^CN=(.*)$", "RULE:^CN=(.*)$/$1/X", "SOMETHING", "RULE:([/$1/"}) {
    auto mapping = PrincipalMapping::parse(rules);
    ASSERT_FALSE(mapping) << rules;
    EXPECT_NE(mapping.error().message.find("tls.principal_mapping_rules"), std::string::npos);
  }
}

}  // namespace
}  // namespace ringmq::broker::security
