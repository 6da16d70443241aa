// GroupMember against a real etcd server: who leads a broker group, when another member may
// take over (clean and unclean elections), fencing of a leader cut off from etcd, sessions
// that expire, and node ids that are already taken. Timings are waited for with generous
// bounds, never asserted: the machine is shared.
#include "cluster/group_member.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "cluster/cluster_keys.h"
#include "cluster/http_client.h"
#include "tests/cluster/etcd_process.h"
#include "tests/common/eventually.h"

namespace ringmq::cluster {
namespace {

using namespace std::chrono_literals;

ClusterConfig config_for(const test::EtcdProcess& etcd, std::string group = "g1", bool unclean = false) {
  ClusterConfig c;
  c.etcd_endpoints = etcd.endpoint();
  c.name = "test";
  c.group = std::move(group);
  c.session_timeout_s = 2;
  c.etcd_timeout_ms = 500;
  c.unclean_leader_election = unclean;
  return c;
}

std::unique_ptr<GroupMember> start_member(const ClusterConfig& config, int32_t node_id) {
  BrokerRegistration self;
  self.node_id = node_id;
  self.host = "127.0.0.1";
  self.port = static_cast<uint16_t>(9000 + node_id);
  auto member = GroupMember::start(config, self);
  EXPECT_TRUE(member) << member.error().message;
  return member ? std::move(*member) : nullptr;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 15s) {
  return test::eventually(condition, limit);
}

TEST(GroupMember, TheFirstMemberLeadsAndTheOthersFollowIt) {
  test::EtcdProcess etcd;
  auto a = start_member(config_for(etcd), 1);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->leading()) << "the first member of a new group wins its first election at start";
  EXPECT_EQ(a->leader_epoch(), 1);
  auto b = start_member(config_for(etcd), 2);
  auto other_group = start_member(config_for(etcd, "g2"), 3);
  ASSERT_TRUE(b && other_group);
  EXPECT_FALSE(b->leading());
  EXPECT_TRUE(other_group->leading()) << "groups elect independently";

  ASSERT_TRUE(eventually([&] { return a->view()->brokers.size() == 3 && b->view()->brokers.size() == 3; }));
  auto view = b->view();
  ASSERT_TRUE(view->leader);
  EXPECT_EQ(view->leader->node_id, 1);
  EXPECT_EQ(view->epoch, 1);
  EXPECT_EQ(view->group_members, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(view->isr.members, (std::vector<int32_t>{1}));
  ASSERT_NE(view->broker(2), nullptr);
  EXPECT_EQ(view->broker(2)->port, 9002);
  EXPECT_EQ(view->broker(3)->group, "g2");
  EXPECT_TRUE(a->leading()) << "renewals keep the leader leading";
  EXPECT_EQ(a->stats().elections_won.load(), 1u);
}

TEST(GroupMember, ACleanElectionWaitsForTheInSyncLeaderToReturn) {
  test::EtcdProcess etcd;
  auto a = start_member(config_for(etcd), 1);
  auto b = start_member(config_for(etcd), 2);
  ASSERT_TRUE(a && b && a->leading());
  a.reset();  // resigns: its lease, registration and leader key go at once
  ASSERT_TRUE(eventually([&] { return !b->view()->leader; }));
  // b is not in the in-sync set {1}: with unclean elections off it must not take over.
  std::this_thread::sleep_for(2s);
  EXPECT_FALSE(b->leading());
  EXPECT_FALSE(b->view()->leader);
  EXPECT_EQ(b->view()->epoch, 1);

  a = start_member(config_for(etcd), 1);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->leading()) << "the in-sync member leads again";
  EXPECT_EQ(a->leader_epoch(), 2) << "in a new epoch";
  ASSERT_TRUE(eventually([&] { return b->view()->leader && b->view()->leader->node_id == 1; }));
  EXPECT_EQ(b->leader_epoch(), 2);
}

TEST(GroupMember, AnUncleanElectionHandsTheGroupToAnotherMember) {
  test::EtcdProcess etcd;
  auto a = start_member(config_for(etcd), 1);
  auto b = start_member(config_for(etcd, "g1", /*unclean=*/true), 2);
  ASSERT_TRUE(a && b && a->leading());
  a.reset();
  ASSERT_TRUE(eventually([&] { return b->leading(); })) << "b takes over within a few ticks";
  EXPECT_EQ(b->leader_epoch(), 2);
  // The view is published at the end of the tick in which b became leader.
  EXPECT_TRUE(eventually([&] { return b->view()->isr.members == std::vector<int32_t>{2}; }))
      << "the new leader is the in-sync set now";

  // The old leader comes back as a follower: the group has a leader.
  a = start_member(config_for(etcd), 1);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->leading());
  EXPECT_EQ(a->view()->leader->node_id, 2);
}

TEST(GroupMember, ALeaderCutOffFromEtcdStopsLeadingAndLeadsAgainWhenItIsBack) {
  test::EtcdProcess etcd;
  auto a = start_member(config_for(etcd), 1);
  ASSERT_TRUE(a && a->leading());
  etcd.pause();
  const auto paused_at = std::chrono::steady_clock::now();
  // Leadership ends 80% of the session (1.6 s) after the last renewal, whether or not the
  // cluster thread is stuck in a request.
  EXPECT_TRUE(eventually([&] { return !a->leading(); }, 10s));
  const auto fenced_after = std::chrono::steady_clock::now() - paused_at;
  etcd.resume();
  EXPECT_TRUE(eventually([&] { return a->leading(); })) << "nobody else took the group: the lease lived on";
  EXPECT_GE(a->stats().leadership_losses.load(), 1u);
  EXPECT_GE(a->stats().etcd_errors.load(), 1u);
  std::printf("fenced %.2f s after etcd stopped answering (session 2 s)\n",
              std::chrono::duration<double>(fenced_after).count());
}

// The index of an etcd member that is not the raft leader (killing the leader would stall
// every request for an etcd election, which may rightly fence).
size_t an_etcd_follower(test::EtcdCluster& etcd, size_t members) {
  for (size_t i = 0; i < members; ++i) {
    auto endpoint = parse_http_endpoint(etcd.member(i).endpoint());
    EXPECT_TRUE(endpoint);
    HttpClient http(*endpoint);
    auto status = http.post("/v3/maintenance/status", "{}", 1000ms);
    if (!status) continue;
    const auto json = nlohmann::json::parse(status->body, nullptr, false);
    if (json.is_discarded()) continue;
    if (json["header"].value("member_id", "") != json.value("leader", "")) return i;
  }
  ADD_FAILURE() << "no etcd follower found";
  return 0;
}

TEST(GroupMember, ALeaderKeepsLeadingWhenAnEtcdMemberDies) {
  test::EtcdCluster etcd(3);
  const size_t victim = an_etcd_follower(etcd, 3);
  ClusterConfig config;
  // The member the broker talks to first is the one that dies.
  config.etcd_endpoints = etcd.member(victim).endpoint() + "," + etcd.endpoints();
  config.name = "test";
  config.session_timeout_s = 2;
  config.etcd_timeout_ms = 500;
  auto a = start_member(config, 1);
  ASSERT_TRUE(a && a->leading());
  // Its next request goes to another member, within the fence.
  etcd.member(victim).kill();
  const auto killed_at = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - killed_at < 3s) {
    ASSERT_TRUE(a->leading()) << "fenced although two of three etcd members answer";
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(a->stats().leadership_losses.load(), 0u);
  EXPECT_EQ(a->leader_epoch(), 1) << "no new election";
}

TEST(GroupMember, AnExpiredSessionIsOpenedAgainAndTheGroupReelected) {
  test::EtcdProcess etcd;
  auto a = start_member(config_for(etcd), 1);
  ASSERT_TRUE(a && a->leading());
  // Someone (an operator, or etcd after a long pause) ends the broker's lease.
  auto client = EtcdClient::create({etcd.endpoint()}, 1000ms);
  ASSERT_TRUE(client);
  auto registration = client->get(ClusterKeys("test").broker(1));
  ASSERT_TRUE(registration && registration->has_value());
  ASSERT_TRUE(client->revoke_lease((*registration)->lease));
  ASSERT_TRUE(eventually([&] { return a->stats().session_expiries.load() == 1; }));
  ASSERT_TRUE(eventually([&] { return a->leading() && a->leader_epoch() == 2; }))
      << "registered again and, as the in-sync member, elected in a new epoch";
  auto again = client->get(ClusterKeys("test").broker(1));
  ASSERT_TRUE(again && again->has_value());
  EXPECT_NE((*again)->lease, (*registration)->lease);
}

TEST(GroupMember, ANodeIdAnotherLiveBrokerHoldsIsRefused) {
  test::EtcdProcess etcd;
  auto a = start_member(config_for(etcd), 1);
  ASSERT_TRUE(a);
  BrokerRegistration twin{1, "", "127.0.0.1", 9999, 0, 0};
  auto b = GroupMember::start(config_for(etcd), twin);  // waits out one session first
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("node id 1 is registered by the broker at 127.0.0.1:9001"), std::string::npos)
      << b.error().message;
  EXPECT_TRUE(a->leading()) << "the broker already there is untouched";
}

TEST(GroupMember, StartFailsClearlyWithoutEtcdOrWithBadSettings) {
  ClusterConfig c;
  c.etcd_endpoints = "http://127.0.0.1:" + std::to_string(test::free_port());
  c.etcd_timeout_ms = 300;
  auto none = GroupMember::start(c, BrokerRegistration{1, "", "h", 1, 0, 0});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("127.0.0.1"), std::string::npos) << none.error().message;
  c.group = "has/slash";
  auto bad = GroupMember::start(c, BrokerRegistration{1, "", "h", 1, 0, 0});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ringmq::cluster
