// ApiVersions: every version of the request and response, the response header staying v0 in
// the flexible version, and the v0-layout fallback for a version the broker does not speak.
#include <gtest/gtest.h>

#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

class ApiVersionsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(ApiVersionsCodec, RequestDecodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 3;
  WireBuilder b(flex);
  if (v >= 3) b.str("librdkafka").str("2.0.2").tags();
  Decoded d = decode_body(ApiKey::kApiVersions, v, flex, b.out);
  const auto& r = as<ApiVersionsRequest>(d);
  EXPECT_EQ(r.client_software_name, v >= 3 ? "librdkafka" : "");
  EXPECT_EQ(r.client_software_version, v >= 3 ? "2.0.2" : "");
}

TEST_P(ApiVersionsCodec, ResponseListsTheBrokersTableUnderHeaderV0) {
  const int16_t v = GetParam();
  const bool flex = v >= 3;
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_api_versions_response(v, kCorrelationId, ApiVersionsResponse{.throttle_time_ms = 9}, w));
  WireParser p = open_response(out, flex, /*header_v1=*/false);
  EXPECT_EQ(p.i16(), 0);
  int32_t n = p.array();
  ASSERT_EQ(n, static_cast<int32_t>(supported_apis().size()));
  for (int i = 0; i < n; ++i) {
    const ApiSupport& api = supported_apis()[static_cast<size_t>(i)];
    EXPECT_EQ(p.i16(), static_cast<int16_t>(api.key));
    EXPECT_EQ(p.i16(), api.min_version);
    EXPECT_EQ(p.i16(), api.max_version);
    p.tags();
  }
  if (v >= 1) {
    EXPECT_EQ(p.i32(), 9);
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, ApiVersionsCodec, ::testing::ValuesIn(versions(0, 3)));

TEST(ApiVersionsCodec, GoldenBytesOfTheV0Fallback) {
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_api_versions_fallback(7, w));
  // size, correlation id 7, error 35, 34 entries of (key, min, max), no throttle time.
  WireBuilder expected;
  expected.i32(4 + 2 + 4 + 34 * 6).i32(7).i16(35).i32(34);
  for (const ApiSupport& api : supported_apis()) {
    expected.i16(static_cast<int16_t>(api.key)).i16(api.min_version).i16(api.max_version);
  }
  EXPECT_EQ(out, expected.out);
  // The first entries spelled out: Produce 3-9, Fetch 4-12.
  EXPECT_EQ(Bytes(out.begin() + 14, out.begin() + 26), hex("0000 0003 0009  0001 0004 000c"));
}

TEST(ApiVersionsCodec, AnUnsupportedVersionIsAnsweredWithTheFallbackThroughTheErrorPath) {
  // librdkafka asks with v3 first; a newer client might ask with v4.
  WireBuilder b;
  b.i16(18).i16(4).i32(kCorrelationId).legacy_str("newer-client").uvarint(0).uvarint(1).uvarint(1).uvarint(0);
  auto header = parse_request_header(b.out);
  ASSERT_TRUE(header);
  ASSERT_FALSE(header->supported());
  Request request;
  auto decoded = decode_request(*header, request);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kUnsupported);

  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_error_response(*header, request, KafkaError::kUnsupportedVersion, w));
  Bytes fallback;
  Writer fw(fallback);
  ASSERT_TRUE(encode_api_versions_fallback(kCorrelationId, fw));
  EXPECT_EQ(out, fallback);
  WireParser p = open_response(out, false, false);
  EXPECT_EQ(p.i16(), 35);
}

}  // namespace
}  // namespace ringmq::broker::protocol
