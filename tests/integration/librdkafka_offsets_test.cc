// ListOffsets by time from a real client: librdkafka's rd_kafka_offsets_for_times against a
// real ringmq-broker, over batches each codec compressed, whose record timestamps are out of
// order inside and across batches. The answer is the first record at or after the time (never
// the base offset of its batch), -1 past the last record and on an empty partition.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/broker_process.h"

namespace ringmq::test {
namespace {

struct RdDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using Client = std::unique_ptr<rd_kafka_t, RdDeleter>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, RdDeleter>;

Client make_client(rd_kafka_type_t type, const std::map<std::string, std::string>& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [key, value] : settings)
    EXPECT_EQ(rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err), RD_KAFKA_CONF_OK) << err;
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  EXPECT_NE(rk, nullptr) << err;
  return Client(rk);
}

// Produces records with these timestamps to partition 0, lingering so that they share batches.
void produce(const std::string& bootstrap, const std::string& topic, const std::string& codec,
             const std::vector<int64_t>& timestamps) {
  Client producer = make_client(
      RD_KAFKA_PRODUCER,
      {{"bootstrap.servers", bootstrap}, {"acks", "all"}, {"linger.ms", "200"}, {"compression.codec", codec}});
  for (int64_t ts : timestamps) {
    std::string value = "at-" + std::to_string(ts) + std::string(200, 'x');  // worth compressing
    ASSERT_EQ(rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_TIMESTAMP(ts),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  ASSERT_EQ(rd_kafka_flush(producer.get(), 30'000), RD_KAFKA_RESP_ERR_NO_ERROR);
}

// rd_kafka_offsets_for_times for each time on `partition`.
std::vector<int64_t> offsets_for(const std::string& bootstrap, const std::string& topic, int32_t partition,
                                 const std::vector<int64_t>& times) {
  Client consumer = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap}, {"group.id", "ts-lookup"}});
  std::vector<int64_t> offsets;
  for (int64_t t : times) {
    PartitionList list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = t;
    EXPECT_EQ(rd_kafka_offsets_for_times(consumer.get(), list.get(), 30'000), RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(list->elems[0].err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(list->elems[0].err);
    offsets.push_back(list->elems[0].offset);
  }
  return offsets;
}

TEST(LibrdkafkaOffsetsForTimes, FindsRecordsInsideCompressedBatchesWithOutOfOrderTimestamps) {
  BrokerProcess broker({"--set", "topics.default_partitions=2"});
  // Offsets 0-5 in one linger window, then 6-7 starting earlier than anything before.
  const std::vector<int64_t> first = {1'000'000, 3'000'000, 2'000'000, 5'000'000, 4'000'000, 6'000'000};
  const std::vector<int64_t> second = {500'000, 7'000'000};
  const std::vector<int64_t> times = {0, 1'500'000, 3'500'000, 5'500'000, 6'500'000, 7'000'000, 7'000'001};
  const std::vector<int64_t> expected = {0, 1, 3, 5, 7, 7, -1};
  for (std::string codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    SCOPED_TRACE(codec);
    const std::string topic = "ts-" + codec;
    produce(broker.bootstrap(), topic, codec, first);
    produce(broker.bootstrap(), topic, codec, second);
    EXPECT_EQ(offsets_for(broker.bootstrap(), topic, 0, times), expected);
    EXPECT_EQ(offsets_for(broker.bootstrap(), topic, 1, {0}), std::vector<int64_t>{-1}) << "empty partition";
  }
}

}  // namespace
}  // namespace ringmq::test
