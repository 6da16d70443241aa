// CreateTopics (v0-7), DeleteTopics (v0-6), DeleteRecords (v0-2) and CreatePartitions (v0-3) over
// every advertised version.
#include <gtest/gtest.h>

#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

class CreateTopicsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(CreateTopicsCodec, RequestDecodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 5;
  WireBuilder b(flex);
  b.array(2);
  b.str("orders").i32(6).i16(1);
  b.array(0);
  b.array(2).str("retention.ms").str("86400000").tags().str("cleanup.policy").str(std::nullopt).tags();
  b.tags();
  b.str("manual").i32(-1).i16(-1);
  b.array(1).i32(0).array(2).i32(1).i32(2).tags();
  b.array(0);
  b.tags();
  b.i32(15000);
  if (v >= 1) b.boolean(true);
  b.tags();
  Decoded d = decode_body(ApiKey::kCreateTopics, v, flex, b.out);
  const auto& r = as<CreateTopicsRequest>(d);
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].name, "orders");
  EXPECT_EQ(r.topics[0].num_partitions, 6);
  EXPECT_EQ(r.topics[0].replication_factor, 1);
  ASSERT_EQ(r.topics[0].configs.size(), 2u);
  EXPECT_EQ(r.topics[0].configs[0].name, "retention.ms");
  EXPECT_EQ(r.topics[0].configs[0].value, std::optional<std::string_view>("86400000"));
  EXPECT_FALSE(r.topics[0].configs[1].value.has_value());
  ASSERT_EQ(r.topics[1].assignments.size(), 1u);
  EXPECT_EQ(r.topics[1].assignments[0].broker_ids, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(r.timeout_ms, 15000);
  EXPECT_EQ(r.validate_only, v >= 1);
}

TEST_P(CreateTopicsCodec, ResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 5;
  CreateTopicsResponse response;
  response.throttle_time_ms = 4;
  CreateTopicResult ok{.name = "orders", .num_partitions = 6, .replication_factor = 1};
  ok.topic_id.bytes[15] = 0x99;
  ok.configs.push_back({"retention.ms", "86400000", false, 5, false});
  response.topics.push_back(ok);
  response.topics.push_back({.name = "orders2",
                             .error_code = KafkaError::kTopicAlreadyExists,
                             .error_message = "Topic 'orders2' already exists."});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_create_topics_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 2) {
    EXPECT_EQ(p.i32(), 4);
  }
  ASSERT_EQ(p.array(), 2);
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(p.str(), t == 0 ? "orders" : "orders2");
    if (v >= 7) {
      EXPECT_EQ(p.uuid()[15], static_cast<std::byte>(t == 0 ? 0x99 : 0));
    }
    EXPECT_EQ(p.i16(), t == 0 ? 0 : 36);
    if (v >= 1) {
      EXPECT_EQ(p.nstr(), t == 0 ? std::nullopt : std::optional<std::string>("Topic 'orders2' already exists."));
    }
    if (v >= 5) {
      EXPECT_EQ(p.i32(), t == 0 ? 6 : -1);
      EXPECT_EQ(p.i16(), t == 0 ? 1 : -1);
      int32_t configs = p.array();
      ASSERT_EQ(configs, t == 0 ? 1 : 0);
      for (int c = 0; c < configs; ++c) {
        EXPECT_EQ(p.str(), "retention.ms");
        EXPECT_EQ(p.nstr(), std::optional<std::string>("86400000"));
        EXPECT_FALSE(p.boolean());
        EXPECT_EQ(p.i8(), 5);
        EXPECT_FALSE(p.boolean());
        p.tags();
      }
    }
    p.tags();
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, CreateTopicsCodec, ::testing::ValuesIn(versions(0, 7)));

class DeleteTopicsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(DeleteTopicsCodec, RequestDecodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 4;
  WireBuilder b(flex);
  b.array(2);
  if (v >= 6) {
    b.str("orders").uuid(0).tags();
    b.str(std::nullopt).uuid(0x30).tags();
  } else {
    b.str("orders").str("audit");
  }
  b.i32(30000).tags();
  Decoded d = decode_body(ApiKey::kDeleteTopics, v, flex, b.out);
  const auto& r = as<DeleteTopicsRequest>(d);
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].name, std::optional<std::string_view>("orders"));
  if (v >= 6) {
    EXPECT_FALSE(r.topics[1].name.has_value());
    EXPECT_EQ(r.topics[1].topic_id.bytes[0], 0x30);
  } else {
    EXPECT_EQ(r.topics[1].name, std::optional<std::string_view>("audit"));
    EXPECT_TRUE(r.topics[1].topic_id.is_zero());
  }
  EXPECT_EQ(r.timeout_ms, 30000);
}

TEST_P(DeleteTopicsCodec, ResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 4;
  DeleteTopicsResponse response;
  response.throttle_time_ms = 1;
  response.responses.push_back({.name = "orders"});
  response.responses.push_back(
      {.name = "nope", .error_code = KafkaError::kUnknownTopicOrPartition, .error_message = "no such topic"});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_delete_topics_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 1) {
    EXPECT_EQ(p.i32(), 1);
  }
  ASSERT_EQ(p.array(), 2);
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(p.nstr(), std::optional<std::string>(t == 0 ? "orders" : "nope"));
    if (v >= 6) {
      EXPECT_EQ(p.uuid().size(), 16u);
    }
    EXPECT_EQ(p.i16(), t == 0 ? 0 : 3);
    if (v >= 5) {
      EXPECT_EQ(p.nstr(), t == 0 ? std::nullopt : std::optional<std::string>("no such topic"));
    }
    p.tags();
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, DeleteTopicsCodec, ::testing::ValuesIn(versions(0, 6)));

class CreatePartitionsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(CreatePartitionsCodec, RequestDecodesAndResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 2;
  WireBuilder b(flex);
  b.array(2);
  b.str("orders").i32(5).array(2).array(1).i32(1).tags().array(1).i32(1).tags().tags();
  b.str("audit").i32(2).array(-1).tags();
  b.i32(15000).boolean(true).tags();
  Decoded d = decode_body(ApiKey::kCreatePartitions, v, flex, b.out);
  const auto& r = as<CreatePartitionsRequest>(d);
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].name, "orders");
  EXPECT_EQ(r.topics[0].count, 5);
  EXPECT_EQ(r.topics[0].assignment_count, 2);
  EXPECT_EQ(r.topics[1].assignment_count, -1);
  EXPECT_EQ(r.timeout_ms, 15000);
  EXPECT_TRUE(r.validate_only);

  CreatePartitionsResponse response{
      .throttle_time_ms = 6,
      .results = {{"orders", KafkaError::kNone, std::nullopt}, {"audit", KafkaError::kInvalidPartitions, "must grow"}}};
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_create_partitions_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  EXPECT_EQ(p.i32(), 6);
  ASSERT_EQ(p.array(), 2);
  EXPECT_EQ(p.str(), "orders");
  EXPECT_EQ(p.i16(), 0);
  EXPECT_EQ(p.nstr(), std::nullopt);
  p.tags();
  EXPECT_EQ(p.str(), "audit");
  EXPECT_EQ(p.i16(), 37);
  EXPECT_EQ(p.nstr(), std::optional<std::string>("must grow"));
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, CreatePartitionsCodec, ::testing::ValuesIn(versions(0, 3)));

class DeleteRecordsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(DeleteRecordsCodec, RequestDecodesAndResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 2;
  WireBuilder b(flex);
  b.array(1).str("orders").array(2).i32(0).i64(7).tags().i32(3).i64(-1).tags().tags();
  b.i32(30000).tags();
  Decoded d = decode_body(ApiKey::kDeleteRecords, v, flex, b.out);
  const auto& r = as<DeleteRecordsRequest>(d);
  ASSERT_EQ(r.topics.size(), 1u);
  ASSERT_EQ(r.topics[0].partitions.size(), 2u);
  EXPECT_EQ(r.topics[0].partitions[0].offset, 7);
  EXPECT_EQ(r.topics[0].partitions[1].partition_index, 3);
  EXPECT_EQ(r.topics[0].partitions[1].offset, -1);
  EXPECT_EQ(r.timeout_ms, 30000);

  DeleteRecordsResponse response{
      .throttle_time_ms = 2,
      .topics = {{"orders", {{0, 7, KafkaError::kNone}, {3, -1, KafkaError::kOffsetOutOfRange}}}}};
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_delete_records_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  EXPECT_EQ(p.i32(), 2);
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.str(), "orders");
  ASSERT_EQ(p.array(), 2);
  EXPECT_EQ(p.i32(), 0);
  EXPECT_EQ(p.i64(), 7);
  EXPECT_EQ(p.i16(), 0);
  p.tags();
  EXPECT_EQ(p.i32(), 3);
  EXPECT_EQ(p.i64(), -1);
  EXPECT_EQ(p.i16(), 1);
  p.tags();
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, DeleteRecordsCodec, ::testing::ValuesIn(versions(0, 2)));

}  // namespace
}  // namespace ringmq::broker::protocol
