// OffsetCommit (v0-8) and OffsetFetch (v0-8) over every advertised version.
#include <gtest/gtest.h>

#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

class OffsetCommitCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(OffsetCommitCodec, RequestDecodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 8;
  WireBuilder b(flex);
  b.str("group-a");
  if (v >= 1) b.i32(12).str("member-1");
  if (v >= 7) b.str(std::nullopt);
  if (v >= 2 && v <= 4) b.i64(86400000);
  b.array(1).str("orders").array(2);
  for (int i = 0; i < 2; ++i) {
    b.i32(i).i64(1000 + i);
    if (v >= 6) b.i32(4);
    if (v == 1) b.i64(1700000000000);
    b.str(i == 0 ? std::optional<std::string_view>("meta") : std::nullopt);
    b.tags();
  }
  b.tags().tags();
  Decoded d = decode_body(ApiKey::kOffsetCommit, v, flex, b.out);
  const auto& r = as<OffsetCommitRequest>(d);
  EXPECT_EQ(r.group_id, "group-a");
  EXPECT_EQ(r.generation_id, v >= 1 ? 12 : -1);
  EXPECT_EQ(r.member_id, v >= 1 ? "member-1" : "");
  EXPECT_EQ(r.retention_time_ms, (v >= 2 && v <= 4) ? 86400000 : -1);
  ASSERT_EQ(r.topics.size(), 1u);
  ASSERT_EQ(r.topics[0].partitions.size(), 2u);
  const OffsetCommitPartition& p = r.topics[0].partitions[0];
  EXPECT_EQ(p.committed_offset, 1000);
  EXPECT_EQ(p.committed_leader_epoch, v >= 6 ? 4 : -1);
  EXPECT_EQ(p.commit_timestamp, v == 1 ? 1700000000000 : -1);
  EXPECT_EQ(p.committed_metadata, std::optional<std::string_view>("meta"));
  EXPECT_FALSE(r.topics[0].partitions[1].committed_metadata.has_value());
}

TEST_P(OffsetCommitCodec, ResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 8;
  OffsetCommitResponse response{2, {{"orders", {{0, KafkaError::kNone}, {1, KafkaError::kIllegalGeneration}}}}};
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_offset_commit_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 3) {
    EXPECT_EQ(p.i32(), 2);
  }
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.str(), "orders");
  ASSERT_EQ(p.array(), 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(p.i32(), i);
    EXPECT_EQ(p.i16(), i == 0 ? 0 : 22);
    p.tags();
  }
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, OffsetCommitCodec, ::testing::ValuesIn(versions(0, 8)));

class OffsetFetchCodec : public ::testing::TestWithParam<int16_t> {};

void write_fetch_topics(WireBuilder& b) { b.array(1).str("orders").array(2).i32(0).i32(1).tags(); }

TEST_P(OffsetFetchCodec, RequestDecodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 6;
  WireBuilder b(flex);
  if (v >= 8) {
    b.array(2);
    b.str("group-a");
    write_fetch_topics(b);
    b.tags();
    b.str("group-b").array(-1).tags();
  } else {
    b.str("group-a");
    write_fetch_topics(b);
  }
  if (v >= 7) b.boolean(true);
  b.tags();
  Decoded d = decode_body(ApiKey::kOffsetFetch, v, flex, b.out);
  const auto& r = as<OffsetFetchRequest>(d);
  ASSERT_EQ(r.groups.size(), v >= 8 ? 2u : 1u);
  EXPECT_EQ(r.groups[0].group_id, "group-a");
  EXPECT_FALSE(r.groups[0].all_topics);
  ASSERT_EQ(r.groups[0].topics.size(), 1u);
  EXPECT_EQ(r.groups[0].topics[0].partition_indexes, (std::vector<int32_t>{0, 1}));
  if (v >= 8) {
    EXPECT_TRUE(r.groups[1].all_topics);
  }
  EXPECT_EQ(r.require_stable, v >= 7);
}

// v2-7 name one group whose topic list may be null (v8 is covered above).
class OffsetFetchAllTopicsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(OffsetFetchAllTopicsCodec, AllTopicsIsANullList) {
  const int16_t v = GetParam();
  const bool flex = v >= 6;
  WireBuilder b(flex);
  b.str("group-a").array(-1);
  if (v >= 7) b.boolean(false);
  b.tags();
  Decoded d = decode_body(ApiKey::kOffsetFetch, v, flex, b.out);
  EXPECT_TRUE(as<OffsetFetchRequest>(d).groups[0].all_topics);
}

TEST_P(OffsetFetchCodec, ResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 6;
  OffsetFetchResponse response;
  response.throttle_time_ms = 3;
  OffsetFetchGroupResponse group{
      "group-a",
      {{"orders", {{0, 1000, 4, "meta", KafkaError::kNone}, {1, -1, -1, std::nullopt, KafkaError::kNone}}}},
      KafkaError::kNone};
  response.groups.push_back(group);
  if (v >= 8) response.groups.push_back({"group-b", {}, KafkaError::kGroupIdNotFound});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_offset_fetch_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 3) {
    EXPECT_EQ(p.i32(), 3);
  }
  auto read_topics = [&](bool with_data) {
    int32_t topics = p.array();
    ASSERT_EQ(topics, with_data ? 1 : 0);
    for (int t = 0; t < topics; ++t) {
      EXPECT_EQ(p.str(), "orders");
      ASSERT_EQ(p.array(), 2);
      for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(p.i32(), i);
        EXPECT_EQ(p.i64(), i == 0 ? 1000 : -1);
        if (v >= 5) {
          EXPECT_EQ(p.i32(), i == 0 ? 4 : -1);
        }
        EXPECT_EQ(p.nstr(), i == 0 ? std::optional<std::string>("meta") : std::nullopt);
        EXPECT_EQ(p.i16(), 0);
        p.tags();
      }
      p.tags();
    }
  };
  if (v >= 8) {
    ASSERT_EQ(p.array(), 2);
    EXPECT_EQ(p.str(), "group-a");
    read_topics(true);
    EXPECT_EQ(p.i16(), 0);
    p.tags();
    EXPECT_EQ(p.str(), "group-b");
    read_topics(false);
    EXPECT_EQ(p.i16(), 69);
    p.tags();
  } else {
    read_topics(true);
    if (v >= 2) {
      EXPECT_EQ(p.i16(), 0);
    }
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, OffsetFetchCodec, ::testing::ValuesIn(versions(0, 8)));
INSTANTIATE_TEST_SUITE_P(NullableTopicVersions, OffsetFetchAllTopicsCodec, ::testing::ValuesIn(versions(2, 7)));

}  // namespace
}  // namespace ringmq::broker::protocol
