// GroupReplication: both ends of a clustered broker's replication. While the broker leads
// its group, ReplicationServer streams its commit log to the followers that connect; while it
// follows, ReplicationClient streams the leader's log into its own store. The listening port
// is bound before the broker joins the group, so that its registration can name it.
//
// It also keeps the group's in-sync set while the broker leads: each tick of the cluster
// thread it proposes the followers that keep up (InSyncAcks admits a joiner only once it holds
// everything committed) and drops those that have not caught up for replica_lag_max_ms —
// from etcd first, then from the acks=all waiting.
#pragma once

#include <memory>
#include <string>

#include "broker/replication/in_sync_acks.h"
#include "broker/replication/replication_client.h"
#include "broker/replication/replication_server.h"
#include "broker/server/broker_config.h"
#include "broker/server/broker_metrics.h"
#include "cluster/group_member.h"
#include "common/result.h"

namespace ringmq::broker {

class GroupReplication {
 public:
  // Binds the replication port on `host` (the advertised one). Start-up only.
  static Result<std::unique_ptr<GroupReplication>> bind(const BrokerConfig& config, const std::string& host);
  uint16_t port() const { return server_->port(); }
  // Starts serving followers (while `member` leads) and following (while it does not), and
  // registers the replication metrics. `store` and `member` must outlive stop().
  void start(engine::MessageStore& store, cluster::GroupMember& member, BrokerMetrics& metrics);
  // Ends both streams; the store may close after this. Idempotent.
  void stop();
  ~GroupReplication() { stop(); }

  const ReplicationServer& server() const { return *server_; }
  // What acks=all produce answers wait for (the router's side).
  InSyncAcks& in_sync() { return in_sync_; }
  const ReplicationClientStats* client_stats() const { return client_ ? &client_->stats() : nullptr; }

 private:
  GroupReplication(const BrokerConfig& config, std::unique_ptr<ReplicationServer> server)
      : config_(config),
        waits_for_durable_(config.cluster.acks_all_waits_for == "durable"),
        server_(std::move(server)) {}
  void register_metrics(const engine::MessageStore& store, BrokerMetrics& metrics);
  // The in-sync hooks (cluster thread).
  std::optional<std::vector<int32_t>> propose_in_sync(bool leading, const engine::MessageStore& store,
                                                      const cluster::GroupMember& member);
  void in_sync_held(const std::vector<int32_t>& members);
  // The follower offset acks=all counts: durable or received (cluster.acks_all_waits_for).
  uint64_t counted(uint64_t received, uint64_t durable) const { return waits_for_durable_ ? durable : received; }

  const BrokerConfig config_;
  const bool waits_for_durable_;
  std::unique_ptr<ReplicationServer> server_;
  std::unique_ptr<ReplicationClient> client_;
  InSyncAcks in_sync_;
  cluster::GroupMember* member_ = nullptr;
  int32_t led_epoch_ = -1;          // cluster thread: the epoch whose leadership the in-sync set belongs to
  std::vector<int32_t> last_held_;  // cluster thread: the in-sync set etcd held at the last tick
  std::atomic<uint64_t> isr_shrinks_{0}, isr_expands_{0};
};

}  // namespace ringmq::broker
