// Which topic settings exist, how they are checked, and the values and sources DescribeConfigs
// reports for topics and for the broker.
#include <gtest/gtest.h>

#include "broker/kafka/topic_config.h"

namespace ringmq::broker::kafka {
namespace {

const ConfigEntry* find(const std::vector<ConfigEntry>& entries, std::string_view name) {
  for (const ConfigEntry& e : entries)
    if (e.name == name) return &e;
  return nullptr;
}

TEST(TopicConfigRules, AcceptsTheHonouredSettingsAndRefusesEverythingElseWithAReason) {
  BrokerConfig config;
  config.engine.retention_ms = 3'600'000;
  config.engine.max_record_bytes = 1 << 20;
  TopicConfigRules rules(config);
  EXPECT_FALSE(rules.check("cleanup.policy", "delete"));
  EXPECT_FALSE(rules.check("retention.ms", "60000"));
  EXPECT_FALSE(rules.check("retention.bytes", "-1"));
  EXPECT_FALSE(rules.check("max.message.bytes", "1000"));
  EXPECT_FALSE(rules.check("retention.ms", std::nullopt)) << "null: back to the broker's value";

  auto refused = [&](std::string_view name, std::string_view value, std::string_view why) {
    auto problem = rules.check(name, value);
    ASSERT_TRUE(problem) << name << "=" << value;
    EXPECT_NE(problem->find(why), std::string::npos) << *problem;
  };
  refused("cleanup.policy", "compact", "never compacts");
  refused("cleanup.policy", "compact,delete", "not supported");
  refused("segment.bytes", "1000", "unknown or unsupported topic setting 'segment.bytes'");
  refused("retention.ms", "soon", "not a whole number");
  refused("retention.ms", "7200000", "engine.retention_ms");  // longer than the shared log keeps
  refused("retention.ms", "-2", "must be -1");
  EXPECT_FALSE(rules.check("retention.ms", "-1")) << "Kafka's forever: the broker's retention";
  refused("retention.bytes", "-2", "no limit");
  refused("max.message.bytes", "2097152", "engine.max_record_bytes");
  refused("max.message.bytes", "0", "must lie in");
  EXPECT_TRUE(rules.check_all({{"retention.ms", "1"}, {"cleanup.policy", "compact"}}));
}

TEST(TopicConfigRules, SettingsFallBackToTheBroker) {
  BrokerConfig config;
  config.engine.max_record_bytes = 1 << 20;
  TopicConfigRules rules(config);
  TopicSettings none = rules.settings({});
  EXPECT_FALSE(none.retention_ms_set);
  EXPECT_EQ(none.retention_bytes, -1);
  EXPECT_EQ(none.max_message_bytes, 1 << 20);
  TopicSettings set =
      rules.settings({{"retention.ms", "5000"}, {"retention.bytes", "100"}, {"max.message.bytes", "64"}});
  EXPECT_TRUE(set.retention_ms_set);
  EXPECT_EQ(set.retention_ms, 5000);
  EXPECT_EQ(set.retention_bytes, 100);
  EXPECT_EQ(set.max_message_bytes, 64);
  // Values stored before they were checked never delete data or lift the limit.
  TopicSettings legacy =
      rules.settings({{"retention.ms", "-1"}, {"max.message.bytes", "-5"}, {"retention.bytes", "x"}});
  EXPECT_FALSE(legacy.retention_ms_set);
  EXPECT_EQ(legacy.max_message_bytes, 1 << 20);
  EXPECT_EQ(legacy.retention_bytes, -1);
}

TEST(TopicConfigRules, DescribesValuesWithKafkasSources) {
  BrokerConfig config;
  config.engine.retention_ms = 3'600'000;  // from the config file: differs from the default
  TopicConfigRules rules(config);
  auto topic = rules.describe_topic({{"max.message.bytes", "2048"}});
  ASSERT_EQ(topic.size(), 4u);
  const ConfigEntry* retention = find(topic, "retention.ms");
  ASSERT_TRUE(retention);
  EXPECT_EQ(retention->value, "3600000");
  EXPECT_EQ(retention->source, kSourceStaticBroker);
  ASSERT_EQ(retention->synonyms.size(), 1u);
  EXPECT_EQ(retention->synonyms[0].name, "log.retention.ms");
  const ConfigEntry* max = find(topic, "max.message.bytes");
  ASSERT_TRUE(max);
  EXPECT_EQ(max->value, "2048");
  EXPECT_EQ(max->source, kSourceTopic);
  ASSERT_EQ(max->synonyms.size(), 2u);  // the override, then the broker's message.max.bytes
  EXPECT_EQ(max->synonyms[1].name, "message.max.bytes");
  EXPECT_EQ(max->synonyms[1].source, kSourceDefault);
  EXPECT_EQ(find(topic, "cleanup.policy")->value, "delete");
  EXPECT_EQ(find(topic, "cleanup.policy")->source, kSourceDefault);
  EXPECT_EQ(find(topic, "retention.bytes")->value, "-1");

  auto broker = rules.describe_broker();
  const ConfigEntry* log_retention = find(broker, "log.retention.ms");
  ASSERT_TRUE(log_retention);
  EXPECT_TRUE(log_retention->read_only);
  EXPECT_EQ(log_retention->source, kSourceStaticBroker);
  EXPECT_EQ(find(broker, "num.partitions")->source, kSourceDefault);
}

}  // namespace
}  // namespace ringmq::broker::kafka
