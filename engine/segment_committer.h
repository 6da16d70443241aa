// SegmentCommitter: the pool mode's path to disk. Writes byte ranges of a segment from the
// pool chunk that holds them to the segment file with io_uring (WRITE_FIXED from the
// registered chunks, O_DIRECT where the file system allows it), then fdatasyncs the files
// written through the ring. Every file call goes through the store's FileSystem.
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

  // Writes [from, to) of `segment` (offsets within it, inside the chunk that starts at
  // `chunk_at`) from `chunk` to the segment file, several pieces in flight at once.
  Status write(MappedSegment& segment, const PoolLease& chunk, uint64_t chunk_at, uint64_t from, uint64_t to);
  // `segment` is written to its end: its file is closed after its next sync.
  void segment_complete(const MappedSegment& segment);
  // fdatasyncs every file written since the last sync.
  Status sync();
  std::string describe() const;

 private:
  SegmentCommitter(io::Ring ring, std::shared_ptr<FileSystem> fs)
      : ring_(std::move(ring)), fs_(std::move(fs)), batch_(kMaxPieces) {}
  struct OpenFile {
    uint64_t base = 0;
    std::string path;
    io::DirectFile file;
    bool unsynced = false;  // written since its last fdatasync
    bool complete = false;  // written to its end: close after the next sync
  };
  Result<OpenFile*> file_for(const MappedSegment& segment);

  // Pieces of one write round: large enough for the device, several in flight.
  static constexpr uint64_t kPieceBytes = 4u << 20;
  static constexpr size_t kMaxPieces = 64;
  // Files open at once: one per leased buffer, plus one being closed.
  static constexpr size_t kMaxOpenFiles = 16;

  io::Ring ring_;
  std::shared_ptr<FileSystem> fs_;
  io::WriteBatch batch_;
  // Segment files being written or awaiting their sync: at most a few (one per leased buffer).
  std::vector<OpenFile> files_;
  std::vector<RingSyncTarget> sync_targets_;  // reused by sync_files: no allocation per flush
  std::vector<size_t> sync_files_index_;
  std::unique_ptr<bool[]> synced_;
};

}  // namespace ringmq::engine
