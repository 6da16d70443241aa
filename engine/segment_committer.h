// SegmentCommitter: the pool mode's path to disk. Writes byte ranges of the commit log from
// the segments' pool buffers to the segment files with io_uring (WRITE_FIXED from the
// registered pool buffers, O_DIRECT where the file system allows it), then fdatasyncs them
// through the ring. A segment written up to its end gives its buffer back to the pool.
// Every file call goes through the store's FileSystem.
//
// Driven by the flusher thread only (calls are serialised by the flusher's flush mutex).
// O_DIRECT needs aligned offsets and lengths: ranges are widened to whole blocks. The block
// at the write position is therefore written more than once, each time with more records in
// it; bytes beyond the position are zeros (the pool zeroes buffers), so a crash between two
// writes leaves a tail that recovery cuts cleanly.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/result.h"
#include "engine/file_system.h"
#include "engine/segment_writer.h"
#include "engine/transient_pool.h"
#include "io/direct_file.h"
#include "io/ring.h"
#include "io/write_batch.h"

namespace ringmq::engine {

class SegmentCommitter {
 public:
  // Sets up the ring and registers the pool's buffers with it. Start-up only.
  static Result<std::unique_ptr<SegmentCommitter>> create(TransientPool& pool, std::shared_ptr<FileSystem> fs);

  // Writes `ranges` to the segment files (what an earlier call already wrote is skipped),
  // several chunks in flight at once; with `sync`, then fdatasyncs every file written since
  // the last sync, making everything up to the last range's end durable.
  Status commit(std::span<const SegmentRange> ranges, bool sync);
  std::string describe() const;

 private:
  SegmentCommitter(io::Ring ring, std::shared_ptr<FileSystem> fs)
      : ring_(std::move(ring)), fs_(std::move(fs)), batch_(kMaxChunks) {}
  struct OpenFile {
    uint64_t base = 0;
    std::string path;
    io::DirectFile file;
    bool unsynced = false;  // written since its last fdatasync
    bool complete = false;  // written to its end: close after the next sync
  };
  Result<OpenFile*> file_for(const MappedSegment& segment);
  Status write_segment_range(MappedSegment& segment, PoolLease& lease, uint64_t from, uint64_t to);
  Status sync_files();

  // Chunks of one write round: large enough for the device, several in flight.
  static constexpr uint64_t kChunkBytes = 4u << 20;
  static constexpr size_t kMaxChunks = 64;
  // Files open at once: one per leased buffer, plus one being closed.
  static constexpr size_t kMaxOpenFiles = 16;

  io::Ring ring_;
  std::shared_ptr<FileSystem> fs_;
  io::WriteBatch batch_;
  uint64_t committed_ = 0;  // commit-log offset written to the files up to
  // Segment files being written or awaiting their sync: at most a few (one per leased buffer).
  std::vector<OpenFile> files_;
  std::vector<RingSyncTarget> sync_targets_;  // reused by sync_files: no allocation per flush
  std::vector<size_t> sync_files_index_;
  std::unique_ptr<bool[]> synced_;
};

}  // namespace ringmq::engine
