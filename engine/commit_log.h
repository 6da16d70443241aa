// CommitLog: the single append-only log every queue writes to, as a list of fixed-size
// MappedSegments in commit-log offset order.
//
// Invariants:
//  - One writer at a time (append() takes write_mutex_); offsets only grow.
//  - written_offset() is published with release order after the record's bytes are in place:
//    every byte below it is a complete record or end-of-segment marker.
//  - Segments are contiguous: segment i+1 starts where segment i ends. The log starts at the
//    first segment's base (retention moves it forward a whole segment at a time).
//  - A record never spans segments.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/config.h"
#include "engine/file_system.h"
#include "engine/mapped_segment.h"
#include "engine/offsets.h"
#include "engine/record_format.h"
#include "engine/segment_allocator.h"
#include "engine/segment_writer.h"

namespace ringmq::engine {

struct AppendRequest {
  uint32_t queue_id = 0;
  std::span<const std::byte> payload;
  uint32_t record_count = 1;      // logical offsets the payload takes
  int64_t max_timestamp_ms = -1;  // producer's largest timestamp; -1 = use the store time
  // If >= 0: the assigned queue offset is written big-endian as 8 bytes at this payload
  // position before the record's CRC is computed (the broker's batches carry their base
  // offset in the payload, and only the log knows it).
  int32_t stamp_offset_at = -1;
};

struct AppendResult {
  QueueOffset queue_offset;       // first logical offset assigned
  LogPosition commit_log_offset;  // where the record starts
  LogPosition end_offset;         // just past the record (flush target)
  int64_t store_timestamp_ms = 0;
};

// A record read back with the segment that holds it pinned (views stay valid while held).
struct PinnedRecord {
  DecodedSlot slot;
  std::shared_ptr<MappedSegment> segment;
};

// Replication: a run of whole slots of the log exactly as they are stored (records, possibly
// ending with an end-of-segment marker's 8 bytes), never crossing a segment. The view stays
// valid while `segment` is held.
struct LogChunk {
  uint64_t at = 0;  // commit-log offset of the first byte
  std::span<const std::byte> bytes;
  std::shared_ptr<MappedSegment> segment;
  uint32_t records = 0;
  uint64_t next = 0;  // where the next chunk starts (the next segment's base after a marker)
};

// The last record of a log, for a follower to prove its log is a prefix of the leader's: the
// leader's record at `at` must end at `end` with the same CRC.
struct RecordTip {
  uint64_t at = 0;
  uint64_t end = 0;
  uint32_t crc = 0;
};

// What a follower's append of a chunk did.
struct ReplicatedAppend {
  uint64_t end_offset = 0;  // the replica's log end after it (its written offset)
  uint32_t records = 0;
};

// What recovery found, for the start-up log and the tests.
struct CommitLogRecovery {
  uint64_t log_start_offset = 0;
  uint64_t end_offset = 0;
  uint64_t scanned_from = 0;
  uint64_t records_scanned = 0;
  uint64_t last_record_at = UINT64_MAX;  // the last record the scan saw (none: UINT64_MAX)
  bool truncated = false;                // a torn or corrupt tail was cut off
  std::string truncation_reason;
};

class CommitLog {
 public:
  CommitLog(const EngineConfig& config, std::string directory, std::shared_ptr<FileSystem> fs,
            SegmentAllocator& allocator, SegmentWriter& writer);

  // Opens the segments on disk and finds the end of valid data by scanning from the start of
  // the segment holding `trusted_offset` (what the last checkpoint saw flushed). A bad record
  // at or beyond trusted_offset is a torn tail: it and everything after it is cut off.
  // A bad record below it was flushed and then damaged: that fails with kCorrupt.
  Result<CommitLogRecovery> recover(uint64_t trusted_offset);

  Result<AppendResult> append(const AppendRequest& request);

  // Replication (commit_log_replication.cc). The leader reads its log in chunks from where a
  // follower is, and the follower appends them byte for byte, so that replicas are identical.
  //
  // read_chunk: the slots from `from` (a slot boundary of this log) up to written_offset(), at
  // most `max_bytes` unless the first record alone is larger. Empty at the log end. A `from`
  // in the unused tail of a segment (past its marker, or its last < 8 bytes) continues at the
  // next segment. kOutOfRange outside [log start, written offset]; kCorrupt when `from` is not
  // where a slot of this log starts (a follower whose log diverged).
  Result<LogChunk> read_chunk(uint64_t from, uint64_t max_bytes) const;
  // append_replicated: appends `bytes`, read from the leader's log at `at`. `at` must be this
  // log's end, or the next segment's base when this segment has no room for a marker (the
  // leader rolled there). Every record's CRC, position and queue offset is checked before it
  // is published; a marker rolls the log as the leader's did. A bad slot stops the chunk with
  // kCorrupt (the slots before it stay); a gap is kInvalidArgument; kDiskFull as append().
  Result<ReplicatedAppend> append_replicated(uint64_t at, std::span<const std::byte> bytes);
  // The last record appended (or found by recovery's scan): nullopt for an empty log, or when
  // recovery's scan started after it (the last segment begins with a roll).
  std::optional<RecordTip> last_record() const;
  // The record at `at`: kCorrupt if none starts there.
  Result<RecordTip> record_tip(uint64_t at) const;

  uint64_t written_offset() const { return written_offset_.load(std::memory_order_acquire); }
  uint64_t log_start_offset() const { return log_start_offset_.load(std::memory_order_acquire); }
  // Makes [from, to) durable through the SegmentWriter. One caller at a time (the flusher).
  Status flush_range(uint64_t from, uint64_t to);
  // Moves [from, to) towards the files without making it durable (SegmentWriter::write_behind).
  Status write_range(uint64_t from, uint64_t to);

  // The slot at `offset` (must be below written_offset()). kOutOfRange below the log start.
  Result<PinnedRecord> read_slot(uint64_t offset, bool verify_crc) const;
  std::shared_ptr<MappedSegment> segment_containing(uint64_t offset) const;
  // Start of the segment after the one holding `offset`.
  uint64_t next_segment_base(uint64_t offset) const {
    return (offset / config_.segment_bytes + 1) * config_.segment_bytes;
  }

  // Retention: the segments that could go (all but the active one), oldest first.
  std::vector<std::shared_ptr<MappedSegment>> inactive_segments() const;
  // Removes the oldest segment (it must be inactive) and advances the log start.
  Status delete_oldest_segment();
  uint64_t size_bytes() const;

  // One past the highest queue id the log holds a record of.
  uint32_t queue_id_bound() const {
    std::lock_guard lock(write_mutex_);
    return static_cast<uint32_t>(next_queue_offset_.size());
  }
  // After recovery: each queue's next offset, as the indexes know it.
  void seed_next_queue_offset(uint32_t queue_id, uint64_t next_offset);

  // Rejects appends with kDiskFull while set (the disk is above its high-water mark).
  void set_disk_full(bool full, std::string reason);
  bool disk_full() const { return disk_full_.load(std::memory_order_relaxed); }

 private:
  Status roll(uint64_t next_base);
  // Calls the writer with the segments covering [from, to), a few at a time.
  // (A template, defined and used in commit_log.cc only: no std::function on the flush path.)
  template <typename Apply>
  Status for_segment_ranges(uint64_t from, uint64_t to, Apply&& apply);

  // Recovery's steps (commit_log_recovery.cc).
  Result<std::vector<uint64_t>> list_segment_bases() const;
  Status drop_unwritten_segments(std::vector<uint64_t>& bases) const;
  Status check_contiguous(const std::vector<uint64_t>& bases) const;
  Status open_segments(const std::vector<uint64_t>& bases);
  Result<uint64_t> scan_to_end(uint64_t trusted_offset, CommitLogRecovery& report) const;
  Status cut_after(uint64_t end, CommitLogRecovery& report);
  Status start_new_log();
  void start_writing_at(uint64_t offset);

  const EngineConfig& config_;
  const std::string directory_;
  std::shared_ptr<FileSystem> fs_;
  SegmentAllocator& allocator_;
  SegmentWriter& writer_;

  mutable std::shared_mutex segments_mutex_;  // guards segments_ (writer rolls, retention trims)
  std::vector<std::shared_ptr<MappedSegment>> segments_;

  mutable std::mutex write_mutex_;
  std::shared_ptr<MappedSegment> active_;    // guarded by write_mutex_
  std::byte* active_base_ = nullptr;         // where appends to active_ are copied (SegmentWriter::append_base)
  uint64_t write_offset_ = 0;                // guarded by write_mutex_
  uint64_t last_record_at_ = UINT64_MAX;     // guarded by write_mutex_
  std::vector<uint64_t> next_queue_offset_;  // guarded by write_mutex_; indexed by queue id
  std::atomic<uint64_t> written_offset_{0};
  std::atomic<uint64_t> log_start_offset_{0};
  std::atomic<bool> disk_full_{false};
  std::string disk_full_reason_;  // guarded by write_mutex_
};

}  // namespace ringmq::engine
