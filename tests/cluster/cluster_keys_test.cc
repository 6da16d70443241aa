// The etcd layout of a cluster: key names, and values that round-trip or are refused as corrupt.
#include "cluster/cluster_keys.h"

#include <gtest/gtest.h>

namespace ringmq::cluster {
namespace {

TEST(ClusterKeys, LiveUnderTheClusterName) {
  ClusterKeys keys("prod");
  EXPECT_EQ(keys.broker(3), "/ringmq/prod/brokers/3");
  EXPECT_EQ(keys.leader("g1"), "/ringmq/prod/groups/g1/leader");
  EXPECT_EQ(keys.epoch("g1"), "/ringmq/prod/groups/g1/epoch");
  EXPECT_EQ(keys.isr("g1"), "/ringmq/prod/groups/g1/isr");
  EXPECT_TRUE(keys.broker(3).starts_with(keys.brokers_prefix()));
}

TEST(ClusterKeys, ValuesRoundTrip) {
  BrokerRegistration broker{7, "g1", "10.0.0.7", 9092, 19092, 1764800000123};
  auto b = decode_broker(encode(broker));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->node_id, 7);
  EXPECT_EQ(b->group, "g1");
  EXPECT_EQ(b->host, "10.0.0.7");
  EXPECT_EQ(b->port, 9092);
  EXPECT_EQ(b->replication_port, 19092);
  EXPECT_EQ(b->started_ms, 1764800000123);
  // A registration written before replication has no port for it: 0, never an error.
  auto old = decode_broker(R"({"node_id":3,"group":"g","host":"h","port":1})");
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_EQ(old->replication_port, 0);

  // Lease ids use all 63 bits: they must survive JSON.
  GroupLeader leader{7, 12, 0x7123456789abcdefLL};
  auto l = decode_leader(encode(leader));
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->node_id, 7);
  EXPECT_EQ(l->epoch, 12);
  EXPECT_EQ(l->lease, 0x7123456789abcdefLL);

  InSyncSet isr{12, {1, 7}};
  auto i = decode_isr(encode(isr));
  ASSERT_TRUE(i) << i.error().message;
  EXPECT_EQ(i->epoch, 12);
  EXPECT_EQ(i->members, (std::vector<int32_t>{1, 7}));
  EXPECT_TRUE(i->contains(7));
  EXPECT_FALSE(i->contains(2));

  std::vector<PublishedTopic> topics(2);
  topics[0] = {"orders", {}, 3, {4, 5, 9}, {{"retention.ms", "1000"}}};
  for (size_t b = 0; b < 16; ++b) topics[0].id[b] = static_cast<uint8_t>(b * 17);
  topics[1] = {"empty", {}, 0};
  auto t = decode_topics(encode(topics));
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].name, "orders");
  EXPECT_EQ((*t)[0].id, topics[0].id);
  EXPECT_EQ((*t)[0].partitions, 3);
  EXPECT_EQ((*t)[0].queue_ids, (std::vector<uint32_t>{4, 5, 9}));
  EXPECT_EQ((*t)[0].configs.at("retention.ms"), "1000");
  EXPECT_EQ((*t)[1].partitions, 0);
  EXPECT_TRUE((*t)[1].queue_ids.empty());

  auto e = decode_epoch("12");
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, 12);
}

TEST(ClusterKeys, CorruptValuesAreRefusedWithTheirText) {
  for (std::string_view bad : {"", "not json", "[]", "{\"node_id\":\"x\"}", "{}"}) {
    auto b = decode_broker(bad);
    ASSERT_FALSE(b) << bad;
    EXPECT_EQ(b.error().code, ErrorCode::kCorrupt);
  }
  EXPECT_FALSE(decode_leader("{\"node_id\":1,\"epoch\":2,\"lease\":\"12abc\"}")) << "a lease that is not a number";
  EXPECT_FALSE(decode_isr("{\"epoch\":1,\"members\":[\"a\"]}"));
  for (std::string_view bad : {"", "x", "12x", "99999999999"}) EXPECT_FALSE(decode_epoch(bad)) << bad;
  for (std::string_view bad :
       {"{}", "[1]", R"([{"name":"t","id":"00","partitions":1}])",
        R"([{"name":"t","id":"000102030405060708090a0b0c0d0e0f","partitions":2,"queues":[1]}])",
        R"([{"name":"t","id":"000102030405060708090a0b0c0d0e0f","partitions":1,"queues":["x"]}])",
        R"([{"name":"t","id":"0123456789abcdef0123456789abcdeg","partitions":1}])",
        R"([{"name":"t","id":"0123456789abcdef0123456789abcdef","partitions":-1}])"})
    EXPECT_FALSE(decode_topics(bad)) << bad;
}

TEST(ClusterKeys, NamesAreShortAndPlain) {
  EXPECT_TRUE(valid_name("ringmq"));
  EXPECT_TRUE(valid_name("group-1.a_b"));
  EXPECT_TRUE(valid_name(std::string(64, 'a')));
  EXPECT_FALSE(valid_name(""));
  EXPECT_FALSE(valid_name(std::string(65, 'a')));
  EXPECT_FALSE(valid_name("a/b")) << "a slash would make another key";
  EXPECT_FALSE(valid_name("a b"));
}

}  // namespace
}  // namespace ringmq::cluster
