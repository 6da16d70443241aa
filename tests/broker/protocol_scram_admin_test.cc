// DescribeUserScramCredentials (v0) and AlterUserScramCredentials (v0), both flexible:
// requests decoded from frames written byte by byte from the JSON schemas, responses checked
// byte by byte, the nullable users array, error responses, and malformed bodies.
#include <gtest/gtest.h>

#include <initializer_list>

#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

// Request header v2 of (key, v0) from client "test", ending in its empty tag buffer.
Bytes header_v2(int16_t api_key) {
  return cat(
      {hex("00"), Bytes{static_cast<std::byte>(api_key)}, hex("0000 01234567 0004"), bytes_of("test"), hex("00")});
}

TEST(DescribeUserScramCredentialsCodec, NamedUsersDecodeFromTheirBytes) {
  // users COMPACT_ARRAY (2 + 1) of [name COMPACT_STRING, TAG_BUFFER], then the body's TAG_BUFFER.
  const Bytes frame =
      cat({header_v2(50), hex("03 06"), bytes_of("alice"), hex("00 04"), bytes_of("bob"), hex("00 00")});
  Request request;
  ASSERT_TRUE(decode_frame(frame, request));
  const auto& r = std::get<DescribeUserScramCredentialsRequest>(request);
  EXPECT_FALSE(r.all_users);
  EXPECT_EQ(r.users, (std::vector<std::string_view>{"alice", "bob"}));
}

TEST(DescribeUserScramCredentialsCodec, NullAndEmptyUsersBothMeanEveryUser) {
  // The Java admin client sends an empty array for "all"; null is allowed by the schema.
  Request request;
  const Bytes null_users = cat({header_v2(50), hex("00 00")});
  ASSERT_TRUE(decode_frame(null_users, request));
  EXPECT_TRUE(std::get<DescribeUserScramCredentialsRequest>(request).all_users);
  EXPECT_TRUE(std::get<DescribeUserScramCredentialsRequest>(request).users.empty());

  const Bytes named = cat({header_v2(50), hex("02 06"), bytes_of("alice"), hex("00 00")});
  ASSERT_TRUE(decode_frame(named, request));
  EXPECT_FALSE(std::get<DescribeUserScramCredentialsRequest>(request).all_users);

  const Bytes empty_users = cat({header_v2(50), hex("01 00")});
  ASSERT_TRUE(decode_frame(empty_users, request));
  EXPECT_TRUE(std::get<DescribeUserScramCredentialsRequest>(request).all_users);
  EXPECT_TRUE(std::get<DescribeUserScramCredentialsRequest>(request).users.empty()) << "nothing stale";
}

TEST(DescribeUserScramCredentialsCodec, ResponseBytes) {
  DescribeUserScramCredentialsResponse response;
  response.results.push_back(
      {.user = "alice",
       .credential_infos = {{ScramMechanism::kScramSha256, 4096}, {ScramMechanism::kScramSha512, 8192}}});
  response.results.push_back(
      {.user = "bob", .error_code = KafkaError::kResourceNotFound, .error_message = "no credential"});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_describe_user_scram_credentials_response(0, kCorrelationId, response, w));
  // Response header v1; throttle 0, error 0, null message, results (2 + 1):
  //   alice, error 0, null message, credential_infos (2 + 1) of [mechanism, iterations, tags]
  //   bob, error 91, "no credential", no credential_infos
  EXPECT_EQ(out, cat({hex("0000003b 01234567 00 00000000 0000 00 03"),                                      //
                      hex("06"), bytes_of("alice"), hex("0000 00 03 01 00001000 00 02 00002000 00 00"),     //
                      hex("04"), bytes_of("bob"), hex("005b 0e"), bytes_of("no credential"), hex("01 00"),  //
                      hex("00")}));
}

TEST(DescribeUserScramCredentialsCodec, ATopLevelErrorMessageIsSent) {
  DescribeUserScramCredentialsResponse response{.error_code = KafkaError::kClusterAuthorizationFailed,
                                                .error_message = "not allowed"};
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_describe_user_scram_credentials_response(0, kCorrelationId, response, w));
  WireParser p = open_response(out, true, true);
  EXPECT_EQ(p.i32(), 0);
  EXPECT_EQ(p.i16(), 31);
  EXPECT_EQ(p.nstr(), std::optional<std::string>("not allowed"));
  EXPECT_EQ(p.array(), 0);
  p.tags();
  EXPECT_TRUE(p.at_end());
}

TEST(DescribeUserScramCredentialsCodec, AnErrorResponseNamesEveryRequestedUser) {
  WireBuilder b(true);
  b.array(2).str("alice").tags().str("bob").tags().tags();
  Decoded d = decode_body(ApiKey::kDescribeUserScramCredentials, 0, true, b.out);
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_error_response(d.header, d.request, KafkaError::kClusterAuthorizationFailed, w));
  WireParser p = open_response(out, true, true);
  EXPECT_EQ(p.i32(), 0);
  EXPECT_EQ(p.i16(), 31);
  EXPECT_EQ(p.nstr(), std::nullopt);
  ASSERT_EQ(p.array(), 2);
  for (const char* user : {"alice", "bob"}) {
    EXPECT_EQ(p.str(), user);
    EXPECT_EQ(p.i16(), 31);
    EXPECT_EQ(p.nstr(), std::nullopt);
    EXPECT_EQ(p.array(), 0);
    p.tags();
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
}

TEST(DescribeUserScramCredentialsCodec, MalformedBodiesAreCorrupt) {
  Request request;
  // Three users claimed, one present.
  auto short_array = decode_frame(cat({header_v2(50), hex("04 06"), bytes_of("alice"), hex("00 00")}), request);
  ASSERT_FALSE(short_array);
  EXPECT_EQ(short_array.error().code, ErrorCode::kCorrupt);
  // The user element's tag buffer is missing.
  auto no_tags = decode_frame(cat({header_v2(50), hex("02 06"), bytes_of("alice")}), request);
  ASSERT_FALSE(no_tags);
  EXPECT_EQ(no_tags.error().code, ErrorCode::kCorrupt);
  // A non-zero byte after the body.
  auto trailing = decode_frame(cat({header_v2(50), hex("00 00 05")}), request);
  ASSERT_FALSE(trailing);
  EXPECT_EQ(trailing.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(trailing.error().message.find("unexpected bytes"), std::string::npos) << trailing.error().message;
}

TEST(DescribeUserScramCredentialsCodec, V1IsUnsupported) {
  Request request;
  auto status = decode_frame(request_frame(50, 1, 1, "test", true, hex("00 00")), request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kUnsupported);
  Bytes out;
  Writer w(out);
  EXPECT_FALSE(encode_describe_user_scram_credentials_response(1, 1, DescribeUserScramCredentialsResponse{}, w));
}

// deletions [bob SCRAM-SHA-512], upsertions [alice SCRAM-SHA-256, 4096 iterations, 4-byte
// salt, 8-byte salted password].
Bytes alter_request_frame() {
  return cat({header_v2(51),                                       //
              hex("02 04"), bytes_of("bob"), hex("02 00"),         // deletions (1 + 1)
              hex("02 06"), bytes_of("alice"), hex("01"),          // upsertions (1 + 1)
              hex("00001000 05 deadbeef 09 0001020304050607 00"),  // iterations, salt, password
              hex("00")});
}

TEST(AlterUserScramCredentialsCodec, RequestDecodesFromItsBytes) {
  const Bytes frame = alter_request_frame();
  Request request;
  ASSERT_TRUE(decode_frame(frame, request));
  const auto& r = std::get<AlterUserScramCredentialsRequest>(request);
  ASSERT_EQ(r.deletions.size(), 1u);
  EXPECT_EQ(r.deletions[0].name, "bob");
  EXPECT_EQ(r.deletions[0].mechanism, ScramMechanism::kScramSha512);
  ASSERT_EQ(r.upsertions.size(), 1u);
  const ScramCredentialUpsertion& u = r.upsertions[0];
  EXPECT_EQ(u.name, "alice");
  EXPECT_EQ(u.mechanism, ScramMechanism::kScramSha256);
  EXPECT_EQ(u.iterations, 4096);
  EXPECT_EQ(Bytes(u.salt.begin(), u.salt.end()), hex("deadbeef"));
  EXPECT_EQ(Bytes(u.salted_password.begin(), u.salted_password.end()), hex("0001020304050607"));
}

TEST(AlterUserScramCredentialsCodec, AnUnknownMechanismByteIsKeptForTheHandlerToRefuse) {
  WireBuilder b(true);
  b.array(1).str("bob").i8(7).tags().array(0).tags();
  Decoded d = decode_body(ApiKey::kAlterUserScramCredentials, 0, true, b.out);
  const auto& r = as<AlterUserScramCredentialsRequest>(d);
  ASSERT_EQ(r.deletions.size(), 1u);
  EXPECT_EQ(static_cast<int8_t>(r.deletions[0].mechanism), 7);
  EXPECT_TRUE(r.upsertions.empty());
}

TEST(AlterUserScramCredentialsCodec, ResponseBytes) {
  AlterUserScramCredentialsResponse response{.throttle_time_ms = 5};
  response.results.push_back({.user = "alice"});
  response.results.push_back(
      {.user = "bob", .error_code = KafkaError::kUnacceptableCredential, .error_message = "too few iterations"});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_alter_user_scram_credentials_response(0, kCorrelationId, response, w));
  // Response header v1; throttle 5; results (2 + 1) of [user, error_code, error_message, tags].
  EXPECT_EQ(out, cat({hex("0000002f 01234567 00 00000005 03"),                                                //
                      hex("06"), bytes_of("alice"), hex("0000 00 00"),                                        //
                      hex("04"), bytes_of("bob"), hex("005d 13"), bytes_of("too few iterations"), hex("00"),  //
                      hex("00")}));
}

TEST(AlterUserScramCredentialsCodec, AnErrorResponseNamesEachUserOnceInNameOrder) {
  WireBuilder b(true);
  b.array(2).str("carol").i8(1).tags().str("alice").i8(2).tags();
  b.array(1).str("carol").i8(2).i32(8192).bytes(hex("01")).bytes(hex("02")).tags().tags();
  Decoded d = decode_body(ApiKey::kAlterUserScramCredentials, 0, true, b.out);
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_error_response(d.header, d.request, KafkaError::kNotController, w));
  WireParser p = open_response(out, true, true);
  EXPECT_EQ(p.i32(), 0);
  ASSERT_EQ(p.array(), 2);
  for (const char* user : {"alice", "carol"}) {
    EXPECT_EQ(p.str(), user);
    EXPECT_EQ(p.i16(), 41);
    EXPECT_EQ(p.nstr(), std::nullopt);
    p.tags();
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
}

TEST(AlterUserScramCredentialsCodec, MalformedBodiesAreCorrupt) {
  Request request;
  // A salt claiming 16 bytes where 4 follow.
  auto long_salt =
      decode_frame(cat({header_v2(51), hex("01 02 06"), bytes_of("alice"), hex("01 00001000 11 deadbeef")}), request);
  ASSERT_FALSE(long_salt);
  EXPECT_EQ(long_salt.error().code, ErrorCode::kCorrupt);
  // Upsertions missing entirely.
  auto no_upsertions = decode_frame(cat({header_v2(51), hex("01")}), request);
  ASSERT_FALSE(no_upsertions);
  EXPECT_EQ(no_upsertions.error().code, ErrorCode::kCorrupt);
  // A null deletions array (the schema does not allow one).
  auto null_deletions = decode_frame(cat({header_v2(51), hex("00 01 00")}), request);
  ASSERT_FALSE(null_deletions);
  EXPECT_EQ(null_deletions.error().code, ErrorCode::kCorrupt);
  // Every prefix of a good request.
  const Bytes frame = alter_request_frame();
  for (size_t n = header_v2(51).size(); n < frame.size(); ++n) {
    Bytes prefix(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
    auto status = decode_frame(prefix, request);
    ASSERT_FALSE(status) << n;
    EXPECT_EQ(status.error().code, ErrorCode::kCorrupt) << n;
  }
  // A non-zero byte after the body.
  Bytes trailing = frame;
  trailing.push_back(std::byte{0x01});
  auto status = decode_frame(trailing, request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kCorrupt);
}

TEST(AlterUserScramCredentialsCodec, V1IsUnsupported) {
  Request request;
  auto status = decode_frame(request_frame(51, 1, 1, "test", true, hex("01 01 00")), request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace ringmq::broker::protocol
