#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "broker/kafka/offset_store.h"
#include "broker/kafka/offset_store_format.h"
#include "io/file.h"
#include "tests/engine/store_fixture.h"

namespace ringmq::broker::kafka {
namespace {

using engine::test::small_config;

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A MessageStore and the OffsetStore recovered from it, closed in the order a broker closes.
struct Broker {
  std::unique_ptr<engine::MessageStore> store;
  std::unique_ptr<OffsetStore> offsets;

  explicit Broker(const engine::EngineConfig& config, OffsetStoreOptions options = {}) {
    store = engine::test::open_store(config);
    if (!store) return;
    auto r = OffsetStore::recover(*store, options);
    EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
    if (r) offsets = std::move(*r);
  }
  ~Broker() {
    offsets.reset();
    store.reset();
  }
};

OffsetCommit at(std::string topic, int32_t partition, int64_t offset, int32_t epoch = -1, std::string metadata = "") {
  return {std::move(topic), partition, offset, epoch, std::move(metadata)};
}

void commit_ok(OffsetStore& offsets, std::string_view group, std::vector<OffsetCommit> commits) {
  auto s = offsets.commit(group, commits);
  ASSERT_TRUE(s) << s.error().to_string();
}

TEST(OffsetStore, AnswersMinusOneWhenNothingIsCommitted) {
  ringmq::test::TempDir dir;
  Broker broker(small_config(dir.path()));
  ASSERT_TRUE(broker.offsets);
  const CommittedOffset none = broker.offsets->fetch("g", "t", 0);
  EXPECT_EQ(none.offset, -1);
  EXPECT_EQ(none.leader_epoch, -1);
  EXPECT_TRUE(none.metadata.empty());
  EXPECT_TRUE(broker.offsets->fetch_all("g").empty());
  EXPECT_TRUE(broker.offsets->groups().empty());
}

TEST(OffsetStore, FetchesWhatWasCommittedAndTheLatestCommitWins) {
  ringmq::test::TempDir dir;
  Broker broker(small_config(dir.path()));
  ASSERT_TRUE(broker.offsets);
  const int64_t before = now_ms();
  commit_ok(*broker.offsets, "g", {at("t", 0, 10, 3, "meta"), at("t", 1, 20), at("u", 0, 5)});
  commit_ok(*broker.offsets, "g", {at("t", 0, 11, 4, "newer")});
  const CommittedOffset c = broker.offsets->fetch("g", "t", 0);
  EXPECT_EQ(c.offset, 11);
  EXPECT_EQ(c.leader_epoch, 4);
  EXPECT_EQ(c.metadata, "newer");
  EXPECT_GE(c.commit_timestamp_ms, before);
  EXPECT_EQ(broker.offsets->fetch("g", "t", 1).offset, 20);
  EXPECT_EQ(broker.offsets->fetch("other", "t", 1).offset, -1);

  auto all = broker.offsets->fetch_all("g");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].topic, "t");
  EXPECT_EQ(all[0].partition, 0);
  EXPECT_EQ(all[2].topic, "u");
  auto only_t = broker.offsets->fetch_all("g", "t");
  EXPECT_EQ(only_t.size(), 2u);
  EXPECT_EQ(broker.offsets->groups(), (std::vector<std::string>{"g"}));
}

TEST(OffsetStore, WritesOneEngineRecordPerCommitToQueueZero) {
  ringmq::test::TempDir dir;
  Broker broker(small_config(dir.path()));
  ASSERT_TRUE(broker.offsets);
  commit_ok(*broker.offsets, "g", {at("t", 0, 1), at("t", 1, 1), at("t", 2, 1)});
  commit_ok(*broker.offsets, "h", {at("t", 0, 2)});
  ASSERT_TRUE(engine::test::wait_indexed(*broker.store, kOffsetsQueueId, 2));
  EXPECT_EQ(broker.store->queue_range(kOffsetsQueueId)->next_offset, 2u);
  EXPECT_LE(broker.store->written_offset(), broker.store->flushed_offset()) << "durable before commit returned";
}

TEST(OffsetStore, RecoversCommittedOffsetsAfterTheStoreIsReopened) {
  ringmq::test::TempDir dir;
  const auto config = small_config(dir.path());
  {
    Broker broker(config);
    ASSERT_TRUE(broker.offsets);
    commit_ok(*broker.offsets, "g", {at("t", 0, 10, 1, "a"), at("t", 1, 20)});
    commit_ok(*broker.offsets, "g", {at("t", 0, 15, 2, "b")});
    commit_ok(*broker.offsets, "h", {at("u", 3, 7)});
  }
  Broker broker(config);
  ASSERT_TRUE(broker.offsets);
  EXPECT_EQ(broker.offsets->recovery_report().records, 3u);
  EXPECT_EQ(broker.offsets->recovery_report().live_offsets, 3u);
  const CommittedOffset c = broker.offsets->fetch("g", "t", 0);
  EXPECT_EQ(c.offset, 15);
  EXPECT_EQ(c.leader_epoch, 2);
  EXPECT_EQ(c.metadata, "b");
  EXPECT_EQ(broker.offsets->fetch("g", "t", 1).offset, 20);
  EXPECT_EQ(broker.offsets->fetch("h", "u", 3).offset, 7);
}

TEST(OffsetStore, RecoversCommitsThatWereFlushedBeforeACrash) {
  ringmq::test::TempDir dir;
  const auto config = small_config(dir.path());
  engine::test::run_and_crash(config, [](engine::MessageStore& store) {
    auto offsets = OffsetStore::recover(store);
    if (!offsets) ::_exit(4);
    std::vector<OffsetCommit> commits = {at("t", 0, 99)};
    if (!(*offsets)->commit("g", commits)) ::_exit(5);
  });
  Broker broker(config);
  ASSERT_TRUE(broker.offsets);
  EXPECT_TRUE(broker.store->open_report().previous_run_crashed);
  EXPECT_EQ(broker.offsets->fetch("g", "t", 0).offset, 99);
}

TEST(OffsetStore, CommitAsyncCallsBackOnceDurableAndSurvivesRestart) {
  ringmq::test::TempDir dir;
  const auto config = small_config(dir.path());
  {
    Broker broker(config);
    ASSERT_TRUE(broker.offsets);
    std::promise<Status> done;
    std::vector<OffsetCommit> commits = {at("t", 0, 5, -1, "async")};
    broker.offsets->commit_async("g", commits, [&](Status s) { done.set_value(std::move(s)); });
    Status s = done.get_future().get();
    ASSERT_TRUE(s) << s.error().to_string();
    EXPECT_EQ(broker.offsets->fetch("g", "t", 0).offset, 5);
    EXPECT_EQ(broker.offsets->fetch("g", "t", 0).metadata, "async");

    std::promise<Status> rejected;
    std::vector<OffsetCommit> big = {at("t", 0, 6, -1, std::string(5000, 'm'))};
    broker.offsets->commit_async("g", big, [&](Status s) { rejected.set_value(std::move(s)); });
    Status r = rejected.get_future().get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  Broker broker(config);
  ASSERT_TRUE(broker.offsets);
  EXPECT_EQ(broker.offsets->fetch("g", "t", 0).offset, 5);
}

TEST(OffsetStore, RejectsMetadataAboveTheLimitAndChangesNothing) {
  ringmq::test::TempDir dir;
  Broker broker(small_config(dir.path()));
  ASSERT_TRUE(broker.offsets);
  std::vector<OffsetCommit> commits = {at("t", 0, 1), at("t", 1, 1, -1, std::string(4097, 'x'))};
  auto s = broker.offsets->commit("g", commits);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message.find("max_metadata_bytes"), std::string::npos) << s.error().message;
  EXPECT_EQ(broker.offsets->fetch("g", "t", 0).offset, -1);
  EXPECT_FALSE(broker.store->queue_range(kOffsetsQueueId).has_value());
}

TEST(OffsetStore, DeletingATopicRemovesItsOffsetsInEveryGroupDurably) {
  ringmq::test::TempDir dir;
  const auto config = small_config(dir.path());
  {
    Broker broker(config);
    ASSERT_TRUE(broker.offsets);
    commit_ok(*broker.offsets, "g1", {at("t", 0, 1), at("t", 1, 2), at("u", 0, 3)});
    commit_ok(*broker.offsets, "g2", {at("t", 0, 4)});
    ASSERT_TRUE(broker.offsets->delete_topic("t"));
    EXPECT_EQ(broker.offsets->fetch("g1", "t", 0).offset, -1);
    EXPECT_EQ(broker.offsets->fetch("g1", "u", 0).offset, 3);
    EXPECT_EQ(broker.offsets->groups(), (std::vector<std::string>{"g1"}));
  }
  {
    Broker broker(config);
    ASSERT_TRUE(broker.offsets);
    EXPECT_EQ(broker.offsets->recovery_report().tombstones, 1u);
    EXPECT_EQ(broker.offsets->fetch("g1", "t", 1).offset, -1);
    EXPECT_EQ(broker.offsets->fetch("g2", "t", 0).offset, -1);
    EXPECT_EQ(broker.offsets->fetch("g1", "u", 0).offset, 3);
    // A new topic of the same name starts clean and keeps what is committed after the delete.
    commit_ok(*broker.offsets, "g2", {at("t", 0, 8)});
  }
  Broker broker(config);
  ASSERT_TRUE(broker.offsets);
  EXPECT_EQ(broker.offsets->fetch("g2", "t", 0).offset, 8);
  EXPECT_EQ(broker.offsets->fetch("g1", "t", 0).offset, -1);
}

TEST(OffsetStore, DeletingAGroupRemovesAllItsOffsetsDurably) {
  ringmq::test::TempDir dir;
  const auto config = small_config(dir.path());
  {
    Broker broker(config);
    ASSERT_TRUE(broker.offsets);
    commit_ok(*broker.offsets, "g1", {at("t", 0, 1), at("u", 0, 2)});
    commit_ok(*broker.offsets, "g2", {at("t", 0, 3)});
    ASSERT_TRUE(broker.offsets->delete_group("g1"));
    EXPECT_TRUE(broker.offsets->fetch_all("g1").empty());
  }
  Broker broker(config);
  ASSERT_TRUE(broker.offsets);
  EXPECT_TRUE(broker.offsets->fetch_all("g1").empty());
  EXPECT_EQ(broker.offsets->fetch("g2", "t", 0).offset, 3);
}

TEST(OffsetStore, DeletingOffsetsRemovesOnlyThosePartitionsOfThatGroupDurably) {
  ringmq::test::TempDir dir;
  const auto config = small_config(dir.path());
  {
    Broker broker(config);
    ASSERT_TRUE(broker.offsets);
    commit_ok(*broker.offsets, "g1", {at("t", 0, 1), at("t", 1, 2), at("u", 0, 3)});
    commit_ok(*broker.offsets, "g2", {at("t", 0, 4)});
    const std::vector<TopicPartitionName> gone = {{"t", 0}, {"u", 0}, {"never-committed", 5}};
    ASSERT_TRUE(broker.offsets->delete_offsets("g1", gone));
    EXPECT_EQ(broker.offsets->fetch("g1", "t", 0).offset, -1);
    EXPECT_EQ(broker.offsets->fetch("g1", "u", 0).offset, -1);
    EXPECT_EQ(broker.offsets->fetch("g1", "t", 1).offset, 2);
    EXPECT_EQ(broker.offsets->fetch("g2", "t", 0).offset, 4);
    // A commit after the deletion counts again.
    commit_ok(*broker.offsets, "g1", {at("u", 0, 9)});
  }
  Broker broker(config);
  ASSERT_TRUE(broker.offsets);
  EXPECT_EQ(broker.offsets->recovery_report().tombstones, 1u);
  EXPECT_EQ(broker.offsets->fetch("g1", "t", 0).offset, -1);
  EXPECT_EQ(broker.offsets->fetch("g1", "t", 1).offset, 2);
  EXPECT_EQ(broker.offsets->fetch("g1", "u", 0).offset, 9);
  EXPECT_EQ(broker.offsets->fetch("g2", "t", 0).offset, 4);
  // Deleting a group's last offsets forgets the group.
  const std::vector<TopicPartitionName> rest = {{"t", 1}, {"u", 0}};
  EXPECT_TRUE(broker.offsets->has_group("g1"));
  ASSERT_TRUE(broker.offsets->delete_offsets("g1", rest));
  EXPECT_EQ(broker.offsets->groups(), std::vector<std::string>{"g2"});
  EXPECT_FALSE(broker.offsets->has_group("g1"));
  EXPECT_TRUE(broker.offsets->has_group("g2"));
}

TEST(OffsetStore, ConcurrentCommitsLeaveMemoryEqualToWhatReplayGives) {
  ringmq::test::TempDir dir;
  const auto config = small_config(dir.path());
  std::vector<PartitionOffset> in_memory;
  {
    Broker broker(config);
    ASSERT_TRUE(broker.offsets);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 40; ++i) {
          std::vector<OffsetCommit> commits = {at("t", i % 3, t * 1000 + i)};
          if (t % 2 == 0) {
            EXPECT_TRUE(broker.offsets->commit("g", commits));
          } else {
            std::promise<Status> done;
            broker.offsets->commit_async("g", commits, [&](Status s) { done.set_value(std::move(s)); });
            EXPECT_TRUE(done.get_future().get());
          }
          if (t == 3 && i == 20) {
            EXPECT_TRUE(broker.offsets->delete_topic("other"));
          }
          if (t == 1 && i == 30) {
            const std::vector<TopicPartitionName> gone = {{"t", 0}};
            EXPECT_TRUE(broker.offsets->delete_offsets("g", gone));
          }
        }
      });
    for (auto& th : threads) th.join();
    in_memory = broker.offsets->fetch_all("g");
  }
  Broker broker(config);
  ASSERT_TRUE(broker.offsets);
  auto replayed = broker.offsets->fetch_all("g");
  ASSERT_EQ(replayed.size(), in_memory.size());
  ASSERT_EQ(replayed.size(), 3u);
  for (size_t i = 0; i < replayed.size(); ++i) {
    EXPECT_EQ(replayed[i].partition, in_memory[i].partition);
    EXPECT_EQ(replayed[i].committed.offset, in_memory[i].committed.offset) << "partition " << i;
  }
}

TEST(OffsetStore, AnUndecodableRecordInQueueZeroIsAClearErrorAtRecovery) {
  ringmq::test::TempDir dir;
  const auto config = small_config(dir.path());
  {
    Broker broker(config);
    ASSERT_TRUE(broker.offsets);
    commit_ok(*broker.offsets, "g", {at("t", 0, 1)});
    engine::test::append_ok(*broker.store, kOffsetsQueueId, engine::test::payload(7, 32));
  }
  auto store = engine::test::open_store(config);
  ASSERT_TRUE(store);
  auto r = OffsetStore::recover(*store);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(r.error().message.find("queue 0 offset 1"), std::string::npos) << r.error().message;
}

TEST(OffsetStore, RestatementLetsRecoveryStartAtTheSnapshot) {
  ringmq::test::TempDir dir;
  const auto config = small_config(dir.path());
  OffsetStoreOptions options;
  options.rewrite_after_records = 5;
  options.rewrite_record_bytes = 100;  // a few entries per record: exercises the chunking
  {
    Broker broker(config, options);
    ASSERT_TRUE(broker.offsets);
    for (int i = 0; i < 4; ++i) commit_ok(*broker.offsets, "g", {at("t", i, i), at("u", i, 10 + i)});
    commit_ok(*broker.offsets, "h", {at("t", 0, 100, 7, "h-meta")});
    auto rewrote = broker.offsets->maintain(now_ms());
    ASSERT_TRUE(rewrote) << rewrote.error().to_string();
    EXPECT_TRUE(*rewrote);
    auto again = broker.offsets->maintain(now_ms());
    ASSERT_TRUE(again);
    EXPECT_FALSE(*again) << "nothing new since the restatement";
    commit_ok(*broker.offsets, "g", {at("t", 0, 50)});
  }
  Broker broker(config, options);
  ASSERT_TRUE(broker.offsets);
  const OffsetRecoveryReport& report = broker.offsets->recovery_report();
  EXPECT_TRUE(report.used_snapshot);
  EXPECT_EQ(report.replayed_from, 5u) << "five commits before the snapshot-begin record";
  EXPECT_EQ(report.live_offsets, 9u);
  EXPECT_EQ(broker.offsets->fetch("g", "t", 0).offset, 50);
  EXPECT_EQ(broker.offsets->fetch("g", "t", 3).offset, 3);
  EXPECT_EQ(broker.offsets->fetch("g", "u", 2).offset, 12);
  const CommittedOffset h = broker.offsets->fetch("h", "t", 0);
  EXPECT_EQ(h.offset, 100);
  EXPECT_EQ(h.leader_epoch, 7);
  EXPECT_EQ(h.metadata, "h-meta");
}

TEST(OffsetStore, ASnapshotPointerThatMissesASnapshotFallsBackToTheWholeQueue) {
  ringmq::test::TempDir dir;
  const auto config = small_config(dir.path());
  {
    Broker broker(config);
    ASSERT_TRUE(broker.offsets);
    commit_ok(*broker.offsets, "g", {at("t", 0, 1)});
    commit_ok(*broker.offsets, "g", {at("t", 1, 2)});
  }
  ASSERT_TRUE(io::write_file_atomically(dir.path() + "/offsets_snapshot", encode_offsets_snapshot(1)));
  Broker broker(config);
  ASSERT_TRUE(broker.offsets);
  EXPECT_FALSE(broker.offsets->recovery_report().used_snapshot);
  EXPECT_EQ(broker.offsets->fetch("g", "t", 0).offset, 1);
  EXPECT_EQ(broker.offsets->fetch("g", "t", 1).offset, 2);
}

TEST(OffsetStore, MaintainRestatesOffsetsOlderThanHalfTheRetentionTime) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  config.retention_ms = 60'000;
  Broker broker(config);
  ASSERT_TRUE(broker.offsets);
  commit_ok(*broker.offsets, "g", {at("t", 0, 1)});
  EXPECT_FALSE(*broker.offsets->maintain(now_ms()));
  EXPECT_TRUE(*broker.offsets->maintain(now_ms() + 31'000));
  EXPECT_FALSE(*broker.offsets->maintain(now_ms())) << "the restated record is fresh";
  EXPECT_EQ(broker.offsets->fetch("g", "t", 0).offset, 1);
}

TEST(OffsetStore, CommittedOffsetsOutliveSizeRetentionWhenMaintained) {
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  config.retention_bytes = 4 << 20;  // four 1 MiB segments
  {
    Broker broker(config);
    ASSERT_TRUE(broker.offsets);
    commit_ok(*broker.offsets, "g", {at("t", 0, 42, 1, "keep")});
    uint64_t next_payload = 0;
    bool restated = false;
    for (int round = 0; round < 10; ++round) {
      for (int i = 0; i < 1000; ++i)
        engine::test::append_ok(*broker.store, 7, engine::test::payload(next_payload++, 1000));
      auto m = broker.offsets->maintain(now_ms());
      ASSERT_TRUE(m) << m.error().to_string();
      restated = restated || *m;
      ASSERT_TRUE(engine::test::wait_indexed(*broker.store, 7, next_payload));
      ASSERT_TRUE(broker.store->enforce_retention(now_ms()));
    }
    EXPECT_TRUE(restated);
    EXPECT_GT(broker.store->log_start_offset(), 4u << 20) << "retention removed the original commit";
    EXPECT_EQ(broker.offsets->fetch("g", "t", 0).offset, 42);
  }
  Broker broker(config);
  ASSERT_TRUE(broker.offsets);
  const CommittedOffset c = broker.offsets->fetch("g", "t", 0);
  EXPECT_EQ(c.offset, 42);
  EXPECT_EQ(c.metadata, "keep");
}

TEST(OffsetsRecord, EncodesTheDocumentedLayout) {
  OffsetsRecord record;
  record.kind = OffsetsRecordKind::kCommit;
  record.group = "g";
  record.offsets.push_back({"t", 1, 0x10, 2, 3, "m"});
  const std::vector<uint8_t> expected = {
      'R',  'M',  'O',  'F',  0x01, 0x01, 0x00, 0x00,  // magic, version 1, kind commit, reserved
      0x01, 0x00, 'g',                                 // group
      0x01, 0x00, 0x00, 0x00,                          // entry_count 1
      0x01, 0x00, 't',                                 // topic
      0x01, 0x00, 0x00, 0x00,                          // partition 1
      0x10, 0,    0,    0,    0,    0,    0,    0,     // offset 16
      0x02, 0x00, 0x00, 0x00,                          // leader_epoch 2
      0x03, 0,    0,    0,    0,    0,    0,    0,     // commit_timestamp_ms 3
      0x01, 0x00, 'm',                                 // metadata
  };
  const auto encoded = encode_offsets_record(record);
  ASSERT_EQ(encoded.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(std::to_integer<uint8_t>(encoded[i]), expected[i]) << "byte " << i;
  EXPECT_EQ(encoded.size(), encoded_commit_prefix_size("g") + encoded_offset_size(record.offsets[0]));

  auto decoded = decode_offsets_record(encoded);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->group, "g");
  ASSERT_EQ(decoded->offsets.size(), 1u);
  EXPECT_EQ(decoded->offsets[0].metadata, "m");
  EXPECT_EQ(decoded->offsets[0].offset, 0x10);

  OffsetsRecord tombstone;
  tombstone.kind = OffsetsRecordKind::kDeleteTopic;
  tombstone.topic = "t";
  const std::vector<uint8_t> tombstone_bytes = {'R', 'M', 'O', 'F', 0x01, 0x02, 0x00, 0x00, 0x01, 0x00, 't'};
  const auto t = encode_offsets_record(tombstone);
  ASSERT_EQ(t.size(), tombstone_bytes.size());
  for (size_t i = 0; i < t.size(); ++i) EXPECT_EQ(std::to_integer<uint8_t>(t[i]), tombstone_bytes[i]);

  OffsetsRecord deleted;
  deleted.kind = OffsetsRecordKind::kDeleteOffsets;
  deleted.group = "g";
  deleted.offsets.push_back({.topic = "t", .partition = 2});
  const std::vector<uint8_t> deleted_bytes = {
      'R',  'M',  'O',  'F',  0x01, 0x05, 0x00, 0x00,  // magic, version 1, kind delete-offsets, reserved
      0x01, 0x00, 'g',                                 // group
      0x01, 0x00, 0x00, 0x00,                          // entry_count 1
      0x01, 0x00, 't',                                 // topic
      0x02, 0x00, 0x00, 0x00,                          // partition 2
  };
  const auto d = encode_offsets_record(deleted);
  ASSERT_EQ(d.size(), deleted_bytes.size());
  for (size_t i = 0; i < d.size(); ++i) EXPECT_EQ(std::to_integer<uint8_t>(d[i]), deleted_bytes[i]) << "byte " << i;
  auto round_trip = decode_offsets_record(d);
  ASSERT_TRUE(round_trip);
  EXPECT_EQ(round_trip->kind, OffsetsRecordKind::kDeleteOffsets);
  ASSERT_EQ(round_trip->offsets.size(), 1u);
  EXPECT_EQ(round_trip->offsets[0].topic, "t");
  EXPECT_EQ(round_trip->offsets[0].partition, 2);
  auto too_many = d;
  too_many[11] = std::byte{0xFF};
  EXPECT_FALSE(decode_offsets_record(too_many));
}

TEST(OffsetsRecord, RejectsDamagedOrForeignBytes) {
  OffsetsRecord record;
  record.group = "g";
  record.offsets.push_back({"t", 1, 2, 3, 4, "m"});
  auto bytes = encode_offsets_record(record);
  EXPECT_FALSE(decode_offsets_record(std::span(bytes).first(bytes.size() - 1)));
  auto longer = bytes;
  longer.push_back(std::byte{0});
  EXPECT_FALSE(decode_offsets_record(longer));
  auto newer = bytes;
  newer[4] = std::byte{2};
  auto r = decode_offsets_record(newer);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("version 2"), std::string::npos);
  auto huge_count = bytes;
  huge_count[11] = huge_count[12] = huge_count[13] = huge_count[14] = std::byte{0xFF};
  EXPECT_FALSE(decode_offsets_record(huge_count));
  auto unknown_kind = bytes;
  unknown_kind[5] = std::byte{9};
  EXPECT_FALSE(decode_offsets_record(unknown_kind));
}

TEST(OffsetsSnapshotFile, EncodesTheDocumentedLayout) {
  const std::vector<uint8_t> expected = {
      'R',  'M',  'O',  'S',  0x01, 0x00, 0x00, 0x00,  // magic, version 1, reserved
      0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // snapshot_offset
      0x70, 0xD3, 0x1F, 0x3E,                          // CRC32C (0x3E1FD370)
  };
  const auto encoded = encode_offsets_snapshot(0x0102030405060708);
  ASSERT_EQ(encoded.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(std::to_integer<uint8_t>(encoded[i]), expected[i]) << "byte " << i;
  EXPECT_EQ(*decode_offsets_snapshot(encoded), 0x0102030405060708u);
  auto damaged = encoded;
  damaged[9] ^= std::byte{1};
  EXPECT_FALSE(decode_offsets_snapshot(damaged));
}

}  // namespace
}  // namespace ringmq::broker::kafka
