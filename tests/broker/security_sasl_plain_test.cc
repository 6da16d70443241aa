// SASL PLAIN message parsing (RFC 4616) with Kafka's rule on the authorization id.
#include <gtest/gtest.h>

#include <string>

#include "broker/security/sasl_plain.h"

namespace ringmq::broker::security {
namespace {

using namespace std::string_literals;

TEST(SaslPlain, SplitsAuthorizationIdUserAndPassword) {
  const std::string message = "\0alice\0s3cret pass"s;
  auto parsed = parse_sasl_plain(message);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->authorization_id, "");
  EXPECT_EQ(parsed->user, "alice");
  EXPECT_EQ(parsed->password, "s3cret pass");
  // Views into the message, not copies.
  EXPECT_EQ(parsed->user.data(), message.data() + 1);
}

TEST(SaslPlain, AcceptsAnAuthorizationIdEqualToTheUser) {
  auto parsed = parse_sasl_plain("alice\0alice\0pw"s);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->authorization_id, "alice");
  EXPECT_EQ(parsed->user, "alice");
}

TEST(SaslPlain, RefusesActingAsAnotherUser) {
  auto parsed = parse_sasl_plain("admin\0alice\0pw"s);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.error().message.find("authorization id"), std::string::npos);
}

TEST(SaslPlain, RefusesMalformedMessages) {
  const std::string bad[] = {
      ""s,
      "alice"s,
      "\0alice"s,            // one NUL
      "\0alice\0pw\0"s,      // three NULs
      "\0alice\0pw\0more"s,  // three NULs
      "\0\0pw"s,             // empty user
      "\0alice\0"s,          // empty password
      "\0"s + std::string(256, 'u') + "\0pw"s,
      "\0alice\0"s + std::string(256, 'p'),
      std::string(256, 'a') + "\0alice\0pw"s,
  };
  for (const std::string& message : bad) {
    auto parsed = parse_sasl_plain(message);
    ASSERT_FALSE(parsed) << message.size();
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(SaslPlain, Accepts255ByteFields) {
  const std::string user(255, 'u'), password(255, 'p');
  auto parsed = parse_sasl_plain(user + "\0"s + user + "\0"s + password);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->user.size(), 255u);
  EXPECT_EQ(parsed->password.size(), 255u);
}

TEST(SaslPlain, ErrorsNeverContainThePassword) {
  const std::string password = "hunter2-very-secret";
  const std::string messages[] = {
      "admin\0alice\0"s + password,
      "\0\0"s + password,
      "\0alice\0"s + password + "\0"s,
      "\0"s + std::string(300, 'u') + "\0"s + password,
  };
  for (const std::string& message : messages) {
    auto parsed = parse_sasl_plain(message);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().message.find(password), std::string::npos) << parsed.error().message;
  }
}

}  // namespace
}  // namespace ringmq::broker::security
