// SegmentAllocator: a background thread that makes the next commit-log segment ready before
// the writer needs it (create the file, reserve it with fallocate, map it, make its directory
// entry durable, and let the SegmentWriter prepare it: warm and lock, or attach a pool
// buffer), and that retires segments the writer has left. Rolling to a new segment then costs
// the writer a hand-over under a mutex: no fault, no allocation, no system call.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
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
  // Asks for the segment at `base_offset` to be made ready in the background.
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
  std::optional<uint64_t> wanted_;        // base offset asked for, not yet made
  std::shared_ptr<MappedSegment> ready_;  // made, not yet taken
  std::optional<Error> failure_;          // why the wanted segment could not be made
  std::vector<std::shared_ptr<MappedSegment>> retired_;
};

}  // namespace ringmq::engine
