// KafkaJS (npm, 2.2.4) against a real ringmq-broker: an idempotent producer, a consumer
// group of two members, rebalancing when one leaves, and committed offsets respected after
// a broker restart (tests/integration/kafkajs/group_test.js); the admin client's group
// calls (admin_test.js). And @platformatic/kafka's admin client (platformatic_admin_test.mjs)
// for the admin versions KafkaJS does not speak.
#include <gtest/gtest.h>

#include "tests/integration/broker_process.h"

namespace ringmq::test {
namespace {

std::pair<int, std::string> run_script(const std::string& script, const std::string& phase,
                                       const BrokerProcess& broker) {
  return run_command("cd " RINGMQ_KAFKAJS_DIR " && timeout 120 node " + script + " " + phase + " " +
                     broker.bootstrap() + " 2>&1");
}

std::pair<int, std::string> run_phase(const std::string& phase, const BrokerProcess& broker) {
  return run_script("group_test.js", phase, broker);
}

TEST(KafkaJs, ConsumerGroupRebalancesAndResumesFromCommittedOffsetsAfterRestart) {
  BrokerProcess broker;
  auto [rc, out] = run_phase("produce-and-consume", broker);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"ok\":true"), std::string::npos) << out;
  ASSERT_EQ(broker.stop(), 0);
  broker.start();
  auto [rc2, out2] = run_phase("resume", broker);
  ASSERT_EQ(rc2, 0) << out2;
  EXPECT_NE(out2.find("\"ok\":true"), std::string::npos) << out2;
}

// The admin client's group calls (admin_test.js): list, describe and delete groups, live,
// offsets-only and unknown, and an offsets-only group again after a restart.
TEST(KafkaJs, AdminListsDescribesAndDeletesGroups) {
  BrokerProcess broker;
  auto [rc, out] = run_script("admin_test.js", "groups", broker);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"ok\":true"), std::string::npos) << out;
  ASSERT_EQ(broker.stop(), 0);
  broker.start();
  auto [rc2, out2] = run_script("admin_test.js", "after-restart", broker);
  ASSERT_EQ(rc2, 0) << out2;
  EXPECT_NE(out2.find("\"ok\":true"), std::string::npos) << out2;
}

// createPartitions (admin_test.js partitions): growth, a record in a new partition, and the
// refusals for shrinking and for an unknown topic.
TEST(KafkaJs, AdminCreatesPartitions) {
  BrokerProcess broker;
  auto [rc, out] = run_script("admin_test.js", "partitions", broker);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"ok\":true"), std::string::npos) << out;
}

// describeConfigs / alterConfigs (admin_test.js configs): a topic override with its source,
// AlterConfigs replacing the settings, and cleanup.policy=compact refused.
TEST(KafkaJs, AdminDescribesAndAltersTopicSettings) {
  BrokerProcess broker;
  auto [rc, out] = run_script("admin_test.js", "configs", broker);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"ok\":true"), std::string::npos) << out;
}

// @platformatic/kafka: DescribeConfigs v4, IncrementalAlterConfigs v1, AlterConfigs v2,
// DescribeLogDirs v4 and DescribeCluster v0-1, with their refusals.
TEST(PlatformaticKafka, AdminDescribesAndChangesSettingsLogDirsAndTheCluster) {
  BrokerProcess broker({"--set", "server.node_id=3"});
  auto [rc, out] = run_command("cd " RINGMQ_KAFKAJS_DIR " && timeout 120 node platformatic_admin_test.mjs " +
                               broker.bootstrap() + " 3 2>&1");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"ok\":true"), std::string::npos) << out;
}

}  // namespace
}  // namespace ringmq::test
