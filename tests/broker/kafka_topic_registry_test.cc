#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "broker/kafka/topic_registry.h"
#include "broker/kafka/topic_registry_format.h"
#include "common/crc32c.h"
#include "io/file.h"
#include "tests/common/temp_dir.h"

namespace ringmq::broker::kafka {
namespace {

TopicRegistryOptions options_in(const std::string& dir) {
  TopicRegistryOptions o;
  o.data_dir = dir;
  o.default_partitions = 3;
  o.max_partitions_per_topic = 100;
  return o;
}

std::unique_ptr<TopicRegistry> load_ok(const TopicRegistryOptions& options) {
  auto r = TopicRegistry::load(options);
  EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
  return r ? std::move(*r) : nullptr;
}

std::shared_ptr<const TopicInfo> create_ok(TopicRegistry& registry, std::string_view name, int32_t partitions) {
  auto r = registry.create(name, partitions);
  EXPECT_TRUE(r) << name << ": " << (r ? "" : r.error().message);
  return r ? *r : nullptr;
}

int16_t create_error(TopicRegistry& registry, std::string_view name, int32_t partitions) {
  auto r = registry.create(name, partitions);
  return r ? int16_t{0} : r.error().error_code;
}

void write_bytes(const std::string& path, const std::vector<std::byte>& bytes) {
  ASSERT_TRUE(io::write_file_atomically(path, bytes));
}

TEST(TopicRegistry, GivesUserTopicsQueueIdsFromOneUpwards) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  auto a = create_ok(*registry, "a", 2);
  auto b = create_ok(*registry, "b", 3);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->queue_ids, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(b->queue_ids, (std::vector<uint32_t>{3, 4, 5}));
  EXPECT_EQ(registry->snapshot()->next_queue_id(), 6u);
}

TEST(TopicRegistry, FindsTopicsAndTheirPartitionQueuesByNameAndId) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  auto orders = create_ok(*registry, "orders", 4);
  ASSERT_TRUE(orders);
  auto snap = registry->snapshot();
  ASSERT_NE(snap->find("orders"), nullptr);
  EXPECT_EQ(snap->find(orders->topic_id), snap->find("orders"));
  EXPECT_EQ(snap->queue_id("orders", 0), std::optional<uint32_t>(1));
  EXPECT_EQ(snap->queue_id("orders", 3), std::optional<uint32_t>(4));
  EXPECT_EQ(snap->queue_id("orders", 4), std::nullopt);
  EXPECT_EQ(snap->queue_id("orders", -1), std::nullopt);
  EXPECT_EQ(snap->queue_id("missing", 0), std::nullopt);
  EXPECT_EQ(registry->find("orders")->partition_count(), 4);
  EXPECT_EQ(registry->find("missing"), nullptr);
}

TEST(TopicRegistry, ListsTopicsSortedByName) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  for (const char* name : {"zeta", "alpha", "mid"}) create_ok(*registry, name, 1);
  std::vector<std::string> names;
  for (const auto& t : registry->list()) names.push_back(t->name);
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "mid", "zeta"}));
}

TEST(TopicRegistry, RejectsIllegalTopicNamesWithInvalidTopicException) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  for (std::string name :
       {std::string(), std::string("."), std::string(".."), std::string(250, 'x'), std::string("has space"),
        std::string("a/b"), std::string("caf\xC3\xA9"), std::string("tab\t"), std::string("colon:")})
    EXPECT_EQ(create_error(*registry, name, 1), topic_error::kInvalidTopic) << "'" << name << "'";
  EXPECT_TRUE(registry->list().empty());
  EXPECT_TRUE(create_ok(*registry, std::string(249, 'x'), 1));
  EXPECT_TRUE(create_ok(*registry, "Valid.name_with-9", 1));
  EXPECT_TRUE(create_ok(*registry, "...", 1)) << "only '.' and '..' themselves are reserved";
}

TEST(TopicRegistry, RejectsBadPartitionCountsAndTakesTheDefaultForMinusOne) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  EXPECT_EQ(create_error(*registry, "t", 0), topic_error::kInvalidPartitions);
  EXPECT_EQ(create_error(*registry, "t", -2), topic_error::kInvalidPartitions);
  EXPECT_EQ(create_error(*registry, "t", 101), topic_error::kInvalidPartitions);
  auto t = create_ok(*registry, "t", -1);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->partition_count(), 3);
}

TEST(TopicRegistry, RejectsAnExistingNameWithTopicAlreadyExists) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  create_ok(*registry, "t", 1);
  auto again = registry->create("t", 5);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().error_code, topic_error::kTopicAlreadyExists);
  EXPECT_EQ(registry->find("t")->partition_count(), 1);
}

TEST(TopicRegistry, RejectsNamesThatCollideOnDotAndUnderscore) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  create_ok(*registry, "metrics.cpu", 1);
  EXPECT_EQ(create_error(*registry, "metrics_cpu", 1), topic_error::kInvalidTopic);
  EXPECT_TRUE(create_ok(*registry, "metrics-cpu", 1));
}

TEST(TopicRegistry, ValidateCreateChecksWithoutCreating) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  EXPECT_EQ(registry->validate_create("ok", 2), std::nullopt);
  EXPECT_EQ(registry->validate_create("bad name", 2)->error_code, topic_error::kInvalidTopic);
  EXPECT_EQ(registry->validate_create("ok", 0)->error_code, topic_error::kInvalidPartitions);
  EXPECT_TRUE(registry->list().empty());
  EXPECT_FALSE(io::path_exists(dir.path() + "/topics"));
}

TEST(TopicRegistry, DeletesTopicsAndAnswersUnknownTopicForMissingOnes) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  create_ok(*registry, "t", 2);
  auto removed = registry->delete_topic("t");
  ASSERT_TRUE(removed);
  EXPECT_EQ((*removed)->queue_ids, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(registry->find("t"), nullptr);
  auto again = registry->delete_topic("t");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().error_code, topic_error::kUnknownTopicOrPartition);
}

TEST(TopicRegistry, SnapshotTakenBeforeAChangeStaysUnchanged) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  create_ok(*registry, "t", 2);
  auto before = registry->snapshot();
  ASSERT_TRUE(registry->delete_topic("t"));
  create_ok(*registry, "u", 1);
  EXPECT_EQ(before->queue_id("t", 1), std::optional<uint32_t>(2));
  EXPECT_EQ(before->find("u"), nullptr);
}

TEST(TopicRegistry, PersistsTopicsAndReloadsThemExactly) {
  ringmq::test::TempDir dir;
  TopicInfo saved;
  {
    auto registry = load_ok(options_in(dir.path()));
    auto r = registry->create("events", 3, {{"retention.ms", "3600000"}, {"cleanup.policy", "delete"}});
    ASSERT_TRUE(r);
    saved = **r;
    create_ok(*registry, "other", 1);
  }
  auto reloaded = load_ok(options_in(dir.path()));
  auto events = reloaded->find("events");
  ASSERT_TRUE(events);
  EXPECT_EQ(events->topic_id, saved.topic_id);
  EXPECT_EQ(events->queue_ids, saved.queue_ids);
  EXPECT_EQ(events->configs, saved.configs);
  EXPECT_EQ(events->created_at_ms, saved.created_at_ms);
  EXPECT_GT(events->created_at_ms, 0);
  EXPECT_EQ(reloaded->list().size(), 2u);
  EXPECT_EQ(reloaded->snapshot()->next_queue_id(), 5u);
  EXPECT_EQ(reloaded->snapshot()->find(saved.topic_id), reloaded->snapshot()->find("events"));
}

TEST(TopicRegistry, NeverReusesQueueIdsOfDeletedTopicsEvenAfterRestart) {
  ringmq::test::TempDir dir;
  {
    auto registry = load_ok(options_in(dir.path()));
    create_ok(*registry, "a", 2);  // queues 1, 2
    create_ok(*registry, "b", 2);  // queues 3, 4
    ASSERT_TRUE(registry->delete_topic("b"));
    ASSERT_TRUE(registry->delete_topic("a"));
    EXPECT_EQ(registry->snapshot()->next_queue_id(), 5u);
  }
  auto registry = load_ok(options_in(dir.path()));
  EXPECT_TRUE(registry->list().empty());
  auto a = create_ok(*registry, "a", 2);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->queue_ids, (std::vector<uint32_t>{5, 6}));
}

TEST(TopicRegistry, GrowsATopicWithFreshQueues) {
  ringmq::test::TempDir dir;
  {
    auto registry = load_ok(options_in(dir.path()));
    create_ok(*registry, "a", 2);
    create_ok(*registry, "b", 1);
    auto grown = registry->add_partitions("a", 4);
    ASSERT_TRUE(grown);
    EXPECT_EQ((*grown)->queue_ids, (std::vector<uint32_t>{1, 2, 4, 5}));
    EXPECT_EQ(registry->add_partitions("a", 4).error().error_code, topic_error::kInvalidPartitions);
    EXPECT_EQ(registry->add_partitions("zz", 4).error().error_code, topic_error::kUnknownTopicOrPartition);
  }
  auto registry = load_ok(options_in(dir.path()));
  EXPECT_EQ(registry->find("a")->queue_ids, (std::vector<uint32_t>{1, 2, 4, 5}));
  EXPECT_EQ(registry->snapshot()->next_queue_id(), 6u);
}

TEST(TopicRegistry, RefusesWithPolicyViolationWhenQueueIdsRunOut) {
  ringmq::test::TempDir dir;
  auto options = options_in(dir.path());
  options.max_queue_id = 4;  // queues 1..4
  auto registry = load_ok(options);
  create_ok(*registry, "a", 3);
  EXPECT_EQ(create_error(*registry, "b", 2), topic_error::kPolicyViolation);
  EXPECT_TRUE(create_ok(*registry, "b", 1));
  ASSERT_TRUE(registry->delete_topic("a"));
  EXPECT_EQ(create_error(*registry, "c", 1), topic_error::kPolicyViolation) << "deleted ids stay retired";
}

TEST(TopicRegistry, FindOrCreateMakesOneTopicWithTheDefaultPartitions) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  std::vector<std::shared_ptr<const TopicInfo>> seen(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i)
    threads.emplace_back([&, i] {
      auto r = registry->find_or_create("auto");
      if (r) seen[i] = *r;
    });
  for (auto& t : threads) t.join();
  for (const auto& t : seen) {
    ASSERT_TRUE(t);
    EXPECT_EQ(t->topic_id, seen[0]->topic_id);
    EXPECT_EQ(t->partition_count(), 3);
  }
  EXPECT_EQ(registry->list().size(), 1u);
  EXPECT_EQ(registry->find_or_create("bad name").error().error_code, topic_error::kInvalidTopic);
}

TEST(TopicRegistry, AFailedSaveChangesNothing) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  create_ok(*registry, "a", 1);
  // The atomic replace writes topics.tmp first; a directory in its place makes that fail.
  std::filesystem::create_directory(dir.path() + "/topics.tmp");
  auto r = registry->create("b", 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error_code, topic_error::kUnknownServerError);
  EXPECT_NE(r.error().message.find("topics"), std::string::npos) << r.error().message;
  EXPECT_EQ(registry->find("b"), nullptr);
  EXPECT_EQ(registry->snapshot()->next_queue_id(), 2u);
  EXPECT_FALSE(registry->delete_topic("a"));
  EXPECT_NE(registry->find("a"), nullptr);
  std::filesystem::remove(dir.path() + "/topics.tmp");
  EXPECT_EQ(create_ok(*registry, "b", 1)->queue_ids, (std::vector<uint32_t>{2}));
}

TEST(TopicRegistry, ADamagedTopicsFileIsAClearErrorAtLoad) {
  ringmq::test::TempDir dir;
  {
    auto registry = load_ok(options_in(dir.path()));
    create_ok(*registry, "a", 2);
  }
  const std::string path = dir.path() + "/topics";
  auto good = io::read_whole_file(path);
  ASSERT_TRUE(good);

  auto flipped = *good;
  flipped[flipped.size() - 3] ^= std::byte{0x40};
  write_bytes(path, flipped);
  auto r = TopicRegistry::load(options_in(dir.path()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("CRC mismatch"), std::string::npos) << r.error().message;

  auto truncated = *good;
  truncated.resize(truncated.size() - 5);
  write_bytes(path, truncated);
  r = TopicRegistry::load(options_in(dir.path()));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;

  write_bytes(path, std::vector<std::byte>(40, std::byte{0x7F}));
  r = TopicRegistry::load(options_in(dir.path()));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("magic"), std::string::npos) << r.error().message;

  write_bytes(path, {});
  EXPECT_FALSE(TopicRegistry::load(options_in(dir.path())));
}

TEST(TopicRegistry, RejectsAFileWhoseQueueIdsAreNotBelowTheCounter) {
  // A CRC-valid file that breaks the registry's invariant (hand-edited or a bug) must not load.
  TopicsFile file;
  file.next_queue_id = 3;
  TopicInfo t;
  t.name = "a";
  t.topic_id[0] = 1;
  t.queue_ids = {2, 3};
  file.topics.push_back(t);
  auto r = decode_topics_file(encode_topics_file(file));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("queue 3"), std::string::npos) << r.error().message;

  file.topics[0].queue_ids = {1, 1};
  EXPECT_FALSE(decode_topics_file(encode_topics_file(file)));
  file.topics[0].queue_ids = {0};
  EXPECT_FALSE(decode_topics_file(encode_topics_file(file)));
  file.topics[0].queue_ids = {1};
  file.topics.push_back(file.topics[0]);
  file.topics[1].queue_ids = {2};
  EXPECT_FALSE(decode_topics_file(encode_topics_file(file))) << "duplicate name";
}

TEST(TopicsFile, EncodesTheDocumentedLayout) {
  TopicsFile file;
  file.next_queue_id = 3;
  TopicInfo t;
  t.name = "ab";
  for (uint8_t i = 0; i < 16; ++i) t.topic_id[i] = i;
  t.created_at_ms = 0x0102030405060708;
  t.queue_ids = {1, 2};
  t.configs = {{"k", "v"}};
  file.topics.push_back(t);

  const std::vector<uint8_t> body = {
      0x03, 0x00, 0x00, 0x00,                          // next_queue_id 3
      0x01, 0x00, 0x00, 0x00,                          // topic_count 1
      0x02, 0x00, 'a',  'b',                           // name
      0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,  // topic_id
      0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,  //
      0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // created_at_ms
      0x02, 0x00, 0x00, 0x00,                          // partition_count 2
      0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,  // queue ids 1, 2
      0x01, 0x00,                                      // config_count 1
      0x01, 0x00, 'k',                                 // key
      0x01, 0x00, 0x00, 0x00, 'v',                     // value
  };
  const uint8_t body_size = static_cast<uint8_t>(body.size());
  std::vector<uint8_t> expected = {
      'R',       'M',  'T',  'P',   // magic
      0x01,      0x00, 0x00, 0x00,  // version 1, reserved
      body_size, 0x00, 0x00, 0x00,  // body_size
      0x9C,      0x14, 0x3E, 0x48,  // body CRC32C (0x483E149C)
  };
  expected.insert(expected.end(), body.begin(), body.end());

  const std::vector<std::byte> encoded = encode_topics_file(file);
  ASSERT_EQ(encoded.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(std::to_integer<uint8_t>(encoded[i]), expected[i]) << "byte " << i;
  EXPECT_EQ(crc32c(0, body.data(), body.size()), 0x483E149Cu);

  auto decoded = decode_topics_file(encoded);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->next_queue_id, 3u);
  ASSERT_EQ(decoded->topics.size(), 1u);
  EXPECT_EQ(decoded->topics[0].name, "ab");
  EXPECT_EQ(decoded->topics[0].topic_id, t.topic_id);
  EXPECT_EQ(decoded->topics[0].created_at_ms, t.created_at_ms);
  EXPECT_EQ(decoded->topics[0].queue_ids, t.queue_ids);
  EXPECT_EQ(decoded->topics[0].configs, t.configs);
}

TEST(TopicId, IsARandomVersionFourUuidPrintedLikeKafka) {
  ringmq::test::TempDir dir;
  auto registry = load_ok(options_in(dir.path()));
  std::set<TopicId> ids;
  for (int i = 0; i < 20; ++i) {
    auto t = create_ok(*registry, "t" + std::to_string(i), 1);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->topic_id[6] >> 4, 4) << "version 4";
    EXPECT_EQ(t->topic_id[8] >> 6, 2) << "IETF variant";
    const std::string text = topic_id_to_string(t->topic_id);
    EXPECT_EQ(text.size(), 22u);
    EXPECT_NE(text[0], '-');
    ids.insert(t->topic_id);
  }
  EXPECT_EQ(ids.size(), 20u);
  // Kafka: new Uuid(0L, 1L).toString() == "AAAAAAAAAAAAAAAAAAAAAQ"
  TopicId one{};
  one[15] = 1;
  EXPECT_EQ(topic_id_to_string(one), "AAAAAAAAAAAAAAAAAAAAAQ");
  TopicId all{};
  all.fill(0xFF);
  EXPECT_EQ(topic_id_to_string(all), "_____________________w");
}

TEST(TopicRegistry, AFollowerAdoptsItsLeadersTopicsExactlyAndDurably) {
  ringmq::test::TempDir leader_dir, follower_dir;
  auto leader = load_ok(options_in(leader_dir.path()));
  auto follower = load_ok(options_in(follower_dir.path()));
  create_ok(*leader, "a", 2);
  create_ok(*leader, "b", 1);
  ASSERT_TRUE(leader->set_configs("b", {{"retention.ms", "5000"}}));
  create_ok(*follower, "own", 4);  // created while it led alone: the leader's list replaces it

  std::vector<TopicInfo> published;
  for (const auto& t : leader->list()) published.push_back(*t);
  auto adopted = follower->adopt(published);
  ASSERT_TRUE(adopted) << adopted.error().message;
  EXPECT_TRUE(*adopted);
  auto again = follower->adopt(published);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again) << "nothing changed";

  auto reloaded = load_ok(options_in(follower_dir.path()));
  ASSERT_EQ(reloaded->list().size(), 2u);
  for (const auto& t : leader->list()) {
    auto mine = reloaded->find(t->name);
    ASSERT_TRUE(mine) << t->name;
    EXPECT_EQ(mine->topic_id, t->topic_id);
    EXPECT_EQ(mine->queue_ids, t->queue_ids);
    EXPECT_EQ(mine->configs, t->configs);
  }
  EXPECT_FALSE(reloaded->find("own"));
  // Queue ids never go back: "own" took 1-4, so a topic this broker creates later gets 5 on.
  EXPECT_GE(reloaded->snapshot()->next_queue_id(), 5u);
}

}  // namespace
}  // namespace ringmq::broker::kafka
