// GroupMember: this broker's place in its broker group, kept in etcd. It holds an etcd lease
// (the broker's session), registers the broker on it, and once per tick (a quarter of the
// session timeout) renews the lease, reads the group's leader, epoch and in-sync set, and —
// when the group has no leader and this broker may lead — campaigns with a compare-and-swap
// that takes the leader key, the next epoch and the in-sync set in one transaction.
//
// Fencing: a leader answers requests only while `leading()` is true, which is until 80% of
// the session timeout after the last renewal it sent. A leader that cannot reach etcd, or was
// paused (SIGSTOP, a long stall), stops acknowledging before etcd can let its lease expire and
// hand the group to another member. The check is one atomic load and one clock read.
//
// One thread ("cluster") does all etcd calls; the view it publishes is read by handlers.
#pragma once

#include <time.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cluster/cluster_config.h"
#include "cluster/cluster_keys.h"
#include "cluster/etcd_client.h"
#include "common/result.h"
#include "common/service_thread.h"

namespace ringmq::cluster {

// What the cluster looked like at the last tick.
struct ClusterView {
  std::vector<BrokerRegistration> brokers;  // every live broker of the cluster, by node id
  std::optional<GroupLeader> leader;        // this broker's group's leader, if it has one
  int32_t epoch = -1;                       // the group's last leader epoch (-1: never had one)
  InSyncSet isr;
  std::vector<int32_t> group_members;  // live brokers of this broker's group, by node id
  std::vector<PublishedTopic> topics;  // the topics the group's leader last published
  int64_t read_at_ns = 0;              // GroupMember::now_ns() of the read this view comes from

  const BrokerRegistration* broker(int32_t node_id) const;
};

// Counts for metrics, read at scrape time.
struct GroupMemberStats {
  std::atomic<uint64_t> leader_changes{0};     // times this broker saw its group's leader change
  std::atomic<uint64_t> elections_won{0};      // times this broker became leader
  std::atomic<uint64_t> leadership_losses{0};  // times this broker stopped leading (fenced, deposed)
  std::atomic<uint64_t> etcd_errors{0};        // etcd requests that failed
  std::atomic<uint64_t> session_expiries{0};   // times etcd dropped this broker's lease
};

class GroupMember {
 public:
  // Opens the session and registers `self` (waiting up to one session timeout for a previous
  // run's registration of the same node id to expire), reads the group once, and starts the
  // thread. Start-up only: kInvalidArgument for a bad setting, kIo when etcd cannot be reached
  // or another live broker holds the node id.
  static Result<std::unique_ptr<GroupMember>> start(const ClusterConfig& config, BrokerRegistration self);
  // Steps down (stops leading at once), stops the thread and revokes the lease, so that the
  // registration and the leader key go now rather than a session timeout later: the first
  // step of a clean shutdown. The view and the stats stay readable. Idempotent.
  void resign();
  ~GroupMember() { resign(); }

  // The router's side of topics in a cluster, called on the cluster thread while this broker
  // leads: `list` is what it publishes for followers' Metadata (written when it changes),
  // `create` auto-creates a topic a follower was asked for. Empty hooks stop both; neither is
  // called after this returns. Any thread.
  // `adopt` is the follower's side: called on the cluster thread when the topics the leader
  // published changed, so that the follower's copy of the log is served under the same names
  // once it leads.
  struct TopicHooks {
    std::function<std::vector<PublishedTopic>()> list;
    std::function<void(const std::string&)> create;
    std::function<void(const std::vector<PublishedTopic>&)> adopt;
  };
  void set_topic_hooks(TopicHooks hooks);
  // The replication side of the in-sync set, called on the cluster thread every tick. `propose`
  // gets whether this broker leads and the set etcd holds, and returns the set it should hold
  // (nullopt: no change; only a leader's proposal is written, by compare-and-swap on the
  // leader key and the set's revision). `held` then gets the members etcd holds, after a write
  // that succeeded or when nothing had to change: a leader drops a follower from its own
  // acks=all waiting only once etcd no longer names it electable. Empty hooks stop both.
  struct InSyncHooks {
    std::function<std::optional<std::vector<int32_t>>(bool leading, const InSyncSet& current)> propose;
    std::function<void(const std::vector<int32_t>& members)> held;
  };
  void set_in_sync_hooks(InSyncHooks hooks);

  // A follower passes on a client's auto-creation of `topic` to the leader (through etcd, on
  // the next tick). Never blocks: any thread, network threads included.
  void request_topic(std::string topic);

  // Whether this broker leads its group and its leadership is still fresh. Any thread.
  bool leading() const {
    const int64_t until = leading_until_ns_.load(std::memory_order_acquire);
    return until != 0 && now_ns() < until;
  }
  // The epoch of this broker's leadership, or of the leader it last saw.
  int32_t leader_epoch() const { return epoch_.load(std::memory_order_acquire); }
  // How long a view stays good: a broker that has not read etcd for a session knows nothing.
  int64_t session_ns() const { return static_cast<int64_t>(config_.session_timeout_s) * 1'000'000'000; }
  // The clock of leadership and views: CLOCK_BOOTTIME, which keeps counting while the host is
  // suspended (as etcd's lease does), unlike steady_clock. A vDSO call, no system call.
  static int64_t now_ns() {
    timespec t{};
    ::clock_gettime(CLOCK_BOOTTIME, &t);
    return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
  }
  std::shared_ptr<const ClusterView> view() const;
  const GroupMemberStats& stats() const { return stats_; }

  GroupMember(const GroupMember&) = delete;
  GroupMember& operator=(const GroupMember&) = delete;

 private:
  GroupMember(const ClusterConfig& config, BrokerRegistration self, EtcdClient etcd);

  // A lease and the registration on it; `patience` is how long another holder of the node id
  // may take to go away.
  Status open_session(std::chrono::milliseconds patience);
  // One tick: renew, read the group (campaign if it is leaderless), read the brokers.
  void tick();
  // Reads the group's keys; campaigns once when it has no leader and `may_campaign`.
  Status refresh_group(int64_t renewed_at_ns, bool may_campaign = true);
  Status campaign(int32_t last_epoch, int64_t epoch_revision, const std::optional<InSyncSet>& isr,
                  int64_t isr_revision);
  Status refresh_brokers();
  // Writes the topic list when it differs from what etcd holds, on condition that this
  // broker's leader key is still the one it read.
  Status publish_topics();
  // Leader: creates the topics followers asked for and removes the requests. Follower: writes
  // the requests its clients made.
  Status serve_topic_requests();
  Status send_topic_requests();
  // Follower: hands changed published topics to the adopt hook.
  void adopt_topics();
  // Asks the in-sync hooks and writes the set they propose (see set_in_sync_hooks).
  Status update_in_sync_set();
  // This broker leads `leader` (a key it won or found with its own lease).
  void lead(const GroupLeader& leader, int64_t renewed_at_ns);
  void step_down(std::string_view why);
  void publish(ClusterView view);
  void count_etcd_error(const Error& error, std::string_view what);

  const ClusterConfig config_;
  const BrokerRegistration self_;
  const ClusterKeys keys_;
  const std::chrono::milliseconds tick_;
  const int64_t fence_after_ns_;  // leadership lasts this long after a renewal was sent
  EtcdClient etcd_;               // cluster thread only (and start-up / shutdown)
  int64_t lease_ = 0;
  int64_t renewed_at_ns_ = 0;
  bool was_leader_ = false;
  std::optional<int32_t> last_leader_;  // the leader the last tick saw, for change counting
  std::string last_error_;              // logged once per distinct error
  std::string leader_value_;            // the leader key's value as last read
  std::string topics_value_;            // the topics key's value as last read
  std::string adopted_topics_value_;    // the topics value a follower last adopted
  std::mutex hooks_mutex_;
  TopicHooks topic_hooks_;     // guarded by hooks_mutex_
  InSyncHooks in_sync_hooks_;  // guarded by hooks_mutex_
  int64_t isr_revision_ = 0;   // the in-sync key's mod revision as last read (0: absent)
  std::mutex requests_mutex_;
  std::vector<std::string> topic_requests_;  // guarded by requests_mutex_
  std::atomic<int64_t> leading_until_ns_{0};
  std::atomic<int32_t> epoch_{-1};
  mutable std::mutex view_mutex_;
  std::shared_ptr<const ClusterView> view_;
  ClusterView next_view_;  // built by the current tick
  GroupMemberStats stats_;
  ServiceThread thread_;
};

}  // namespace ringmq::cluster
