// QueueIndexes: the ConsumeQueue of every queue, by queue id, under index/<queue id>/.
// The Dispatcher creates queues as it meets them; readers look them up concurrently.
// Queues live as long as the store (they are never destroyed while it is open).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/consume_queue.h"
#include "engine/file_system.h"

namespace ringmq::engine {

class QueueIndexes {
 public:
  QueueIndexes(std::shared_ptr<FileSystem> fs, std::string directory, uint32_t entries_per_file)
      : fs_(std::move(fs)), directory_(std::move(directory)), entries_per_file_(entries_per_file) {}

  // Opens every queue directory found on disk (index/<queue id>/).
  Status load(uint64_t log_end);
  ConsumeQueue* find(uint32_t queue_id) const;
  Result<ConsumeQueue*> find_or_create(uint32_t queue_id, uint64_t log_end);
  void for_each(const std::function<void(ConsumeQueue&)>& fn) const;
  std::string queue_directory(uint32_t queue_id) const;

 private:
  const std::shared_ptr<FileSystem> fs_;
  const std::string directory_;
  const uint32_t entries_per_file_;
  mutable std::shared_mutex mutex_;
  std::vector<std::unique_ptr<ConsumeQueue>> queues_;  // indexed by queue id; null = none
};

}  // namespace ringmq::engine
