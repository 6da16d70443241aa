// EtcdClient against a real etcd server: reads and writes, compare-and-swap transactions,
// leases that take their keys with them, and endpoints that do not answer.
#include "cluster/etcd_client.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/cluster/etcd_process.h"

namespace ringmq::cluster {
namespace {

using namespace std::chrono_literals;

EtcdClient connect(const std::vector<std::string>& endpoints, std::chrono::milliseconds timeout = 1000ms) {
  auto client = EtcdClient::create(endpoints, timeout);
  EXPECT_TRUE(client) << client.error().message;
  return std::move(*client);
}

TEST(EtcdClient, PutsGetsListsAndRemovesKeys) {
  test::EtcdProcess etcd;
  EtcdClient client = connect({etcd.endpoint()});
  ASSERT_TRUE(client.put("/t/a", "one"));
  // Values are bytes: a zero byte and non-UTF-8 survive the gateway's base64.
  const std::string binary("\0\xff x", 4);
  ASSERT_TRUE(client.put("/t/b", binary));
  ASSERT_TRUE(client.put("/u/c", "elsewhere"));

  auto a = client.get("/t/a");
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->value, "one");
  EXPECT_GT((*a)->mod_revision, 0);

  auto listed = client.get_prefix("/t/");
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "/t/a");
  EXPECT_EQ((*listed)[1].value, binary);

  auto removed = client.remove("/t/a");
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  auto again = client.remove("/t/a");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again) << "nothing left to remove";
  auto gone = client.get("/t/a");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
}

TEST(EtcdClient, TransactionsCompareBeforeTheyWrite) {
  test::EtcdProcess etcd;
  EtcdClient client = connect({etcd.endpoint()});
  Txn claim;
  claim.compare = {Compare::absent("/t/leader")};
  claim.success = {TxnOp::put("/t/leader", "1")};
  claim.failure = {TxnOp::get("/t/leader")};
  auto first = client.txn(claim);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->succeeded);
  EXPECT_TRUE(first->found.empty());

  claim.success = {TxnOp::put("/t/leader", "2")};
  auto second = client.txn(claim);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->succeeded) << "the key exists now";
  ASSERT_EQ(second->found.size(), 1u);
  EXPECT_EQ(second->found[0].value, "1") << "the failure branch read the holder";

  // A compare on the mod revision fails once the key has moved on.
  const int64_t revision = second->found[0].mod_revision;
  ASSERT_TRUE(client.put("/t/leader", "3"));
  Txn stale;
  stale.compare = {Compare::mod_revision_is("/t/leader", revision)};
  stale.success = {TxnOp::remove("/t/leader")};
  auto late = client.txn(stale);
  ASSERT_TRUE(late);
  EXPECT_FALSE(late->succeeded);
  Txn by_value;
  by_value.compare = {Compare::value_is("/t/leader", "3")};
  by_value.success = {TxnOp::remove("/t/leader")};
  auto removed = client.txn(by_value);
  ASSERT_TRUE(removed);
  EXPECT_TRUE(removed->succeeded);
  EXPECT_FALSE(client.get("/t/leader")->has_value());
}

TEST(EtcdClient, KeysOnALeaseGoWithIt) {
  test::EtcdProcess etcd;
  EtcdClient client = connect({etcd.endpoint()});
  auto lease = client.grant_lease(2);
  ASSERT_TRUE(lease) << lease.error().message;
  EXPECT_EQ(lease->ttl_s, 2);
  ASSERT_TRUE(client.put("/t/session", "me", lease->id));
  auto renewed = client.keep_alive(lease->id);
  ASSERT_TRUE(renewed) << renewed.error().message;
  ASSERT_TRUE(renewed->has_value());
  EXPECT_EQ(**renewed, 2);
  EXPECT_EQ((*client.get("/t/session"))->lease, lease->id);

  // Left alone, the lease expires and the key goes.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::this_thread::sleep_for(100ms);
    gone = !client.get("/t/session")->has_value();
  }
  EXPECT_TRUE(gone) << "the key outlived its lease by 10 s";
  auto expired = client.keep_alive(lease->id);
  ASSERT_TRUE(expired) << expired.error().message;
  EXPECT_FALSE(expired->has_value()) << "etcd no longer knows the lease";

  // Revoking takes the keys at once.
  auto second = client.grant_lease(60);
  ASSERT_TRUE(second);
  ASSERT_TRUE(client.put("/t/session", "me again", second->id));
  ASSERT_TRUE(client.revoke_lease(second->id));
  EXPECT_FALSE(client.get("/t/session")->has_value());
  EXPECT_FALSE(client.put("/t/other", "x", second->id)) << "a revoked lease takes no keys";
}

TEST(EtcdClient, MovesOnFromAnEndpointThatDoesNotAnswer) {
  test::EtcdProcess etcd;
  const std::string nobody = "http://127.0.0.1:" + std::to_string(test::free_port());
  EtcdClient client = connect({nobody, etcd.endpoint()}, 500ms);
  ASSERT_TRUE(client.put("/t/k", "v"));
  EXPECT_EQ("http://" + client.current_endpoint(), etcd.endpoint()) << "the one that answered is kept";
}

TEST(EtcdClient, AnUnreachableClusterIsAnErrorWithinTheTimeout) {
  test::EtcdProcess etcd;
  EtcdClient client = connect({etcd.endpoint()}, 300ms);
  ASSERT_TRUE(client.put("/t/k", "v"));
  etcd.pause();  // accepts nothing, answers nothing, as behind a partition
  auto read = client.get("/t/k");
  etcd.resume();
  ASSERT_FALSE(read);
  EXPECT_TRUE(read.error().code == ErrorCode::kTimeout || read.error().code == ErrorCode::kIo)
      << read.error().to_string();
  // And it recovers once etcd answers again.
  auto later = client.get("/t/k");
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ((*later)->value, "v");

  etcd.kill();
  auto refused = client.get("/t/k");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("127.0.0.1"), std::string::npos) << "names the endpoint";
}

TEST(EtcdClient, RefusesBadEndpointLists) {
  EXPECT_FALSE(EtcdClient::create({}, 1000ms));
  EXPECT_FALSE(EtcdClient::create({"no-port"}, 1000ms));
}

}  // namespace
}  // namespace ringmq::cluster
