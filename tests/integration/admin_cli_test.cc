// ringmq-admin as a user runs it: a subprocess against a real broker process, with kcat
// producing and consuming. Checks what it prints (tables and --json) and its exit status for
// successes, the broker's refusals (1), usage errors (2) and an unreachable broker (3).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/integration/broker_process.h"

namespace ringmq::test {
namespace {

class AdminCli : public ::testing::Test {
 protected:
  // Runs ringmq-admin with `args` against the broker; stdout and stderr together.
  std::pair<int, std::string> admin(const std::string& args) {
    return run_command("timeout 60 " RINGMQ_ADMIN_BINARY " -b " + broker_.bootstrap() + " " + args + " 2>&1");
  }
  std::string kcat(const std::string& args) { return "timeout 60 kcat -b " + broker_.bootstrap() + " " + args; }
  void produce(const std::string& topic, int partition, int count) {
    std::string lines;
    for (int i = 0; i < count; ++i) lines += "r" + std::to_string(i) + "\\n";
    auto [rc, out] =
        run_command("printf '" + lines + "' | " + kcat("-P -t " + topic + " -p " + std::to_string(partition)));
    ASSERT_EQ(rc, 0) << out;
  }
  static bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
  // --json output without its indentation (names and values here contain no spaces), so that
  // one object can be matched as one string.
  static std::string compact(std::string text) {
    std::erase_if(text, [](char c) { return c == ' ' || c == '\n'; });
    return text;
  }
  std::string describe_json(const std::string& group) {
    return compact(admin("--json group describe " + group).second);
  }

  BrokerProcess broker_;
};

TEST_F(AdminCli, CreatesListsDescribesGrowsAndDeletesTopics) {
  auto [rc, out] = admin("topic create orders -p 2");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(has(out, "orders  OK")) << out;
  std::tie(rc, out) = admin("topic create orders -p 2");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_TRUE(has(out, "TOPIC_ALREADY_EXISTS")) << out;
  produce("orders", 1, 3);
  std::tie(rc, out) = admin("--json topic describe orders");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(has(compact(out), R"({"partition":1,"leader":1,"start_offset":0,"end_offset":3})")) << out;
  std::tie(rc, out) = admin("topic delete-records orders -p 1 --before 2");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(has(out, "orders  1          2             OK")) << out;
  std::tie(rc, out) = admin("topic delete-records orders -p 1 --before 9");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_TRUE(has(out, "OFFSET_OUT_OF_RANGE")) << out;
  EXPECT_TRUE(has(compact(admin("--json topic describe orders").second),
                  R"({"partition":1,"leader":1,"start_offset":2,"end_offset":3})"));
  std::tie(rc, out) = admin("topic alter-config orders --set retention.ms=60000 --set retention.bytes=1000000");
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = admin("topic alter-config orders --delete retention.bytes");
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = admin("--json topic describe orders");
  EXPECT_TRUE(has(compact(out), R"({"name":"retention.ms","value":"60000","source":"DYNAMIC_TOPIC_CONFIG"})")) << out;
  EXPECT_TRUE(has(compact(out), R"({"name":"retention.bytes","value":"-1","source":"DEFAULT_CONFIG"})")) << out;
  std::tie(rc, out) = admin("topic alter-config orders --set cleanup.policy=compact");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_TRUE(has(out, "INVALID_CONFIG")) << out;
  std::tie(rc, out) = admin("topic add-partitions orders -n 4");
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = admin("topic add-partitions orders -n 2");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_TRUE(has(out, "INVALID_PARTITIONS")) << out;
  std::tie(rc, out) = admin("topic list");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(has(out, "NAME    PARTITIONS\norders  4\n")) << out;
  std::tie(rc, out) = admin("--json cluster info");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(
      has(compact(out), R"("brokers":[{"id":1,"host":"127.0.0.1","port":)" + std::to_string(broker_.port()) + "}]"))
      << out;
  std::tie(rc, out) = admin("topic delete orders");
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = admin("topic describe orders");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_TRUE(has(out, "UNKNOWN_TOPIC_OR_PART")) << out;
}

TEST_F(AdminCli, DescribesLagResetsAndDeletesOffsetsAndGroups) {
  ASSERT_EQ(admin("topic create events -p 1").first, 0);
  produce("events", 0, 5);
  auto [rc, out] = run_command(kcat("-G readers events -X auto.offset.reset=earliest -e -q"));
  ASSERT_EQ(rc, 0) << out;
  produce("events", 0, 2);

  std::tie(rc, out) = admin("--json group describe readers");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(has(compact(out), R"("offsets":[{"topic":"events","partition":0,"committed":5,"end_offset":7,"lag":2}])"))
      << out;
  EXPECT_TRUE(has(compact(out), R"("total_lag":2)")) << out;
  std::tie(rc, out) = admin("group list");
  EXPECT_TRUE(has(out, "readers  Empty")) << out;

  std::tie(rc, out) = admin("group reset-offsets readers -t events --to-earliest --dry-run");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(has(out, "events  0          0           OK")) << out;
  EXPECT_TRUE(has(describe_json("readers"), R"("committed":5)")) << "a dry run changed it";
  std::tie(rc, out) = admin("group reset-offsets readers -t events --to-offset 3");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(has(describe_json("readers"), R"("committed":3,"end_offset":7,"lag":4)"));
  std::tie(rc, out) = admin("group reset-offsets readers -t events --to-timestamp 9999999999999");
  EXPECT_EQ(rc, 0) << out;  // nothing that late: the end
  EXPECT_TRUE(has(describe_json("readers"), R"("committed":7,"end_offset":7,"lag":0)"));

  std::tie(rc, out) = admin("group delete-offsets readers -t events -p 0");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(has(describe_json("readers"), R"("offsets":[])"));
  std::tie(rc, out) = admin("group delete readers");
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = admin("group delete readers");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_TRUE(has(out, "GROUP_ID_NOT_FOUND")) << out;
  std::tie(rc, out) = admin("group describe readers");
  EXPECT_EQ(rc, 1) << out;
}

TEST_F(AdminCli, ALiveGroupIsNeitherResetNorDeleted) {
  ASSERT_EQ(admin("topic create live -p 1").first, 0);
  produce("live", 0, 1);
  // A consumer that stays in the group until killed. Started in the background with no tie to
  // the test's output (a leftover must not keep ctest waiting on the pipe), stopped by pid.
  auto [spawn_rc, pid] = run_command("(" + kcat("-G members live -X auto.offset.reset=earliest -q") +
                                     " </dev/null >/dev/null 2>&1 & echo $!)");
  ASSERT_EQ(spawn_rc, 0) << pid;
  while (!pid.empty() && pid.back() == '\n') pid.pop_back();
  bool stable = false;
  for (int i = 0; i < 300 && !stable; ++i) {
    stable = has(admin("group list").second, "members  Stable");
    if (!stable) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(stable) << admin("group list").second;
  auto [rc, out] = admin("group reset-offsets members -t live --to-earliest");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_TRUE(has(out, "NON_EMPTY_GROUP")) << out;
  std::tie(rc, out) = admin("group delete members");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_TRUE(has(out, "NON_EMPTY_GROUP")) << out;
  std::tie(rc, out) = admin("group describe members");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(has(out, "MEMBERS    1")) << out;
  // `timeout` passes SIGTERM on to kcat; then wait until both are gone.
  EXPECT_EQ(run_command("kill -TERM " + pid + "; for i in $(seq 100); do kill -0 " + pid +
                        " 2>/dev/null || exit 0; sleep 0.1; done; pkill -KILL -P " + pid + "; kill -KILL " + pid)
                .first,
            0);
}

TEST_F(AdminCli, UsageErrorsExitTwoAndAnUnreachableBrokerThree) {
  auto [rc, out] = admin("");
  EXPECT_EQ(rc, 2) << out;
  std::tie(rc, out) = admin("group reset-offsets g -t events");
  EXPECT_EQ(rc, 2) << out;
  EXPECT_TRUE(has(out, "needs one of --to-earliest")) << out;
  std::tie(rc, out) = admin("topic create bad --config novalue");
  EXPECT_EQ(rc, 2) << out;
  std::tie(rc, out) = run_command("timeout 60 " RINGMQ_ADMIN_BINARY " -b 127.0.0.1:" + std::to_string(free_port()) +
                                  " --timeout-ms 1000 topic list 2>&1");
  EXPECT_EQ(rc, 3) << out;
  EXPECT_TRUE(has(out, "cannot reach")) << out;
}

}  // namespace
}  // namespace ringmq::test
