// FindCoordinator (v0-4), JoinGroup (v0-9), SyncGroup (v0-5), Heartbeat (v0-4), LeaveGroup
// (v0-5) and InitProducerId (v0-4) over every advertised version.
#include <gtest/gtest.h>

#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

class FindCoordinatorCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(FindCoordinatorCodec, RequestDecodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 3;
  WireBuilder b(flex);
  if (v >= 4) {
    b.i8(0).array(2).str("group-a").str("group-b");
  } else {
    b.str("group-a");
    if (v >= 1) b.i8(1);
  }
  b.tags();
  Decoded d = decode_body(ApiKey::kFindCoordinator, v, flex, b.out);
  const auto& r = as<FindCoordinatorRequest>(d);
  EXPECT_EQ(r.key_type, (v >= 1 && v < 4) ? 1 : 0);
  ASSERT_EQ(r.keys.size(), v >= 4 ? 2u : 1u);
  EXPECT_EQ(r.keys[0], "group-a");
}

TEST_P(FindCoordinatorCodec, ResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 3;
  FindCoordinatorResponse response;
  response.throttle_time_ms = 8;
  response.coordinators.push_back({"group-a", 1, "broker-1.local", 9092, KafkaError::kNone, std::nullopt});
  if (v >= 4) {
    response.coordinators.push_back({"group-b", -1, "", -1, KafkaError::kCoordinatorNotAvailable, "loading"});
  }
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_find_coordinator_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 1) {
    EXPECT_EQ(p.i32(), 8);
  }
  if (v >= 4) {
    ASSERT_EQ(p.array(), 2);
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(p.str(), i == 0 ? "group-a" : "group-b");
      EXPECT_EQ(p.i32(), i == 0 ? 1 : -1);
      EXPECT_EQ(p.str(), i == 0 ? "broker-1.local" : "");
      EXPECT_EQ(p.i32(), i == 0 ? 9092 : -1);
      EXPECT_EQ(p.i16(), i == 0 ? 0 : 15);
      EXPECT_EQ(p.nstr(), i == 0 ? std::nullopt : std::optional<std::string>("loading"));
      p.tags();
    }
  } else {
    EXPECT_EQ(p.i16(), 0);
    if (v >= 1) {
      EXPECT_EQ(p.nstr(), std::nullopt);
    }
    EXPECT_EQ(p.i32(), 1);
    EXPECT_EQ(p.str(), "broker-1.local");
    EXPECT_EQ(p.i32(), 9092);
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, FindCoordinatorCodec, ::testing::ValuesIn(versions(0, 4)));

TEST(FindCoordinatorCodec, OldVersionsNeedExactlyOneCoordinator) {
  Bytes out;
  Writer w(out);
  auto status = encode_find_coordinator_response(2, 1, FindCoordinatorResponse{}, w);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
}

class JoinGroupCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(JoinGroupCodec, RequestDecodesWithMetadataAsViews) {
  const int16_t v = GetParam();
  const bool flex = v >= 6;
  Bytes metadata = hex("0001 0000 0001 0006 6f7264657273 ffffffff");
  WireBuilder b(flex);
  b.str("group-a").i32(45000);
  if (v >= 1) b.i32(300000);
  b.str("member-1");
  if (v >= 5) b.str("instance-1");
  b.str("consumer");
  b.array(2).str("range").bytes(metadata).tags().str("roundrobin").bytes(metadata).tags();
  if (v >= 8) b.str("rebalance please");
  b.tags();
  Decoded d = decode_body(ApiKey::kJoinGroup, v, flex, b.out);
  const auto& r = as<JoinGroupRequest>(d);
  EXPECT_EQ(r.group_id, "group-a");
  EXPECT_EQ(r.session_timeout_ms, 45000);
  EXPECT_EQ(r.rebalance_timeout_ms, v >= 1 ? 300000 : 45000);
  EXPECT_EQ(r.member_id, "member-1");
  EXPECT_EQ(r.group_instance_id, v >= 5 ? std::optional<std::string_view>("instance-1") : std::nullopt);
  EXPECT_EQ(r.protocol_type, "consumer");
  ASSERT_EQ(r.protocols.size(), 2u);
  EXPECT_EQ(r.protocols[1].name, "roundrobin");
  EXPECT_TRUE(
      std::equal(metadata.begin(), metadata.end(), r.protocols[1].metadata.begin(), r.protocols[1].metadata.end()));
  EXPECT_GE(r.protocols[1].metadata.data(), d.frame.data());
  EXPECT_EQ(r.reason, v >= 8 ? std::optional<std::string_view>("rebalance please") : std::nullopt);
}

TEST_P(JoinGroupCodec, ResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 6;
  Bytes metadata = hex("00010203");
  JoinGroupResponse response;
  response.throttle_time_ms = 6;
  response.generation_id = 12;
  response.protocol_type = "consumer";
  response.protocol_name = "range";
  response.leader = "member-1";
  response.skip_assignment = true;
  response.member_id = "member-2";
  response.members.push_back({"member-1", "instance-1", metadata});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_join_group_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 2) {
    EXPECT_EQ(p.i32(), 6);
  }
  EXPECT_EQ(p.i16(), 0);
  EXPECT_EQ(p.i32(), 12);
  if (v >= 7) {
    EXPECT_EQ(p.nstr(), std::optional<std::string>("consumer"));
  }
  EXPECT_EQ(p.nstr(), std::optional<std::string>("range"));
  EXPECT_EQ(p.str(), "member-1");
  if (v >= 9) {
    EXPECT_TRUE(p.boolean());
  }
  EXPECT_EQ(p.str(), "member-2");
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.str(), "member-1");
  if (v >= 5) {
    EXPECT_EQ(p.nstr(), std::optional<std::string>("instance-1"));
  }
  EXPECT_EQ(p.bytes(), metadata);
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, JoinGroupCodec, ::testing::ValuesIn(versions(0, 9)));

class SyncGroupCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(SyncGroupCodec, RequestDecodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 4;
  Bytes assignment = hex("0001 00000001");
  WireBuilder b(flex);
  b.str("group-a").i32(12).str("member-1");
  if (v >= 3) b.str(std::nullopt);
  if (v >= 5) b.str("consumer").str("range");
  b.array(1).str("member-1").bytes(assignment).tags();
  b.tags();
  Decoded d = decode_body(ApiKey::kSyncGroup, v, flex, b.out);
  const auto& r = as<SyncGroupRequest>(d);
  EXPECT_EQ(r.group_id, "group-a");
  EXPECT_EQ(r.generation_id, 12);
  EXPECT_EQ(r.member_id, "member-1");
  EXPECT_FALSE(r.group_instance_id.has_value());
  EXPECT_EQ(r.protocol_type, v >= 5 ? std::optional<std::string_view>("consumer") : std::nullopt);
  EXPECT_EQ(r.protocol_name, v >= 5 ? std::optional<std::string_view>("range") : std::nullopt);
  ASSERT_EQ(r.assignments.size(), 1u);
  EXPECT_EQ(r.assignments[0].assignment.size(), assignment.size());
}

TEST_P(SyncGroupCodec, ResponseEncodes) {
  const int16_t v = GetParam();
  const bool flex = v >= 4;
  Bytes assignment = hex("0001 00000001");
  SyncGroupResponse response{7, KafkaError::kRebalanceInProgress, "consumer", "range", assignment};
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_sync_group_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 1) {
    EXPECT_EQ(p.i32(), 7);
  }
  EXPECT_EQ(p.i16(), 27);
  if (v >= 5) {
    EXPECT_EQ(p.nstr(), std::optional<std::string>("consumer"));
    EXPECT_EQ(p.nstr(), std::optional<std::string>("range"));
  }
  EXPECT_EQ(p.bytes(), assignment);
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, SyncGroupCodec, ::testing::ValuesIn(versions(0, 5)));

class HeartbeatCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(HeartbeatCodec, RequestAndResponse) {
  const int16_t v = GetParam();
  const bool flex = v >= 4;
  WireBuilder b(flex);
  b.str("group-a").i32(12).str("member-1");
  if (v >= 3) b.str("instance-1");
  b.tags();
  Decoded d = decode_body(ApiKey::kHeartbeat, v, flex, b.out);
  const auto& r = as<HeartbeatRequest>(d);
  EXPECT_EQ(r.group_id, "group-a");
  EXPECT_EQ(r.generation_id, 12);
  EXPECT_EQ(r.member_id, "member-1");
  EXPECT_EQ(r.group_instance_id, v >= 3 ? std::optional<std::string_view>("instance-1") : std::nullopt);

  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_heartbeat_response(v, kCorrelationId, HeartbeatResponse{3, KafkaError::kIllegalGeneration}, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 1) {
    EXPECT_EQ(p.i32(), 3);
  }
  EXPECT_EQ(p.i16(), 22);
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, HeartbeatCodec, ::testing::ValuesIn(versions(0, 4)));

class LeaveGroupCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(LeaveGroupCodec, RequestAndResponse) {
  const int16_t v = GetParam();
  const bool flex = v >= 4;
  WireBuilder b(flex);
  b.str("group-a");
  if (v >= 3) {
    b.array(2);
    b.str("member-1").str(std::nullopt);
    if (v >= 5) b.str("shutting down");
    b.tags();
    b.str("member-2").str("instance-2");
    if (v >= 5) b.str(std::nullopt);
    b.tags();
  } else {
    b.str("member-1");
  }
  b.tags();
  Decoded d = decode_body(ApiKey::kLeaveGroup, v, flex, b.out);
  const auto& r = as<LeaveGroupRequest>(d);
  EXPECT_EQ(r.group_id, "group-a");
  ASSERT_EQ(r.members.size(), v >= 3 ? 2u : 1u);
  EXPECT_EQ(r.members[0].member_id, "member-1");
  EXPECT_EQ(r.members[0].reason, v >= 5 ? std::optional<std::string_view>("shutting down") : std::nullopt);
  if (v >= 3) {
    EXPECT_EQ(r.members[1].group_instance_id, std::optional<std::string_view>("instance-2"));
  }

  LeaveGroupResponse response{
      4,
      KafkaError::kNone,
      {{"member-1", std::nullopt, KafkaError::kNone}, {"member-2", "instance-2", KafkaError::kUnknownMemberId}}};
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_leave_group_response(v, kCorrelationId, response, w));
  WireParser p = open_response(out, flex, flex);
  if (v >= 1) {
    EXPECT_EQ(p.i32(), 4);
  }
  EXPECT_EQ(p.i16(), 0);
  if (v >= 3) {
    ASSERT_EQ(p.array(), 2);
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(p.str(), i == 0 ? "member-1" : "member-2");
      EXPECT_EQ(p.nstr(), i == 0 ? std::nullopt : std::optional<std::string>("instance-2"));
      EXPECT_EQ(p.i16(), i == 0 ? 0 : 25);
      p.tags();
    }
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, LeaveGroupCodec, ::testing::ValuesIn(versions(0, 5)));

class InitProducerIdCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(InitProducerIdCodec, RequestAndResponse) {
  const int16_t v = GetParam();
  const bool flex = v >= 2;
  WireBuilder b(flex);
  b.str(std::nullopt).i32(60000);
  if (v >= 3) b.i64(4000).i16(2);
  b.tags();
  Decoded d = decode_body(ApiKey::kInitProducerId, v, flex, b.out);
  const auto& r = as<InitProducerIdRequest>(d);
  EXPECT_FALSE(r.transactional_id.has_value());
  EXPECT_EQ(r.transaction_timeout_ms, 60000);
  EXPECT_EQ(r.producer_id, v >= 3 ? 4000 : -1);
  EXPECT_EQ(r.producer_epoch, v >= 3 ? 2 : -1);

  Bytes out;
  Writer w(out);
  ASSERT_TRUE(
      encode_init_producer_id_response(v, kCorrelationId, InitProducerIdResponse{1, KafkaError::kNone, 4001, 0}, w));
  WireParser p = open_response(out, flex, flex);
  EXPECT_EQ(p.i32(), 1);
  EXPECT_EQ(p.i16(), 0);
  EXPECT_EQ(p.i64(), 4001);
  EXPECT_EQ(p.i16(), 0);
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, InitProducerIdCodec, ::testing::ValuesIn(versions(0, 4)));

}  // namespace
}  // namespace ringmq::broker::protocol
