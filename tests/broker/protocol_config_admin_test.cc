// DescribeConfigs (v0-2) and AlterConfigs (v0-1) over every advertised version.
#include <gtest/gtest.h>

#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

class DescribeConfigsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(DescribeConfigsCodec, RequestDecodes) {
  const int16_t v = GetParam();
  WireBuilder b;
  b.array(2);
  b.i8(2).str("orders").array(1).str("retention.ms");
  b.i8(4).str("1").array(-1);
  if (v >= 1) b.boolean(true);
  Decoded d = decode_body(ApiKey::kDescribeConfigs, v, false, b.out);
  const auto& r = as<DescribeConfigsRequest>(d);
  ASSERT_EQ(r.resources.size(), 2u);
  EXPECT_EQ(r.resources[0].resource_type, kResourceTopic);
  EXPECT_FALSE(r.resources[0].all_keys);
  EXPECT_EQ(r.resources[0].keys, std::vector<std::string_view>{"retention.ms"});
  EXPECT_EQ(r.resources[1].resource_name, "1");
  EXPECT_TRUE(r.resources[1].all_keys);
  EXPECT_EQ(r.include_synonyms, v >= 1);
}

TEST_P(DescribeConfigsCodec, ResponseEncodesSourcesOrIsDefault) {
  const int16_t v = GetParam();
  DescribeConfigsResponse response;
  DescribeConfigsResult& orders = response.results.emplace_back();
  orders.resource_type = kResourceTopic;
  orders.resource_name = "orders";
  orders.configs.push_back({"retention.ms", "1000", false, 1, false, {{"retention.ms", "1000", 1}}});
  orders.configs.push_back({"cleanup.policy", "delete", false, 5, false, {}});
  response.results.push_back({KafkaError::kUnknownTopicOrPartition, "no such topic", kResourceTopic, "gone", {}});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_describe_configs_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, false, false);
  EXPECT_EQ(p.i32(), 0);
  ASSERT_EQ(p.array(), 2);
  EXPECT_EQ(p.i16(), 0);
  EXPECT_EQ(p.nstr(), std::nullopt);
  EXPECT_EQ(p.i8(), 2);
  EXPECT_EQ(p.str(), "orders");
  ASSERT_EQ(p.array(), 2);
  for (int c = 0; c < 2; ++c) {
    EXPECT_EQ(p.str(), c == 0 ? "retention.ms" : "cleanup.policy");
    EXPECT_EQ(p.nstr(), std::optional<std::string>(c == 0 ? "1000" : "delete"));
    EXPECT_FALSE(p.boolean());
    if (v == 0) {
      EXPECT_EQ(p.boolean(), c == 1) << "is_default";
    } else {
      EXPECT_EQ(p.i8(), c == 0 ? 1 : 5);
    }
    EXPECT_FALSE(p.boolean());
    if (v >= 1) {
      const int32_t synonyms = p.array();
      ASSERT_EQ(synonyms, c == 0 ? 1 : 0);
      for (int s = 0; s < synonyms; ++s) {
        EXPECT_EQ(p.str(), "retention.ms");
        EXPECT_EQ(p.nstr(), std::optional<std::string>("1000"));
        EXPECT_EQ(p.i8(), 1);
      }
    }
  }
  EXPECT_EQ(p.i16(), 3);
  EXPECT_EQ(p.nstr(), std::optional<std::string>("no such topic"));
  EXPECT_EQ(p.i8(), 2);
  EXPECT_EQ(p.str(), "gone");
  EXPECT_EQ(p.array(), 0);
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, DescribeConfigsCodec, ::testing::ValuesIn(versions(0, 2)));

class AlterConfigsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(AlterConfigsCodec, RequestDecodesAndResponseEncodes) {
  const int16_t v = GetParam();
  WireBuilder b;
  b.array(1).i8(2).str("orders").array(2).str("retention.ms").str("1000").str("retention.bytes").str(std::nullopt);
  b.boolean(true);
  Decoded d = decode_body(ApiKey::kAlterConfigs, v, false, b.out);
  const auto& r = as<AlterConfigsRequest>(d);
  ASSERT_EQ(r.resources.size(), 1u);
  ASSERT_EQ(r.resources[0].configs.size(), 2u);
  EXPECT_EQ(r.resources[0].configs[0].value, std::optional<std::string_view>("1000"));
  EXPECT_FALSE(r.resources[0].configs[1].value);
  EXPECT_TRUE(r.validate_only);

  AlterConfigsResponse response{.throttle_time_ms = 1,
                                .responses = {{KafkaError::kInvalidConfig, "compact", kResourceTopic, "orders"}}};
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_alter_configs_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, false, false);
  EXPECT_EQ(p.i32(), 1);
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.i16(), 40);
  EXPECT_EQ(p.nstr(), std::optional<std::string>("compact"));
  EXPECT_EQ(p.i8(), 2);
  EXPECT_EQ(p.str(), "orders");
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, AlterConfigsCodec, ::testing::ValuesIn(versions(0, 1)));

}  // namespace
}  // namespace ringmq::broker::protocol
