// OffsetStore: consumer groups' committed offsets, durable in the storage engine. Each commit
// is one engine record in the broker's internal queue 0 (layout: offset_store_format.h),
// appended and made durable before the in-memory map changes; start-up replays queue 0
// (later records win) to rebuild the map. Deleting a topic or a group writes a tombstone.
//
// Thread-safe. Reads take a shared lock on the map. Concurrent commits may complete out of
// order; each stored offset remembers the queue-0 offset of the record that wrote it, and a
// record only overwrites what older records wrote, so memory always matches what replay of
// the log would give.
//
// Retention: queue 0 lives in the shared commit log, whose retention deletes whole segments.
// maintain() (call it every few seconds) restates every live offset at the log's tail before
// retention could reach the records holding them, and bounds how much start-up must replay
// by pointing <data_dir>/offsets_snapshot at the newest complete restatement.
//
// Lifetime: destroy the OffsetStore after the MessageStore is closed or while it is still
// open; the destructor waits for commit_async callbacks still in flight.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/kafka/offset_store_format.h"
#include "common/result.h"
#include "engine/message_store.h"

namespace ringmq::broker::kafka {

// The engine queue that holds committed offsets (reserved: topics start at queue 1).
inline constexpr uint32_t kOffsetsQueueId = 0;

// One partition's offset in an OffsetCommit request.
struct OffsetCommit {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  int32_t leader_epoch = -1;  // -1: not given
  std::string metadata;       // a null metadata is stored as ""
};

// What OffsetFetch answers for one partition; offset -1 means nothing committed.
struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp_ms = -1;
};

// A partition named by its topic, for delete_offsets.
struct TopicPartitionName {
  std::string topic;
  int32_t partition = 0;
};

struct PartitionOffset {
  std::string topic;
  int32_t partition = 0;
  CommittedOffset committed;
};

struct OffsetStoreOptions {
  // Kafka's offset.metadata.max.bytes. commit() rejects longer metadata with kInvalidArgument;
  // handlers should answer OFFSET_METADATA_TOO_LARGE (12) for such partitions before calling.
  uint32_t max_metadata_bytes = 4096;
  // maintain() restates all offsets once this many records were written since the last
  // restatement, so start-up replays at most about this many records.
  uint64_t rewrite_after_records = 100'000;
  // Largest record a restatement writes (0: min(engine max_record_bytes, 1 MiB)).
  uint32_t rewrite_record_bytes = 0;
};

// What recover() found, for the start-up log and tests.
struct OffsetRecoveryReport {
  uint64_t replayed_from = 0;  // queue-0 offset replay started at
  uint64_t records = 0;
  uint64_t commits = 0;
  uint64_t tombstones = 0;
  bool used_snapshot = false;
  uint64_t live_offsets = 0;
  std::string summary() const;
};

class OffsetStore {
 public:
  // Rebuilds the map by replaying queue 0 of `store` (from the snapshot pointer if valid).
  // Call once at start-up, before any commit. A record that does not decode is a kCorrupt
  // error naming its offset (the broker must not silently reset consumer positions).
  static Result<std::unique_ptr<OffsetStore>> recover(engine::MessageStore& store, OffsetStoreOptions options = {});
  // Forgets every committed offset and replays queue 0 again: a broker that followed its
  // group's leader (queue 0 grew by replication, not by its own commits) and now leads.
  Status reload();
  ~OffsetStore();
  OffsetStore(const OffsetStore&) = delete;
  OffsetStore& operator=(const OffsetStore&) = delete;

  // Appends one record with every offset, waits until it is durable, then updates the map.
  // Blocks for the group commit (about one fdatasync). Errors: kInvalidArgument (a name over
  // 64 KiB, metadata over max_metadata_bytes), kTooLarge (above the engine's
  // max_record_bytes), and the engine's (kTimeout, kDiskFull, kClosed, kIo): then nothing
  // changed in memory, though a record whose flush timed out may still appear after a restart.
  Status commit(std::string_view group, std::span<const OffsetCommit> offsets);
  // The same without blocking on the flush: appends, then `done` runs once the record is
  // durable and the map updated, on the engine's flusher thread (keep it short: hand the
  // response to the connection's thread). Validation and append errors call `done` at once on
  // the calling thread. May block briefly while maintain() restates the offsets.
  void commit_async(std::string_view group, std::span<const OffsetCommit> offsets, std::function<void(Status)> done);

  CommittedOffset fetch(std::string_view group, std::string_view topic, int32_t partition) const;
  // Every committed offset of `group` (of one topic if given), sorted by topic, partition.
  std::vector<PartitionOffset> fetch_all(std::string_view group, std::optional<std::string_view> topic = {}) const;
  // Groups with at least one committed offset, sorted.
  std::vector<std::string> groups() const;
  // Whether `group` has at least one committed offset.
  bool has_group(std::string_view group) const;

  // Tombstones (blocking, durable before the map changes).
  Status delete_topic(std::string_view topic);
  Status delete_group(std::string_view group);
  // OffsetDelete: forgets the group's offsets of these partitions (those it has none of are
  // skipped). One record for all of them.
  Status delete_offsets(std::string_view group, std::span<const TopicPartitionName> partitions);

  // Restates every live offset now if any is getting near the engine's retention (older than
  // retention_ms / 2, or further than retention_bytes / 2 behind the log's end) or if
  // rewrite_after_records records were written since the last restatement. Returns whether
  // it restated.
  Result<bool> maintain(int64_t now_ms);
  // Restates every live offset unconditionally: a snapshot-begin record, then commit records
  // per group; then points offsets_snapshot at it. Commits wait while it runs.
  Status rewrite_live_offsets();

  const OffsetRecoveryReport& recovery_report() const { return report_; }
  uint64_t live_offset_count() const;

 private:
  // Where the record that wrote a stored offset sits. `version` (its queue-0 offset) orders
  // records; the rest tells maintain() how close retention is.
  struct Location {
    uint64_t version = 0;
    uint64_t commit_log_offset = 0;
    int64_t store_timestamp_ms = 0;
  };
  struct Slot {
    CommittedOffset value;
    Location at;
  };
  using Partitions = std::map<int32_t, Slot>;
  using Topics = std::map<std::string, Partitions, std::less<>>;
  using Groups = std::map<std::string, Topics, std::less<>>;

  OffsetStore(engine::MessageStore& store, OffsetStoreOptions options);
  Status replay();
  Result<OffsetsRecord> build_commit(std::string_view group, std::span<const OffsetCommit> offsets) const;
  Result<Location> append(const OffsetsRecord& record);
  // Map updates; callers hold map_mutex_ exclusively.
  void apply_commit(const OffsetsRecord& record, const Location& at);
  void apply_delete_topic(std::string_view topic, uint64_t version);
  void apply_delete_group(std::string_view group, uint64_t version);
  void apply_delete_offsets(const OffsetsRecord& record, uint64_t version);
  // Writers (commits, tombstones) register so a restatement can wait for a quiet moment.
  void begin_write();
  void end_write();

  engine::MessageStore& store_;
  const OffsetStoreOptions options_;
  const std::string snapshot_path_;
  OffsetRecoveryReport report_;

  mutable std::shared_mutex map_mutex_;
  Groups groups_;  // guarded by map_mutex_
  // Tombstones' queue-0 offsets, so that a commit appended before a tombstone but applied
  // after it stays deleted. Guarded by map_mutex_; cleared whenever no write is in flight.
  std::map<std::string, uint64_t, std::less<>> deleted_topics_, deleted_groups_;
  // The same for delete-offsets, keyed by partition_marker_key(group, topic, partition).
  std::map<std::string, uint64_t, std::less<>> deleted_partitions_;

  std::mutex write_mutex_;  // lock order: map_mutex_ before write_mutex_
  std::condition_variable write_cv_;
  uint32_t in_flight_ = 0;               // writers between begin_write and end_write
  bool rewriting_ = false;               // a restatement is running: new writers wait
  uint64_t records_since_snapshot_ = 0;  // guarded by write_mutex_
};

}  // namespace ringmq::broker::kafka
