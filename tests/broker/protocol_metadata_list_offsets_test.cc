// Metadata (v0-12) and ListOffsets (v0-7) over every advertised version.
#include <gtest/gtest.h>

#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

class MetadataCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(MetadataCodec, RequestDecodesNamedTopics) {
  const int16_t v = GetParam();
  const bool flex = v >= 9;
  WireBuilder b(flex);
  b.array(2);
  for (const char* name : {"orders", "audit"}) {
    if (v >= 10) b.uuid(0x10);
    b.str(name).tags();
  }
  if (v >= 4) b.boolean(false);
  if (v >= 8 && v <= 10) b.boolean(true);
  if (v >= 8) b.boolean(true);
  b.tags();
  Decoded d = decode_body(ApiKey::kMetadata, v, flex, b.out);
  const auto& r = as<MetadataRequest>(d);
  EXPECT_FALSE(r.all_topics);
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[1].name, std::optional<std::string_view>("audit"));
  EXPECT_EQ(r.topics[1].topic_id.is_zero(), v < 10);
  EXPECT_EQ(r.allow_auto_topic_creation, v < 4);
  EXPECT_EQ(r.include_cluster_authorized_operations, v >= 8 && v <= 10);
  EXPECT_EQ(r.include_topic_authorized_operations, v >= 8);
}

TEST_P(MetadataCodec, RequestForAllTopics) {
  const int16_t v = GetParam();
  const bool flex = v >= 9;
  WireBuilder b(flex);
  b.array(v == 0 ? 0 : -1);  // v0: empty means all; v1+: null means all
  if (v >= 4) b.boolean(true);
  if (v >= 8 && v <= 10) b.boolean(false);
  if (v >= 8) b.boolean(false);
  b.tags();
  Decoded d = decode_body(ApiKey::kMetadata, v, flex, b.out);
  EXPECT_TRUE(as<MetadataRequest>(d).all_topics);
  EXPECT_TRUE(as<MetadataRequest>(d).topics.empty());
}

TEST_P(MetadataCodec, ResponseEncodesEveryFieldOfTheVersion) {
  const int16_t v = GetParam();
  const bool flex = v >= 9;
  MetadataResponse response;
  response.throttle_time_ms = 5;
  response.brokers.push_back({1, "broker-1.local", 9092, "rack-a"});
  response.cluster_id = "ringmq-cluster";
  response.controller_id = 1;
  MetadataTopic& topic = response.topics.emplace_back();
  topic.name = "orders";
  topic.topic_id.bytes[0] = 0xAB;
  topic.partitions.push_back({.partition_index = 0,
                              .leader_id = 1,
                              .leader_epoch = 4,
                              .replica_nodes = {1},
                              .isr_nodes = {1},
                              .offline_replicas = {}});
  topic.topic_authorized_operations = 0x0F;
  response.topics.push_back({.error_code = KafkaError::kUnknownTopicOrPartition, .name = "missing"});
  response.cluster_authorized_operations = 0x1F;
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_metadata_response(v, kCorrelationId, response, w));

  WireParser p = open_response(out, flex, flex);
  if (v >= 3) {
    EXPECT_EQ(p.i32(), 5);
  }
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.i32(), 1);
  EXPECT_EQ(p.str(), "broker-1.local");
  EXPECT_EQ(p.i32(), 9092);
  if (v >= 1) {
    EXPECT_EQ(p.nstr(), std::optional<std::string>("rack-a"));
  }
  p.tags();
  if (v >= 2) {
    EXPECT_EQ(p.nstr(), std::optional<std::string>("ringmq-cluster"));
  }
  if (v >= 1) {
    EXPECT_EQ(p.i32(), 1);
  }
  ASSERT_EQ(p.array(), 2);
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(p.i16(), t == 0 ? 0 : 3);
    EXPECT_EQ(p.nstr(), std::optional<std::string>(t == 0 ? "orders" : "missing"));
    if (v >= 10) {
      EXPECT_EQ(p.uuid()[0], static_cast<std::byte>(t == 0 ? 0xAB : 0x00));
    }
    if (v >= 1) {
      EXPECT_FALSE(p.boolean());
    }
    int32_t partitions = p.array();
    ASSERT_EQ(partitions, t == 0 ? 1 : 0);
    for (int i = 0; i < partitions; ++i) {
      EXPECT_EQ(p.i16(), 0);
      EXPECT_EQ(p.i32(), 0);
      EXPECT_EQ(p.i32(), 1);
      if (v >= 7) {
        EXPECT_EQ(p.i32(), 4);
      }
      ASSERT_EQ(p.array(), 1);
      EXPECT_EQ(p.i32(), 1);
      ASSERT_EQ(p.array(), 1);
      EXPECT_EQ(p.i32(), 1);
      if (v >= 5) {
        EXPECT_EQ(p.array(), 0);
      }
      p.tags();
    }
    if (v >= 8) {
      EXPECT_EQ(p.i32(), t == 0 ? 0x0F : INT32_MIN);
    }
    p.tags();
  }
  if (v >= 8 && v <= 10) {
    EXPECT_EQ(p.i32(), 0x1F);
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, MetadataCodec, ::testing::ValuesIn(versions(0, 12)));

TEST(MetadataCodec, ATopicAskedForByIdOnlyHasANullName) {
  WireBuilder b(true);
  b.array(1).uuid(0x42).str(std::nullopt).tags().boolean(false).boolean(false).tags();
  Decoded d = decode_body(ApiKey::kMetadata, 12, true, b.out);
  const auto& r = as<MetadataRequest>(d);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_FALSE(r.topics[0].name.has_value());
  EXPECT_EQ(r.topics[0].topic_id.bytes[0], 0x42);
}

class ListOffsetsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(ListOffsetsCodec, RequestDecodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 6;
  WireBuilder b(flex);
  b.i32(-1);
  if (v >= 2) b.i8(1);
  b.array(1).str("orders").array(2);
  for (int64_t ts : {kListOffsetsEarliest, int64_t{1700000000000}}) {
    b.i32(ts < 0 ? 0 : 1);
    if (v >= 4) b.i32(3);
    b.i64(ts);
    if (v == 0) b.i32(1);
    b.tags();
  }
  b.tags().tags();
  Decoded d = decode_body(ApiKey::kListOffsets, v, flex, b.out);
  const auto& r = as<ListOffsetsRequest>(d);
  EXPECT_EQ(r.replica_id, -1);
  EXPECT_EQ(r.isolation_level, v >= 2 ? 1 : 0);
  ASSERT_EQ(r.topics.size(), 1u);
  ASSERT_EQ(r.topics[0].partitions.size(), 2u);
  EXPECT_EQ(r.topics[0].partitions[0].timestamp, kListOffsetsEarliest);
  EXPECT_EQ(r.topics[0].partitions[1].partition_index, 1);
  EXPECT_EQ(r.topics[0].partitions[1].timestamp, 1700000000000);
  EXPECT_EQ(r.topics[0].partitions[1].current_leader_epoch, v >= 4 ? 3 : -1);
}

TEST_P(ListOffsetsCodec, ResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 6;
  ListOffsetsResponse response;
  response.throttle_time_ms = 2;
  ListOffsetsTopicResponse& t = response.topics.emplace_back();
  t.name = "orders";
  t.partitions.push_back({.partition_index = 0, .timestamp = 1700000000000, .offset = 42, .leader_epoch = 3});
  t.partitions.push_back({.partition_index = 1, .error_code = KafkaError::kUnknownTopicOrPartition});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_list_offsets_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 2) {
    EXPECT_EQ(p.i32(), 2);
  }
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.str(), "orders");
  ASSERT_EQ(p.array(), 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(p.i32(), i);
    EXPECT_EQ(p.i16(), i == 0 ? 0 : 3);
    if (v == 0) {
      int32_t n = p.array();  // old_style_offsets: [offset] or []
      ASSERT_EQ(n, i == 0 ? 1 : 0);
      if (n == 1) {
        EXPECT_EQ(p.i64(), 42);
      }
    } else {
      EXPECT_EQ(p.i64(), i == 0 ? 1700000000000 : -1);
      EXPECT_EQ(p.i64(), i == 0 ? 42 : -1);
    }
    if (v >= 4) {
      EXPECT_EQ(p.i32(), i == 0 ? 3 : -1);
    }
    p.tags();
  }
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, ListOffsetsCodec, ::testing::ValuesIn(versions(0, 7)));

}  // namespace
}  // namespace ringmq::broker::protocol
