// Brokers in a cluster: real ringmq-broker processes joined through a real etcd, driven by
// kcat (librdkafka) and raw frames. Any broker serves clients through its group's leader;
// followers stream the leader's log and join the in-sync set; a killed leader is replaced by
// an in-sync follower holding every acknowledged record, and never by one that fell behind
// unless unclean elections are on; a follower cut off from the leader by iptables leaves the
// in-sync set and rejoins when healed; acks=all honours min_insync_replicas; a paused leader, or
// one partitioned from etcd by iptables, is fenced before another takes over; start-up fails
// clearly without etcd or with a node id in use. Session 2 s, so each failover takes a few
// seconds.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/cluster/etcd_process.h"
#include "tests/common/eventually.h"
#include "tests/integration/broker_process.h"
#include "tests/integration/raw_connection.h"

namespace ringmq::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

bool eventually(const std::function<bool()>& condition) { return test::eventually(condition, 20s, 100ms); }

// `etcd_endpoint` empty: etcd.endpoint(). A follower that has not caught up for a second
// leaves the in-sync set.
std::vector<std::string> cluster_args(const EtcdProcess& etcd, int node_id, bool unclean,
                                      const std::string& etcd_endpoint = "", std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {
      "--etcd", etcd_endpoint.empty() ? etcd.endpoint() : etcd_endpoint,
      "--set",  "server.node_id=" + std::to_string(node_id),
      "--set",  "cluster.name=it",
      "--set",  "cluster.session_timeout_s=2",
      "--set",  "cluster.etcd_timeout_ms=500",
      "--set",  "cluster.replica_lag_max_ms=1000",
      "--set",  std::string("cluster.unclean_leader_election=") + (unclean ? "true" : "false")};
  for (std::string& e : extra) {
    args.push_back("--set");
    args.push_back(std::move(e));
  }
  return args;
}

double metric(const BrokerProcess& broker, const std::string& name) {
  return sample_value(scrape_metrics(broker.metrics_port()), name);
}

// Whether `leader` comes to count `replicas` in its in-sync set (itself included).
bool in_sync(const BrokerProcess& leader, int replicas) {
  return eventually([&] { return metric(leader, "ringmq_replication_in_sync_replicas") == replicas; });
}

// kcat's view of the cluster through `bootstrap` (kcat -L -J).
json metadata(const std::string& bootstrap, const std::string& topic = "") {
  auto [rc, out] = run_command("timeout 30 kcat -L -J -m 10 -b " + bootstrap + (topic.empty() ? "" : " -t " + topic) +
                               " 2>/dev/null");
  json parsed = json::parse(out, nullptr, false);
  return rc == 0 && !parsed.is_discarded() ? parsed : json::object();
}

std::vector<int> broker_ids(const json& md) {
  std::vector<int> ids;
  if (md.contains("brokers"))
    for (const auto& b : md["brokers"]) ids.push_back(b["id"].get<int>());
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::pair<int, std::string> produce(const std::string& bootstrap, const std::string& topic, const std::string& lines) {
  return run_command("printf '" + lines + "' | timeout 60 kcat -P -b " + bootstrap + " -t " + topic +
                     " -p 0 -X acks=all -X message.timeout.ms=20000 2>&1");
}

// Produces `lines` (acks=all) at `leader`, then waits until its one follower is in sync.
void produce_in_sync(const BrokerProcess& leader, const std::string& topic, const std::string& lines) {
  auto [rc, out] = produce(leader.bootstrap(), topic, lines);
  ASSERT_EQ(rc, 0) << out;
  ASSERT_TRUE(in_sync(leader, 2));
}

std::string consume(const std::string& bootstrap, const std::string& topic) {
  return run_command("timeout 60 kcat -C -b " + bootstrap + " -t " + topic + " -p 0 -o beginning -e -q 2>&1").second;
}

// etcd and two brokers of one group; broker 1 leads before broker 2 starts, so each test
// knows who leads.
struct TwoBrokers {
  explicit TwoBrokers(bool unclean, const std::vector<std::string>& extra = {})
      : first(cluster_args(etcd, 1, unclean, "", extra)),
        second((await_leading(first), cluster_args(etcd, 2, unclean, "", extra))) {}
  static void await_leading(const BrokerProcess& broker) {
    if (!eventually([&] { return metric(broker, "ringmq_cluster_leader") == 1; }))
      throw std::runtime_error("broker 1 did not lead within 20 s");
  }
  EtcdProcess etcd;
  BrokerProcess first;
  BrokerProcess second;
};

// The error of a ListOffsets v1 for partition 0 of `topic`, sent straight to `port`.
int16_t list_offsets_error(int port, const std::string& topic) {
  RawConnection c(port);
  WireBuilder body;
  body.i32(-1).i32(1).legacy_str(topic).i32(1).i32(0).i64(-1);
  const Bytes answer = c.round_trip(broker::protocol::testing::request_frame(2, 1, 7, "raw", false, body.out));
  broker::protocol::testing::WireParser p(answer, false);
  EXPECT_EQ(p.response_header(false), 7);
  EXPECT_EQ(p.array(), 1);
  p.str();
  EXPECT_EQ(p.array(), 1);
  EXPECT_EQ(p.i32(), 0);
  return p.i16();
}

TEST(Cluster, AnyBrokerServesClientsThroughTheGroupLeader) {
  TwoBrokers cluster(false);
  const EtcdProcess& etcd = cluster.etcd;
  const BrokerProcess& leader = cluster.first;
  const BrokerProcess& follower = cluster.second;
  ASSERT_TRUE(eventually([&] { return broker_ids(metadata(follower.bootstrap())) == std::vector<int>{1, 2}; }));
  EXPECT_EQ(metric(follower, "ringmq_cluster_leader"), 0);
  EXPECT_EQ(metric(leader, "ringmq_cluster_leader_epoch"), 1);

  // Bootstrapped at the follower, a producer auto-creates a topic (the follower passes the
  // request on to the leader) and writes to the leader; a consumer reads it back the same way.
  auto [rc, out] = produce(follower.bootstrap(), "orders", "a\\nb\\nc\\n");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(consume(follower.bootstrap(), "orders"), "a\nb\nc\n");

  const json md = metadata(follower.bootstrap(), "orders");
  EXPECT_EQ(md.value("controllerid", -2), 1) << md.dump();
  ASSERT_TRUE(md.contains("topics") && md["topics"].size() == 1) << md.dump();
  for (const auto& p : md["topics"][0]["partitions"]) EXPECT_EQ(p["leader"].get<int>(), 1) << md.dump();
  // The follower streams the leader's log and, caught up, joins the in-sync set.
  EXPECT_TRUE(eventually([&] {
    const json now = metadata(follower.bootstrap(), "orders");
    return now.contains("topics") && now["topics"].size() == 1 && now["topics"][0]["partitions"][0]["isrs"].size() == 2;
  })) << metadata(follower.bootstrap(), "orders").dump();
  // The ops CLI reads the same from etcd.
  auto [status_rc, status] = run_command(std::string(RINGMQ_ADMIN_BINARY) + " --json cluster status --name it --etcd " +
                                         etcd.endpoint() + " 2>&1");
  ASSERT_EQ(status_rc, 0) << status;
  const json state = json::parse(status, nullptr, false);
  ASSERT_FALSE(state.is_discarded()) << status;
  ASSERT_EQ(state["brokers"].size(), 2u) << status;
  EXPECT_EQ(state["brokers"][0]["role"], "leader") << status;
  EXPECT_EQ(state["brokers"][1]["role"], "follower (in sync)") << status;
  ASSERT_EQ(state["groups"].size(), 1u) << status;
  EXPECT_EQ(state["groups"][0]["leader"], 1) << status;
  EXPECT_EQ(state["groups"][0]["epoch"], 1) << status;
  EXPECT_EQ(state["groups"][0]["topics"], 1) << status;

  // The follower itself refuses the data APIs with Kafka's retriable error.
  EXPECT_EQ(list_offsets_error(follower.port(), "orders"), 6) << "NOT_LEADER_OR_FOLLOWER";
  EXPECT_EQ(list_offsets_error(leader.port(), "orders"), 0);
  // ListGroups, which admin clients send to every broker: a follower coordinates no group.
  RawConnection c(follower.port());
  const Bytes answer = c.round_trip(broker::protocol::testing::request_frame(16, 0, 9, "raw", false, {}));
  broker::protocol::testing::WireParser p(answer, false);
  EXPECT_EQ(p.response_header(false), 9);
  EXPECT_EQ(p.i16(), 0) << "no error";
  EXPECT_EQ(p.array(), 0) << "no groups";
}

// Every byte below the shorter log's end of the two brokers' commit logs, segment by segment.
void expect_identical_logs(const BrokerProcess& a, const BrokerProcess& b) {
  const auto end = static_cast<uint64_t>(
      std::min(metric(a, "ringmq_engine_written_offset_bytes"), metric(b, "ringmq_engine_written_offset_bytes")));
  ASSERT_GT(end, 0u);
  auto [rc, out] =
      run_command("cmp -n " + std::to_string(end) + " " + a.data_dir() + "/commitlog/00000000000000000000 " +
                  b.data_dir() + "/commitlog/00000000000000000000 2>&1");
  EXPECT_EQ(rc, 0) << "replicas differ below " << end << ": " << out;
}

// `count` numbered lines, "m1\nm2\n...", as printf wants them.
std::string numbered_lines(int count) {
  std::string lines;
  for (int i = 1; i <= count; ++i) lines += "m" + std::to_string(i) + "\\n";
  return lines;
}

std::string expected_lines(int count) {
  std::string lines;
  for (int i = 1; i <= count; ++i) lines += "m" + std::to_string(i) + "\n";
  return lines;
}

TEST(Cluster, AKilledLeaderIsReplacedByAnInSyncFollowerWithEveryAcknowledgedRecord) {
  TwoBrokers cluster(false);
  BrokerProcess& first = cluster.first;
  BrokerProcess& second = cluster.second;
  ASSERT_NO_FATAL_FAILURE(produce_in_sync(first, "kept", "m0\\n"));
  // Every line acknowledged with acks=all is in the follower's log too.
  auto [rc, out] = produce(first.bootstrap(), "kept", numbered_lines(2000));
  ASSERT_EQ(rc, 0) << out;

  first.kill_hard();
  ASSERT_TRUE(eventually([&] { return metric(second, "ringmq_cluster_leader") == 1; }))
      << "the in-sync follower takes over with unclean elections off";
  EXPECT_EQ(metric(second, "ringmq_cluster_leader_epoch"), 2);
  EXPECT_EQ(consume(second.bootstrap(), "kept"), "m0\n" + expected_lines(2000));
  auto [after_rc, after] = produce(second.bootstrap(), "kept", "after\\n");
  ASSERT_EQ(after_rc, 0) << after;

  // The old leader comes back as a follower, catches up, rejoins the in-sync set, and holds
  // the same log byte for byte.
  first.start();
  ASSERT_TRUE(in_sync(second, 2));
  EXPECT_EQ(metric(first, "ringmq_replication_following"), 1);
  ASSERT_TRUE(eventually([&] {
    return metric(first, "ringmq_engine_written_offset_bytes") == metric(second, "ringmq_engine_written_offset_bytes");
  }));
  expect_identical_logs(first, second);
}

TEST(Cluster, ConsumerGroupOffsetsAndTopicsCarryOverToTheNewLeader) {
  TwoBrokers cluster(false);
  BrokerProcess& first = cluster.first;
  BrokerProcess& second = cluster.second;
  const std::string both = first.bootstrap() + "," + second.bootstrap();
  auto group_read = [&] {
    return run_command("timeout 60 kcat -b " + both +
                       " -G readers offsets-topic -X auto.offset.reset=earliest -e -q 2>&1");
  };
  auto [rc, out] = produce(first.bootstrap(), "offsets-topic", "a\\nb\\n");
  ASSERT_EQ(rc, 0) << out;
  // The consumer may ask either broker for Metadata: the follower knows the topic once the
  // leader has published it (a tick).
  ASSERT_TRUE(eventually([&] {
    const json md = metadata(second.bootstrap(), "offsets-topic");
    return md.contains("topics") && md["topics"].size() == 1 && !md["topics"][0].contains("error");
  }));
  auto [read_rc, read] = group_read();
  ASSERT_EQ(read_rc, 0) << read;
  EXPECT_EQ(read, "a\nb\n");
  // The commit is in queue 0 of the log: once the follower is in sync, it has it.
  ASSERT_TRUE(in_sync(first, 2));
  ASSERT_TRUE(eventually([&] {
    return metric(second, "ringmq_engine_written_offset_bytes") == metric(first, "ringmq_engine_written_offset_bytes");
  }));

  first.kill_hard();
  ASSERT_TRUE(eventually([&] { return metric(second, "ringmq_cluster_leader") == 1; }));
  auto [more_rc, more] = produce(second.bootstrap(), "offsets-topic", "c\\n");
  ASSERT_EQ(more_rc, 0) << more;
  // The group resumes where it committed on the old leader: only the new record.
  auto [again_rc, again] = group_read();
  ASSERT_EQ(again_rc, 0) << again;
  EXPECT_EQ(again, "c\n") << "committed offsets were lost in the failover";
  // A topic created on the new leader never reuses the old topic's queue.
  auto [new_rc, new_out] = produce(second.bootstrap(), "fresh", "x\\n");
  ASSERT_EQ(new_rc, 0) << new_out;
  EXPECT_EQ(consume(second.bootstrap(), "fresh"), "x\n");
  EXPECT_EQ(consume(second.bootstrap(), "offsets-topic"), "a\nb\nc\n");
}

TEST(Cluster, AFollowerThatFellBehindLeavesTheInSyncSetAndIsNotElected) {
  TwoBrokers cluster(false);
  BrokerProcess& first = cluster.first;
  BrokerProcess& second = cluster.second;
  ASSERT_NO_FATAL_FAILURE(produce_in_sync(first, "kept", "x\\ny\\n"));

  // A follower that stops (here: SIGSTOP) is dropped after replica_lag_max_ms, and acks=all
  // goes on without it.
  ::kill(second.pid(), SIGSTOP);
  const bool shrunk = in_sync(first, 1);
  auto [late_rc, late] = produce(first.bootstrap(), "kept", "z\\n");
  first.kill_hard();
  ::kill(second.pid(), SIGCONT);
  ASSERT_TRUE(shrunk);
  ASSERT_EQ(late_rc, 0) << late;

  // The leader is gone; the follower lacks "z" and is outside the in-sync set: it must not lead.
  ASSERT_TRUE(eventually([&] { return broker_ids(metadata(second.bootstrap())) == std::vector<int>{2}; }));
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(metric(second, "ringmq_cluster_leader"), 0);
  auto [refused_rc, refused] = run_command("printf 'lost\\n' | timeout 30 kcat -P -b " + second.bootstrap() +
                                           " -t kept -p 0 -X message.timeout.ms=3000 2>&1");
  EXPECT_NE(refused_rc, 0) << "nobody may acknowledge while the group has no leader: " << refused;

  // Restarted on its data, the old leader leads again in the next epoch with nothing lost,
  // and the follower catches up and rejoins.
  first.start();
  ASSERT_TRUE(eventually([&] { return metric(first, "ringmq_cluster_leader") == 1; }));
  EXPECT_EQ(metric(first, "ringmq_cluster_leader_epoch"), 2);
  ASSERT_TRUE(in_sync(first, 2));
  EXPECT_GE(metric(first, "ringmq_replication_isr_expands_total"), 1);
  EXPECT_EQ(consume(second.bootstrap(), "kept"), "x\ny\nz\n");
}

TEST(Cluster, AcksAllIsRefusedWhileFewerThanMinInsyncReplicasAreInSync) {
  TwoBrokers cluster(false, {"cluster.min_insync_replicas=2"});
  BrokerProcess& first = cluster.first;
  BrokerProcess& second = cluster.second;
  // Alone in its group, the leader refuses acks=all until the follower has caught up.
  ASSERT_TRUE(eventually([&] {
    return run_command("printf 'a\\n' | timeout 30 kcat -P -b " + first.bootstrap() +
                       " -t safe -p 0 -X acks=all -X message.timeout.ms=2000 2>&1")
               .first == 0;
  }));
  EXPECT_EQ(metric(first, "ringmq_replication_in_sync_replicas"), 2);

  ::kill(second.pid(), SIGSTOP);
  const bool shrunk = in_sync(first, 1);
  auto [all_rc, all_out] = run_command("printf 'b\\n' | timeout 30 kcat -P -b " + first.bootstrap() +
                                       " -t safe -p 0 -X acks=all -X message.timeout.ms=3000 2>&1");
  auto [one_rc, one_out] = run_command("printf 'c\\n' | timeout 30 kcat -P -b " + first.bootstrap() +
                                       " -t safe -p 0 -X acks=1 -X message.timeout.ms=3000 2>&1");
  ::kill(second.pid(), SIGCONT);
  ASSERT_TRUE(shrunk);
  // librdkafka retries NOT_ENOUGH_REPLICAS until the message times out.
  EXPECT_NE(all_rc, 0) << all_out;
  EXPECT_GE(metric(first, "ringmq_errors_total{code=\"19\"}"), 1) << "NOT_ENOUGH_REPLICAS";
  EXPECT_EQ(one_rc, 0) << "acks=1 does not wait for the in-sync set: " << one_out;

  ASSERT_TRUE(in_sync(first, 2));
  auto [again_rc, again] = produce(first.bootstrap(), "safe", "d\\n");
  EXPECT_EQ(again_rc, 0) << again;
  EXPECT_EQ(consume(first.bootstrap(), "safe"), "a\nc\nd\n");
}

TEST(Cluster, ConsumersReadOnlyWhatEveryInSyncFollowerHolds) {
  TwoBrokers cluster(false, {"cluster.replica_lag_max_ms=4000"});
  BrokerProcess& first = cluster.first;
  BrokerProcess& second = cluster.second;
  ASSERT_NO_FATAL_FAILURE(produce_in_sync(first, "hw", "seen\\n"));

  // The follower stops but stays in the in-sync set for 4 s: an acks=1 record is in the
  // leader's log, not on the follower, and must not be served yet.
  ::kill(second.pid(), SIGSTOP);
  auto [one_rc, one_out] =
      run_command("printf 'held\\n' | timeout 30 kcat -P -b " + first.bootstrap() + " -t hw -p 0 -X acks=1 2>&1");
  const std::string while_held = consume(first.bootstrap(), "hw");
  const bool shrunk = in_sync(first, 1);
  ::kill(second.pid(), SIGCONT);
  ASSERT_EQ(one_rc, 0) << one_out;
  EXPECT_EQ(while_held, "seen\n") << "a record above the high watermark was served";
  ASSERT_TRUE(shrunk);
  // Alone in the set, the leader's log end is the high watermark.
  EXPECT_EQ(consume(first.bootstrap(), "hw"), "seen\nheld\n");
}

TEST(Cluster, AnUncleanElectionHandsTheGroupOverWhenTheLeaderStops) {
  TwoBrokers cluster(true);
  BrokerProcess& first = cluster.first;
  BrokerProcess& second = cluster.second;
  ASSERT_TRUE(eventually([&] { return broker_ids(metadata(second.bootstrap())) == std::vector<int>{1, 2}; }));

  const auto stopped_at = std::chrono::steady_clock::now();
  ASSERT_EQ(first.stop(), 0) << "SIGTERM: resigns, then shuts down cleanly";
  ASSERT_TRUE(eventually([&] { return metric(second, "ringmq_cluster_leader") == 1; }));
  std::printf("takeover %.2f s after SIGTERM to the leader (session 2 s)\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped_at).count());
  EXPECT_EQ(metric(second, "ringmq_cluster_leader_epoch"), 2);
  auto [rc, out] = produce(second.bootstrap(), "after", "z\\n");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(consume(second.bootstrap(), "after"), "z\n");
}

TEST(Cluster, APausedLeaderIsFencedBeforeAnotherTakesOver) {
  TwoBrokers cluster(true);
  BrokerProcess& first = cluster.first;
  BrokerProcess& second = cluster.second;
  auto [rc, out] = produce(first.bootstrap(), "fenced", "1\\n");
  ASSERT_EQ(rc, 0) << out;
  ASSERT_EQ(list_offsets_error(first.port(), "fenced"), 0);

  // A stall longer than the session (a GC pause, a frozen VM): etcd ends the lease and the
  // other broker leads.
  ::kill(first.pid(), SIGSTOP);
  const bool took_over = eventually([&] { return metric(second, "ringmq_cluster_leader") == 1; });
  ::kill(first.pid(), SIGCONT);
  ASSERT_TRUE(took_over);
  // The first request after the stall is refused: its leadership ran out on its own clock,
  // before it could learn from etcd that it lost.
  EXPECT_EQ(list_offsets_error(first.port(), "fenced"), 6);
  ASSERT_TRUE(eventually([&] { return metric(first, "ringmq_cluster_leadership_losses_total") >= 1; }));
  EXPECT_EQ(metric(first, "ringmq_cluster_leader"), 0);
  EXPECT_TRUE(eventually([&] { return metadata(first.bootstrap()).value("controllerid", -2) == 2; }))
      << "it points clients at the new leader";
}

// An iptables rule that drops TCP packets to `address`:`port` (a partition: nothing is
// refused, nothing answers), removed when it goes out of scope.
class DropRule {
 public:
  DropRule(const std::string& address, int port)
      : spec_("INPUT -p tcp -d " + address + " --dport " + std::to_string(port) + " -j DROP") {
    auto [rc, out] = run_command("iptables -I " + spec_ + " 2>&1");
    if (rc != 0) throw std::runtime_error("iptables -I " + spec_ + ": " + out);
  }
  ~DropRule() { run_command("iptables -D " + spec_ + " 2>&1"); }
  DropRule(const DropRule&) = delete;
  DropRule& operator=(const DropRule&) = delete;

 private:
  std::string spec_;
};

TEST(Cluster, ALeaderPartitionedFromEtcdStopsServingBeforeAnotherLeads) {
  EtcdProcess etcd;
  // The first broker reaches etcd through 127.0.0.2, the second through 127.0.0.1: a rule on
  // 127.0.0.2 cuts the first off from etcd alone, while clients still reach it.
  BrokerProcess first(cluster_args(etcd, 1, true, etcd.endpoint_via("127.0.0.2")));
  ASSERT_TRUE(eventually([&] { return metric(first, "ringmq_cluster_leader") == 1; }));
  BrokerProcess second(cluster_args(etcd, 2, true));
  auto [rc, out] = produce(first.bootstrap(), "split", "1\n");
  ASSERT_EQ(rc, 0) << out;
  ASSERT_TRUE(eventually([&] { return metric(second, "ringmq_cluster_live_brokers") == 2; }));

  constexpr int16_t kNotLeader = 6;
  int both_served = 0, polls = 0;
  {
    DropRule partition("127.0.0.2", etcd.client_port());
    // Ask both brokers, again and again, until the second has served for two seconds: a
    // broker that is not refusing with NOT_LEADER_OR_FOLLOWER is serving (the second has no
    // such topic and answers UNKNOWN_TOPIC_OR_PARTITION as leader). Never may both serve.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    bool second_serving = false;
    auto second_since = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < deadline) {
      const bool first_serves = list_offsets_error(first.port(), "split") != kNotLeader;
      const bool second_serves = list_offsets_error(second.port(), "split") != kNotLeader;
      ++polls;
      if (first_serves && second_serves) ++both_served;
      if (second_serves && !second_serving) second_since = std::chrono::steady_clock::now();
      second_serving = second_serves;
      if (second_serving && std::chrono::steady_clock::now() - second_since > 2s) break;
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(second_serving) << "the second broker never took over";
    EXPECT_EQ(list_offsets_error(first.port(), "split"), kNotLeader);
    // Cut off and fenced, it knows no leader: it must not send clients to itself.
    EXPECT_EQ(metadata(first.bootstrap()).value("controllerid", -2), -1);
  }
  EXPECT_EQ(both_served, 0) << "two brokers served at once in " << both_served << " of " << polls << " polls";
  std::printf("partition: %d polls of both brokers, %d with both serving\n", polls, both_served);
  // Healed: the first learns that the second leads and sends clients there.
  EXPECT_TRUE(eventually([&] { return metadata(first.bootstrap()).value("controllerid", -2) == 2; }));
  EXPECT_EQ(metric(second, "ringmq_cluster_leader_epoch"), 2);
}

TEST(Cluster, AFollowerPartitionedFromTheLeaderLeavesTheInSyncSetAndRejoinsWhenHealed) {
  // The leader's replication port is fixed, so that a rule can cut the follower's stream alone
  // (clients and etcd still reach both brokers).
  const int replication_port = free_port();
  EtcdProcess etcd;
  BrokerProcess first(
      cluster_args(etcd, 1, false, "", {"cluster.replication_port=" + std::to_string(replication_port)}));
  TwoBrokers::await_leading(first);
  BrokerProcess second(cluster_args(etcd, 2, false));
  ASSERT_NO_FATAL_FAILURE(produce_in_sync(first, "cut", "a\\n"));

  bool shrunk = false;
  int late_rc = -1;
  std::string late;
  {
    DropRule partition("127.0.0.1", replication_port);  // the follower's acks no longer arrive
    shrunk = in_sync(first, 1);
    std::tie(late_rc, late) = produce(first.bootstrap(), "cut", "b\\n");
  }
  ASSERT_TRUE(shrunk) << "a follower whose acks stopped stayed in the in-sync set";
  EXPECT_EQ(late_rc, 0) << "acks=all goes on without the cut-off follower: " << late;
  EXPECT_GE(metric(first, "ringmq_replication_isr_shrinks_total"), 1);
  // Healed: the stream resumes (or reconnects), the follower catches up and rejoins.
  ASSERT_TRUE(in_sync(first, 2));
  ASSERT_TRUE(eventually([&] {
    return metric(second, "ringmq_engine_written_offset_bytes") == metric(first, "ringmq_engine_written_offset_bytes");
  }));
  expect_identical_logs(first, second);
}

TEST(Cluster, StartUpFailsClearlyWithoutEtcdOrWithANodeIdInUse) {
  TempDir dir;
  const std::string broker = std::string(RINGMQ_BROKER_BINARY) + " --data-dir " + dir.path() + "/d --port " +
                             std::to_string(free_port()) + " --set metrics.enabled=false";
  auto [rc, out] = run_command(broker + " --etcd http://127.0.0.1:" + std::to_string(free_port()) +
                               " --set cluster.etcd_timeout_ms=300 2>&1");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("joining cluster ringmq through etcd"), std::string::npos) << out;

  EtcdProcess etcd;
  BrokerProcess first(cluster_args(etcd, 1, false));
  ASSERT_TRUE(eventually([&] { return metric(first, "ringmq_cluster_leader") == 1; }));
  std::string twin = broker;
  for (const std::string& arg : cluster_args(etcd, 1, false)) twin += " " + arg;
  auto [twin_rc, twin_out] = run_command("timeout 60 " + twin + " 2>&1");
  EXPECT_EQ(twin_rc, 1) << twin_out;
  EXPECT_NE(twin_out.find("node id 1 is registered by the broker at 127.0.0.1:" + std::to_string(first.port())),
            std::string::npos)
      << twin_out;
  EXPECT_EQ(metric(first, "ringmq_cluster_leader"), 1) << "the broker already there keeps leading";
}

}  // namespace
}  // namespace ringmq::test
