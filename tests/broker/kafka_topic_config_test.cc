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
  EXPECT_FALSE(rules.check("retention.ms", "7200000")) << "longer than the broker's: segments stay while needed";
  refused("retention.ms", "-2", "must be -1");
  EXPECT_FALSE(rules.check("retention.ms", "-1")) << "Kafka's forever";
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
  EXPECT_EQ(none.retention_ms, static_cast<int64_t>(config.engine.retention_ms));
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
      rules.settings({{"retention.ms", "-7"}, {"max.message.bytes", "-5"}, {"retention.bytes", "x"}});
  EXPECT_FALSE(legacy.retention_ms_set);
  EXPECT_EQ(legacy.retention_ms, static_cast<int64_t>(config.engine.retention_ms));
  EXPECT_EQ(legacy.max_message_bytes, 1 << 20);
  EXPECT_EQ(legacy.retention_bytes, -1);
  TopicSettings forever = rules.settings({{"retention.ms", "-1"}});
  EXPECT_TRUE(forever.retention_ms_set);
  EXPECT_EQ(forever.retention_ms, -1);
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

  // DescribeConfigs v3+: every setting has a type and a line of documentation.
  for (const auto& entries : {topic, broker}) {
    for (const ConfigEntry& e : entries) {
      EXPECT_NE(e.type, protocol::ConfigType::kUnknown) << e.name;
      EXPECT_FALSE(e.documentation.empty()) << e.name;
    }
  }
  EXPECT_EQ(find(topic, "cleanup.policy")->type, protocol::ConfigType::kList);
  EXPECT_EQ(find(topic, "retention.ms")->type, protocol::ConfigType::kLong);
  EXPECT_EQ(find(broker, "auto.create.topics.enable")->type, protocol::ConfigType::kBoolean);
}

TEST(TopicConfigRules, AppliesIncrementalOperationsInOrderAndRefusesAsKafkaDoes) {
  BrokerConfig config;
  config.engine.retention_ms = 3'600'000;
  TopicConfigRules rules(config);
  using protocol::IncrementalAlterableConfig;
  using Op = protocol::ConfigOperation;
  auto op = [](std::string_view name, Op kind, std::optional<std::string_view> value) {
    return IncrementalAlterableConfig{name, static_cast<int8_t>(kind), value};
  };
  const std::map<std::string, std::string> current{{"retention.ms", "1000"}, {"retention.bytes", "500"}};

  std::vector<IncrementalAlterableConfig> ops = {op("retention.ms", Op::kSet, "2000"),
                                                 op("retention.bytes", Op::kDelete, std::nullopt),
                                                 op("cleanup.policy", Op::kAppend, "delete")};
  auto applied = rules.apply_operations(current, ops);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(*applied, (std::map<std::string, std::string>{{"cleanup.policy", "delete"}, {"retention.ms", "2000"}}))
      << "set replaces, delete drops the override, append to the default list adds nothing new";

  auto code_of = [&](std::vector<IncrementalAlterableConfig> o) {
    auto r = rules.apply_operations(current, o);
    return r ? int16_t{0} : r.error().error_code;
  };
  constexpr int16_t kInvalidRequest = 42, kInvalidConfig = 40;
  EXPECT_EQ(code_of({op("retention.ms", Op::kSet, "1"), op("retention.ms", Op::kDelete, std::nullopt)}),
            kInvalidRequest)
      << "a name twice";
  EXPECT_EQ(code_of({IncrementalAlterableConfig{"retention.ms", 9, "1"}}), kInvalidRequest) << "unknown operation";
  EXPECT_EQ(code_of({op("retention.ms", Op::kSet, std::nullopt)}), kInvalidRequest) << "set without a value";
  EXPECT_EQ(code_of({op("retention.ms", Op::kAppend, "5")}), kInvalidConfig) << "append to a number";
  EXPECT_EQ(code_of({op("cleanup.policy", Op::kAppend, "compact")}), kInvalidConfig) << "delete,compact";
  EXPECT_EQ(code_of({op("cleanup.policy", Op::kSubtract, "delete")}), kInvalidConfig) << "an empty policy";
  EXPECT_EQ(code_of({op("segment.ms", Op::kDelete, std::nullopt)}), kInvalidConfig) << "unknown setting";
  EXPECT_EQ(code_of({op("retention.ms", Op::kSet, "soon")}), kInvalidConfig);
}

}  // namespace
}  // namespace ringmq::broker::kafka
