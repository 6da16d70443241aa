// SaslHandshake (v0-1) and SaslAuthenticate (v0-2): requests decoded from frames written
// byte by byte from the JSON schemas, responses checked byte by byte, and what the codec
// refuses (SaslHandshake v2, SaslAuthenticate v3, truncated and over-long bodies).
#include <gtest/gtest.h>

#include <initializer_list>

#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

// "\0alice\0secret": a SASL/PLAIN token (authzid empty, authcid, password).
const Bytes kPlainToken = hex("00 616c696365 00 736563726574");

TEST(SaslHandshakeCodec, AV1RequestDecodesFromItsBytes) {
  // Request header v1 (no tag buffer): api_key 17, version 1, correlation id, client id
  // "test"; then mechanism STRING.
  const Bytes frame = cat({hex("0011 0001 01234567 0004"), bytes_of("test"), hex("000d"), bytes_of("SCRAM-SHA-256")});
  auto header = parse_request_header(frame);
  ASSERT_TRUE(header) << header.error().message;
  EXPECT_EQ(header->header_version, 1);
  Request request;
  ASSERT_TRUE(decode_request(*header, request));
  EXPECT_EQ(std::get<SaslHandshakeRequest>(request).mechanism, "SCRAM-SHA-256");
}

TEST(SaslHandshakeCodec, TheResponseListsTheEnabledMechanismsUnderHeaderV0) {
  SaslHandshakeResponse response{.error_code = KafkaError::kUnsupportedSaslMechanism,
                                 .mechanisms = {"PLAIN", "SCRAM-SHA-512"}};
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_sasl_handshake_response(1, kCorrelationId, response, w));
  // size 32, correlation id, error 33, two STRINGs.
  EXPECT_EQ(out, cat({hex("00000020 01234567 0021 00000002 0005"), bytes_of("PLAIN"), hex("000d"),
                      bytes_of("SCRAM-SHA-512")}));
}

TEST(SaslHandshakeCodec, V0HasTheLayoutOfV1) {
  // Advertised for librdkafka's feature check; the handler refuses it (bare tokens follow v0).
  Request request;
  ASSERT_TRUE(decode_frame(request_frame(17, 0, kCorrelationId, "test", false, cat({hex("0005"), bytes_of("PLAIN")})),
                           request));
  EXPECT_EQ(std::get<SaslHandshakeRequest>(request).mechanism, "PLAIN");
  Bytes out;
  Writer w(out);
  EXPECT_TRUE(encode_sasl_handshake_response(0, kCorrelationId, SaslHandshakeResponse{}, w));
}

TEST(SaslHandshakeCodec, ATruncatedMechanismIsCorrupt) {
  Request request;
  auto status = decode_frame(request_frame(17, 1, 1, "test", false, cat({hex("000d"), bytes_of("SCRAM")})), request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kCorrupt);
}

TEST(SaslHandshakeCodec, TrailingBytesAreCorruptEvenZeros) {
  // Not flexible, so not even librdkafka's zero padding is accepted.
  Request request;
  auto status =
      decode_frame(request_frame(17, 1, 1, "test", false, cat({hex("0005"), bytes_of("PLAIN"), hex("00")})), request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kCorrupt);
}

TEST(SaslHandshakeCodec, AnErrorResponseCarriesTheCodeAtTheTop) {
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_error_response(ApiKey::kSaslHandshake, 1, kCorrelationId, KafkaError::kIllegalSaslState, w));
  EXPECT_EQ(out, hex("0000000a 01234567 0022 00000000"));
}

class SaslAuthenticateCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(SaslAuthenticateCodec, RequestDecodesInEveryVersion) {
  const int16_t v = GetParam();
  const bool flex = v >= 2;
  WireBuilder b(flex);
  b.bytes(kPlainToken).tags();
  Decoded d = decode_body(ApiKey::kSaslAuthenticate, v, flex, b.out);
  EXPECT_EQ(d.header.header_version, flex ? 2 : 1);
  const auto& r = as<SaslAuthenticateRequest>(d);
  EXPECT_EQ(Bytes(r.auth_bytes.begin(), r.auth_bytes.end()), kPlainToken);
}

TEST_P(SaslAuthenticateCodec, AnEmptyTokenDecodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 2;
  WireBuilder b(flex);
  b.bytes(Bytes{}).tags();
  Decoded d = decode_body(ApiKey::kSaslAuthenticate, v, flex, b.out);
  EXPECT_TRUE(as<SaslAuthenticateRequest>(d).auth_bytes.empty());
}

TEST_P(SaslAuthenticateCodec, ResponseCarriesANonNullErrorMessage) {
  const int16_t v = GetParam();
  const bool flex = v >= 2;
  SaslAuthenticateResponse response{
      .error_code = KafkaError::kSaslAuthenticationFailed, .error_message = "bad proof", .session_lifetime_ms = 0};
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_sasl_authenticate_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  EXPECT_EQ(p.i16(), 58);
  EXPECT_EQ(p.nstr(), std::optional<std::string>("bad proof"));
  EXPECT_TRUE(p.bytes().empty());
  if (v >= 1) {
    EXPECT_EQ(p.i64(), 0);
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
}

TEST_P(SaslAuthenticateCodec, TrailingNonZeroBytesAreCorrupt) {
  const int16_t v = GetParam();
  const bool flex = v >= 2;
  WireBuilder b(flex);
  b.bytes(kPlainToken).tags().i8(7);
  Request request;
  auto status = decode_frame(request_frame(36, v, 1, "test", flex, b.out), request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(status.error().message.find("unexpected bytes"), std::string::npos) << status.error().message;
}

TEST_P(SaslAuthenticateCodec, ATokenLongerThanTheFrameIsCorrupt) {
  const int16_t v = GetParam();
  const bool flex = v >= 2;
  WireBuilder b(flex);
  b.bytes(kPlainToken).tags();
  Bytes cut(b.out.begin(), b.out.end() - (flex ? 2 : 1));  // the token's last byte is missing
  Request request;
  auto status = decode_frame(request_frame(36, v, 1, "test", flex, cut), request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kCorrupt);
}

TEST_P(SaslAuthenticateCodec, AnErrorResponseCarriesTheCodeAndNoMessage) {
  const int16_t v = GetParam();
  const bool flex = v >= 2;
  WireBuilder b(flex);
  b.bytes(kPlainToken).tags();
  Decoded d = decode_body(ApiKey::kSaslAuthenticate, v, flex, b.out);
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_error_response(d.header, d.request, KafkaError::kSaslAuthenticationFailed, w));
  WireParser p = open_response(out, flex, flex);
  EXPECT_EQ(p.i16(), 58);
  EXPECT_EQ(p.nstr(), std::nullopt);
  EXPECT_TRUE(p.bytes().empty());
  if (v >= 1) {
    EXPECT_EQ(p.i64(), 0);
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, SaslAuthenticateCodec, ::testing::ValuesIn(versions(0, 2)));

TEST(SaslAuthenticateCodec, V0RequestDecodesFromItsBytes) {
  // Header v1; auth_bytes BYTES (int32 length).
  const Bytes frame = cat({hex("0024 0000 01234567 0004"), bytes_of("test"), hex("0000000d"), kPlainToken});
  Request request;
  ASSERT_TRUE(decode_frame(frame, request));
  const auto& token = std::get<SaslAuthenticateRequest>(request).auth_bytes;
  EXPECT_EQ(Bytes(token.begin(), token.end()), kPlainToken);
  EXPECT_EQ(token.data(), frame.data() + frame.size() - kPlainToken.size()) << "a view into the frame";
}

TEST(SaslAuthenticateCodec, V2RequestDecodesFromItsBytes) {
  // Header v2 (client id keeps its int16 length, then an empty tag buffer); COMPACT_BYTES
  // (length 13 + 1) and the body's tag buffer.
  const Bytes frame = cat({hex("0024 0002 01234567 0004"), bytes_of("test"), hex("00 0e"), kPlainToken, hex("00")});
  Request request;
  ASSERT_TRUE(decode_frame(frame, request));
  const auto& token = std::get<SaslAuthenticateRequest>(request).auth_bytes;
  EXPECT_EQ(Bytes(token.begin(), token.end()), kPlainToken);
}

TEST(SaslAuthenticateCodec, ResponseBytesOfEveryVersion) {
  const Bytes server_final = bytes_of("v=abc");
  SaslAuthenticateResponse response{.auth_bytes = server_final, .session_lifetime_ms = 3600000};
  auto encode = [&](int16_t v) {
    Bytes out;
    Writer w(out);
    EXPECT_TRUE(encode_sasl_authenticate_response(v, kCorrelationId, response, w));
    return out;
  };
  // v0: error 0, null message (int16 -1), BYTES.
  EXPECT_EQ(encode(0), cat({hex("00000011 01234567 0000 ffff 00000005"), server_final}));
  // v1: + session_lifetime_ms int64.
  EXPECT_EQ(encode(1), cat({hex("00000019 01234567 0000 ffff 00000005"), server_final, hex("00000000 0036ee80")}));
  // v2: response header v1 (tag buffer), compact null string 0, COMPACT_BYTES, tag buffer.
  EXPECT_EQ(encode(2), cat({hex("00000017 01234567 00 0000 00 06"), server_final, hex("00000000 0036ee80 00")}));
}

TEST(SaslAuthenticateCodec, ANonNullErrorMessageBytesInV0AndV2) {
  SaslAuthenticateResponse response{.error_code = KafkaError::kSaslAuthenticationFailed, .error_message = "bad proof"};
  Bytes v0;
  Writer w0(v0);
  ASSERT_TRUE(encode_sasl_authenticate_response(0, kCorrelationId, response, w0));
  EXPECT_EQ(v0, cat({hex("00000015 01234567 003a 0009"), bytes_of("bad proof"), hex("00000000")}));
  Bytes v2;
  Writer w2(v2);
  ASSERT_TRUE(encode_sasl_authenticate_response(2, kCorrelationId, response, w2));
  EXPECT_EQ(v2, cat({hex("0000001b 01234567 00 003a 0a"), bytes_of("bad proof"), hex("01 0000000000000000 00")}));
}

TEST(SaslAuthenticateCodec, V3IsUnsupported) {
  WireBuilder b(true);
  b.bytes(kPlainToken).tags();
  Request request;
  auto status = decode_frame(request_frame(36, 3, 1, "test", true, b.out), request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(status.error().message.find("SaslAuthenticate v3"), std::string::npos) << status.error().message;
  Bytes out;
  Writer w(out);
  EXPECT_FALSE(encode_sasl_authenticate_response(3, kCorrelationId, SaslAuthenticateResponse{}, w));
  EXPECT_FALSE(encode_error_response(ApiKey::kSaslAuthenticate, 3, 1, KafkaError::kUnsupportedVersion, w));
}

TEST(SaslAuthenticateCodec, DecodingIntoAReusedRequestKeepsNothingStale) {
  Request request;
  WireBuilder first(true);
  first.bytes(kPlainToken).tags();
  Bytes first_frame = request_frame(36, 2, 1, "test", true, first.out);
  ASSERT_TRUE(decode_frame(first_frame, request));
  WireBuilder second(true);
  second.bytes(Bytes{}).tags();
  Bytes second_frame = request_frame(36, 2, 2, "test", true, second.out);
  ASSERT_TRUE(decode_frame(second_frame, request));
  EXPECT_TRUE(std::get<SaslAuthenticateRequest>(request).auth_bytes.empty());
}

}  // namespace
}  // namespace ringmq::broker::protocol
