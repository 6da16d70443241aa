// RetentionService: a thread that keeps the data directory within bounds. Each round it
//  - checks the file system's fill level and, above disk_high_water_percent, makes the commit
//    log reject appends with kDiskFull (and lets them through again once below);
//  - deletes whole commit-log segments, oldest first, that are older than retention_ms (all
//    their records were stored before the next segment's first record, which is that old) and,
//    with retention_by_queue_floor, end at or below the floor (no queue serves from them any
//    more), or that are beyond retention_bytes; never the active segment nor one not yet
//    indexed;
//  - trims the per-queue indexes to the new log start.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "common/result.h"
#include "common/service_thread.h"
#include "engine/commit_log.h"
#include "engine/config.h"
#include "engine/dispatcher.h"

namespace ringmq::engine {

struct RetentionRound {
  uint32_t segments_deleted = 0;
  bool disk_full = false;
};

class RetentionService {
 public:
  RetentionService(const EngineConfig& config, FileSystem& fs, CommitLog& log, Dispatcher& dispatcher)
      : config_(config), fs_(fs), log_(log), dispatcher_(dispatcher) {}

  // The lowest commit-log position still served by some queue (retention_by_queue_floor).
  // Until it is set, nothing expires by time.
  void set_floor(uint64_t position) { floor_.store(position, std::memory_order_release); }
  ~RetentionService() { stop(); }

  void start();
  void stop() { thread_.stop(); }
  // One round now, on the calling thread (also what the thread runs).
  Result<RetentionRound> run_once(int64_t now_ms);

 private:
  const EngineConfig& config_;
  FileSystem& fs_;
  CommitLog& log_;
  Dispatcher& dispatcher_;
  ServiceThread thread_;
  bool was_full_ = false;
  std::atomic<uint64_t> floor_{0};
};

}  // namespace ringmq::engine
