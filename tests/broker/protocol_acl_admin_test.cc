// DescribeAcls, CreateAcls and DeleteAcls (v0-3, flexible from v2): requests decoded from
// frames written byte by byte from the JSON schemas (v0 without a pattern type, v1 with one,
// v2-3 compact), responses checked byte by byte, null filters, error responses, and malformed
// bodies.
#include <gtest/gtest.h>

#include <initializer_list>

#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

// Request header of (key, version) from client "test": v1 for v0-1, v2 (with its empty tag
// buffer) for the flexible v2-3.
Bytes header(int16_t api_key, int16_t version) {
  return cat({hex("00"), Bytes{static_cast<std::byte>(api_key)}, hex("00"), Bytes{static_cast<std::byte>(version)},
              hex("01234567 0004"), bytes_of("test"), version >= 2 ? hex("00") : Bytes{}});
}

constexpr int16_t kDescribeAcls = 29;
constexpr int16_t kCreateAcls = 30;
constexpr int16_t kDeleteAcls = 31;

void expect_corrupt(const Bytes& frame, const std::string& what) {
  Request request;
  auto status = decode_frame(frame, request);
  ASSERT_FALSE(status) << what;
  EXPECT_EQ(status.error().code, ErrorCode::kCorrupt) << what << ": " << status.error().message;
}

// Every proper prefix of the body fails, and so does a non-zero byte after it (any byte at
// all after a non-flexible body).
void expect_only_the_whole_body_decodes(int16_t api_key, int16_t version, const Bytes& frame) {
  const size_t body_start = header(api_key, version).size();
  for (size_t n = body_start; n < frame.size(); ++n) {
    expect_corrupt(Bytes(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n)),
                   "prefix of " + std::to_string(n) + " bytes");
  }
  Bytes trailing = frame;
  trailing.push_back(version >= 2 ? std::byte{0x01} : std::byte{0x00});
  expect_corrupt(trailing, "trailing byte");
}

void expect_v4_unsupported(int16_t api_key) {
  Request request;
  auto status = decode_frame(request_frame(api_key, 4, 1, "test", true, hex("00")), request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(status.error().message.find("v4"), std::string::npos) << status.error().message;
}

// --- DescribeAcls -------------------------------------------------------------------------

TEST(DescribeAclsCodec, AV0RequestHasNoPatternTypeAndMeansLiteral) {
  // TOPIC, "orders", User:alice, null host, READ, ALLOW.
  const Bytes frame = cat({header(kDescribeAcls, 0), hex("02 0006"), bytes_of("orders"), hex("000a"),
                           bytes_of("User:alice"), hex("ffff 03 03")});
  Request request;
  ASSERT_TRUE(decode_frame(frame, request));
  const AclFilter& f = std::get<DescribeAclsRequest>(request).filter;
  EXPECT_EQ(f.resource_type, 2);
  EXPECT_EQ(f.resource_name, std::optional<std::string_view>("orders"));
  EXPECT_EQ(f.pattern_type, kAclPatternTypeLiteral);
  EXPECT_EQ(f.principal, std::optional<std::string_view>("User:alice"));
  EXPECT_EQ(f.host, std::nullopt);
  EXPECT_EQ(f.operation, 3);
  EXPECT_EQ(f.permission_type, 3);
}

TEST(DescribeAclsCodec, AV1RequestCarriesThePatternTypeAndNullFilters) {
  // ANY resource type, null name, ANY pattern, null principal, null host, ANY, ANY.
  const Bytes frame = cat({header(kDescribeAcls, 1), hex("01 ffff 01 ffff ffff 01 01")});
  Request request;
  ASSERT_TRUE(decode_frame(frame, request));
  const AclFilter& f = std::get<DescribeAclsRequest>(request).filter;
  EXPECT_EQ(f.resource_type, 1);
  EXPECT_EQ(f.resource_name, std::nullopt);
  EXPECT_EQ(f.pattern_type, 1);
  EXPECT_EQ(f.principal, std::nullopt);
  EXPECT_EQ(f.host, std::nullopt);
  EXPECT_EQ(f.operation, 1);
  EXPECT_EQ(f.permission_type, 1);
}

TEST(DescribeAclsCodec, FlexibleRequestsDecodeFromTheirBytes) {
  // v2: TOPIC, "orders" PREFIXED, null principal, host 127.0.0.1, WRITE, DENY, TAG_BUFFER.
  const Bytes v2 = cat({header(kDescribeAcls, 2), hex("02 07"), bytes_of("orders"), hex("04 00 0a"),
                        bytes_of("127.0.0.1"), hex("04 02 00")});
  Request request;
  ASSERT_TRUE(decode_frame(v2, request));
  const AclFilter& f2 = std::get<DescribeAclsRequest>(request).filter;
  EXPECT_EQ(f2.resource_type, 2);
  EXPECT_EQ(f2.resource_name, std::optional<std::string_view>("orders"));
  EXPECT_EQ(f2.pattern_type, 4);
  EXPECT_EQ(f2.principal, std::nullopt);
  EXPECT_EQ(f2.host, std::optional<std::string_view>("127.0.0.1"));
  EXPECT_EQ(f2.operation, 4);
  EXPECT_EQ(f2.permission_type, 2);

  // v3 (the same layout; USER resources allowed): USER "bob" LITERAL, User:alice, null host,
  // DESCRIBE_TOKENS, ALLOW.
  const Bytes v3 = cat({header(kDescribeAcls, 3), hex("07 04"), bytes_of("bob"), hex("03 0b"), bytes_of("User:alice"),
                        hex("00 0e 03 00")});
  ASSERT_TRUE(decode_frame(v3, request));
  const AclFilter& f3 = std::get<DescribeAclsRequest>(request).filter;
  EXPECT_EQ(f3.resource_type, 7);
  EXPECT_EQ(f3.resource_name, std::optional<std::string_view>("bob"));
  EXPECT_EQ(f3.pattern_type, 3);
  EXPECT_EQ(f3.principal, std::optional<std::string_view>("User:alice"));
  EXPECT_EQ(f3.host, std::nullopt);
  EXPECT_EQ(f3.operation, 14);
  EXPECT_EQ(f3.permission_type, 3);
}

TEST(DescribeAclsCodec, V0ResponseBytes) {
  DescribeAclsResponse response;
  response.resources.push_back({.resource_type = 2,
                                .resource_name = "orders",
                                .acls = {{"User:alice", "*", 3, 3}, {"User:bob", "10.0.0.1", 4, 2}}});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_describe_acls_response(0, kCorrelationId, response, w));
  // Response header v0; throttle 0, error 0, null message, resources (1) of [type, name, acls
  // (2) of [principal, host, operation, permission]]: no pattern type in v0.
  EXPECT_EQ(out, cat({hex("00000044 01234567 00000000 0000 ffff 00000001"),                           //
                      hex("02 0006"), bytes_of("orders"), hex("00000002"),                            //
                      hex("000a"), bytes_of("User:alice"), hex("0001"), bytes_of("*"), hex("03 03"),  //
                      hex("0008"), bytes_of("User:bob"), hex("0008"), bytes_of("10.0.0.1"), hex("04 02")}));
}

TEST(DescribeAclsCodec, V1ResponseBytesCarryThePatternType) {
  DescribeAclsResponse response{.throttle_time_ms = 5};
  response.resources.push_back(
      {.resource_type = 2, .resource_name = "orders-", .pattern_type = 4, .acls = {{"User:alice", "*", 3, 3}}});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_describe_acls_response(1, kCorrelationId, response, w));
  EXPECT_EQ(out, cat({hex("00000030 01234567 00000005 0000 ffff 00000001"),     //
                      hex("02 0007"), bytes_of("orders-"), hex("04 00000001"),  //
                      hex("000a"), bytes_of("User:alice"), hex("0001"), bytes_of("*"), hex("03 03")}));
}

TEST(DescribeAclsCodec, FlexibleResponseBytes) {
  DescribeAclsResponse response;
  response.resources.push_back({.resource_type = 2, .resource_name = "orders", .acls = {{"User:alice", "*", 3, 3}}});
  response.resources.push_back({.resource_type = 7, .resource_name = "alice", .acls = {{"User:admin", "*", 13, 3}}});
  // Response header v1; resources (2 + 1) of [type, name, pattern, acls (1 + 1) of [principal,
  // host, operation, permission, tags], tags], tags. v3 changes nothing on the wire.
  const Bytes expected = cat({hex("00000043 01234567 00 00000000 0000 00 03"),                                  //
                              hex("02 07"), bytes_of("orders"), hex("03 02"),                                   //
                              hex("0b"), bytes_of("User:alice"), hex("02"), bytes_of("*"), hex("03 03 00 00"),  //
                              hex("07 06"), bytes_of("alice"), hex("03 02"),                                    //
                              hex("0b"), bytes_of("User:admin"), hex("02"), bytes_of("*"), hex("0d 03 00 00"),  //
                              hex("00")});
  for (int16_t v : {2, 3}) {
    Bytes out;
    Writer w(out);
    ASSERT_TRUE(encode_describe_acls_response(v, kCorrelationId, response, w));
    EXPECT_EQ(out, expected) << "v" << v;
  }
}

TEST(DescribeAclsCodec, ATopLevelErrorMessageIsSent) {
  DescribeAclsResponse response{.error_code = KafkaError::kSecurityDisabled, .error_message = "no authorizer"};
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_describe_acls_response(2, kCorrelationId, response, w));
  EXPECT_EQ(out, cat({hex("0000001b 01234567 00 00000000 0036 0e"), bytes_of("no authorizer"), hex("01 00")}));
}

TEST(DescribeAclsCodec, AV0ResponseRefusesANonLiteralPattern) {
  DescribeAclsResponse response;
  response.resources.push_back({.resource_type = 2, .resource_name = "orders-", .pattern_type = 4});
  Bytes out;
  Writer w(out);
  auto status = encode_describe_acls_response(0, kCorrelationId, response, w);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(status.error().message.find("orders-"), std::string::npos) << status.error().message;
  EXPECT_TRUE(out.empty()) << "nothing written";
}

TEST(DescribeAclsCodec, AnErrorResponseCarriesTheTopLevelCode) {
  WireBuilder b;
  b.i8(1).str(std::nullopt).i8(1).str(std::nullopt).str(std::nullopt).i8(1).i8(1);
  Decoded d = decode_body(ApiKey::kDescribeAcls, 1, false, b.out);
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_error_response(d.header, d.request, KafkaError::kSecurityDisabled, w));
  WireParser p = open_response(out, false, false);
  EXPECT_EQ(p.i32(), 0);
  EXPECT_EQ(p.i16(), 54);
  EXPECT_EQ(p.nstr(), std::nullopt);
  EXPECT_EQ(p.array(), 0);
  EXPECT_TRUE(p.at_end());
}

TEST(DescribeAclsCodec, MalformedBodiesAreCorrupt) {
  // A v0 body with a v1 pattern type in it: one byte too many.
  expect_corrupt(cat({header(kDescribeAcls, 0), hex("01 ffff 03 ffff ffff 01 01")}), "v0 with a pattern type");
  // A v1 body without one: one byte short.
  expect_corrupt(cat({header(kDescribeAcls, 1), hex("01 ffff ffff ffff 01 01")}), "v1 without a pattern type");
  // A name claiming more bytes than follow.
  expect_corrupt(cat({header(kDescribeAcls, 2), hex("02 20"), bytes_of("orders"), hex("03 00 00 01 01 00")}),
                 "long name");
  expect_only_the_whole_body_decodes(kDescribeAcls, 0,
                                     cat({header(kDescribeAcls, 0), hex("02 0006"), bytes_of("orders"), hex("000a"),
                                          bytes_of("User:alice"), hex("ffff 03 03")}));
  expect_only_the_whole_body_decodes(kDescribeAcls, 2,
                                     cat({header(kDescribeAcls, 2), hex("02 07"), bytes_of("orders"), hex("04 00 0a"),
                                          bytes_of("127.0.0.1"), hex("04 02 00")}));
}

TEST(DescribeAclsCodec, V4IsUnsupported) {
  expect_v4_unsupported(kDescribeAcls);
  Bytes out;
  Writer w(out);
  EXPECT_FALSE(encode_describe_acls_response(4, 1, DescribeAclsResponse{}, w));
}

// --- CreateAcls ---------------------------------------------------------------------------

TEST(CreateAclsCodec, AV0RequestHasNoPatternTypeAndMeansLiteral) {
  // creations (2) of [type, name, principal, host, operation, permission].
  const Bytes frame = cat({header(kCreateAcls, 0), hex("00000002"),                                  //
                           hex("02 0006"), bytes_of("orders"), hex("000a"), bytes_of("User:alice"),  //
                           hex("0001"), bytes_of("*"), hex("03 03"),                                 //
                           hex("03 0005"), bytes_of("audit"), hex("0008"), bytes_of("User:bob"),     //
                           hex("0008"), bytes_of("10.0.0.1"), hex("06 02")});
  Request request;
  ASSERT_TRUE(decode_frame(frame, request));
  const auto& r = std::get<CreateAclsRequest>(request);
  ASSERT_EQ(r.creations.size(), 2u);
  const AclCreation& a = r.creations[0];
  EXPECT_EQ(a.resource_type, 2);
  EXPECT_EQ(a.resource_name, "orders");
  EXPECT_EQ(a.pattern_type, kAclPatternTypeLiteral);
  EXPECT_EQ(a.principal, "User:alice");
  EXPECT_EQ(a.host, "*");
  EXPECT_EQ(a.operation, 3);
  EXPECT_EQ(a.permission_type, 3);
  const AclCreation& b = r.creations[1];
  EXPECT_EQ(b.resource_type, 3);
  EXPECT_EQ(b.resource_name, "audit");
  EXPECT_EQ(b.pattern_type, kAclPatternTypeLiteral);
  EXPECT_EQ(b.principal, "User:bob");
  EXPECT_EQ(b.host, "10.0.0.1");
  EXPECT_EQ(b.operation, 6);
  EXPECT_EQ(b.permission_type, 2);
}

TEST(CreateAclsCodec, AV1RequestCarriesThePatternType) {
  const Bytes frame = cat({header(kCreateAcls, 1), hex("00000001 02 0007"), bytes_of("orders-"), hex("04 000a"),
                           bytes_of("User:alice"), hex("0001"), bytes_of("*"), hex("04 03")});
  Request request;
  ASSERT_TRUE(decode_frame(frame, request));
  const auto& r = std::get<CreateAclsRequest>(request);
  ASSERT_EQ(r.creations.size(), 1u);
  EXPECT_EQ(r.creations[0].resource_name, "orders-");
  EXPECT_EQ(r.creations[0].pattern_type, 4);
  EXPECT_EQ(r.creations[0].principal, "User:alice");
  EXPECT_EQ(r.creations[0].operation, 4);
}

TEST(CreateAclsCodec, FlexibleRequestsDecodeFromTheirBytes) {
  // v2: CLUSTER kafka-cluster LITERAL, User:admin, *, ALTER, ALLOW.
  const Bytes v2 = cat({header(kCreateAcls, 2), hex("02 04 0e"), bytes_of("kafka-cluster"), hex("03 0b"),
                        bytes_of("User:admin"), hex("02"), bytes_of("*"), hex("07 03 00 00")});
  Request request;
  ASSERT_TRUE(decode_frame(v2, request));
  const auto& r2 = std::get<CreateAclsRequest>(request);
  ASSERT_EQ(r2.creations.size(), 1u);
  EXPECT_EQ(r2.creations[0].resource_type, 4);
  EXPECT_EQ(r2.creations[0].resource_name, "kafka-cluster");
  EXPECT_EQ(r2.creations[0].pattern_type, 3);
  EXPECT_EQ(r2.creations[0].principal, "User:admin");
  EXPECT_EQ(r2.creations[0].host, "*");
  EXPECT_EQ(r2.creations[0].operation, 7);
  EXPECT_EQ(r2.creations[0].permission_type, 3);

  // v3: USER alice LITERAL, User:bob, *, CREATE_TOKENS, ALLOW.
  const Bytes v3 = cat({header(kCreateAcls, 3), hex("02 07 06"), bytes_of("alice"), hex("03 09"), bytes_of("User:bob"),
                        hex("02"), bytes_of("*"), hex("0d 03 00 00")});
  ASSERT_TRUE(decode_frame(v3, request));
  const auto& r3 = std::get<CreateAclsRequest>(request);
  ASSERT_EQ(r3.creations.size(), 1u);
  EXPECT_EQ(r3.creations[0].resource_type, 7);
  EXPECT_EQ(r3.creations[0].resource_name, "alice");
  EXPECT_EQ(r3.creations[0].principal, "User:bob");
  EXPECT_EQ(r3.creations[0].operation, 13);
}

TEST(CreateAclsCodec, ResponseBytes) {
  CreateAclsResponse response;
  response.results.push_back({});
  response.results.push_back({.error_code = KafkaError::kInvalidRequest, .error_message = "bad principal"});
  // v0 and v1 share a layout: throttle, results (2) of [error_code, error_message].
  for (int16_t v : {0, 1}) {
    Bytes out;
    Writer w(out);
    ASSERT_TRUE(encode_create_acls_response(v, kCorrelationId, response, w));
    EXPECT_EQ(out, cat({hex("00000021 01234567 00000000 00000002 0000 ffff 002a 000d"), bytes_of("bad principal")}))
        << "v" << v;
  }
  response.throttle_time_ms = 5;
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_create_acls_response(2, kCorrelationId, response, w));
  EXPECT_EQ(out,
            cat({hex("00000020 01234567 00 00000005 03 0000 00 00 002a 0e"), bytes_of("bad principal"), hex("00 00")}));
}

TEST(CreateAclsCodec, AnErrorResponseHasOneResultPerCreation) {
  WireBuilder b(true);
  b.array(2).i8(2).str("orders").i8(3).str("User:alice").str("*").i8(3).i8(3).tags();
  b.i8(3).str("audit").i8(4).str("User:bob").str("*").i8(4).i8(3).tags().tags();
  Decoded d = decode_body(ApiKey::kCreateAcls, 2, true, b.out);
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_error_response(d.header, d.request, KafkaError::kClusterAuthorizationFailed, w));
  WireParser p = open_response(out, true, true);
  EXPECT_EQ(p.i32(), 0);
  ASSERT_EQ(p.array(), 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(p.i16(), 31);
    EXPECT_EQ(p.nstr(), std::nullopt);
    p.tags();
  }
  p.tags();
  EXPECT_TRUE(p.at_end());

  // Without the request there is nothing to answer per creation.
  Bytes header_only;
  Writer w2(header_only);
  ASSERT_TRUE(encode_error_response(ApiKey::kCreateAcls, 1, kCorrelationId, KafkaError::kSecurityDisabled, w2));
  EXPECT_EQ(header_only, hex("0000000c 01234567 00000000 00000000"));
}

TEST(CreateAclsCodec, MalformedBodiesAreCorrupt) {
  // A null creations array (the schema does not allow one).
  expect_corrupt(cat({header(kCreateAcls, 1), hex("ffffffff")}), "null creations");
  // A null resource name (not nullable in CreateAcls).
  expect_corrupt(cat({header(kCreateAcls, 1), hex("00000001 02 ffff 03 0001"), bytes_of("u"), hex("0001"),
                      bytes_of("*"), hex("03 03")}),
                 "null resource name");
  // More creations claimed than the bytes could hold.
  expect_corrupt(cat({header(kCreateAcls, 2), hex("ffffffff07 00")}), "huge count");
  expect_only_the_whole_body_decodes(
      kCreateAcls, 1,
      cat({header(kCreateAcls, 1), hex("00000001 02 0007"), bytes_of("orders-"), hex("04 000a"), bytes_of("User:alice"),
           hex("0001"), bytes_of("*"), hex("04 03")}));
  expect_only_the_whole_body_decodes(
      kCreateAcls, 2,
      cat({header(kCreateAcls, 2), hex("02 04 0e"), bytes_of("kafka-cluster"), hex("03 0b"), bytes_of("User:admin"),
           hex("02"), bytes_of("*"), hex("07 03 00 00")}));
}

TEST(CreateAclsCodec, V4IsUnsupported) {
  expect_v4_unsupported(kCreateAcls);
  Bytes out;
  Writer w(out);
  EXPECT_FALSE(encode_create_acls_response(4, 1, CreateAclsResponse{}, w));
}

// --- DeleteAcls ---------------------------------------------------------------------------

// v1: filters (2): [ANY type, null name, ANY pattern, null principal, null host, ANY, ANY] and
// [GROUP "audit" PREFIXED, User:bob, 127.0.0.1, READ, ALLOW].
Bytes delete_v1_frame() {
  return cat({header(kDeleteAcls, 1), hex("00000002"),                                  //
              hex("01 ffff 01 ffff ffff 01 01"),                                        //
              hex("03 0005"), bytes_of("audit"), hex("04 0008"), bytes_of("User:bob"),  //
              hex("0009"), bytes_of("127.0.0.1"), hex("03 03")});
}

TEST(DeleteAclsCodec, AV0RequestHasNoPatternTypeAndMeansLiteral) {
  const Bytes frame = cat({header(kDeleteAcls, 0), hex("00000001 02 0006"), bytes_of("orders"), hex("000a"),
                           bytes_of("User:alice"), hex("ffff 01 01")});
  Request request;
  ASSERT_TRUE(decode_frame(frame, request));
  const auto& r = std::get<DeleteAclsRequest>(request);
  ASSERT_EQ(r.filters.size(), 1u);
  const AclFilter& f = r.filters[0];
  EXPECT_EQ(f.resource_type, 2);
  EXPECT_EQ(f.resource_name, std::optional<std::string_view>("orders"));
  EXPECT_EQ(f.pattern_type, kAclPatternTypeLiteral);
  EXPECT_EQ(f.principal, std::optional<std::string_view>("User:alice"));
  EXPECT_EQ(f.host, std::nullopt);
  EXPECT_EQ(f.operation, 1);
  EXPECT_EQ(f.permission_type, 1);
}

TEST(DeleteAclsCodec, AV1RequestCarriesPatternTypesAndNullFilters) {
  const Bytes frame = delete_v1_frame();
  Request request;
  ASSERT_TRUE(decode_frame(frame, request));
  const auto& r = std::get<DeleteAclsRequest>(request);
  ASSERT_EQ(r.filters.size(), 2u);
  const AclFilter& any = r.filters[0];
  EXPECT_EQ(any.resource_type, 1);
  EXPECT_EQ(any.resource_name, std::nullopt);
  EXPECT_EQ(any.pattern_type, 1);
  EXPECT_EQ(any.principal, std::nullopt);
  EXPECT_EQ(any.host, std::nullopt);
  const AclFilter& bob = r.filters[1];
  EXPECT_EQ(bob.resource_type, 3);
  EXPECT_EQ(bob.resource_name, std::optional<std::string_view>("audit"));
  EXPECT_EQ(bob.pattern_type, 4);
  EXPECT_EQ(bob.principal, std::optional<std::string_view>("User:bob"));
  EXPECT_EQ(bob.host, std::optional<std::string_view>("127.0.0.1"));
  EXPECT_EQ(bob.operation, 3);
  EXPECT_EQ(bob.permission_type, 3);
}

TEST(DeleteAclsCodec, FlexibleRequestsDecodeFromTheirBytes) {
  // v2: TOPIC "orders" PREFIXED, null principal, null host, WRITE, DENY.
  const Bytes v2 = cat({header(kDeleteAcls, 2), hex("02 02 07"), bytes_of("orders"), hex("04 00 00 04 02 00 00")});
  Request request;
  ASSERT_TRUE(decode_frame(v2, request));
  const auto& r2 = std::get<DeleteAclsRequest>(request);
  ASSERT_EQ(r2.filters.size(), 1u);
  EXPECT_EQ(r2.filters[0].resource_type, 2);
  EXPECT_EQ(r2.filters[0].resource_name, std::optional<std::string_view>("orders"));
  EXPECT_EQ(r2.filters[0].pattern_type, 4);
  EXPECT_EQ(r2.filters[0].principal, std::nullopt);
  EXPECT_EQ(r2.filters[0].host, std::nullopt);
  EXPECT_EQ(r2.filters[0].operation, 4);
  EXPECT_EQ(r2.filters[0].permission_type, 2);

  // v3: USER "bob" LITERAL, null principal and host, ANY, ANY.
  const Bytes v3 = cat({header(kDeleteAcls, 3), hex("02 07 04"), bytes_of("bob"), hex("03 00 00 01 01 00 00")});
  ASSERT_TRUE(decode_frame(v3, request));
  const auto& r3 = std::get<DeleteAclsRequest>(request);
  ASSERT_EQ(r3.filters.size(), 1u);
  EXPECT_EQ(r3.filters[0].resource_type, 7);
  EXPECT_EQ(r3.filters[0].resource_name, std::optional<std::string_view>("bob"));
  EXPECT_EQ(r3.filters[0].pattern_type, 3);
}

TEST(DeleteAclsCodec, ADecodeIntoAReusedRequestLeavesNothingStale) {
  Request request;
  const Bytes v1 = delete_v1_frame();
  ASSERT_TRUE(decode_frame(v1, request));
  // A v0 filter decoded over the PREFIXED one of v1 reads as LITERAL.
  const Bytes v0 = cat({header(kDeleteAcls, 0), hex("00000001 03 0005"), bytes_of("audit"), hex("ffff ffff 01 01")});
  ASSERT_TRUE(decode_frame(v0, request));
  const auto& r = std::get<DeleteAclsRequest>(request);
  ASSERT_EQ(r.filters.size(), 1u);
  EXPECT_EQ(r.filters[0].pattern_type, kAclPatternTypeLiteral);
  EXPECT_EQ(r.filters[0].principal, std::nullopt);
}

TEST(DeleteAclsCodec, V0ResponseBytes) {
  DeleteAclsResponse response;
  response.filter_results.push_back({.matching_acls = {{.resource_type = 2,
                                                        .resource_name = "orders",
                                                        .principal = "User:alice",
                                                        .host = "*",
                                                        .operation = 3,
                                                        .permission_type = 3}}});
  response.filter_results.push_back({.error_code = KafkaError::kInvalidRequest, .error_message = "bad principal"});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_delete_acls_response(0, kCorrelationId, response, w));
  // throttle, filter_results (2) of [error_code, error_message, matching_acls of [error_code,
  // error_message, type, name, principal, host, operation, permission]]: no pattern in v0.
  EXPECT_EQ(out, cat({hex("00000047 01234567 00000000 00000002"),                                         //
                      hex("0000 ffff 00000001"),                                                          //
                      hex("0000 ffff 02 0006"), bytes_of("orders"), hex("000a"), bytes_of("User:alice"),  //
                      hex("0001"), bytes_of("*"), hex("03 03"),                                           //
                      hex("002a 000d"), bytes_of("bad principal"), hex("00000000")}));
}

TEST(DeleteAclsCodec, V1ResponseBytesCarryThePatternType) {
  DeleteAclsResponse response;
  response.filter_results.push_back({.matching_acls = {{.resource_type = 2,
                                                        .resource_name = "orders-",
                                                        .pattern_type = 4,
                                                        .principal = "User:alice",
                                                        .host = "*",
                                                        .operation = 3,
                                                        .permission_type = 3}}});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_delete_acls_response(1, kCorrelationId, response, w));
  EXPECT_EQ(out, cat({hex("00000034 01234567 00000000 00000001 0000 ffff 00000001"),  //
                      hex("0000 ffff 02 0007"), bytes_of("orders-"), hex("04 000a"), bytes_of("User:alice"),
                      hex("0001"), bytes_of("*"), hex("03 03")}));
}

TEST(DeleteAclsCodec, FlexibleResponseBytes) {
  DeleteAclsResponse response;
  response.filter_results.push_back({.matching_acls = {{.resource_type = 2,
                                                        .resource_name = "orders",
                                                        .principal = "User:alice",
                                                        .host = "*",
                                                        .operation = 3,
                                                        .permission_type = 3},
                                                       {.error_code = KafkaError::kUnknownServerError,
                                                        .error_message = "not stored",
                                                        .resource_type = 3,
                                                        .resource_name = "audit",
                                                        .principal = "User:bob",
                                                        .host = "10.0.0.1",
                                                        .operation = 6,
                                                        .permission_type = 2}}});
  // Response header v1; filter_results (1 + 1) of [error, message, matching_acls (2 + 1) of
  // [error, message, type, name, pattern, principal, host, operation, permission, tags], tags].
  const Bytes expected = cat({hex("00000056 01234567 00 00000000 02 0000 00 03"),                              //
                              hex("0000 00 02 07"), bytes_of("orders"), hex("03 0b"), bytes_of("User:alice"),  //
                              hex("02"), bytes_of("*"), hex("03 03 00"),                                       //
                              hex("ffff 0b"), bytes_of("not stored"), hex("03 06"), bytes_of("audit"),         //
                              hex("03 09"), bytes_of("User:bob"), hex("09"), bytes_of("10.0.0.1"),             //
                              hex("06 02 00 00 00")});
  for (int16_t v : {2, 3}) {
    Bytes out;
    Writer w(out);
    ASSERT_TRUE(encode_delete_acls_response(v, kCorrelationId, response, w));
    EXPECT_EQ(out, expected) << "v" << v;
  }
}

TEST(DeleteAclsCodec, AV0ResponseRefusesANonLiteralMatch) {
  DeleteAclsResponse response;
  response.filter_results.push_back({.matching_acls = {{.resource_name = "orders-", .pattern_type = 4}}});
  Bytes out;
  Writer w(out);
  auto status = encode_delete_acls_response(0, kCorrelationId, response, w);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(out.empty()) << "nothing written";
  EXPECT_TRUE(encode_delete_acls_response(1, kCorrelationId, response, w));
}

TEST(DeleteAclsCodec, AnErrorResponseHasOneResultPerFilter) {
  const Bytes frame = delete_v1_frame();
  const Bytes body(frame.begin() + static_cast<std::ptrdiff_t>(header(kDeleteAcls, 1).size()), frame.end());
  Decoded d = decode_body(ApiKey::kDeleteAcls, 1, false, body);
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_error_response(d.header, d.request, KafkaError::kSecurityDisabled, w));
  WireParser p = open_response(out, false, false);
  EXPECT_EQ(p.i32(), 0);
  ASSERT_EQ(p.array(), 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(p.i16(), 54);
    EXPECT_EQ(p.nstr(), std::nullopt);
    EXPECT_EQ(p.array(), 0);
  }
  EXPECT_TRUE(p.at_end());
}

TEST(DeleteAclsCodec, MalformedBodiesAreCorrupt) {
  // A null filters array.
  expect_corrupt(cat({header(kDeleteAcls, 2), hex("00 00")}), "null filters");
  // A filter cut before its tag buffer.
  expect_corrupt(cat({header(kDeleteAcls, 2), hex("02 01 00 01 00 00 01 01")}), "truncated filter");
  expect_only_the_whole_body_decodes(kDeleteAcls, 1, delete_v1_frame());
  expect_only_the_whole_body_decodes(
      kDeleteAcls, 3, cat({header(kDeleteAcls, 3), hex("02 07 04"), bytes_of("bob"), hex("03 00 00 01 01 00 00")}));
}

TEST(DeleteAclsCodec, V4IsUnsupported) {
  expect_v4_unsupported(kDeleteAcls);
  Bytes out;
  Writer w(out);
  EXPECT_FALSE(encode_delete_acls_response(4, 1, DeleteAclsResponse{}, w));
}

}  // namespace
}  // namespace ringmq::broker::protocol
