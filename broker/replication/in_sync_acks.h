// InSyncAcks: the leader's in-sync followers as acks=all sees them, and the produce answers
// waiting for them. An answer for records ending at `end` is released once every in-sync
// follower has acknowledged `end` (received or durable, as cluster.acks_all_waits_for says);
// with no follower in sync, at once. The highest end released so far is the committed offset:
// everything below it may have been acknowledged to a producer.
//
// Why this set and not etcd's: it changes first when a follower joins (answers wait for it
// before etcd names it electable) and last when one leaves (etcd stops naming it electable
// before answers stop waiting for it), so that any member etcd names in sync holds every
// acknowledged record. A follower joins only once it holds everything committed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

namespace ringmq::broker {

class InSyncAcks {
 public:
  // `ok` is false when leadership ended first (the answer must not acknowledge); `in_sync` is
  // the number of replicas (the leader included) the records reached.
  using Done = std::function<void(bool ok, int in_sync)>;

  // Calls `done` once every in-sync follower has `end`; at once (on this thread) if they do.
  void wait(uint64_t end, Done done);
  // A follower's progress (its received or durable offset, per the setting).
  void progress(int32_t node_id, uint64_t offset);
  // Adds `node_id` if it holds everything committed and everything a consumer was served
  // (`offset` >= both): otherwise electing it could take back what was acknowledged or read.
  // Whether it is in the set now.
  bool try_add(int32_t node_id, uint64_t offset);
  void remove(int32_t node_id);
  // Leadership ended: every waiting answer is released with ok = false, and the set emptied.
  void fail_all();

  // A new leadership: everything below `offset` may have been acknowledged by the previous
  // leader, so joiners must hold it.
  void raise_committed(uint64_t offset);
  uint64_t committed() const;
  // What every in-sync follower holds: the end of what consumers may read (the high
  // watermark, as a commit-log offset). No follower in sync: everything.
  uint64_t reached() const;
  // A fetch served records ending at `end` (a commit-log offset).
  void note_served(uint64_t end);
  // Called (on an ack thread) whenever reached() may have grown; empty to stop. It must not
  // call back into this object.
  void set_listener(std::function<void()> listener);
  std::vector<int32_t> members() const;
  // Replicas in sync, the leader included.
  int size() const;

 private:
  struct Member {
    int32_t node_id;
    uint64_t offset;
  };
  // Releases the waiters every member has reached; returns them for calling outside the lock.
  std::vector<std::pair<Done, int>> release_locked();
  static void call(std::vector<std::pair<Done, int>>& ready, bool ok);

  mutable std::mutex mutex_;
  std::vector<Member> members_;            // guarded by mutex_
  std::multimap<uint64_t, Done> waiting_;  // guarded by mutex_; by end offset
  uint64_t committed_ = 0;                 // guarded by mutex_
  uint64_t served_ = 0;                    // guarded by mutex_; the highest end a fetch served
  std::mutex listener_mutex_;
  std::function<void()> listener_;  // guarded by listener_mutex_
  // Calls the listener (outside mutex_).
  void notify();
};

}  // namespace ringmq::broker
