// Frames captured from real clients talking to a codec-only test responder on loopback:
// kcat 1.7.1 on Debian's librdkafka 2.0.2, and KafkaJS 2.2.4 (tests/broker/corpus/README.md
// says how). They pin down the versions and field values those clients actually send; both
// clients also accepted every response the codec encoded in that session (produce, consume
// from the beginning, consumer groups, idempotence, compression, create/delete topics).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "broker/protocol/messages.h"
#include "tests/broker/protocol_wire.h"

namespace ringmq::broker::protocol {
namespace {

using testing::Bytes;

// A captured frame and what it decodes to (views into `frame`).
struct Captured {
  Bytes frame;
  RequestHeader header;
  Request request;
};

Captured load(const std::string& name) {
  Captured c;
  std::filesystem::path path = std::filesystem::path(__FILE__).parent_path() / "corpus" / name;
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  c.frame.resize(chars.size());
  if (!chars.empty()) std::memcpy(c.frame.data(), chars.data(), chars.size());
  EXPECT_FALSE(c.frame.empty()) << path;
  auto header = parse_request_header(c.frame);
  if (!header) {
    ADD_FAILURE() << name << ": " << header.error().message;
    return c;
  }
  c.header = *header;
  auto status = decode_request(c.header, c.request);
  if (!status) ADD_FAILURE() << name << ": " << status.error().message;
  return c;
}

TEST(ProtocolRealClients, LibrdkafkaOpensWithFlexibleApiVersionsV3) {
  Captured c = load("librdkafka-2.0.2_ApiVersions_v3.bin");
  EXPECT_EQ(c.header.header_version, 2);
  EXPECT_EQ(c.header.client_id, std::optional<std::string_view>("rdkafka"));
  const auto& r = std::get<ApiVersionsRequest>(c.request);
  EXPECT_EQ(r.client_software_name, "librdkafka");
  EXPECT_EQ(r.client_software_version, "2.0.2");
}

TEST(ProtocolRealClients, LibrdkafkaProducesOneUncompressedBatchPerPartition) {
  Captured c = load("librdkafka-2.0.2_Produce_v7.bin");
  const auto& r = std::get<ProduceRequest>(c.request);
  EXPECT_EQ(c.header.api_version, 7);
  EXPECT_FALSE(r.transactional_id.has_value());
  EXPECT_EQ(r.acks, -1);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].name, "test");
  ASSERT_EQ(r.topics[0].partitions.size(), 1u);
  RecordBatchIterator it(r.topics[0].partitions[0].records);
  auto batch = it.next();
  ASSERT_TRUE(batch && *batch) << (batch ? "" : batch.error().message);
  EXPECT_EQ((*batch)->header.record_count, 3);
  EXPECT_EQ((*batch)->header.base_offset, 0);
  EXPECT_EQ((*batch)->header.producer_id, -1);
  EXPECT_EQ((*batch)->header.compression(), Compression::kNone);
  auto end = it.next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
}

TEST(ProtocolRealClients, LibrdkafkaIdempotentProducerUsesFlexibleInitProducerIdV4) {
  Captured init = load("librdkafka-2.0.2_InitProducerId_v4.bin");
  EXPECT_EQ(init.header.header_version, 2);
  EXPECT_FALSE(std::get<InitProducerIdRequest>(init.request).transactional_id.has_value());

  Captured c = load("librdkafka-2.0.2_Produce_v7_idempotent.bin");
  const auto& r = std::get<ProduceRequest>(c.request);
  auto batch = parse_record_batch(r.topics.at(0).partitions.at(0).records);
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->header.producer_id, 1000);  // what the test responder handed out
  EXPECT_EQ(batch->header.producer_epoch, 0);
  EXPECT_EQ(batch->header.base_sequence, 0);
}

TEST(ProtocolRealClients, LibrdkafkaZstdBatchIsValidatedByHeaderAndCrc) {
  Captured c = load("librdkafka-2.0.2_Produce_v7_zstd.bin");
  const auto& r = std::get<ProduceRequest>(c.request);
  auto batch = parse_record_batch(r.topics.at(0).partitions.at(0).records);
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->header.compression(), Compression::kZstd);
}

TEST(ProtocolRealClients, LibrdkafkaFetchesSessionlessWithFetchV11) {
  Captured c = load("librdkafka-2.0.2_Fetch_v11.bin");
  const auto& r = std::get<FetchRequest>(c.request);
  EXPECT_EQ(r.replica_id, -1);
  EXPECT_EQ(r.session_id, 0);
  EXPECT_EQ(r.session_epoch, -1);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].topic, "test");
  EXPECT_TRUE(r.forgotten_topics.empty());
}

TEST(ProtocolRealClients, LibrdkafkaJoinsWithRangeAndRoundRobin) {
  Captured c = load("librdkafka-2.0.2_JoinGroup_v5.bin");
  const auto& r = std::get<JoinGroupRequest>(c.request);
  EXPECT_EQ(r.group_id, "grp1");
  EXPECT_EQ(r.member_id, "");  // first join: the broker answers MEMBER_ID_REQUIRED (v4+)
  EXPECT_EQ(r.protocol_type, "consumer");
  ASSERT_EQ(r.protocols.size(), 2u);
  EXPECT_EQ(r.protocols[0].name, "range");
  EXPECT_EQ(r.protocols[1].name, "roundrobin");
}

TEST(ProtocolRealClients, LibrdkafkaGroupLifecycleDecodes) {
  EXPECT_EQ(std::get<FindCoordinatorRequest>(load("librdkafka-2.0.2_FindCoordinator_v2.bin").request).keys.at(0),
            "grp1");
  EXPECT_EQ(std::get<SyncGroupRequest>(load("librdkafka-2.0.2_SyncGroup_v3.bin").request).group_id, "grp1");
  EXPECT_EQ(std::get<HeartbeatRequest>(load("librdkafka-2.0.2_Heartbeat_v3.bin").request).generation_id, 1);
  EXPECT_EQ(std::get<OffsetCommitRequest>(load("librdkafka-2.0.2_OffsetCommit_v7.bin").request).group_id, "grp1");
  EXPECT_EQ(std::get<LeaveGroupRequest>(load("librdkafka-2.0.2_LeaveGroup_v1.bin").request).members.size(), 1u);
  EXPECT_EQ(std::get<ListOffsetsRequest>(load("librdkafka-2.0.2_ListOffsets_v2.bin").request).topics.size(), 1u);
  EXPECT_TRUE(std::get<MetadataRequest>(load("librdkafka-2.0.2_Metadata_v4.bin").request).topics.empty());
}

TEST(ProtocolRealClients, KafkaJsNeverUsesFlexibleVersions) {
  for (const char* name :
       {"kafkajs-2.2.4_ApiVersions_v2.bin", "kafkajs-2.2.4_Metadata_v6.bin", "kafkajs-2.2.4_Produce_v7.bin",
        "kafkajs-2.2.4_Fetch_v11.bin", "kafkajs-2.2.4_JoinGroup_v5.bin", "kafkajs-2.2.4_OffsetFetch_v4.bin",
        "kafkajs-2.2.4_InitProducerId_v1.bin", "kafkajs-2.2.4_CreateTopics_v3.bin"}) {
    Captured c = load(name);
    EXPECT_EQ(c.header.header_version, 1) << name;
    EXPECT_EQ(c.header.client_id, std::optional<std::string_view>("kjs")) << name;
  }
}

TEST(ProtocolRealClients, KafkaJsGzipBatchFromAnIdempotentProducer) {
  Captured c = load("kafkajs-2.2.4_Produce_v7_gzip.bin");
  const auto& r = std::get<ProduceRequest>(c.request);
  EXPECT_EQ(r.topics.at(0).name, "kjs-topic");
  auto batch = parse_record_batch(r.topics.at(0).partitions.at(0).records);
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->header.compression(), Compression::kGzip);
  EXPECT_EQ(batch->header.producer_id, 1000);
  EXPECT_EQ(batch->header.base_sequence, 2);  // after the first, uncompressed batch of 2
}

TEST(ProtocolRealClients, KafkaJsGroupAndAdminRequestsDecode) {
  const auto& join = load("kafkajs-2.2.4_JoinGroup_v5.bin");
  const auto& j = std::get<JoinGroupRequest>(join.request);
  EXPECT_EQ(j.group_id, "kjs-group");
  EXPECT_EQ(j.session_timeout_ms, 30000);
  EXPECT_EQ(j.rebalance_timeout_ms, 60000);
  EXPECT_FALSE(j.group_instance_id.has_value());
  ASSERT_EQ(j.protocols.size(), 1u);
  EXPECT_EQ(j.protocols[0].name, "RoundRobinAssigner");

  const auto& fetch_offsets = load("kafkajs-2.2.4_OffsetFetch_v4.bin");
  const auto& of = std::get<OffsetFetchRequest>(fetch_offsets.request);
  ASSERT_EQ(of.groups.size(), 1u);
  EXPECT_EQ(of.groups[0].group_id, "kjs-group");
  ASSERT_EQ(of.groups[0].topics.size(), 1u);
  EXPECT_EQ(of.groups[0].topics[0].partition_indexes, std::vector<int32_t>{0});

  const auto& create = load("kafkajs-2.2.4_CreateTopics_v3.bin");
  const auto& ct = std::get<CreateTopicsRequest>(create.request);
  ASSERT_EQ(ct.topics.size(), 1u);
  EXPECT_EQ(ct.topics[0].name, "kjs-topic");
  EXPECT_EQ(ct.topics[0].num_partitions, 1);

  const auto& del = load("kafkajs-2.2.4_DeleteTopics_v1.bin");
  EXPECT_EQ(std::get<DeleteTopicsRequest>(del.request).topics.at(0).name, std::optional<std::string_view>("kjs-topic"));
}

TEST(ProtocolRealClients, LibrdkafkaAdminGroupCalls) {
  // ListConsumerGroups: v4 with no states filter, its tag buffer written twice.
  Captured list = load("librdkafka-2.0.2_ListGroups_v4.bin");
  EXPECT_EQ(list.header.header_version, 2);
  EXPECT_TRUE(std::get<ListGroupsRequest>(list.request).states_filter.empty());
  // DescribeConsumerGroups: non-flexible v4, one group per request.
  Captured describe = load("librdkafka-2.0.2_DescribeGroups_v4.bin");
  const auto& d = std::get<DescribeGroupsRequest>(describe.request);
  EXPECT_EQ(d.groups, std::vector<std::string_view>{"rk-admin-live"});
  EXPECT_FALSE(d.include_authorized_operations);
  Captured del = load("librdkafka-2.0.2_DeleteGroups_v1.bin");
  EXPECT_EQ(std::get<DeleteGroupsRequest>(del.request).groups, std::vector<std::string_view>{"rk-admin-live"});
  // DeleteConsumerGroupOffsets: one topic entry per partition asked, a topic may repeat.
  Captured offsets = load("librdkafka-2.0.2_OffsetDelete_v0.bin");
  const auto& o = std::get<OffsetDeleteRequest>(offsets.request);
  EXPECT_EQ(o.group_id, "rk-admin-live");
  ASSERT_EQ(o.topics.size(), 4u);
  EXPECT_EQ(o.topics[0].name, "rk-admin-read");
  EXPECT_EQ(o.topics[3].name, "rk-admin-read");
  EXPECT_EQ(o.topics[3].partitions, std::vector<int32_t>{9});
}

TEST(ProtocolRealClients, KafkajsAdminGroupCalls) {
  Captured list = load("kafkajs-2.2.4_ListGroups_v2.bin");
  EXPECT_EQ(list.header.api_version, 2);
  Captured describe = load("kafkajs-2.2.4_DescribeGroups_v2.bin");
  EXPECT_EQ(std::get<DescribeGroupsRequest>(describe.request).groups, std::vector<std::string_view>{"kjs-admin-live"});
  Captured del = load("kafkajs-2.2.4_DeleteGroups_v1.bin");
  EXPECT_EQ(std::get<DeleteGroupsRequest>(del.request).groups, std::vector<std::string_view>{"kjs-admin-live"});
}

TEST(ProtocolRealClients, BothClientsCreatePartitionsWithoutAssignments) {
  Captured rk = load("librdkafka-2.0.2_CreatePartitions_v0.bin");
  const auto& r = std::get<CreatePartitionsRequest>(rk.request);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].name, "rk-admin-grow");
  EXPECT_EQ(r.topics[0].count, 5);
  EXPECT_EQ(r.topics[0].assignment_count, -1);
  EXPECT_TRUE(r.validate_only);
  Captured kjs = load("kafkajs-2.2.4_CreatePartitions_v1.bin");
  const auto& k = std::get<CreatePartitionsRequest>(kjs.request);
  ASSERT_EQ(k.topics.size(), 1u);
  EXPECT_EQ(k.topics[0].count, 3);
  EXPECT_FALSE(k.validate_only);
}

TEST(ProtocolRealClients, LibrdkafkaAdminOffsetFetchForAllPartitionsEndsInZeroPadding) {
  // ListConsumerGroupOffsets without partitions: OffsetFetch v7, topics null, then three zero
  // bytes where librdkafka reserved room for the array count.
  Captured c = load("librdkafka-2.0.2-admin_OffsetFetch_v7.bin");
  const auto& r = std::get<OffsetFetchRequest>(c.request);
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].group_id, "g1");
  EXPECT_TRUE(r.groups[0].all_topics);
  EXPECT_EQ(c.header.body.size(), 9u);
}

TEST(ProtocolRealClients, BothClientsDeleteRecordsWithV1) {
  Captured rk = load("librdkafka-2.0.2_DeleteRecords_v1.bin");
  const auto& r = std::get<DeleteRecordsRequest>(rk.request);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].name, "rk-admin-trim");
  ASSERT_EQ(r.topics[0].partitions.size(), 2u);
  EXPECT_EQ(r.topics[0].partitions[0].offset, 6);
  EXPECT_EQ(r.topics[0].partitions[1].offset, -1);  // RD_KAFKA_OFFSET_END: the high watermark
  Captured kjs = load("kafkajs-2.2.4_DeleteRecords_v1.bin");
  const auto& k = std::get<DeleteRecordsRequest>(kjs.request);
  ASSERT_EQ(k.topics.size(), 1u);
  ASSERT_EQ(k.topics[0].partitions.size(), 1u);
  EXPECT_EQ(k.topics[0].partitions[0].offset, 2);
}

}  // namespace
}  // namespace ringmq::broker::protocol
