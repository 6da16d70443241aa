#include "broker/replication/in_sync_acks.h"

#include <algorithm>
#include <limits>

namespace ringmq::broker {

void InSyncAcks::call(std::vector<std::pair<Done, int>>& ready, bool ok) {
  for (auto& [done, in_sync] : ready) done(ok, in_sync);
}

std::vector<std::pair<InSyncAcks::Done, int>> InSyncAcks::release_locked() {
  uint64_t reached = std::numeric_limits<uint64_t>::max();
  for (const Member& m : members_) reached = std::min(reached, m.offset);
  std::vector<std::pair<Done, int>> ready;
  const int in_sync = static_cast<int>(members_.size()) + 1;
  auto end = waiting_.upper_bound(reached);
  for (auto it = waiting_.begin(); it != end; ++it) {
    committed_ = std::max(committed_, it->first);
    ready.emplace_back(std::move(it->second), in_sync);
  }
  waiting_.erase(waiting_.begin(), end);
  return ready;
}

void InSyncAcks::wait(uint64_t end, Done done) {
  std::vector<std::pair<Done, int>> ready;
  {
    std::lock_guard lock(mutex_);
    waiting_.emplace(end, std::move(done));
    ready = release_locked();
  }
  call(ready, true);
}

void InSyncAcks::progress(int32_t node_id, uint64_t offset) {
  std::vector<std::pair<Done, int>> ready;
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.node_id == node_id; });
    if (it == members_.end() || offset <= it->offset) return;
    it->offset = offset;
    ready = release_locked();
  }
  call(ready, true);
  notify();
}

uint64_t InSyncAcks::reached() const {
  std::lock_guard lock(mutex_);
  uint64_t reached = std::numeric_limits<uint64_t>::max();
  for (const Member& m : members_) reached = std::min(reached, m.offset);
  return reached;
}

void InSyncAcks::note_served(uint64_t end) {
  std::lock_guard lock(mutex_);
  served_ = std::max(served_, end);
}

void InSyncAcks::set_listener(std::function<void()> listener) {
  std::lock_guard lock(listener_mutex_);
  listener_ = std::move(listener);
}

void InSyncAcks::notify() {
  std::lock_guard lock(listener_mutex_);
  if (listener_) listener_();
}

bool InSyncAcks::try_add(int32_t node_id, uint64_t offset) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.node_id == node_id; });
  if (it != members_.end()) return true;
  if (offset < committed_ || offset < served_) return false;
  members_.push_back({node_id, offset});
  return true;
}

void InSyncAcks::remove(int32_t node_id) {
  std::vector<std::pair<Done, int>> ready;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(members_, [&](const Member& m) { return m.node_id == node_id; });
    ready = release_locked();
  }
  call(ready, true);
  notify();
}

void InSyncAcks::fail_all() {
  std::vector<std::pair<Done, int>> ready;
  {
    std::lock_guard lock(mutex_);
    for (auto& [end, done] : waiting_) ready.emplace_back(std::move(done), 1);
    waiting_.clear();
    members_.clear();
  }
  call(ready, false);
}

void InSyncAcks::raise_committed(uint64_t offset) {
  std::lock_guard lock(mutex_);
  committed_ = std::max(committed_, offset);
}

uint64_t InSyncAcks::committed() const {
  std::lock_guard lock(mutex_);
  return committed_;
}

std::vector<int32_t> InSyncAcks::members() const {
  std::lock_guard lock(mutex_);
  std::vector<int32_t> out;
  for (const Member& m : members_) out.push_back(m.node_id);
  return out;
}

int InSyncAcks::size() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(members_.size()) + 1;
}

}  // namespace ringmq::broker
