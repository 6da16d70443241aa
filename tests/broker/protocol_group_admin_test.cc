// DescribeGroups (v0-5), ListGroups (v0-5), DeleteGroups (v0-2) and OffsetDelete (v0) over
// every advertised version.
#include <gtest/gtest.h>

#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

class DescribeGroupsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(DescribeGroupsCodec, RequestDecodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 5;
  WireBuilder b(flex);
  b.array(2).str("payments").str("audit");
  if (v >= 3) b.boolean(true);
  b.tags();
  Decoded d = decode_body(ApiKey::kDescribeGroups, v, flex, b.out);
  const auto& r = as<DescribeGroupsRequest>(d);
  EXPECT_EQ(r.groups, (std::vector<std::string_view>{"payments", "audit"}));
  EXPECT_EQ(r.include_authorized_operations, v >= 3);
}

TEST_P(DescribeGroupsCodec, ResponseEncodesMembersAndADeadGroup) {
  const int16_t v = GetParam();
  const bool flex = v >= 5;
  const Bytes metadata = hex("0001 00000001 0006 6f7264657273 ffffffff");
  const Bytes assignment = hex("0001 00000000 ffffffff");
  DescribeGroupsResponse response;
  response.throttle_time_ms = 3;
  DescribedGroup stable{.group_id = "payments",
                        .group_state = "Stable",
                        .protocol_type = "consumer",
                        .protocol_data = "range",
                        .authorized_operations = 328};
  stable.members.push_back({"m-1", "instance-1", "client-1", "/127.0.0.1", metadata, assignment});
  response.groups.push_back(stable);
  response.groups.push_back({.group_id = "gone", .group_state = "Dead"});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_describe_groups_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 1) {
    EXPECT_EQ(p.i32(), 3);
  }
  ASSERT_EQ(p.array(), 2);
  EXPECT_EQ(p.i16(), 0);
  EXPECT_EQ(p.str(), "payments");
  EXPECT_EQ(p.str(), "Stable");
  EXPECT_EQ(p.str(), "consumer");
  EXPECT_EQ(p.str(), "range");
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.str(), "m-1");
  if (v >= 4) {
    EXPECT_EQ(p.nstr(), std::optional<std::string>("instance-1"));
  }
  EXPECT_EQ(p.str(), "client-1");
  EXPECT_EQ(p.str(), "/127.0.0.1");
  EXPECT_EQ(p.bytes(), metadata);
  EXPECT_EQ(p.bytes(), assignment);
  p.tags();
  if (v >= 3) {
    EXPECT_EQ(p.i32(), 328);
  }
  p.tags();
  EXPECT_EQ(p.i16(), 0);
  EXPECT_EQ(p.str(), "gone");
  EXPECT_EQ(p.str(), "Dead");
  EXPECT_EQ(p.str(), "");
  EXPECT_EQ(p.str(), "");
  EXPECT_EQ(p.array(), 0);
  if (v >= 3) {
    EXPECT_EQ(p.i32(), kAuthorizedOperationsOmitted);
  }
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, DescribeGroupsCodec, ::testing::ValuesIn(versions(0, 5)));

class ListGroupsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(ListGroupsCodec, RequestDecodesTheFilters) {
  const int16_t v = GetParam();
  const bool flex = v >= 3;
  WireBuilder b(flex);
  if (v >= 4) b.array(2).str("Stable").str("Empty");
  if (v >= 5) b.array(1).str("classic");
  b.tags();
  Decoded d = decode_body(ApiKey::kListGroups, v, flex, b.out);
  const auto& r = as<ListGroupsRequest>(d);
  EXPECT_EQ(r.states_filter,
            v >= 4 ? (std::vector<std::string_view>{"Stable", "Empty"}) : std::vector<std::string_view>{});
  EXPECT_EQ(r.types_filter, v >= 5 ? std::vector<std::string_view>{"classic"} : std::vector<std::string_view>{});
}

TEST_P(ListGroupsCodec, ResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 3;
  ListGroupsResponse response;
  response.throttle_time_ms = 2;
  response.groups.push_back({"payments", "consumer", "Stable", "classic"});
  response.groups.push_back({"offsets-only", "", "Empty", "classic"});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_list_groups_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 1) {
    EXPECT_EQ(p.i32(), 2);
  }
  EXPECT_EQ(p.i16(), 0);
  ASSERT_EQ(p.array(), 2);
  for (int g = 0; g < 2; ++g) {
    EXPECT_EQ(p.str(), g == 0 ? "payments" : "offsets-only");
    EXPECT_EQ(p.str(), g == 0 ? "consumer" : "");
    if (v >= 4) {
      EXPECT_EQ(p.str(), g == 0 ? "Stable" : "Empty");
    }
    if (v >= 5) {
      EXPECT_EQ(p.str(), "classic");
    }
    p.tags();
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, ListGroupsCodec, ::testing::ValuesIn(versions(0, 5)));

TEST(ListGroupsCodec, TheZeroPaddingLibrdkafkaSendsIsAcceptedButNotOtherBytes) {
  // librdkafka 2.0.2's ListGroups v4 body, as captured: states [] then two tag buffers.
  Decoded d = decode_body(ApiKey::kListGroups, 4, true, hex("01 00 00"));
  EXPECT_TRUE(as<ListGroupsRequest>(d).states_filter.empty());
  Bytes frame = request_frame(16, 4, kCorrelationId, "x", true, hex("01 00 00 01"));
  auto header = parse_request_header(frame);
  ASSERT_TRUE(header);
  Request request;
  EXPECT_FALSE(decode_request(*header, request));
}

class DeleteGroupsCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(DeleteGroupsCodec, RequestDecodesAndResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 2;
  WireBuilder b(flex);
  b.array(2).str("payments").str("audit").tags();
  Decoded d = decode_body(ApiKey::kDeleteGroups, v, flex, b.out);
  EXPECT_EQ(as<DeleteGroupsRequest>(d).groups, (std::vector<std::string_view>{"payments", "audit"}));

  DeleteGroupsResponse response{.throttle_time_ms = 1,
                                .results = {{"payments", KafkaError::kNone}, {"audit", KafkaError::kNonEmptyGroup}}};
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_delete_groups_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  EXPECT_EQ(p.i32(), 1);
  ASSERT_EQ(p.array(), 2);
  EXPECT_EQ(p.str(), "payments");
  EXPECT_EQ(p.i16(), 0);
  p.tags();
  EXPECT_EQ(p.str(), "audit");
  EXPECT_EQ(p.i16(), 68);
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, DeleteGroupsCodec, ::testing::ValuesIn(versions(0, 2)));

TEST(OffsetDeleteCodec, RequestDecodes) {
  WireBuilder b;
  b.str("payments").array(2);
  b.str("orders").array(2).i32(0).i32(3);
  b.str("audit").array(1).i32(1);
  Decoded d = decode_body(ApiKey::kOffsetDelete, 0, false, b.out);
  const auto& r = as<OffsetDeleteRequest>(d);
  EXPECT_EQ(r.group_id, "payments");
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].name, "orders");
  EXPECT_EQ(r.topics[0].partitions, (std::vector<int32_t>{0, 3}));
  EXPECT_EQ(r.topics[1].partitions, (std::vector<int32_t>{1}));
}

TEST(OffsetDeleteCodec, ResponsePutsTheGroupErrorBeforeTheThrottleTime) {
  OffsetDeleteResponse response;
  response.throttle_time_ms = 7;
  response.topics.push_back({"orders", {{0, KafkaError::kNone}, {3, KafkaError::kGroupSubscribedToTopic}}});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_offset_delete_response(0, kCorrelationId, response, w));
  WireParser p = open_response(out, false, false);
  EXPECT_EQ(p.i16(), 0);
  EXPECT_EQ(p.i32(), 7);
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.str(), "orders");
  ASSERT_EQ(p.array(), 2);
  EXPECT_EQ(p.i32(), 0);
  EXPECT_EQ(p.i16(), 0);
  EXPECT_EQ(p.i32(), 3);
  EXPECT_EQ(p.i16(), 86);
  EXPECT_TRUE(p.at_end());

  // A refused request: the group's code alone.
  Bytes refused;
  Writer rw(refused);
  RequestHeader header;
  header.api_key = static_cast<int16_t>(ApiKey::kOffsetDelete);
  header.api_version = 0;
  header.correlation_id = kCorrelationId;
  ASSERT_TRUE(encode_error_response(header, Request{}, KafkaError::kGroupIdNotFound, rw));
  WireParser q = open_response(refused, false, false);
  EXPECT_EQ(q.i16(), 69);
  EXPECT_EQ(q.i32(), 0);
  EXPECT_EQ(q.array(), 0);
  EXPECT_TRUE(q.at_end());
}

}  // namespace
}  // namespace ringmq::broker::protocol
