// SegmentCommitter: the pool mode's path to disk. Writes byte ranges of the commit log from
// the segments' pool buffers to the segment files with io_uring (WRITE_FIXED from the
// registered pool buffers, O_DIRECT where the file system allows it), then fdatasyncs them
// through the ring. A segment written up to its end gives its buffer back to the pool.
//
// Driven by the flusher thread only (calls are serialised by the flusher's flush mutex).
// O_DIRECT needs aligned offsets and lengths: ranges are widened to whole blocks. The block
// at the write position is therefore written more than once, each time with more records in
// it; bytes beyond the position are zeros (the pool zeroes buffers), so a crash between two
// writes leaves a tail that recovery cuts cleanly.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/result.h"
#include "engine/transient_pool.h"
#include "io/direct_file.h"
#include "io/ring.h"

namespace ringmq::engine {

class CommitLog;

class SegmentCommitter {
 public:
  // Sets up the ring and registers the pool's buffers with it. Start-up only.
  static Result<std::unique_ptr<SegmentCommitter>> create(TransientPool& pool);

  // Makes [from, to) of the commit log durable in the segment files.
  Status commit(CommitLog& log, uint64_t from, uint64_t to);
  std::string describe() const;

 private:
  SegmentCommitter(io::Ring ring, TransientPool& pool) : ring_(std::move(ring)), pool_(pool) {}
  Result<io::DirectFile*> file_for(uint64_t base, const std::string& path);
  void close_file(uint64_t base);

  io::Ring ring_;
  TransientPool& pool_;
  // Segment files being committed, by base offset: at most a few (one per leased buffer).
  std::vector<std::pair<uint64_t, io::DirectFile>> files_;
};

}  // namespace ringmq::engine
