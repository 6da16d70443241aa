// DescribeCluster (v0-1), DescribeLogDirs (v0-4) and OffsetForLeaderEpoch (v0-4) over every
// advertised version, flexible ones included.
#include <gtest/gtest.h>

#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

class DescribeClusterCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(DescribeClusterCodec, RequestDecodesAndResponseEncodes) {
  const int16_t v = GetParam();
  WireBuilder b(true);
  b.boolean(true);
  if (v >= 1) b.i8(kEndpointControllers);
  b.tags();
  Decoded d = decode_body(ApiKey::kDescribeCluster, v, true, b.out);
  const auto& r = as<DescribeClusterRequest>(d);
  EXPECT_TRUE(r.include_cluster_authorized_operations);
  EXPECT_EQ(r.endpoint_type, v >= 1 ? kEndpointControllers : kEndpointBrokers) << "v0 always describes brokers";

  DescribeClusterResponse response;
  response.cluster_id = "ringmq";
  response.controller_id = 3;
  response.brokers.push_back({3, "localhost", 9092, std::nullopt});
  response.cluster_authorized_operations = 0x1fa0;
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_describe_cluster_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, true, true);
  EXPECT_EQ(p.i32(), 0);
  EXPECT_EQ(p.i16(), 0);
  EXPECT_EQ(p.nstr(), std::nullopt);
  if (v >= 1) {
    EXPECT_EQ(p.i8(), kEndpointBrokers);
  }
  EXPECT_EQ(p.str(), "ringmq");
  EXPECT_EQ(p.i32(), 3);
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.i32(), 3);
  EXPECT_EQ(p.str(), "localhost");
  EXPECT_EQ(p.i32(), 9092);
  EXPECT_EQ(p.nstr(), std::nullopt);
  p.tags();
  EXPECT_EQ(p.i32(), 0x1fa0);
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, DescribeClusterCodec, ::testing::ValuesIn(versions(0, 1)));

class DescribeLogDirsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(DescribeLogDirsCodec, RequestDecodesNamedAndAllTopics) {
  const int16_t v = GetParam();
  const bool flex = is_flexible(ApiKey::kDescribeLogDirs, v);
  WireBuilder named(flex);
  named.array(1).str("orders").array(2).i32(0).i32(2).tags().tags();
  Decoded d = decode_body(ApiKey::kDescribeLogDirs, v, flex, named.out);
  const auto& r = as<DescribeLogDirsRequest>(d);
  EXPECT_FALSE(r.all_topics);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].topic, "orders");
  EXPECT_EQ(r.topics[0].partitions, (std::vector<int32_t>{0, 2}));

  WireBuilder all(flex);
  all.array(-1).tags();
  Decoded d2 = decode_body(ApiKey::kDescribeLogDirs, v, flex, all.out);
  EXPECT_TRUE(as<DescribeLogDirsRequest>(d2).all_topics);
}

TEST_P(DescribeLogDirsCodec, ResponseEncodesSizesAndVolumeFromV4) {
  const int16_t v = GetParam();
  const bool flex = is_flexible(ApiKey::kDescribeLogDirs, v);
  DescribeLogDirsResponse response;
  DescribeLogDirsResult& dir = response.results.emplace_back();
  dir.log_dir = "/var/lib/ringmq";
  dir.topics.push_back({"orders", {{.partition_index = 1, .partition_size = 4096}}});
  dir.total_bytes = 1 << 30;
  dir.usable_bytes = 1 << 20;
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_describe_log_dirs_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  EXPECT_EQ(p.i32(), 0);
  if (v >= 3) {
    EXPECT_EQ(p.i16(), 0);
  }
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.i16(), 0);
  EXPECT_EQ(p.str(), "/var/lib/ringmq");
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.str(), "orders");
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.i32(), 1);
  EXPECT_EQ(p.i64(), 4096);
  EXPECT_EQ(p.i64(), 0);
  EXPECT_FALSE(p.boolean());
  p.tags();
  p.tags();
  if (v >= 4) {
    EXPECT_EQ(p.i64(), 1 << 30);
    EXPECT_EQ(p.i64(), 1 << 20);
  }
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, DescribeLogDirsCodec, ::testing::ValuesIn(versions(0, 4)));

class OffsetForLeaderEpochCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(OffsetForLeaderEpochCodec, RequestDecodesAndResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = is_flexible(ApiKey::kOffsetForLeaderEpoch, v);
  WireBuilder b(flex);
  if (v >= 3) b.i32(-1);
  b.array(1).str("orders").array(2);
  b.i32(0);
  if (v >= 2) b.i32(5);
  b.i32(4).tags();
  b.i32(1);
  if (v >= 2) b.i32(-1);
  b.i32(0).tags().tags().tags();
  Decoded d = decode_body(ApiKey::kOffsetForLeaderEpoch, v, flex, b.out);
  const auto& r = as<OffsetForLeaderEpochRequest>(d);
  EXPECT_EQ(r.replica_id, v >= 3 ? -1 : -2);
  ASSERT_EQ(r.topics.size(), 1u);
  ASSERT_EQ(r.topics[0].partitions.size(), 2u);
  EXPECT_EQ(r.topics[0].partitions[0].current_leader_epoch, v >= 2 ? 5 : -1);
  EXPECT_EQ(r.topics[0].partitions[0].leader_epoch, 4);
  EXPECT_EQ(r.topics[0].partitions[1].partition, 1);

  OffsetForLeaderEpochResponse response;
  response.throttle_time_ms = 7;
  response.topics.push_back({"orders", {{KafkaError::kNone, 0, 0, 42}, {KafkaError::kFencedLeaderEpoch, 1, -1, -1}}});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_offset_for_leader_epoch_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 2) {
    EXPECT_EQ(p.i32(), 7);
  }
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.str(), "orders");
  ASSERT_EQ(p.array(), 2);
  EXPECT_EQ(p.i16(), 0);
  EXPECT_EQ(p.i32(), 0);
  if (v >= 1) {
    EXPECT_EQ(p.i32(), 0);
  }
  EXPECT_EQ(p.i64(), 42);
  p.tags();
  EXPECT_EQ(p.i16(), 74);
  EXPECT_EQ(p.i32(), 1);
  if (v >= 1) {
    EXPECT_EQ(p.i32(), -1);
  }
  EXPECT_EQ(p.i64(), -1);
  p.tags();
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, OffsetForLeaderEpochCodec, ::testing::ValuesIn(versions(0, 4)));

}  // namespace
}  // namespace ringmq::broker::protocol
