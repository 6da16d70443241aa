// DescribeConfigs (v0-4), AlterConfigs (v0-2) and IncrementalAlterConfigs (v0-1) over every
// advertised version, flexible ones included.
#include <gtest/gtest.h>

#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

class DescribeConfigsCodec : public ::testing::TestWithParam<int16_t> {};

bool flexible(ApiKey key, int16_t v) { return is_flexible(key, v); }

TEST_P(DescribeConfigsCodec, RequestDecodes) {
  const int16_t v = GetParam();
  const bool flex = flexible(ApiKey::kDescribeConfigs, v);
  WireBuilder b(flex);
  b.array(2);
  b.i8(2).str("orders").array(1).str("retention.ms").tags();
  b.i8(4).str("1").array(-1).tags();
  if (v >= 1) b.boolean(true);
  if (v >= 3) b.boolean(true);
  b.tags();
  Decoded d = decode_body(ApiKey::kDescribeConfigs, v, flex, b.out);
  const auto& r = as<DescribeConfigsRequest>(d);
  ASSERT_EQ(r.resources.size(), 2u);
  EXPECT_EQ(r.resources[0].resource_type, kResourceTopic);
  EXPECT_FALSE(r.resources[0].all_keys);
  EXPECT_EQ(r.resources[0].keys, std::vector<std::string_view>{"retention.ms"});
  EXPECT_EQ(r.resources[1].resource_name, "1");
  EXPECT_TRUE(r.resources[1].all_keys);
  EXPECT_EQ(r.include_synonyms, v >= 1);
  EXPECT_EQ(r.include_documentation, v >= 3);
}

TEST_P(DescribeConfigsCodec, ResponseEncodesSourcesOrIsDefault) {
  const int16_t v = GetParam();
  DescribeConfigsResponse response;
  DescribeConfigsResult& orders = response.results.emplace_back();
  orders.resource_type = kResourceTopic;
  orders.resource_name = "orders";
  orders.configs.push_back(
      {"retention.ms", "1000", false, 1, false, {{"retention.ms", "1000", 1}}, ConfigType::kLong, "how long"});
  orders.configs.push_back({"cleanup.policy", "delete", false, 5, false, {}, ConfigType::kList, std::nullopt});
  response.results.push_back({KafkaError::kUnknownTopicOrPartition, "no such topic", kResourceTopic, "gone", {}});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_describe_configs_response(v, kCorrelationId, response, w));
  const bool flex = flexible(ApiKey::kDescribeConfigs, v);
  WireParser p = open_response(out, flex, flex);
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
        p.tags();
      }
    }
    if (v >= 3) {
      EXPECT_EQ(p.i8(), c == 0 ? 5 : 7) << "config_type";
      EXPECT_EQ(p.nstr(), c == 0 ? std::optional<std::string>("how long") : std::nullopt);
    }
    p.tags();
  }
  p.tags();
  EXPECT_EQ(p.i16(), 3);
  EXPECT_EQ(p.nstr(), std::optional<std::string>("no such topic"));
  EXPECT_EQ(p.i8(), 2);
  EXPECT_EQ(p.str(), "gone");
  EXPECT_EQ(p.array(), 0);
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, DescribeConfigsCodec, ::testing::ValuesIn(versions(0, 4)));

class AlterConfigsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(AlterConfigsCodec, RequestDecodesAndResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = flexible(ApiKey::kAlterConfigs, v);
  WireBuilder b(flex);
  b.array(1).i8(2).str("orders").array(2).str("retention.ms").str("1000").tags();
  b.str("retention.bytes").str(std::nullopt).tags().tags();
  b.boolean(true).tags();
  Decoded d = decode_body(ApiKey::kAlterConfigs, v, flex, b.out);
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
  WireParser p = open_response(out, flex, flex);
  EXPECT_EQ(p.i32(), 1);
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.i16(), 40);
  EXPECT_EQ(p.nstr(), std::optional<std::string>("compact"));
  EXPECT_EQ(p.i8(), 2);
  EXPECT_EQ(p.str(), "orders");
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, AlterConfigsCodec, ::testing::ValuesIn(versions(0, 2)));

class IncrementalAlterConfigsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(IncrementalAlterConfigsCodec, RequestDecodesAndResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = flexible(ApiKey::kIncrementalAlterConfigs, v);
  WireBuilder b(flex);
  b.array(2);
  b.i8(2).str("orders").array(2).str("retention.ms").i8(0).str("1000").tags();
  b.str("cleanup.policy").i8(3).str("delete").tags().tags();
  b.i8(4).str("1").array(1).str("log.retention.ms").i8(1).str(std::nullopt).tags().tags();
  b.boolean(false).tags();
  Decoded d = decode_body(ApiKey::kIncrementalAlterConfigs, v, flex, b.out);
  const auto& r = as<IncrementalAlterConfigsRequest>(d);
  ASSERT_EQ(r.resources.size(), 2u);
  ASSERT_EQ(r.resources[0].configs.size(), 2u);
  EXPECT_EQ(r.resources[0].configs[1].name, "cleanup.policy");
  EXPECT_EQ(r.resources[0].configs[1].operation, static_cast<int8_t>(ConfigOperation::kSubtract));
  EXPECT_EQ(r.resources[0].configs[1].value, std::optional<std::string_view>("delete"));
  EXPECT_EQ(r.resources[1].resource_type, kResourceBroker);
  EXPECT_EQ(r.resources[1].configs[0].operation, static_cast<int8_t>(ConfigOperation::kDelete));
  EXPECT_FALSE(r.resources[1].configs[0].value);
  EXPECT_FALSE(r.validate_only);

  AlterConfigsResponse response{.responses = {{KafkaError::kNone, std::nullopt, kResourceTopic, "orders"},
                                              {KafkaError::kInvalidRequest, "static", kResourceBroker, "1"}}};
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_incremental_alter_configs_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  EXPECT_EQ(p.i32(), 0);
  ASSERT_EQ(p.array(), 2);
  EXPECT_EQ(p.i16(), 0);
  EXPECT_EQ(p.nstr(), std::nullopt);
  EXPECT_EQ(p.i8(), 2);
  EXPECT_EQ(p.str(), "orders");
  p.tags();
  EXPECT_EQ(p.i16(), 42);
  EXPECT_EQ(p.nstr(), std::optional<std::string>("static"));
  EXPECT_EQ(p.i8(), 4);
  EXPECT_EQ(p.str(), "1");
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, IncrementalAlterConfigsCodec, ::testing::ValuesIn(versions(0, 1)));

}  // namespace
}  // namespace ringmq::broker::protocol
