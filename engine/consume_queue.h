// ConsumeQueue: the per-queue index. One fixed-size entry per commit-log record of the queue,
// in mapped files under index/<queue id>/, so a fetch finds a logical offset with a binary
// search and then reads the record in place. Written only by the Dispatcher; read by any
// thread. Entries are published with release order on entry_count_.
//
// Entry layout (32 bytes, little-endian), documented here and nowhere else:
//   offset size field
//   0      8    commit_log_offset   where the record starts in the commit log
//   8      4    size                the record's total size (header + payload)
//   12     4    record_count        logical offsets the record takes
//   16     8    base_offset         its first logical offset
//   24     8    max_timestamp_ms
// An all-zero entry is unused space.
// DeleteRecords moves a queue's start past records retention has not reached; the new start
// is kept in <dir>/start_offset (u64 offset, u32 CRC32C of those 8 bytes; little-endian),
// replaced atomically, and never moves back. Files are named by the 20-digit number of their first
// entry; each holds index_entries_per_file entries. Entry n lives in file n / per_file.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/file_system.h"
#include "engine/mapped_segment.h"
#include "engine/offsets.h"

namespace ringmq::engine {

struct IndexEntry {
  LogPosition commit_log_offset;
  uint32_t size = 0;
  uint32_t record_count = 0;
  QueueOffset base_offset;
  int64_t max_timestamp_ms = 0;

  QueueOffset end_offset() const { return base_offset + record_count; }
};
inline constexpr uint32_t kIndexEntrySize = 32;

class ConsumeQueue {
 public:
  // Opens (or creates) the index of `queue_id` in `directory`. Entries must form one run of
  // consecutive logical offsets pointing into [log_start, log_end) of the commit log; loading
  // stops at the first entry that breaks this (a torn tail, or a missing file), and the tail
  // after it is cleared so the dispatcher can rebuild it from the commit log.
  static Result<std::unique_ptr<ConsumeQueue>> open(std::shared_ptr<FileSystem> fs, const std::string& directory,
                                                    uint32_t queue_id, uint32_t entries_per_file, uint64_t log_end);
  ~ConsumeQueue();

  uint32_t queue_id() const { return queue_id_; }
  // [start_offset, next_offset): the logical offsets this index can serve.
  QueueOffset start_offset() const { return QueueOffset(start_offset_.load(std::memory_order_acquire)); }
  QueueOffset next_offset() const { return QueueOffset(next_offset_.load(std::memory_order_acquire)); }
  bool empty() const { return entry_count() == first_entry(); }

  // Dispatcher only. The entry must continue the queue (base == next_offset), or start it.
  Status append(const IndexEntry& entry);
  // Number of the entry whose range holds `logical_offset`; kOutOfRange outside
  // [start_offset, next_offset).
  Result<uint64_t> find(QueueOffset logical_offset) const;
  // Entry n, for first_entry() <= n < entry_count().
  IndexEntry entry(uint64_t n) const;
  uint64_t first_entry() const { return first_entry_.load(std::memory_order_acquire); }
  uint64_t entry_count() const { return entry_count_.load(std::memory_order_acquire); }

  // Makes the entries written so far durable.
  Status flush();
  // Retention: forgets entries pointing below `log_start` and deletes files made only of them.
  Status trim_before(LogPosition log_start);
  // First entry (in offset order) whose max timestamp is >= timestamp_ms (ListOffsets by
  // time), if any. Exact when timestamps are out of order: it skips whole blocks of entries
  // whose largest timestamp is below the target and scans the first block that is not.
  std::optional<uint64_t> find_by_timestamp(int64_t timestamp_ms) const;
  // The first entry holding the largest max timestamp of the queue (ListOffsets' -3), if any.
  std::optional<uint64_t> find_max_timestamp() const;
  // DeleteRecords: records below `offset` are no longer served (start_offset() becomes
  // `offset` if that is higher), durably before it returns. kOutOfRange above next_offset().
  Status advance_start(QueueOffset offset);
  // Drops every entry and file (the index was found inconsistent and is rebuilt).
  Status reset();

 private:
  ConsumeQueue(std::shared_ptr<FileSystem> fs, std::string directory, uint32_t queue_id, uint32_t entries_per_file)
      : fs_(std::move(fs)),
        directory_(std::move(directory)),
        queue_id_(queue_id),
        entries_per_file_(entries_per_file) {}
  Result<std::shared_ptr<MappedSegment>> add_file(uint64_t first_entry, bool existing);
  std::shared_ptr<MappedSegment> file_for(uint64_t n) const;
  // Makes `offset` (start <= offset <= next) the start and the entry holding it the first.
  void move_start_to(uint64_t offset);
  // Records entry n's max timestamp in its block (n only grows, one entry at a time).
  void note_timestamp(uint64_t n, int64_t max_timestamp_ms);
  // The first block at or after `block` whose max timestamp is >= timestamp_ms.
  std::optional<uint64_t> next_block_reaching(uint64_t block, int64_t timestamp_ms) const;

  const std::shared_ptr<FileSystem> fs_;
  const std::string directory_;
  const uint32_t queue_id_;
  const uint32_t entries_per_file_;
  mutable std::shared_mutex files_mutex_;              // guards files_
  std::vector<std::shared_ptr<MappedSegment>> files_;  // contiguous, by first entry
  std::atomic<uint64_t> first_entry_{0};
  std::atomic<uint64_t> entry_count_{0};
  std::atomic<uint64_t> start_offset_{0};
  std::atomic<uint64_t> next_offset_{0};
  uint64_t flushed_entries_ = 0;  // flusher's progress
  // The start DeleteRecords asked for (0: none); retention's trims never go below it.
  std::atomic<uint64_t> deleted_before_{0};
  std::mutex start_mutex_;  // serializes advance_start and trim_before

  // Largest max timestamp per block of kTimestampBlockEntries entries, block first_block_
  // first. Guarded by blocks_mutex_ (taken once per append, never while reading entries).
  static constexpr uint64_t kTimestampBlockEntries = 4096;
  mutable std::mutex blocks_mutex_;
  std::deque<int64_t> block_max_timestamp_;
  uint64_t first_block_ = 0;
};

}  // namespace ringmq::engine
