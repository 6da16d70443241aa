// The ApiVersions table, header versions, frame sizes and request headers: flexible and
// non-flexible header handling, and what happens to an API or version the broker does not
// speak.
#include <gtest/gtest.h>

#include "broker/protocol/api_keys.h"
#include "broker/protocol/request_header.h"
#include "tests/broker/protocol_wire.h"

namespace ringmq::broker::protocol {
namespace {

using testing::Bytes;
using testing::hex;
using testing::request_frame;

TEST(ProtocolApiKeys, TheAdvertisedTableMatchesTheDesign) {
  struct Expected {
    ApiKey key;
    int16_t min, max, flexible;
  };
  // Flexible thresholds: "flexibleVersions" of each message's JSON schema.
  const Expected table[] = {
      {ApiKey::kProduce, 3, 9, 9},
      {ApiKey::kFetch, 4, 12, 12},
      {ApiKey::kListOffsets, 0, 7, 6},
      {ApiKey::kMetadata, 0, 12, 9},
      {ApiKey::kOffsetCommit, 0, 8, 8},
      {ApiKey::kOffsetFetch, 0, 8, 6},
      {ApiKey::kFindCoordinator, 0, 4, 3},
      {ApiKey::kJoinGroup, 0, 9, 6},
      {ApiKey::kHeartbeat, 0, 4, 4},
      {ApiKey::kLeaveGroup, 0, 5, 4},
      {ApiKey::kSyncGroup, 0, 5, 4},
      {ApiKey::kApiVersions, 0, 3, 3},
      {ApiKey::kCreateTopics, 0, 7, 5},
      {ApiKey::kDeleteTopics, 0, 6, 4},
      {ApiKey::kInitProducerId, 0, 4, 2},
      {ApiKey::kDescribeGroups, 0, 5, 5},
      {ApiKey::kListGroups, 0, 5, 3},
      {ApiKey::kDeleteGroups, 0, 2, 2},
      {ApiKey::kOffsetDelete, 0, 0, 1},
      {ApiKey::kCreatePartitions, 0, 3, 2},
      {ApiKey::kDeleteRecords, 0, 2, 2},
      {ApiKey::kDescribeConfigs, 0, 4, 4},
      {ApiKey::kAlterConfigs, 0, 2, 2},
      {ApiKey::kDescribeLogDirs, 0, 4, 2},
      {ApiKey::kOffsetForLeaderEpoch, 0, 4, 4},
      {ApiKey::kIncrementalAlterConfigs, 0, 1, 1},
      {ApiKey::kDescribeCluster, 0, 1, 0},
      {ApiKey::kSaslHandshake, 0, 1, kNeverFlexible},  // "none": never flexible; v0 refused by the handler
      {ApiKey::kSaslAuthenticate, 0, 2, 2},
      {ApiKey::kDescribeUserScramCredentials, 0, 0, 0},
      {ApiKey::kAlterUserScramCredentials, 0, 0, 0},
      {ApiKey::kDescribeAcls, 0, 3, 2},
      {ApiKey::kCreateAcls, 0, 3, 2},
      {ApiKey::kDeleteAcls, 0, 3, 2},
  };
  ASSERT_EQ(supported_apis().size(), std::size(table));
  for (const Expected& e : table) {
    const ApiSupport* api = find_api(static_cast<int16_t>(e.key));
    ASSERT_NE(api, nullptr);
    EXPECT_EQ(api->min_version, e.min) << api->name;
    EXPECT_EQ(api->max_version, e.max) << api->name;
    EXPECT_EQ(api->first_flexible_version, e.flexible) << api->name;
    EXPECT_FALSE(is_flexible(e.key, e.flexible - 1)) << api->name;
    EXPECT_TRUE(is_flexible(e.key, e.flexible)) << api->name;
  }
}

TEST(ProtocolApiKeys, LibrdkafkaGetsRecordBatchV2) {
  // librdkafka enables message format v2 only if Produce v3+ and Fetch v4+ are offered.
  EXPECT_TRUE(is_supported(static_cast<int16_t>(ApiKey::kProduce), 3));
  EXPECT_TRUE(is_supported(static_cast<int16_t>(ApiKey::kFetch), 4));
  EXPECT_FALSE(is_supported(static_cast<int16_t>(ApiKey::kProduce), 2));
  EXPECT_FALSE(is_supported(static_cast<int16_t>(ApiKey::kFetch), 3));
}

TEST(ProtocolApiKeys, HeaderVersionsFollowFlexibility) {
  EXPECT_EQ(request_header_version(ApiKey::kMetadata, 8), 1);
  EXPECT_EQ(request_header_version(ApiKey::kMetadata, 9), 2);
  EXPECT_EQ(response_header_version(ApiKey::kMetadata, 8), 0);
  EXPECT_EQ(response_header_version(ApiKey::kMetadata, 9), 1);
  EXPECT_EQ(request_header_version(ApiKey::kApiVersions, 3), 2);
  // ApiVersions answers with header v0 even when flexible.
  EXPECT_EQ(response_header_version(ApiKey::kApiVersions, 3), 0);
  // SaslHandshake has no flexible version, not even past the advertised range.
  EXPECT_EQ(request_header_version(ApiKey::kSaslHandshake, 1), 1);
  EXPECT_EQ(request_header_version(ApiKey::kSaslHandshake, 2), 1);
  EXPECT_EQ(response_header_version(ApiKey::kSaslHandshake, 1), 0);
}

TEST(ProtocolApiKeys, UnknownKeysAreNotSupported) {
  EXPECT_EQ(find_api(4), nullptr);  // LeaderAndIsr: broker-to-broker only
  EXPECT_FALSE(is_supported(99, 0));
  EXPECT_STREQ(api_name(99), "Unknown");
  EXPECT_STREQ(api_name(0), "Produce");
}

TEST(ProtocolFraming, FrameSizesAreBounded) {
  EXPECT_EQ(parse_frame_size(hex("00000020"), 1 << 20).value(), 32);
  auto negative = parse_frame_size(hex("ffffffff"), 1 << 20);
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code, ErrorCode::kCorrupt);
  auto too_small = parse_frame_size(hex("00000009"), 1 << 20);
  EXPECT_FALSE(too_small);
  auto too_big = parse_frame_size(hex("7fffffff"), 100 * 1024 * 1024);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::kTooLarge);
  EXPECT_NE(too_big.error().message.find("104857600"), std::string::npos);
  EXPECT_FALSE(parse_frame_size(hex("0000"), 1 << 20));
}

TEST(ProtocolFraming, HeaderV1HasAClientIdAndNoTags) {
  Bytes body = hex("abcd");
  Bytes frame = request_frame(3, 4, 77, "rdkafka", false, body);
  auto header = parse_request_header(frame);
  ASSERT_TRUE(header) << header.error().message;
  EXPECT_EQ(header->api_key, 3);
  EXPECT_EQ(header->api_version, 4);
  EXPECT_EQ(header->correlation_id, 77);
  EXPECT_EQ(header->client_id, std::optional<std::string_view>("rdkafka"));
  EXPECT_EQ(header->header_version, 1);
  EXPECT_TRUE(header->supported());
  ASSERT_EQ(header->body.size(), 2u);
  EXPECT_EQ(header->body.data(), frame.data() + frame.size() - 2);
}

TEST(ProtocolFraming, HeaderV2KeepsTheLegacyClientIdAndSkipsTags) {
  testing::WireBuilder b;
  b.i16(3).i16(9).i32(5).legacy_str("cli");             // client id keeps its int16 length in v2
  b.uvarint(1).uvarint(0).uvarint(2).raw(hex("eeee"));  // one tagged field: tag 0, 2 bytes
  b.raw(hex("01"));
  auto header = parse_request_header(b.out);
  ASSERT_TRUE(header) << header.error().message;
  EXPECT_EQ(header->header_version, 2);
  EXPECT_EQ(header->client_id, std::optional<std::string_view>("cli"));
  ASSERT_EQ(header->body.size(), 1u);
  EXPECT_EQ(header->body[0], std::byte{0x01});
}

TEST(ProtocolFraming, ANullClientIdIsAllowed) {
  auto header = parse_request_header(request_frame(18, 0, 1, std::nullopt, false, {}));
  ASSERT_TRUE(header);
  EXPECT_FALSE(header->client_id.has_value());
}

TEST(ProtocolFraming, AnUnsupportedVersionStillYieldsTheCorrelationId) {
  // ApiVersions v4 from a newer client: flexible, so header v2, but the broker does not
  // parse its tags; it answers with the v0 fallback.
  testing::WireBuilder b;
  b.i16(18).i16(4).i32(99).legacy_str("new").uvarint(0);
  auto header = parse_request_header(b.out);
  ASSERT_TRUE(header);
  EXPECT_FALSE(header->supported());
  EXPECT_EQ(header->correlation_id, 99);
  EXPECT_EQ(header->header_version, 2);

  auto unknown = parse_request_header(request_frame(4242, 0, 7, "x", false, hex("00")));
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->supported());
  EXPECT_EQ(unknown->correlation_id, 7);
}

TEST(ProtocolFraming, AShortOrMalformedHeaderIsAnError) {
  Bytes frame = request_frame(3, 9, 1, "client", true, {});
  for (size_t n = 0; n < frame.size(); ++n) {
    auto header = parse_request_header(std::span(frame).first(n));
    EXPECT_FALSE(header) << "prefix " << n;
  }
  auto negative_client_id = parse_request_header(hex("0003 0001 00000001 fff0"));
  ASSERT_FALSE(negative_client_id);
  EXPECT_EQ(negative_client_id.error().code, ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace ringmq::broker::protocol
