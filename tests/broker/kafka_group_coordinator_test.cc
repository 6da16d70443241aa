#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/group_coordinator.h"

namespace ringmq::broker {
namespace {

using protocol::KafkaError;

constexpr int32_t kSessionMs = 10'000;
constexpr int32_t kRebalanceMs = 30'000;

std::vector<std::byte> bytes(std::string_view text) {
  std::vector<std::byte> out;
  for (char c : text) out.push_back(static_cast<std::byte>(c));
  return out;
}

// A JoinGroup or SyncGroup answer that may arrive later.
template <typename Result>
struct Answer {
  std::shared_ptr<std::optional<Result>> slot = std::make_shared<std::optional<Result>>();

  bool ready() const { return slot->has_value(); }
  const Result& operator*() const { return **slot; }
  const Result* operator->() const { return &**slot; }
};
using JoinAnswer = Answer<JoinResult>;
using SyncAnswer = Answer<SyncResult>;

// Drives one coordinator with a clock the test moves by hand. No initial delay unless a test
// asks for one, so that a lone member's join is answered at once.
class ConsumerGroup : public ::testing::Test {
 protected:
  ConsumerGroup() { start(default_config()); }

  static GroupCoordinatorConfig default_config() {
    GroupCoordinatorConfig config;
    config.min_session_timeout_ms = 1'000;
    config.initial_rebalance_delay_ms = 0;
    return config;
  }

  void start(GroupCoordinatorConfig config) {
    coordinator = std::make_unique<GroupCoordinator>(config, [this] { return now_ms; });
  }

  // Moves the clock and runs the timers.
  void advance(int64_t ms) {
    now_ms += ms;
    coordinator->tick();
  }

  static JoinRequest join_request(std::string member_id,
                                  std::vector<GroupProtocol> protocols = {{"range", bytes("meta")}}) {
    JoinRequest request;
    request.group_id = "g";
    request.member_id = std::move(member_id);
    request.client_id = "client";
    request.client_host = "/127.0.0.1";
    request.session_timeout_ms = kSessionMs;
    request.rebalance_timeout_ms = kRebalanceMs;
    request.protocol_type = "consumer";
    request.protocols = std::move(protocols);
    request.api_version = 5;
    return request;
  }

  JoinAnswer join(JoinRequest request) {
    JoinAnswer answer;
    coordinator->join(std::move(request), [slot = answer.slot](JoinResult r) {
      ASSERT_FALSE(slot->has_value()) << "a JoinGroup callback ran twice";
      *slot = std::move(r);
    });
    return answer;
  }

  // KIP-394: the first JoinGroup (v4+) of a new member only hands out its id.
  std::string member_id_for_new_member() {
    JoinAnswer first = join(join_request(""));
    EXPECT_TRUE(first.ready());
    EXPECT_EQ(first->error_code, KafkaError::kMemberIdRequired);
    return first->member_id;
  }

  // A new member's full JoinGroup: asks for an id, then joins with it.
  JoinAnswer join_new_member(std::vector<GroupProtocol> protocols = {{"range", bytes("meta")}}) {
    std::string id = member_id_for_new_member();
    return join(join_request(id, std::move(protocols)));
  }

  SyncAnswer sync(const std::string& member_id, int32_t generation, std::vector<SyncAssignment> assignments = {}) {
    SyncRequest request;
    request.group_id = "g";
    request.generation_id = generation;
    request.member_id = member_id;
    request.assignments = std::move(assignments);
    SyncAnswer answer;
    coordinator->sync(std::move(request), [slot = answer.slot](SyncResult r) {
      ASSERT_FALSE(slot->has_value()) << "a SyncGroup callback ran twice";
      *slot = std::move(r);
    });
    return answer;
  }

  KafkaError heartbeat(const std::string& member_id, int32_t generation) {
    return coordinator->heartbeat("g", generation, member_id);
  }

  std::string state() const { return coordinator->describe("g").state; }

  // One member joined, led and synced: returns its id; the group is Stable at generation 1.
  std::string stable_single_member() {
    JoinAnswer joined = join_new_member();
    EXPECT_TRUE(joined.ready());
    EXPECT_EQ(joined->error_code, KafkaError::kNone);
    SyncAnswer synced = sync(joined->member_id, joined->generation_id, {{joined->member_id, bytes("all")}});
    EXPECT_TRUE(synced.ready());
    EXPECT_EQ(state(), "Stable");
    return joined->member_id;
  }

  // Members `a` (leader) and `b` Stable at the returned generation, with assignments "a"/"b".
  int32_t stable_pair(std::string& a, std::string& b) {
    a = stable_single_member();
    JoinAnswer b_join = join_new_member();
    EXPECT_FALSE(b_join.ready());
    JoinAnswer a_join = join(join_request(a));
    EXPECT_TRUE(a_join.ready() && b_join.ready());
    b = b_join->member_id;
    int32_t generation = a_join->generation_id;
    SyncAnswer b_sync = sync(b, generation);
    SyncAnswer a_sync = sync(a, generation, {{a, bytes("a")}, {b, bytes("b")}});
    EXPECT_TRUE(a_sync.ready() && b_sync.ready());
    EXPECT_EQ(state(), "Stable");
    return generation;
  }

  int64_t now_ms = 1'000'000;
  std::unique_ptr<GroupCoordinator> coordinator;
};

TEST_F(ConsumerGroup, SingleMemberBecomesLeaderAndItsSyncMakesTheGroupStable) {
  std::string id = member_id_for_new_member();
  JoinAnswer joined = join(join_request(id));
  ASSERT_TRUE(joined.ready());
  EXPECT_EQ(joined->error_code, KafkaError::kNone);
  EXPECT_EQ(joined->generation_id, 1);
  EXPECT_EQ(joined->member_id, id);
  EXPECT_EQ(joined->leader_id, id);
  EXPECT_EQ(joined->protocol_type, "consumer");
  EXPECT_EQ(joined->protocol_name, "range");
  ASSERT_EQ(joined->members.size(), 1u);
  EXPECT_EQ(joined->members[0].member_id, id);
  EXPECT_EQ(joined->members[0].metadata, bytes("meta"));
  EXPECT_EQ(state(), "CompletingRebalance");
  // Heartbeats between the JoinGroup answer and SyncGroup are fine.
  EXPECT_EQ(heartbeat(id, 1), KafkaError::kNone);

  SyncAnswer synced = sync(id, 1, {{id, bytes("p0,p1")}});
  ASSERT_TRUE(synced.ready());
  EXPECT_EQ(synced->error_code, KafkaError::kNone);
  EXPECT_EQ(synced->assignment, bytes("p0,p1"));
  EXPECT_EQ(synced->protocol_type, "consumer");
  EXPECT_EQ(synced->protocol_name, "range");
  EXPECT_EQ(state(), "Stable");
  EXPECT_EQ(heartbeat(id, 1), KafkaError::kNone);
}

TEST_F(ConsumerGroup, NewMemberOnJoinGroupV4PlusIsToldItsIdFirst) {
  JoinAnswer first = join(join_request(""));
  ASSERT_TRUE(first.ready());
  EXPECT_EQ(first->error_code, KafkaError::kMemberIdRequired);
  EXPECT_EQ(first->generation_id, -1);
  EXPECT_TRUE(first->member_id.starts_with("client-")) << first->member_id;
  EXPECT_EQ(state(), "Empty");  // the id is pending, not a member yet

  JoinAnswer second = join(join_request(first->member_id));
  ASSERT_TRUE(second.ready());
  EXPECT_EQ(second->error_code, KafkaError::kNone);
  EXPECT_EQ(second->member_id, first->member_id);
  EXPECT_EQ(second->leader_id, first->member_id);
}

TEST_F(ConsumerGroup, NewMemberBeforeJoinGroupV4JoinsAtOnce) {
  JoinRequest request = join_request("");
  request.api_version = 3;
  JoinAnswer joined = join(request);
  ASSERT_TRUE(joined.ready());
  EXPECT_EQ(joined->error_code, KafkaError::kNone);
  EXPECT_FALSE(joined->member_id.empty());
  EXPECT_EQ(joined->generation_id, 1);
}

TEST_F(ConsumerGroup, SecondMemberStartsARebalanceThatEndsWhenBothHaveJoined) {
  std::string a = stable_single_member();

  JoinAnswer b_join = join_new_member({{"range", bytes("b-meta")}});
  EXPECT_FALSE(b_join.ready());  // parked until a rejoins
  EXPECT_EQ(state(), "PreparingRebalance");
  EXPECT_EQ(heartbeat(a, 1), KafkaError::kRebalanceInProgress);
  SyncAnswer stale_sync = sync(a, 1);
  ASSERT_TRUE(stale_sync.ready());
  EXPECT_EQ(stale_sync->error_code, KafkaError::kRebalanceInProgress);

  JoinAnswer a_join = join(join_request(a, {{"range", bytes("a-meta")}}));
  ASSERT_TRUE(a_join.ready());
  ASSERT_TRUE(b_join.ready());
  EXPECT_EQ(a_join->error_code, KafkaError::kNone);
  EXPECT_EQ(b_join->error_code, KafkaError::kNone);
  EXPECT_EQ(a_join->generation_id, 2);
  EXPECT_EQ(b_join->generation_id, 2);
  EXPECT_EQ(a_join->leader_id, a);
  EXPECT_EQ(b_join->leader_id, a);
  EXPECT_TRUE(b_join->members.empty());  // followers get no member list
  ASSERT_EQ(a_join->members.size(), 2u);
  for (const JoinedMember& m : a_join->members) {
    EXPECT_EQ(m.metadata, bytes(m.member_id == a ? "a-meta" : "b-meta"));
  }

  // The follower's SyncGroup waits for the leader's.
  const std::string b = b_join->member_id;
  SyncAnswer b_sync = sync(b, 2);
  EXPECT_FALSE(b_sync.ready());
  SyncAnswer a_sync = sync(a, 2, {{a, bytes("p0")}, {b, bytes("p1")}});
  ASSERT_TRUE(a_sync.ready());
  ASSERT_TRUE(b_sync.ready());
  EXPECT_EQ(a_sync->assignment, bytes("p0"));
  EXPECT_EQ(b_sync->assignment, bytes("p1"));
  EXPECT_EQ(state(), "Stable");
  EXPECT_EQ(heartbeat(a, 2), KafkaError::kNone);
  EXPECT_EQ(heartbeat(b, 2), KafkaError::kNone);
}

TEST_F(ConsumerGroup, MembersTheLeaderLeavesOutGetAnEmptyAssignment) {
  std::string a = stable_single_member();
  JoinAnswer b_join = join_new_member();
  JoinAnswer a_join = join(join_request(a));
  ASSERT_TRUE(b_join.ready());
  SyncAnswer b_sync = sync(b_join->member_id, 2);
  SyncAnswer a_sync = sync(a, 2, {{a, bytes("everything")}, {"nobody", bytes("x")}});
  ASSERT_TRUE(b_sync.ready());
  EXPECT_EQ(b_sync->error_code, KafkaError::kNone);
  EXPECT_TRUE(b_sync->assignment.empty());
}

TEST_F(ConsumerGroup, LeavingMemberStartsARebalanceForTheRest) {
  std::string a, b;
  int32_t generation = stable_pair(a, b);

  LeaveResult left = coordinator->leave("g", {{b, std::nullopt}, {"stranger", std::nullopt}});
  EXPECT_EQ(left.error_code, KafkaError::kNone);
  ASSERT_EQ(left.members.size(), 2u);
  EXPECT_EQ(left.members[0].error_code, KafkaError::kNone);
  EXPECT_EQ(left.members[1].error_code, KafkaError::kUnknownMemberId);
  EXPECT_EQ(heartbeat(a, generation), KafkaError::kRebalanceInProgress);
  EXPECT_EQ(heartbeat(b, generation), KafkaError::kUnknownMemberId);

  JoinAnswer a_join = join(join_request(a));
  ASSERT_TRUE(a_join.ready());
  EXPECT_EQ(a_join->generation_id, generation + 1);
  ASSERT_EQ(a_join->members.size(), 1u);
  EXPECT_EQ(a_join->members[0].member_id, a);
}

TEST_F(ConsumerGroup, LeaderLeavingHandsLeadershipToAMemberThatRejoins) {
  std::string a, b;
  int32_t generation = stable_pair(a, b);
  coordinator->leave("g", {{a, std::nullopt}});
  JoinAnswer b_join = join(join_request(b));
  ASSERT_TRUE(b_join.ready());
  EXPECT_EQ(b_join->generation_id, generation + 1);
  EXPECT_EQ(b_join->leader_id, b);
  EXPECT_EQ(b_join->members.size(), 1u);
}

TEST_F(ConsumerGroup, LastMemberLeavingEmptiesTheGroup) {
  std::string a = stable_single_member();
  coordinator->leave("g", {{a, std::nullopt}});
  EXPECT_EQ(state(), "Empty");
  EXPECT_TRUE(coordinator->describe("g").members.empty());
}

TEST_F(ConsumerGroup, LeaderRejoiningAStableGroupStartsARebalance) {
  std::string a, b;
  int32_t generation = stable_pair(a, b);

  // A follower rejoining with unchanged metadata just gets the current generation back.
  JoinAnswer b_again = join(join_request(b));
  ASSERT_TRUE(b_again.ready());
  EXPECT_EQ(b_again->generation_id, generation);
  EXPECT_EQ(state(), "Stable");

  JoinAnswer a_again = join(join_request(a));
  EXPECT_FALSE(a_again.ready());
  EXPECT_EQ(state(), "PreparingRebalance");
  JoinAnswer b_rejoin = join(join_request(b));
  ASSERT_TRUE(a_again.ready());
  EXPECT_EQ(a_again->generation_id, generation + 1);
}

TEST_F(ConsumerGroup, InconsistentProtocolsAreRejected) {
  stable_single_member();

  JoinAnswer other_assignor = join_new_member({{"roundrobin", bytes("m")}});
  ASSERT_TRUE(other_assignor.ready());
  EXPECT_EQ(other_assignor->error_code, KafkaError::kInconsistentGroupProtocol);

  JoinRequest other_type = join_request("");
  other_type.protocol_type = "connect";
  JoinAnswer connect = join(other_type);
  ASSERT_TRUE(connect.ready());
  EXPECT_EQ(connect->error_code, KafkaError::kInconsistentGroupProtocol);
  EXPECT_EQ(state(), "Stable");

  // A new group with no protocols is refused and not kept.
  JoinRequest none = join_request("", {});
  none.group_id = "fresh";
  JoinAnswer refused = join(none);
  ASSERT_TRUE(refused.ready());
  EXPECT_EQ(refused->error_code, KafkaError::kInconsistentGroupProtocol);
  EXPECT_EQ(coordinator->describe("fresh").error_code, KafkaError::kGroupIdNotFound);
}

TEST_F(ConsumerGroup, SelectsTheCommonProtocolMostMembersPrefer) {
  JoinAnswer a = join_new_member({{"range", bytes("a-r")}, {"roundrobin", bytes("a-rr")}, {"sticky", bytes("a-s")}});
  ASSERT_TRUE(a.ready());
  sync(a->member_id, 1);
  JoinAnswer b = join_new_member({{"roundrobin", bytes("b-rr")}, {"range", bytes("b-r")}});
  JoinAnswer c = join_new_member({{"roundrobin", bytes("c-rr")}, {"range", bytes("c-r")}});
  JoinAnswer a2 = join(join_request(a->member_id, {{"range", bytes("a-r")}, {"roundrobin", bytes("a-rr")}}));
  ASSERT_TRUE(a2.ready() && b.ready() && c.ready());
  EXPECT_EQ(a2->protocol_name, "roundrobin");  // 2 votes to 1; sticky is not common
  for (const JoinedMember& m : a2->members) {
    EXPECT_EQ(m.metadata, m.member_id == a->member_id   ? bytes("a-rr")
                          : m.member_id == b->member_id ? bytes("b-rr")
                                                        : bytes("c-rr"));
  }
}

TEST_F(ConsumerGroup, StaleGenerationIsIllegal) {
  std::string a, b;
  int32_t generation = stable_pair(a, b);

  EXPECT_EQ(heartbeat(a, generation - 1), KafkaError::kIllegalGeneration);
  SyncAnswer stale = sync(a, generation - 1);
  ASSERT_TRUE(stale.ready());
  EXPECT_EQ(stale->error_code, KafkaError::kIllegalGeneration);
  EXPECT_EQ(coordinator->validate_commit("g", generation - 1, a), KafkaError::kIllegalGeneration);
  EXPECT_EQ(coordinator->validate_commit("g", generation + 1, a), KafkaError::kIllegalGeneration);
  EXPECT_EQ(coordinator->validate_commit("g", generation, a), KafkaError::kNone);
}

TEST_F(ConsumerGroup, UnknownMemberIsRejectedEverywhere) {
  stable_single_member();
  EXPECT_EQ(heartbeat("ghost", 1), KafkaError::kUnknownMemberId);
  EXPECT_EQ(coordinator->validate_commit("g", 1, "ghost"), KafkaError::kUnknownMemberId);
  SyncAnswer synced = sync("ghost", 1);
  ASSERT_TRUE(synced.ready());
  EXPECT_EQ(synced->error_code, KafkaError::kUnknownMemberId);
  JoinAnswer joined = join(join_request("ghost"));
  ASSERT_TRUE(joined.ready());
  EXPECT_EQ(joined->error_code, KafkaError::kUnknownMemberId);

  // In a group the coordinator has never seen.
  EXPECT_EQ(coordinator->heartbeat("nowhere", 1, "ghost"), KafkaError::kUnknownMemberId);
  JoinRequest elsewhere = join_request("ghost");
  elsewhere.group_id = "nowhere";
  JoinAnswer stale_join = join(elsewhere);
  ASSERT_TRUE(stale_join.ready());
  EXPECT_EQ(stale_join->error_code, KafkaError::kUnknownMemberId);
  EXPECT_EQ(coordinator->describe("nowhere").error_code, KafkaError::kGroupIdNotFound);
}

TEST_F(ConsumerGroup, CommitsOutsideGroupManagementNeedAGroupWithoutMembers) {
  EXPECT_EQ(coordinator->validate_commit("standalone", -1, ""), KafkaError::kNone);
  EXPECT_EQ(coordinator->validate_commit("standalone", 3, "someone"), KafkaError::kIllegalGeneration);

  std::string a = stable_single_member();
  EXPECT_EQ(coordinator->validate_commit("g", -1, ""), KafkaError::kUnknownMemberId);
  coordinator->leave("g", {{a, std::nullopt}});
  EXPECT_EQ(coordinator->validate_commit("g", -1, ""), KafkaError::kNone);
}

TEST_F(ConsumerGroup, CommitsFollowTheRebalance) {
  std::string a = stable_single_member();
  JoinAnswer b_join = join_new_member();
  // PreparingRebalance: the old generation may still commit what it consumed.
  EXPECT_EQ(coordinator->validate_commit("g", 1, a), KafkaError::kNone);
  JoinAnswer a_join = join(join_request(a));
  ASSERT_TRUE(b_join.ready());
  // CompletingRebalance: no commits until the assignment is known.
  EXPECT_EQ(coordinator->validate_commit("g", 2, a), KafkaError::kRebalanceInProgress);
  EXPECT_EQ(coordinator->validate_commit("g", 1, a), KafkaError::kIllegalGeneration);
}

TEST_F(ConsumerGroup, InvalidRequestsAreRejected) {
  JoinRequest no_group = join_request("");
  no_group.group_id = "";
  JoinAnswer a = join(no_group);
  ASSERT_TRUE(a.ready());
  EXPECT_EQ(a->error_code, KafkaError::kInvalidGroupId);

  JoinRequest too_short = join_request("");
  too_short.session_timeout_ms = 10;
  JoinAnswer b = join(too_short);
  ASSERT_TRUE(b.ready());
  EXPECT_EQ(b->error_code, KafkaError::kInvalidSessionTimeout);

  JoinRequest too_long = join_request("");
  too_long.session_timeout_ms = 1'800'001;
  JoinAnswer c = join(too_long);
  ASSERT_TRUE(c.ready());
  EXPECT_EQ(c->error_code, KafkaError::kInvalidSessionTimeout);

  EXPECT_EQ(coordinator->heartbeat("", 1, "x"), KafkaError::kInvalidGroupId);
  EXPECT_EQ(coordinator->leave("", {{"x", std::nullopt}}).error_code, KafkaError::kInvalidGroupId);
  EXPECT_TRUE(coordinator->list().empty());
}

TEST_F(ConsumerGroup, SyncNamingAnotherProtocolIsInconsistent) {
  JoinAnswer a = join_new_member();
  ASSERT_TRUE(a.ready());
  SyncRequest request;
  request.group_id = "g";
  request.generation_id = 1;
  request.member_id = a->member_id;
  request.protocol_type = "consumer";
  request.protocol_name = "roundrobin";
  std::optional<SyncResult> result;
  coordinator->sync(request, [&](SyncResult r) { result = std::move(r); });
  ASSERT_TRUE(result);
  EXPECT_EQ(result->error_code, KafkaError::kInconsistentGroupProtocol);
}

TEST_F(ConsumerGroup, SecondJoinWhileTheFirstIsParkedAnswersTheFirst) {
  std::string a = stable_single_member();
  JoinAnswer b_id_join = join_new_member();
  ASSERT_FALSE(b_id_join.ready());
  join(join_request(a));  // both joined: generation 2
  sync(a, 2, {});
  std::string b = b_id_join->member_id;
  sync(b, 2);
  JoinAnswer c = join_new_member();  // a third member: rebalance, a does not rejoin yet
  JoinAnswer b_first = join(join_request(b));
  EXPECT_FALSE(b_first.ready());
  JoinAnswer b_second = join(join_request(b));
  ASSERT_TRUE(b_first.ready());
  EXPECT_EQ(b_first->error_code, KafkaError::kRebalanceInProgress);
  EXPECT_FALSE(b_second.ready());
  join(join_request(a));
  EXPECT_TRUE(b_second.ready());
  EXPECT_TRUE(c.ready());
}

TEST_F(ConsumerGroup, CallbacksRunOutsideTheLockAndMayCallBackIn) {
  std::string a = stable_single_member();
  // b's JoinGroup answer arrives while a's join() runs; it heartbeats and syncs from inside.
  std::string b = member_id_for_new_member();
  std::optional<KafkaError> heartbeat_inside;
  std::optional<SyncResult> sync_inside;
  coordinator->join(join_request(b), [&](JoinResult r) {
    heartbeat_inside = coordinator->heartbeat("g", r.generation_id, r.member_id);
    SyncRequest request;
    request.group_id = "g";
    request.generation_id = r.generation_id;
    request.member_id = r.member_id;
    coordinator->sync(request, [&](SyncResult s) {
      sync_inside = std::move(s);
      EXPECT_EQ(coordinator->describe("g").state, "Stable");
    });
  });
  JoinAnswer a_join = join(join_request(a));
  ASSERT_TRUE(a_join.ready());
  ASSERT_TRUE(heartbeat_inside);
  EXPECT_EQ(*heartbeat_inside, KafkaError::kNone);
  EXPECT_FALSE(sync_inside);  // parked until the leader syncs
  sync(a, 2, {{b, bytes("b-part")}});
  ASSERT_TRUE(sync_inside);
  EXPECT_EQ(sync_inside->assignment, bytes("b-part"));
}

TEST_F(ConsumerGroup, ShutdownAnswersEverythingParkedAndRefusesMore) {
  std::string a = stable_single_member();
  JoinAnswer b = join_new_member();
  ASSERT_FALSE(b.ready());
  coordinator->shutdown();
  ASSERT_TRUE(b.ready());
  EXPECT_EQ(b->error_code, KafkaError::kCoordinatorNotAvailable);
  EXPECT_EQ(heartbeat(a, 1), KafkaError::kCoordinatorNotAvailable);
  EXPECT_EQ(coordinator->validate_commit("g", -1, ""), KafkaError::kCoordinatorNotAvailable);
  JoinAnswer late = join(join_request(""));
  ASSERT_TRUE(late.ready());
  EXPECT_EQ(late->error_code, KafkaError::kCoordinatorNotAvailable);
  coordinator->shutdown();  // idempotent
}

TEST_F(ConsumerGroup, DeletesOnlyGroupsWithoutMembers) {
  EXPECT_EQ(coordinator->delete_group("g"), KafkaError::kGroupIdNotFound);
  std::string a = stable_single_member();
  EXPECT_EQ(coordinator->delete_group("g"), KafkaError::kNonEmptyGroup);
  coordinator->leave("g", {{a, std::nullopt}});
  EXPECT_EQ(coordinator->delete_group("g"), KafkaError::kNone);
  EXPECT_EQ(coordinator->describe("g").state, "Dead");
}

TEST_F(ConsumerGroup, DescribeReadsTheTopicsMembersSubscribeToInAnyState) {
  // ConsumerProtocolSubscription v1: version, topics ["payments", "orders"], null user data,
  // no owned partitions.
  const std::string subscription(
      "\x00\x01"
      "\x00\x00\x00\x02"
      "\x00\x08payments"
      "\x00\x06orders"
      "\xff\xff\xff\xff"
      "\x00\x00\x00\x00",
      32);
  JoinAnswer joined = join_new_member({{"range", bytes(subscription)}});
  GroupDescription d = coordinator->describe("g");
  ASSERT_TRUE(d.subscribed_topics);
  EXPECT_EQ(*d.subscribed_topics, (std::vector<std::string>{"orders", "payments"}));
}

TEST_F(ConsumerGroup, DescribesAndListsGroups) {
  std::string a = stable_single_member();
  GroupDescription d = coordinator->describe("g");
  EXPECT_EQ(d.error_code, KafkaError::kNone);
  EXPECT_EQ(d.state, "Stable");
  EXPECT_EQ(d.protocol_type, "consumer");
  EXPECT_EQ(d.protocol_name, "range");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, a);
  EXPECT_EQ(d.members[0].client_id, "client");
  EXPECT_EQ(d.members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(d.members[0].metadata, bytes("meta"));
  EXPECT_EQ(d.members[0].assignment, bytes("all"));
  EXPECT_FALSE(d.subscribed_topics) << "\"meta\" is no subscription: the topics are unknown";

  std::vector<GroupOverview> groups = coordinator->list();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].group_id, "g");
  EXPECT_EQ(groups[0].protocol_type, "consumer");
  EXPECT_EQ(groups[0].state, "Stable");
}

TEST_F(ConsumerGroup, ConfigValidationNamesTheSetting) {
  GroupCoordinatorConfig config;
  EXPECT_TRUE(config.validate());
  config.min_session_timeout_ms = 50'000;
  config.max_session_timeout_ms = 10'000;
  Status status = config.validate();
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("min_session_timeout_ms"), std::string::npos);
}

// ---- timers

TEST_F(ConsumerGroup, SilentMemberIsRemovedWhenItsSessionTimesOut) {
  std::string a, b;
  int32_t generation = stable_pair(a, b);

  advance(kSessionMs - 1);
  EXPECT_EQ(heartbeat(a, generation), KafkaError::kNone);
  EXPECT_EQ(state(), "Stable");
  advance(1);  // b has been silent for a whole session
  EXPECT_EQ(state(), "PreparingRebalance");
  EXPECT_EQ(heartbeat(b, generation), KafkaError::kUnknownMemberId);
  EXPECT_EQ(heartbeat(a, generation), KafkaError::kRebalanceInProgress);

  JoinAnswer a_join = join(join_request(a));
  ASSERT_TRUE(a_join.ready());
  EXPECT_EQ(a_join->generation_id, generation + 1);
  EXPECT_EQ(a_join->members.size(), 1u);
}

TEST_F(ConsumerGroup, CommitsCountAsHeartbeats) {
  std::string a = stable_single_member();
  for (int i = 0; i < 5; ++i) {
    advance(kSessionMs / 2);
    EXPECT_EQ(coordinator->validate_commit("g", 1, a), KafkaError::kNone);
  }
  EXPECT_EQ(state(), "Stable");
}

TEST_F(ConsumerGroup, RebalanceTimeoutDropsMembersThatDidNotRejoin) {
  // Sessions longer than the rebalance timeout, so that only the rebalance timeout acts.
  auto long_session = [](JoinRequest r) {
    r.session_timeout_ms = 3 * kRebalanceMs;
    return r;
  };
  JoinAnswer a0 = join(long_session(join_request(member_id_for_new_member())));
  std::string a = a0->member_id;
  sync(a, 1);
  JoinAnswer b0 = join(long_session(join_request(member_id_for_new_member())));
  join(long_session(join_request(a)));
  std::string b = b0->member_id;
  sync(b, 2);
  sync(a, 2);
  ASSERT_EQ(state(), "Stable");

  JoinAnswer c = join(long_session(join_request(member_id_for_new_member())));
  JoinAnswer a_join = join(long_session(join_request(a)));  // b never rejoins
  advance(kRebalanceMs - 1);
  EXPECT_FALSE(a_join.ready());
  EXPECT_FALSE(c.ready());
  advance(1);
  ASSERT_TRUE(a_join.ready());
  ASSERT_TRUE(c.ready());
  EXPECT_EQ(a_join->generation_id, 3);
  EXPECT_EQ(a_join->members.size(), 2u);
  EXPECT_EQ(heartbeat(b, 2), KafkaError::kUnknownMemberId);
}

TEST_F(ConsumerGroup, ParkedJoinKeepsAMemberAliveBeyondItsSession) {
  std::string a, b;
  stable_pair(a, b);
  JoinAnswer c = join_new_member();
  JoinAnswer a_join = join(join_request(a));
  advance(kSessionMs + 1);      // a waits in JoinGroup; b is silent
  ASSERT_TRUE(a_join.ready());  // b expired, so the rebalance completed without it
  EXPECT_EQ(a_join->error_code, KafkaError::kNone);
  EXPECT_EQ(a_join->members.size(), 2u);
  EXPECT_TRUE(c.ready());
}

TEST_F(ConsumerGroup, MemberThatNeverSyncsIsDroppedAfterTheRebalanceTimeout) {
  std::string a = stable_single_member();
  JoinAnswer b = join_new_member();
  join(join_request(a));
  ASSERT_TRUE(b.ready());
  sync(a, 2, {});
  EXPECT_EQ(state(), "Stable");
  for (int64_t waited = 0; waited < kRebalanceMs; waited += kSessionMs / 2) {
    advance(kSessionMs / 2);
    heartbeat(a, 2);
    heartbeat(b->member_id, 2);  // heartbeats alone do not replace the SyncGroup
  }
  EXPECT_EQ(state(), "PreparingRebalance");
  EXPECT_EQ(heartbeat(b->member_id, 2), KafkaError::kUnknownMemberId);
}

TEST_F(ConsumerGroup, NewMemberWaitingTooLongInJoinGroupIsDropped) {
  GroupCoordinatorConfig config = default_config();
  config.new_member_join_timeout_ms = 5'000;
  start(config);
  std::string a, b;
  stable_pair(a, b);
  JoinAnswer c = join_new_member();  // a and b keep heartbeating but never rejoin
  advance(4'000);
  heartbeat(a, 2);
  heartbeat(b, 2);
  EXPECT_FALSE(c.ready());
  advance(1'000);
  ASSERT_TRUE(c.ready());
  EXPECT_EQ(c->error_code, KafkaError::kUnknownMemberId);
  EXPECT_EQ(c->member_id, "");
}

TEST_F(ConsumerGroup, PendingMemberIdExpiresIfTheClientNeverReturns) {
  std::string id = member_id_for_new_member();
  advance(kSessionMs);
  JoinAnswer late = join(join_request(id));
  ASSERT_TRUE(late.ready());
  EXPECT_EQ(late->error_code, KafkaError::kUnknownMemberId);
}

TEST_F(ConsumerGroup, RebalanceWaitsForAMemberThatWasToldItsId) {
  std::string a = stable_single_member();
  std::string b = member_id_for_new_member();
  JoinAnswer a_join = join(join_request(a));  // the leader asks for a rebalance
  EXPECT_FALSE(a_join.ready());               // b is expected back
  JoinAnswer b_join = join(join_request(b));
  ASSERT_TRUE(a_join.ready());
  ASSERT_TRUE(b_join.ready());
  EXPECT_EQ(a_join->members.size(), 2u);
}

TEST_F(ConsumerGroup, InitialDelayGathersMembersStartedTogether) {
  GroupCoordinatorConfig config = default_config();
  config.initial_rebalance_delay_ms = 3'000;
  start(config);
  JoinAnswer a = join_new_member();
  EXPECT_FALSE(a.ready());
  advance(1'000);
  JoinAnswer b = join_new_member();
  advance(2'000);  // the first delay ends, but b arrived during it: wait another delay
  EXPECT_FALSE(a.ready());
  advance(2'999);
  EXPECT_FALSE(a.ready());
  advance(1);
  ASSERT_TRUE(a.ready());
  ASSERT_TRUE(b.ready());
  EXPECT_EQ(a->generation_id, 1);
  EXPECT_EQ(b->generation_id, 1);
  EXPECT_EQ(a->leader_id, a->member_id);
  EXPECT_EQ(a->members.size(), 2u);
}

TEST_F(ConsumerGroup, InitialDelayEndsOnTimeWhenNobodyElseComes) {
  GroupCoordinatorConfig config = default_config();
  config.initial_rebalance_delay_ms = 3'000;
  start(config);
  JoinAnswer a = join_new_member();
  advance(2'999);
  EXPECT_FALSE(a.ready());
  advance(1);
  ASSERT_TRUE(a.ready());
  EXPECT_EQ(a->generation_id, 1);
}

TEST_F(ConsumerGroup, CallbacksFromTheTimerMayCallBackIn) {
  std::string a, b;
  int32_t generation = stable_pair(a, b);
  JoinAnswer c = join_new_member();
  std::optional<KafkaError> inside;
  coordinator->join(join_request(a),
                    [&](JoinResult r) { inside = coordinator->heartbeat("g", r.generation_id, r.member_id); });
  advance(kSessionMs);  // b expires inside tick(), which completes the rebalance
  ASSERT_TRUE(inside);
  EXPECT_EQ(*inside, KafkaError::kNone);
  EXPECT_EQ(coordinator->describe("g").state, "CompletingRebalance");
  EXPECT_GT(c->generation_id, generation);
}

// ---- static membership (KIP-345)

class StaticMembership : public ConsumerGroup {
 protected:
  static JoinRequest static_request(std::string member_id, std::string instance, int16_t version = 5) {
    JoinRequest request = join_request(std::move(member_id));
    request.group_instance_id = std::move(instance);
    request.api_version = version;
    return request;
  }
};

TEST_F(StaticMembership, RestartedMemberTakesItsPlaceBackWithoutARebalance) {
  JoinAnswer a = join(static_request("", "instance-a"));  // static members skip MEMBER_ID_REQUIRED
  ASSERT_TRUE(a.ready());
  EXPECT_EQ(a->error_code, KafkaError::kNone);
  EXPECT_TRUE(a->member_id.starts_with("instance-a-"));
  std::string old_a = a->member_id;
  JoinAnswer b = join_new_member();
  JoinAnswer a2 = join(static_request(old_a, "instance-a"));
  ASSERT_TRUE(b.ready() && a2.ready());
  sync(b->member_id, 2);
  sync(old_a, 2, {{old_a, bytes("a-part")}, {b->member_id, bytes("b-part")}});
  ASSERT_EQ(state(), "Stable");

  JoinAnswer restarted = join(static_request("", "instance-a"));
  ASSERT_TRUE(restarted.ready());
  EXPECT_EQ(restarted->error_code, KafkaError::kNone);
  EXPECT_EQ(restarted->generation_id, 2);
  EXPECT_NE(restarted->member_id, old_a);
  EXPECT_EQ(restarted->leader_id, old_a);  // never its new id: it must not run the assignor
  EXPECT_EQ(state(), "Stable");

  // The old incarnation is fenced; the new one gets the old assignment.
  EXPECT_EQ(coordinator->heartbeat("g", 2, old_a, "instance-a"), KafkaError::kFencedInstanceId);
  SyncRequest request;
  request.group_id = "g";
  request.generation_id = 2;
  request.member_id = restarted->member_id;
  request.group_instance_id = "instance-a";
  std::optional<SyncResult> synced;
  coordinator->sync(request, [&](SyncResult r) { synced = std::move(r); });
  ASSERT_TRUE(synced);
  EXPECT_EQ(synced->assignment, bytes("a-part"));
  EXPECT_EQ(heartbeat(b->member_id, 2), KafkaError::kNone);
}

TEST_F(StaticMembership, RestartedLeaderOnJoinGroupV9IsToldToSkipAssignment) {
  JoinAnswer a = join(static_request("", "instance-a", 9));
  ASSERT_TRUE(a.ready());
  sync(a->member_id, 1, {{a->member_id, bytes("a-part")}});
  JoinAnswer restarted = join(static_request("", "instance-a", 9));
  ASSERT_TRUE(restarted.ready());
  EXPECT_TRUE(restarted->skip_assignment);
  EXPECT_EQ(restarted->leader_id, restarted->member_id);
  EXPECT_EQ(restarted->members.size(), 1u);
  EXPECT_EQ(state(), "Stable");
}

TEST_F(StaticMembership, StaticMemberSurvivesARebalanceItMissed) {
  JoinRequest long_session = static_request("", "instance-a");
  long_session.session_timeout_ms = 3 * kRebalanceMs;  // outlives the rebalance timeout
  JoinAnswer a = join(long_session);
  std::string a_id = a->member_id;
  sync(a_id, 1);
  JoinAnswer b = join_new_member();
  ASSERT_FALSE(b.ready());
  advance(kRebalanceMs);  // a (static) never rejoins; b is the only one who joined
  ASSERT_TRUE(b.ready());
  EXPECT_EQ(b->error_code, KafkaError::kNone);
  EXPECT_EQ(b->leader_id, b->member_id);
  EXPECT_EQ(b->members.size(), 2u);  // a kept, with its last metadata
  EXPECT_EQ(heartbeat(a_id, 2), KafkaError::kNone);
}

TEST_F(StaticMembership, LeaveByInstanceIdAloneRemovesTheMember) {
  JoinAnswer a = join(static_request("", "instance-a"));
  sync(a->member_id, 1);
  LeaveResult fenced = coordinator->leave("g", {{"wrong-id", std::string("instance-a")}});
  EXPECT_EQ(fenced.members[0].error_code, KafkaError::kFencedInstanceId);
  LeaveResult left = coordinator->leave("g", {{"", std::string("instance-a")}});
  EXPECT_EQ(left.members[0].error_code, KafkaError::kNone);
  EXPECT_EQ(state(), "Empty");
  LeaveResult again = coordinator->leave("g", {{"", std::string("instance-a")}});
  EXPECT_EQ(again.members[0].error_code, KafkaError::kUnknownMemberId);
}

TEST_F(StaticMembership, UnknownInstanceIdIsAnUnknownMember) {
  JoinAnswer a = join(static_request("", "instance-a"));
  EXPECT_EQ(coordinator->heartbeat("g", 1, a->member_id, "instance-b"), KafkaError::kUnknownMemberId);
  EXPECT_EQ(coordinator->validate_commit("g", 1, a->member_id, "instance-b"), KafkaError::kUnknownMemberId);
}

}  // namespace
}  // namespace ringmq::broker
