#include "engine/queue_indexes.h"

#include <cstdio>

namespace ringmq::engine {

std::string QueueIndexes::queue_directory(uint32_t queue_id) const {
  char name[16];
  std::snprintf(name, sizeof name, "%010u", queue_id);
  return directory_ + "/" + name;
}

Status QueueIndexes::load(uint64_t log_end) {
  if (auto s = fs_->make_directories(directory_); !s) return s;
  auto names = fs_->list_directory(directory_);
  if (!names) return std::unexpected(names.error());
  for (const auto& name : *names) {
    if (name.size() != 10 || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto queue = find_or_create(static_cast<uint32_t>(std::stoul(name)), log_end);
    if (!queue) return std::unexpected(queue.error());
  }
  return {};
}

ConsumeQueue* QueueIndexes::find(uint32_t queue_id) const {
  std::shared_lock lock(mutex_);
  return queue_id < queues_.size() ? queues_[queue_id].get() : nullptr;
}

Result<ConsumeQueue*> QueueIndexes::find_or_create(uint32_t queue_id, uint64_t log_end) {
  if (auto* queue = find(queue_id)) return queue;
  auto queue = ConsumeQueue::open(fs_, queue_directory(queue_id), queue_id, entries_per_file_, log_end);
  if (!queue) return std::unexpected(queue.error());
  std::unique_lock lock(mutex_);
  if (queue_id >= queues_.size()) queues_.resize(queue_id + 1);
  queues_[queue_id] = std::move(*queue);
  return queues_[queue_id].get();
}

void QueueIndexes::for_each(const std::function<void(ConsumeQueue&)>& fn) const {
  std::shared_lock lock(mutex_);
  for (const auto& queue : queues_)
    if (queue) fn(*queue);
}

}  // namespace ringmq::engine
