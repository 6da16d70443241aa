#include "broker/replication/group_replication.h"

#include <algorithm>

namespace ringmq::broker {
namespace {

std::string group_id(const BrokerConfig& config) { return config.cluster.name + "/" + config.cluster.group; }

// A silent peer is dropped after this: the session timeout, which is also how long etcd waits
// before it lets a dead leader go.
uint32_t io_timeout_ms(const BrokerConfig& config) { return config.cluster.session_timeout_s * 1000; }

}  // namespace

Result<std::unique_ptr<GroupReplication>> GroupReplication::bind(const BrokerConfig& config, const std::string& host) {
  ReplicationServerOptions options;
  options.host = host;
  options.port = config.cluster.replication_port;
  options.group = group_id(config);
  options.io_timeout_ms = io_timeout_ms(config);
  auto server = ReplicationServer::bind(std::move(options));
  if (!server) return std::unexpected(server.error());
  return std::unique_ptr<GroupReplication>(new GroupReplication(config, std::move(*server)));
}

void GroupReplication::start(engine::MessageStore& store, cluster::GroupMember& member, BrokerMetrics& metrics) {
  const cluster::GroupMember* m = &member;
  member_ = &member;
  server_->start(
      store,
      [m]() -> std::optional<int32_t> {
        if (!m->leading()) return std::nullopt;
        return m->leader_epoch();
      },
      [this](int32_t node, const ReplicaAck& ack) { in_sync_.progress(node, counted(ack.received, ack.durable)); });
  ReplicationClientOptions options;
  options.node_id = config_.server.node_id;
  options.group = group_id(config_);
  options.io_timeout_ms = io_timeout_ms(config_);
  client_ = ReplicationClient::start(
      std::move(options), store, [m, self = config_.server.node_id]() -> std::optional<ReplicationTarget> {
        if (m->leading()) return std::nullopt;
        const auto view = m->view();
        if (!view->leader || view->leader->node_id == self) return std::nullopt;
        const cluster::BrokerRegistration* leader = view->broker(view->leader->node_id);
        if (!leader || leader->replication_port == 0) return std::nullopt;
        return ReplicationTarget{leader->node_id, view->leader->epoch, leader->host, leader->replication_port};
      });
  register_metrics(store, metrics);
  const engine::MessageStore* s = &store;
  member.set_in_sync_hooks(
      {[this, s](bool leading, const cluster::InSyncSet&) { return propose_in_sync(leading, *s, *member_); },
       [this](const std::vector<int32_t>& members) { in_sync_held(members); }});
}

std::optional<std::vector<int32_t>> GroupReplication::propose_in_sync(bool leading, const engine::MessageStore& store,
                                                                      const cluster::GroupMember& member) {
  if (!leading) {
    if (led_epoch_ != -1) in_sync_.fail_all();  // answers still waiting must not acknowledge
    led_epoch_ = -1;
    return std::nullopt;
  }
  if (const int32_t epoch = member.leader_epoch(); epoch != led_epoch_) {
    // A new leadership: the set etcd holds is {this broker}. What this log holds may all have
    // been acknowledged by the previous leader, so a follower joins only once it has all of it.
    in_sync_.fail_all();
    in_sync_.raise_committed(store.written_offset().value());
    last_held_ = {config_.server.node_id};
    led_epoch_ = epoch;
  }
  const int64_t now = progress_clock_ns();
  const int64_t lag_max_ns = static_cast<int64_t>(config_.cluster.replica_lag_max_ms) * 1'000'000;
  std::vector<int32_t> proposed{config_.server.node_id};
  for (const FollowerProgress& f : server_->progress().snapshot()) {
    const bool keeping_up = f.connected && now - f.caught_up_ns <= lag_max_ns;
    if (keeping_up && in_sync_.try_add(f.node_id, counted(f.received, f.durable))) proposed.push_back(f.node_id);
  }
  return proposed;
}

void GroupReplication::in_sync_held(const std::vector<int32_t>& members) {
  auto holds = [](const std::vector<int32_t>& set, int32_t node) { return std::ranges::find(set, node) != set.end(); };
  for (int32_t node : members)
    if (!holds(last_held_, node)) isr_expands_.fetch_add(1, std::memory_order_relaxed);
  for (int32_t node : last_held_)
    if (!holds(members, node)) isr_shrinks_.fetch_add(1, std::memory_order_relaxed);
  last_held_ = members;
  // etcd no longer names them electable: answers stop waiting for them.
  for (int32_t node : in_sync_.members())
    if (!holds(members, node)) in_sync_.remove(node);
}

void GroupReplication::stop() {
  if (member_) member_->set_in_sync_hooks({});
  member_ = nullptr;
  if (client_) client_->stop();
  server_->stop();
  in_sync_.fail_all();  // answers still waiting for followers are not acknowledged
}

void GroupReplication::register_metrics(const engine::MessageStore& store, BrokerMetrics& metrics) {
  auto& r = metrics.registry;
  const ReplicationServer* server = server_.get();
  const ReplicationClientStats* client = &client_->stats();
  const engine::MessageStore* s = &store;
  r.labelled_callback_gauge(
      "ringmq_replication_follower_lag_bytes",
      "Leader: commit-log bytes a follower lacks, by its last ack (label node; connected followers only)",
      [server, s](std::vector<LabelledSample>& out) {
        const uint64_t end = s->written_offset().value();
        for (const FollowerProgress& f : server->progress().snapshot())
          if (f.connected)
            out.push_back(
                {{{"node", std::to_string(f.node_id)}}, static_cast<double>(end - std::min(end, f.received))});
      });
  r.callback_gauge("ringmq_replication_followers_connected", "Leader: followers streaming this broker's log", [server] {
    double n = 0;
    for (const FollowerProgress& f : server->progress().snapshot()) n += f.connected ? 1 : 0;
    return n;
  });
  r.callback_counter("ringmq_replication_sent_bytes_total", "Leader: commit-log bytes streamed to followers",
                     [server] { return static_cast<double>(server->bytes_sent()); });
  r.callback_gauge("ringmq_replication_in_sync_replicas",
                   "Leader: replicas acks=all waits for, this broker included (0 while not leading)",
                   [this] { return member_->leading() ? static_cast<double>(in_sync_.size()) : 0.0; });
  r.callback_gauge("ringmq_replication_committed_offset_bytes",
                   "Leader: commit-log offset below which every record reached the in-sync set",
                   [this] { return static_cast<double>(in_sync_.committed()); });
  r.callback_counter("ringmq_replication_isr_expands_total", "Leader: followers added to the in-sync set",
                     [this] { return static_cast<double>(isr_expands_.load()); });
  r.callback_counter("ringmq_replication_isr_shrinks_total", "Leader: followers dropped from the in-sync set",
                     [this] { return static_cast<double>(isr_shrinks_.load()); });
  r.callback_gauge("ringmq_replication_following", "Follower: 1 while streaming the leader's log",
                   [client] { return client->connected.load() ? 1.0 : 0.0; });
  r.callback_gauge("ringmq_replication_lag_bytes",
                   "Follower: bytes between the leader's log end as last heard and this broker's", [client, s] {
                     const uint64_t end = s->written_offset().value(), leader = client->leader_end.load();
                     return client->connected.load() ? static_cast<double>(leader - std::min(leader, end)) : 0.0;
                   });
  r.callback_counter("ringmq_replication_received_bytes_total", "Follower: commit-log bytes received and appended",
                     [client] { return static_cast<double>(client->bytes_received.load()); });
  r.callback_counter("ringmq_replication_refusals_total", "Follower: connections the leader refused (see the log)",
                     [client] { return static_cast<double>(client->refusals.load()); });
  r.callback_counter("ringmq_replication_stream_errors_total", "Follower: streams that ended on an error",
                     [client] { return static_cast<double>(client->errors.load()); });
}

}  // namespace ringmq::broker
