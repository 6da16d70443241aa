// MessageStore: the storage engine's front door. Owns the commit log, the per-queue indexes
// and the engine threads (allocator, dispatcher, flusher, retention), and runs recovery at
// open. Thread-safe: any thread may append and read.
//
//   auto store = MessageStore::open(config);           // recovers, starts the threads
//   auto r = store.value()->append({queue, payload, record_count, max_timestamp_ms});
//   ReadBatch batch; store.value()->read(queue, offset, max_bytes, batch);
//
// Every file operation goes through the FileSystem given to open() (the real one by default):
// tests inject faults there. The write mode is one SegmentWriter, picked at open.
//
// Files under data_dir: commitlog/<20-digit offset> segments, index/<queue id>/<20-digit
// entry> index files, `checkpoint` (the safe point) and `abort` (present while open: its
// presence at open means the last run crashed).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/service_thread.h"
#include "engine/commit_log.h"
#include "engine/config.h"
#include "engine/consume_queue.h"
#include "engine/file_system.h"
#include "engine/log_waiters.h"
#include "engine/offsets.h"
#include "engine/segment_writer.h"

namespace ringmq::engine {

class SegmentAllocator;
class QueueIndexes;
class Dispatcher;
class GroupCommitFlusher;
class RetentionService;
struct Checkpoint;

// One stored record as read back: a view into mapped memory, valid while its ReadBatch lives.
struct StoredBatch {
  std::span<const std::byte> payload;
  QueueOffset base_offset;
  uint32_t record_count = 0;
  int64_t max_timestamp_ms = 0;
  int64_t store_timestamp_ms = 0;
  LogPosition commit_log_offset;
};

// The result of read(): reuse one per reader; after warm-up clear() + read() allocate nothing.
class ReadBatch {
 public:
  std::vector<StoredBatch> batches;
  QueueOffset start_offset;  // the queue's first readable offset
  QueueOffset next_offset;   // the queue's next offset to be written (high watermark)
  void clear() {
    batches.clear();
    pins_.clear();
  }

 private:
  friend class MessageStore;
  // Keeps the viewed segments mapped (views stay valid for as long as the batch is held, in
  // every write mode: see MappedSegment::read_from).
  std::vector<std::shared_ptr<const void>> pins_;
};

struct QueueRange {
  QueueOffset start_offset;
  QueueOffset next_offset;
};

// What open() found and did, for the start-up log and tests.
struct OpenReport {
  bool previous_run_crashed = false;
  bool had_checkpoint = false;
  bool index_rebuilt = false;
  CommitLogRecovery commit_log;
  std::string summary() const;
};

class MessageStore {
 public:
  // Validates the config, checks the memlock allowance, recovers and starts the threads.
  // `fs` is the file system to use (the real one when null); it must outlive every read view.
  static Result<std::unique_ptr<MessageStore>> open(const EngineConfig& config,
                                                    std::shared_ptr<FileSystem> fs = nullptr);
  ~MessageStore();
  MessageStore(const MessageStore&) = delete;
  MessageStore& operator=(const MessageStore&) = delete;

  // Appends one record. In sync flush mode (or with wait_for_flush) it returns once durable.
  Result<AppendResult> append(const AppendRequest& request);
  Result<AppendResult> append(const AppendRequest& request, bool wait_for_flush);

  // Calls `done` (on the flusher thread) once everything below `end_offset` is durable, or
  // with the error (kTimeout, kClosed, a flush failure). Never blocks: for network threads
  // answering acks=all after an append(request, false).
  void when_durable(LogPosition end_offset, std::function<void(Status)> done);

  // `listener` runs on the dispatcher thread whenever newly appended records become readable
  // (after each indexing round, not per record): for waking long-polling readers.
  void set_index_listener(std::function<void()> listener);
  // Runs `done` once every record below `end_offset` is indexed (readable through read() and
  // queue_range()): at once if it is, else on the dispatcher thread; with an error if a
  // dispatch round fails first (the records are in the log, not yet readable).
  void when_indexed(LogPosition end_offset, std::function<void(Status)> done);

  // Reads whole records of `queue_id` from the one holding `offset`, up to `max_bytes` of
  // payload but always at least one record. An offset equal to the queue's next offset gives
  // an empty batch; outside [start, next] kOutOfRange; an unknown queue kNotFound; a record
  // that fails its CRC kCorrupt (if it is the first; otherwise the batch stops before it).
  Status read(uint32_t queue_id, QueueOffset offset, uint64_t max_bytes, ReadBatch& out) const;
  std::optional<QueueRange> queue_range(uint32_t queue_id) const;
  // The first offset whose record's max timestamp is >= timestamp_ms, or the next offset.
  Result<QueueOffset> offset_for_timestamp(uint32_t queue_id, int64_t timestamp_ms) const;
  // DeleteRecords: `queue_id` serves nothing below `offset` from now on, durably, and returns
  // its start (which may be higher already). kOutOfRange past the queue's next offset;
  // kNotFound for a queue never written (its start and end are 0).
  Result<QueueOffset> delete_records_before(uint32_t queue_id, QueueOffset offset);
  // Per-partition size retention: the offset from which the queue's newest records total at
  // most `bytes` (its next offset if even the last record is larger). kNotFound for a queue
  // never written.
  Result<QueueOffset> offset_keeping_bytes(uint32_t queue_id, uint64_t bytes) const;
  // Bytes of the records the queue still serves, from the one holding its start (DescribeLogDirs'
  // partition size). Walks the index: O(entries), for admin calls only. kNotFound for a queue
  // never written.
  Result<uint64_t> queue_bytes(uint32_t queue_id) const;
  // The commit-log position of the first record the queue serves; none for an empty or
  // unknown queue. The lowest over the queues a user keeps is its retention floor.
  std::optional<LogPosition> queue_start_position(uint32_t queue_id) const;
  // retention_by_queue_floor: segments ending above `position` outlive retention_ms.
  void set_retention_floor(LogPosition position);
  // The base offset of the first record holding the queue's largest max timestamp, or none
  // for an empty queue (kNotFound for an unknown one).
  Result<std::optional<QueueOffset>> offset_of_max_timestamp(uint32_t queue_id) const;

  // Replication. The leader's senders read the log as raw chunks (CommitLog::read_chunk) and
  // wait for it to grow; a follower appends the chunks (CommitLog::append_replicated), after
  // which its flusher, dispatcher and indexes treat them as its own appends.
  Result<LogChunk> read_log(uint64_t from, uint64_t max_bytes) const { return log_->read_chunk(from, max_bytes); }
  // True once written_offset() > `offset`; false after `timeout` or at close.
  bool wait_for_log_beyond(uint64_t offset, std::chrono::milliseconds timeout) const;
  Result<ReplicatedAppend> append_replicated(uint64_t at, std::span<const std::byte> bytes);
  std::optional<RecordTip> last_record() const { return log_->last_record(); }
  // One past the highest queue id with a record in the log (a follower's log may hold queues
  // its topics do not name yet).
  uint32_t queue_id_bound() const { return log_->queue_id_bound(); }
  Result<RecordTip> record_tip(uint64_t at) const { return log_->record_tip(at); }

  // Flushes everything written so far (close does this too).
  Status flush();
  // Runs one retention / disk-watermark round now.
  Status enforce_retention(int64_t now_ms);
  // Flushes, checkpoints and marks a clean stop. Idempotent; the destructor calls it. After a
  // failed flush it reports that failure and leaves the abort marker, so the next open
  // recovers by scanning.
  Status close();
  // Writes a checkpoint now (the checkpoint thread does every checkpoint_interval_ms). On
  // failure the previous checkpoint stays in place and valid.
  Status checkpoint();

  LogPosition written_offset() const;
  LogPosition flushed_offset() const;
  LogPosition log_start_offset() const;
  uint64_t locked_bytes() const;
  // For an operator's dashboard: the write mode in force (after a memlock fallback), the pool,
  // and whether appends are refused because the disk passed its high-water mark.
  WriteMode write_mode() const;
  // What the config asked for; differs from write_mode() after a memlock fallback.
  WriteMode configured_write_mode() const { return configured_write_mode_; }
  SegmentWriter::PoolUsage pool_usage() const;
  bool disk_full() const;
  // The first flush failure, which every append reports until the store is reopened.
  std::optional<Error> flush_failure() const;
  // Appends that found the dispatcher idle and woke it (a system call on the appending
  // thread); under a steady stream it stays awake and this hardly moves.
  uint64_t dispatcher_wakeups() const;
  // Durable flushes, and rounds in which the flusher wrote behind without syncing (pool).
  uint64_t flush_count() const;
  uint64_t write_behind_count() const;
  const OpenReport& open_report() const { return report_; }
  // The config as running: write_mode is the mode actually in use (pool may fall back).
  const EngineConfig& config() const { return config_; }

 private:
  MessageStore(const EngineConfig& config, std::shared_ptr<FileSystem> fs);
  // open()'s steps, in order.
  Status recover();
  std::optional<Checkpoint> load_checkpoint();
  Status open_commit_log(const std::optional<Checkpoint>& checkpoint);
  Status open_indexes(const std::optional<Checkpoint>& checkpoint);
  Status rebuild_indexes_if_needed(const std::optional<Checkpoint>& checkpoint, uint64_t end);
  Status mark_open();
  Status start_threads(const std::optional<Checkpoint>& checkpoint);

  EngineConfig config_;
  WriteMode configured_write_mode_ = WriteMode::kPool;
  std::shared_ptr<FileSystem> fs_;
  std::string commit_log_dir_, index_dir_, checkpoint_path_, abort_path_;
  // Declared before everything that uses it, so it is destroyed after them.
  std::unique_ptr<SegmentWriter> writer_;
  std::unique_ptr<SegmentAllocator> allocator_;
  std::unique_ptr<CommitLog> log_;
  std::unique_ptr<QueueIndexes> indexes_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<GroupCommitFlusher> flusher_;
  std::unique_ptr<RetentionService> retention_;
  mutable LogWaiters log_waiters_;  // replication senders waiting for appends
  ServiceThread checkpointer_;      // checkpoint() every checkpoint_interval_ms
  std::mutex checkpoint_mutex_;
  OpenReport report_;
  std::atomic<bool> closed_{false};
};

}  // namespace ringmq::engine
