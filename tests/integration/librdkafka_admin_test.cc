// librdkafka's admin API (Debian's 2.0) against a real ringmq-broker: the consumer-group
// calls ListConsumerGroups (ListGroups v4 with a states filter), DescribeConsumerGroups
// (DescribeGroups), DeleteConsumerGroupOffsets (OffsetDelete) and DeleteGroups, with their
// refusals (a live group, a topic its member subscribes to, unknown topics and groups), and
// CreatePartitions (validate-only, growth, shrinking refused, unknown topic), DeleteRecords,
// and topic settings (DescribeConfigs, AlterConfigs, validation, max.message.bytes and
// retention.ms honoured). What they
// changed stays changed after a SIGKILL and restart. Consumer lag shows in /metrics.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/broker_process.h"

namespace ringmq::test {
namespace {

using Clock = std::chrono::steady_clock;

struct RdDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using Client = std::unique_ptr<rd_kafka_t, RdDeleter>;
using Queue = std::unique_ptr<rd_kafka_queue_t, RdDeleter>;
using Event = std::unique_ptr<rd_kafka_event_t, RdDeleter>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, RdDeleter>;

Client make_client(rd_kafka_type_t type, const std::map<std::string, std::string>& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [key, value] : settings) {
    EXPECT_EQ(rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err), RD_KAFKA_CONF_OK) << err;
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  EXPECT_NE(rk, nullptr) << err;
  return Client(rk);
}

// One admin call's result event (the call posts it to `queue`). A failed call is a test
// failure unless `may_fail`.
Event wait_result(rd_kafka_queue_t* queue, bool may_fail = false) {
  Event event(rd_kafka_queue_poll(queue, 30'000));
  EXPECT_NE(event, nullptr) << "no admin result within 30 s";
  if (event && !may_fail && rd_kafka_event_error(event.get()))
    ADD_FAILURE() << "admin call failed: " << rd_kafka_event_error_string(event.get());
  return event;
}

PartitionList partitions(std::initializer_list<std::pair<std::string, int32_t>> items) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(items.size())));
  for (const auto& [topic, partition] : items) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
  return list;
}

// An admin client on a real broker, with helpers for the calls the tests make.
class AdminClient : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = make_client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", broker_.bootstrap()}});
    queue_.reset(rd_kafka_queue_new(admin_.get()));
  }

  void create_topic(const std::string& name, int partitions) {
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), partitions, 1, nullptr, 0);
    rd_kafka_CreateTopics(admin_.get(), &topic, 1, nullptr, queue_.get());
    Event e = wait_result(queue_.get());
    rd_kafka_NewTopic_destroy(topic);
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(e.get()), &n);
    ASSERT_EQ(n, 1u);
    ASSERT_EQ(rd_kafka_topic_result_error(results[0]), RD_KAFKA_RESP_ERR_NO_ERROR);
  }

  void produce(const std::string& topic, int32_t partition, int count) {
    Client producer = make_client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", broker_.bootstrap()}, {"acks", "all"}});
    for (int i = 0; i < count; ++i) {
      std::string value = "m" + std::to_string(i);
      ASSERT_EQ(rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                                  RD_KAFKA_V_VALUE(value.data(), value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(rd_kafka_flush(producer.get(), 30'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  }

  // group id -> state, from ListConsumerGroups.
  std::map<std::string, rd_kafka_consumer_group_state_t> list_groups() {
    rd_kafka_ListConsumerGroups(admin_.get(), nullptr, queue_.get());
    Event e = wait_result(queue_.get());
    const rd_kafka_ListConsumerGroups_result_t* result = rd_kafka_event_ListConsumerGroups_result(e.get());
    size_t n = 0;
    const rd_kafka_ConsumerGroupListing_t** valid = rd_kafka_ListConsumerGroups_result_valid(result, &n);
    std::map<std::string, rd_kafka_consumer_group_state_t> groups;
    for (size_t i = 0; i < n; ++i)
      groups[rd_kafka_ConsumerGroupListing_group_id(valid[i])] = rd_kafka_ConsumerGroupListing_state(valid[i]);
    size_t errors = 0;
    rd_kafka_ListConsumerGroups_result_errors(result, &errors);
    EXPECT_EQ(errors, 0u);
    return groups;
  }

  // DeleteConsumerGroupOffsets: "topic/partition" -> error, or the group's error as "group"
  // (librdkafka fails the whole call with it).
  std::map<std::string, rd_kafka_resp_err_t> delete_offsets(const std::string& group,
                                                            const rd_kafka_topic_partition_list_t* list) {
    rd_kafka_DeleteConsumerGroupOffsets_t* request = rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), list);
    rd_kafka_DeleteConsumerGroupOffsets(admin_.get(), &request, 1, nullptr, queue_.get());
    rd_kafka_DeleteConsumerGroupOffsets_destroy(request);
    Event e = wait_result(queue_.get(), /*may_fail=*/true);
    std::map<std::string, rd_kafka_resp_err_t> out;
    if (!e) return out;
    if (rd_kafka_resp_err_t error = rd_kafka_event_error(e.get())) {
      out["group"] = error;
      return out;
    }
    size_t n = 0;
    const rd_kafka_group_result_t** groups = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
        rd_kafka_event_DeleteConsumerGroupOffsets_result(e.get()), &n);
    if (n != 1) {
      ADD_FAILURE() << n << " group results";
      return out;
    }
    if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[0])) {
      out["group"] = rd_kafka_error_code(error);
      return out;
    }
    const rd_kafka_topic_partition_list_t* results = rd_kafka_group_result_partitions(groups[0]);
    for (int i = 0; results && i < results->cnt; ++i)
      out[std::string(results->elems[i].topic) + "/" + std::to_string(results->elems[i].partition)] =
          results->elems[i].err;
    return out;
  }

  // DeleteGroups: group -> error.
  std::map<std::string, rd_kafka_resp_err_t> delete_groups(const std::vector<std::string>& names) {
    std::vector<rd_kafka_DeleteGroup_t*> requests;
    for (const std::string& name : names) requests.push_back(rd_kafka_DeleteGroup_new(name.c_str()));
    rd_kafka_DeleteGroups(admin_.get(), requests.data(), requests.size(), nullptr, queue_.get());
    rd_kafka_DeleteGroup_destroy_array(requests.data(), requests.size());
    Event e = wait_result(queue_.get());
    size_t n = 0;
    const rd_kafka_group_result_t** groups =
        rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(e.get()), &n);
    std::map<std::string, rd_kafka_resp_err_t> out;
    for (size_t i = 0; i < n; ++i) {
      const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[i]);
      out[rd_kafka_group_result_name(groups[i])] = error ? rd_kafka_error_code(error) : RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    return out;
  }

  // The group's committed offsets for `list` (OffsetFetch from a consumer that never joins).
  std::map<std::string, int64_t> committed(const std::string& group, const rd_kafka_topic_partition_list_t* list) {
    Client reader = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", broker_.bootstrap()}, {"group.id", group}});
    PartitionList copy(rd_kafka_topic_partition_list_copy(list));
    EXPECT_EQ(rd_kafka_committed(reader.get(), copy.get(), 30'000), RD_KAFKA_RESP_ERR_NO_ERROR);
    std::map<std::string, int64_t> out;
    for (int i = 0; i < copy->cnt; ++i)
      out[std::string(copy->elems[i].topic) + "/" + std::to_string(copy->elems[i].partition)] = copy->elems[i].offset;
    rd_kafka_consumer_close(reader.get());
    return out;
  }

  // CreatePartitions to `total`: the topic's error code.
  rd_kafka_resp_err_t create_partitions(const std::string& topic, int total, bool validate_only = false) {
    char err[512];
    rd_kafka_NewPartitions_t* request = rd_kafka_NewPartitions_new(topic.c_str(), total, err, sizeof err);
    EXPECT_NE(request, nullptr) << err;
    rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(admin_.get(), RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
    EXPECT_EQ(rd_kafka_AdminOptions_set_validate_only(options, validate_only, err, sizeof err),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_CreatePartitions(admin_.get(), &request, 1, options, queue_.get());
    rd_kafka_NewPartitions_destroy(request);
    rd_kafka_AdminOptions_destroy(options);
    Event e = wait_result(queue_.get());
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(e.get()), &n);
    EXPECT_EQ(n, 1u);
    return n == 1 ? rd_kafka_topic_result_error(results[0]) : RD_KAFKA_RESP_ERR__FAIL;
  }

  // The topic's partition count from fresh metadata (-1 if the broker does not list it).
  int partition_count(const std::string& topic) {
    Client client = make_client(RD_KAFKA_PRODUCER,
                                {{"bootstrap.servers", broker_.bootstrap()}, {"allow.auto.create.topics", "false"}});
    const rd_kafka_metadata_t* metadata = nullptr;
    EXPECT_EQ(rd_kafka_metadata(client.get(), 1, nullptr, &metadata, 30'000), RD_KAFKA_RESP_ERR_NO_ERROR);
    int count = -1;
    for (int i = 0; metadata && i < metadata->topic_cnt; ++i)
      if (topic == metadata->topics[i].topic) count = metadata->topics[i].partition_cnt;
    if (metadata) rd_kafka_metadata_destroy(metadata);
    return count;
  }

  // DescribeConfigs of one resource: name -> (value, source); the resource's error as "error".
  std::map<std::string, std::pair<std::string, rd_kafka_ConfigSource_t>> describe_configs(rd_kafka_ResourceType_t type,
                                                                                          const std::string& name) {
    rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(type, name.c_str());
    rd_kafka_DescribeConfigs(admin_.get(), &resource, 1, nullptr, queue_.get());
    rd_kafka_ConfigResource_destroy(resource);
    Event e = wait_result(queue_.get());
    std::map<std::string, std::pair<std::string, rd_kafka_ConfigSource_t>> out;
    size_t n = 0;
    const rd_kafka_ConfigResource_t** resources =
        e ? rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(e.get()), &n) : nullptr;
    if (n != 1) return out;
    if (rd_kafka_ConfigResource_error(resources[0])) {
      out["error"] = {rd_kafka_err2name(rd_kafka_ConfigResource_error(resources[0])),
                      RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG};
      return out;
    }
    size_t count = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[0], &count);
    for (size_t i = 0; i < count; ++i) {
      const char* value = rd_kafka_ConfigEntry_value(entries[i]);
      out[rd_kafka_ConfigEntry_name(entries[i])] = {value ? value : "", rd_kafka_ConfigEntry_source(entries[i])};
    }
    return out;
  }

  // AlterConfigs of one resource to exactly these settings: the resource's error.
  rd_kafka_resp_err_t alter_configs(rd_kafka_ResourceType_t type, const std::string& name,
                                    const std::map<std::string, std::string>& settings) {
    rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(type, name.c_str());
    for (const auto& [key, value] : settings) rd_kafka_ConfigResource_set_config(resource, key.c_str(), value.c_str());
    rd_kafka_AlterConfigs(admin_.get(), &resource, 1, nullptr, queue_.get());
    rd_kafka_ConfigResource_destroy(resource);
    Event e = wait_result(queue_.get(), /*may_fail=*/true);
    size_t n = 0;
    const rd_kafka_ConfigResource_t** resources =
        e ? rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(e.get()), &n) : nullptr;
    return n == 1 ? rd_kafka_ConfigResource_error(resources[0]) : RD_KAFKA_RESP_ERR__FAIL;
  }

  // CreateTopics with settings: the topic's error.
  rd_kafka_resp_err_t create_topic_with(const std::string& topic, const std::map<std::string, std::string>& settings) {
    rd_kafka_NewTopic_t* request = rd_kafka_NewTopic_new(topic.c_str(), 1, 1, nullptr, 0);
    for (const auto& [key, value] : settings) rd_kafka_NewTopic_set_config(request, key.c_str(), value.c_str());
    rd_kafka_CreateTopics(admin_.get(), &request, 1, nullptr, queue_.get());
    rd_kafka_NewTopic_destroy(request);
    Event e = wait_result(queue_.get());
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        e ? rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(e.get()), &n) : nullptr;
    return n == 1 ? rd_kafka_topic_result_error(results[0]) : RD_KAFKA_RESP_ERR__FAIL;
  }

  // One record of `bytes` with this timestamp to partition 0: the delivery error.
  rd_kafka_resp_err_t produce_one(const std::string& topic, size_t bytes, int64_t timestamp_ms) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    rd_kafka_conf_set(conf, "bootstrap.servers", broker_.bootstrap().c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "acks", "all", err, sizeof err);
    rd_kafka_conf_set(conf, "message.timeout.ms", "10000", err, sizeof err);
    static rd_kafka_resp_err_t delivered;
    delivered = RD_KAFKA_RESP_ERR__FAIL;
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) { delivered = m->err; });
    Client producer(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err));
    std::string value(bytes, 'v');
    EXPECT_EQ(rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_flush(producer.get(), 15'000);
    return delivered;
  }

  std::pair<int64_t, int64_t> watermarks(const std::string& topic, int32_t partition) {
    Client consumer = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", broker_.bootstrap()}, {"group.id", "g"}});
    int64_t low = -1, high = -1;
    EXPECT_EQ(rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), partition, &low, &high, 30'000),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    return {low, high};
  }

  std::string scrape_metrics() {
    std::string out = test::scrape_metrics(broker_.metrics_port());
    EXPECT_FALSE(out.empty());
    return out;
  }

  BrokerProcess broker_;
  Client admin_;
  Queue queue_;
};

TEST_F(AdminClient, DeleteRecordsMovesTheStartDurablyAndRefusesOffsetsPastTheEnd) {
  const std::string topic = "rk-admin-trim";
  create_topic(topic, 2);
  produce(topic, 0, 10);
  produce(topic, 1, 4);
  auto delete_records = [&](std::initializer_list<std::pair<int32_t, int64_t>> before) {
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(before.size())));
    for (const auto& [partition, offset] : before)
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
    rd_kafka_DeleteRecords_t* request = rd_kafka_DeleteRecords_new(list.get());
    rd_kafka_DeleteRecords(admin_.get(), &request, 1, nullptr, queue_.get());
    rd_kafka_DeleteRecords_destroy(request);
    Event e = wait_result(queue_.get(), /*may_fail=*/true);
    std::map<int32_t, std::pair<rd_kafka_resp_err_t, int64_t>> out;  // partition -> error, low watermark
    const rd_kafka_topic_partition_list_t* results =
        e ? rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(e.get())) : nullptr;
    for (int i = 0; results && i < results->cnt; ++i)
      out[results->elems[i].partition] = {results->elems[i].err, results->elems[i].offset};
    return out;
  };
  auto low_watermark = [&](int32_t partition) {
    Client consumer = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", broker_.bootstrap()}, {"group.id", "g"}});
    int64_t low = -1, high = -1;
    EXPECT_EQ(rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), partition, &low, &high, 30'000),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    return low;
  };
  auto result = delete_records({{0, 6}, {1, RD_KAFKA_OFFSET_END}});
  EXPECT_EQ(result[0], std::make_pair(RD_KAFKA_RESP_ERR_NO_ERROR, int64_t{6}));
  EXPECT_EQ(result[1], std::make_pair(RD_KAFKA_RESP_ERR_NO_ERROR, int64_t{4}));
  EXPECT_EQ(low_watermark(0), 6);
  result = delete_records({{0, 11}});
  EXPECT_EQ(result[0].first, RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE);
  result = delete_records({{0, 3}});  // below the start: nothing moves back
  EXPECT_EQ(result[0], std::make_pair(RD_KAFKA_RESP_ERR_NO_ERROR, int64_t{6}));

  // A consumer from the beginning starts at the new start; the deletion survives a SIGKILL.
  broker_.kill_hard();
  broker_.start();
  EXPECT_EQ(low_watermark(0), 6);
  EXPECT_EQ(low_watermark(1), 4);
  Client consumer = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", broker_.bootstrap()}, {"group.id", "g"}});
  PartitionList assignment = partitions({{topic, 0}});
  assignment->elems[0].offset = RD_KAFKA_OFFSET_BEGINNING;
  ASSERT_EQ(rd_kafka_assign(consumer.get(), assignment.get()), RD_KAFKA_RESP_ERR_NO_ERROR);
  std::vector<int64_t> offsets;
  for (auto deadline = Clock::now() + std::chrono::seconds(30); offsets.size() < 4 && Clock::now() < deadline;) {
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer.get(), 200)) {
      if (!m->err) offsets.push_back(m->offset);
      rd_kafka_message_destroy(m);
    }
  }
  EXPECT_EQ(offsets, (std::vector<int64_t>{6, 7, 8, 9}));
}

TEST_F(AdminClient, TopicSettingsAreValidatedDescribedAlteredAndHonoured) {
  const std::string topic = "rk-admin-settings";
  EXPECT_EQ(create_topic_with("rk-admin-compacted", {{"cleanup.policy", "compact"}}), RD_KAFKA_RESP_ERR_INVALID_CONFIG);
  EXPECT_EQ(create_topic_with("rk-admin-odd", {{"segment.ms", "1000"}}), RD_KAFKA_RESP_ERR_INVALID_CONFIG);
  ASSERT_EQ(create_topic_with(topic, {{"max.message.bytes", "2000"}}), RD_KAFKA_RESP_ERR_NO_ERROR);

  auto configs = describe_configs(RD_KAFKA_RESOURCE_TOPIC, topic);
  EXPECT_EQ(configs["max.message.bytes"],
            std::make_pair(std::string("2000"), RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG));
  EXPECT_EQ(configs["cleanup.policy"], std::make_pair(std::string("delete"), RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG));
  EXPECT_EQ(configs["retention.ms"].second, RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
  EXPECT_EQ(describe_configs(RD_KAFKA_RESOURCE_TOPIC, "rk-admin-no-such-topic")["error"].first,
            "UNKNOWN_TOPIC_OR_PART");
  auto broker = describe_configs(RD_KAFKA_RESOURCE_BROKER, "1");
  EXPECT_EQ(broker["log.retention.ms"].first, configs["retention.ms"].first);
  EXPECT_EQ(broker["message.max.bytes"].second, RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);

  // max.message.bytes is enforced on produce.
  const int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_EQ(produce_one(topic, 5000, now), RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  EXPECT_EQ(produce_one(topic, 500, now - 3'600'000), RD_KAFKA_RESP_ERR_NO_ERROR);  // an hour old
  EXPECT_EQ(produce_one(topic, 500, now - 3'600'000), RD_KAFKA_RESP_ERR_NO_ERROR);

  // AlterConfigs replaces the settings: retention.ms set, max.message.bytes back to the broker's.
  EXPECT_EQ(alter_configs(RD_KAFKA_RESOURCE_TOPIC, topic, {{"cleanup.policy", "compact"}}),
            RD_KAFKA_RESP_ERR_INVALID_CONFIG);
  EXPECT_EQ(alter_configs(RD_KAFKA_RESOURCE_BROKER, "1", {{"log.retention.ms", "1000"}}),
            RD_KAFKA_RESP_ERR_INVALID_REQUEST);
  ASSERT_EQ(alter_configs(RD_KAFKA_RESOURCE_TOPIC, topic, {{"retention.ms", "60000"}}), RD_KAFKA_RESP_ERR_NO_ERROR);
  configs = describe_configs(RD_KAFKA_RESOURCE_TOPIC, topic);
  EXPECT_EQ(configs["retention.ms"], std::make_pair(std::string("60000"), RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG));
  EXPECT_NE(configs["max.message.bytes"].first, "2000");
  EXPECT_EQ(produce_one(topic, 5000, now), RD_KAFKA_RESP_ERR_NO_ERROR);

  // Retention: the two hour-old records go at the next maintenance round (every 5 s); the
  // recent one stays. The settings survive a SIGKILL.
  std::pair<int64_t, int64_t> marks;
  for (int i = 0; i < 300 && (marks = watermarks(topic, 0)).first != 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(marks, std::make_pair(int64_t{2}, int64_t{3}));
  broker_.kill_hard();
  broker_.start();
  EXPECT_EQ(describe_configs(RD_KAFKA_RESOURCE_TOPIC, topic)["retention.ms"].first, "60000");
  EXPECT_EQ(watermarks(topic, 0), std::make_pair(int64_t{2}, int64_t{3}));
}

TEST_F(AdminClient, CreatePartitionsGrowsATopicDurablyAndRefusesShrinking) {
  const std::string topic = "rk-admin-grow";
  create_topic(topic, 2);
  EXPECT_EQ(create_partitions(topic, 5, /*validate_only=*/true), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(partition_count(topic), 2) << "validate_only changed the topic";
  EXPECT_EQ(create_partitions(topic, 5), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(partition_count(topic), 5);
  produce(topic, 4, 3);  // the new partitions take records
  EXPECT_EQ(create_partitions(topic, 3), RD_KAFKA_RESP_ERR_INVALID_PARTITIONS);
  EXPECT_EQ(create_partitions(topic, 5), RD_KAFKA_RESP_ERR_INVALID_PARTITIONS);
  EXPECT_EQ(create_partitions("rk-admin-no-such-topic", 4), RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  broker_.kill_hard();
  broker_.start();
  EXPECT_EQ(partition_count(topic), 5);
  Client consumer = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", broker_.bootstrap()}, {"group.id", "g"}});
  int64_t low = -1, high = -1;
  EXPECT_EQ(rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), 4, &low, &high, 30'000),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(high, 3) << "records in a new partition survive a SIGKILL";
}

TEST_F(AdminClient, ListsDescribesDeletesOffsetsAndGroupsWithKafkasRefusals) {
  const std::string topic = "rk-admin-read", other = "rk-admin-other", group = "rk-admin-live";
  create_topic(topic, 2);
  create_topic(other, 1);
  produce(topic, 0, 5);
  produce(topic, 1, 5);

  // A live member of `group`, subscribed to `topic`, that commits offsets of both topics.
  Client consumer = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", broker_.bootstrap()},
                                                    {"group.id", group},
                                                    {"client.id", "rk-admin-member"},
                                                    {"auto.offset.reset", "earliest"},
                                                    {"enable.auto.commit", "false"}});
  rd_kafka_poll_set_consumer(consumer.get());
  PartitionList subscription = partitions({{topic, RD_KAFKA_PARTITION_UA}});
  ASSERT_EQ(rd_kafka_subscribe(consumer.get(), subscription.get()), RD_KAFKA_RESP_ERR_NO_ERROR);
  int consumed = 0;
  for (auto deadline = Clock::now() + std::chrono::seconds(60); consumed < 10 && Clock::now() < deadline;) {
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer.get(), 200)) {
      if (!m->err) ++consumed;
      rd_kafka_message_destroy(m);
    }
  }
  ASSERT_EQ(consumed, 10);
  PartitionList commits = partitions({{topic, 0}, {topic, 1}, {other, 0}});
  for (int i = 0; i < commits->cnt; ++i) commits->elems[i].offset = 3 + i;
  ASSERT_EQ(rd_kafka_commit(consumer.get(), commits.get(), /*async=*/0), RD_KAFKA_RESP_ERR_NO_ERROR);

  // Lag in /metrics: 5 records per partition of `topic`, committed 3 and 4; `other` is empty.
  const std::string metrics = scrape_metrics();
  EXPECT_NE(
      metrics.find("ringmq_consumer_group_lag{group=\"" + group + "\",topic=\"" + topic + "\",partition=\"0\"} 2\n"),
      std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find("ringmq_consumer_group_lag{group=\"" + group + "\",topic=\"" + topic + "\",partition=\"1\"} 1\n"),
      std::string::npos);
  EXPECT_NE(
      metrics.find("ringmq_consumer_group_lag{group=\"" + group + "\",topic=\"" + other + "\",partition=\"0\"} 0\n"),
      std::string::npos);

  auto listed = list_groups();
  ASSERT_TRUE(listed.contains(group));
  EXPECT_EQ(listed[group], RD_KAFKA_CONSUMER_GROUP_STATE_STABLE);

  {
    std::vector<const char*> names = {group.c_str(), "rk-admin-no-such-group"};
    rd_kafka_DescribeConsumerGroups(admin_.get(), names.data(), names.size(), nullptr, queue_.get());
    Event e = wait_result(queue_.get());
    size_t n = 0;
    const rd_kafka_ConsumerGroupDescription_t** groups =
        rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(e.get()), &n);
    ASSERT_EQ(n, 2u);
    const rd_kafka_ConsumerGroupDescription_t* live = groups[0];
    EXPECT_EQ(rd_kafka_ConsumerGroupDescription_error(live), nullptr);
    EXPECT_STREQ(rd_kafka_ConsumerGroupDescription_group_id(live), group.c_str());
    EXPECT_EQ(rd_kafka_ConsumerGroupDescription_state(live), RD_KAFKA_CONSUMER_GROUP_STATE_STABLE);
    EXPECT_FALSE(rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(live));
    EXPECT_STREQ(rd_kafka_ConsumerGroupDescription_partition_assignor(live), "range");
    ASSERT_EQ(rd_kafka_ConsumerGroupDescription_member_count(live), 1u);
    const rd_kafka_MemberDescription_t* member = rd_kafka_ConsumerGroupDescription_member(live, 0);
    EXPECT_STREQ(rd_kafka_MemberDescription_client_id(member), "rk-admin-member");
    EXPECT_STREQ(rd_kafka_MemberDescription_host(member), "127.0.0.1");
    const rd_kafka_topic_partition_list_t* assigned =
        rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(member));
    ASSERT_NE(assigned, nullptr);
    std::set<int32_t> assigned_partitions;
    for (int i = 0; i < assigned->cnt; ++i) {
      EXPECT_STREQ(assigned->elems[i].topic, topic.c_str());
      assigned_partitions.insert(assigned->elems[i].partition);
    }
    EXPECT_EQ(assigned_partitions, (std::set<int32_t>{0, 1}));
    EXPECT_EQ(rd_kafka_ConsumerGroupDescription_state(groups[1]), RD_KAFKA_CONSUMER_GROUP_STATE_DEAD);
    EXPECT_EQ(rd_kafka_ConsumerGroupDescription_member_count(groups[1]), 0u);
  }

  // While the member lives: its topic's offsets and the group stay; the other topic's go.
  PartitionList asked = partitions({{topic, 0}, {other, 0}, {"rk-admin-no-such-topic", 0}, {topic, 9}});
  auto deleted = delete_offsets(group, asked.get());
  EXPECT_EQ(deleted[topic + "/0"], RD_KAFKA_RESP_ERR_GROUP_SUBSCRIBED_TO_TOPIC);
  EXPECT_EQ(deleted[other + "/0"], RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(deleted["rk-admin-no-such-topic/0"], RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  EXPECT_EQ(deleted[topic + "/9"], RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  EXPECT_EQ(delete_groups({group})[group], RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP);
  auto offsets = committed(group, commits.get());
  EXPECT_EQ(offsets[topic + "/0"], 3);
  EXPECT_EQ(offsets[topic + "/1"], 4);
  EXPECT_EQ(offsets[other + "/0"], RD_KAFKA_OFFSET_INVALID);

  // Once it left, the group is Empty and its topic's offsets may go too.
  rd_kafka_consumer_close(consumer.get());
  consumer.reset();
  EXPECT_EQ(list_groups()[group], RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY);
  PartitionList first = partitions({{topic, 0}});
  EXPECT_EQ(delete_offsets(group, first.get())[topic + "/0"], RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(delete_offsets("rk-admin-no-such-group", first.get())["group"], RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND);

  // The deletions are in the log: replay after a SIGKILL gives the same offsets.
  broker_.kill_hard();
  broker_.start();
  offsets = committed(group, commits.get());
  EXPECT_EQ(offsets[topic + "/0"], RD_KAFKA_OFFSET_INVALID);
  EXPECT_EQ(offsets[topic + "/1"], 4);
  EXPECT_EQ(offsets[other + "/0"], RD_KAFKA_OFFSET_INVALID);

  auto results = delete_groups({group, "rk-admin-no-such-group"});
  EXPECT_EQ(results[group], RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(results["rk-admin-no-such-group"], RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND);
  EXPECT_FALSE(list_groups().contains(group));
  EXPECT_EQ(committed(group, commits.get())[topic + "/1"], RD_KAFKA_OFFSET_INVALID);
}

}  // namespace
}  // namespace ringmq::test
