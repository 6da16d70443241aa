// SegmentAllocator: a background thread that makes the next commit-log segments ready before
// the writer needs them (config.segments_ahead of them) (create the file, reserve it with fallocate, map it, make its
// directory entry durable, and let the SegmentWriter prepare it: warm and lock, or attach a pool buffer), and that
// retires segments the writer has left. Rolling to a new segment then costs the writer a hand-over under a mutex: no
// fault, no allocation, no system call.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/service_thread.h"
#include "engine/config.h"
#include "engine/file_system.h"
#include "engine/mapped_segment.h"
#include "engine/segment_writer.h"

namespace ringmq::engine {

class SegmentAllocator {
 public:
  SegmentAllocator(const EngineConfig& config, std::string directory, std::shared_ptr<FileSystem> fs,
                   SegmentWriter& writer);
  ~SegmentAllocator();

  // Starts the allocator thread and the writer's own background work; stop() ends both.
  void start();
  void stop();

  // Synchronous preparation (used at open for the active segment): create (and make its
  // name durable) or open, then let the writer prepare it.
  Result<std::shared_ptr<MappedSegment>> prepare_now(uint64_t base_offset, bool existing);
  // Asks for the segment at `base_offset`, and those after it up to segments_ahead, to be made
  // ready in the background.
  void request(uint64_t base_offset);
  // Hands over the segment at `base_offset`, waiting up to `timeout` for it. kBusy on timeout,
  // kDiskFull (or the allocator's error) if it could not be created.
  Result<std::shared_ptr<MappedSegment>> take(uint64_t base_offset, std::chrono::milliseconds timeout);
  // The writer is done with `segment`: the SegmentWriter retires it off the append path.
  void retire(std::shared_ptr<MappedSegment> segment);

 private:
  void run_once();

  const EngineConfig& config_;
  const std::string directory_;
  std::shared_ptr<FileSystem> fs_;
  SegmentWriter& writer_;
  ServiceThread thread_;

  mutable std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::optional<uint64_t> wanted_;  // the first base offset the writer needs next
  // Made, not yet taken, in offset order and contiguous from wanted_.
  std::deque<std::shared_ptr<MappedSegment>> ready_;
  // Why the next segment could not be made; no further attempt until the writer asks again.
  std::optional<Error> failure_;
  std::vector<std::shared_ptr<MappedSegment>> retired_;
};

}  // namespace ringmq::engine
