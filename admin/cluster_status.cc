// `ringmq-admin cluster status --etcd URLS`: the cluster as etcd holds it, read directly, so it
// answers when no broker does (a group without a leader, every broker down): each live broker
// with its group and role, and each group's leader, epoch, in-sync set and published topics.
#include <map>
#include <set>

#include "admin/commands.h"
#include "cluster/cluster_keys.h"
#include "cluster/etcd_client.h"

namespace ringmq::admin {
namespace {

// What etcd says about one broker group.
struct GroupState {
  std::optional<cluster::GroupLeader> leader;
  int32_t epoch = -1;
  cluster::InSyncSet isr;
  size_t topics = 0;
};

std::string members_text(const std::vector<int32_t>& members) {
  std::string out;
  for (int32_t id : members) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out.empty() ? "-" : out;
}

}  // namespace

int cluster_status(const std::vector<std::string>& endpoints, const std::string& cluster_name, int timeout_ms, Io& io) {
  if (!cluster::valid_name(cluster_name)) {
    io.err << "ringmq-admin: cluster name '" << cluster_name << "' must be 1-64 of A-Z a-z 0-9 . _ -\n";
    return kExitUsage;
  }
  auto etcd = cluster::EtcdClient::create(endpoints, std::chrono::milliseconds(timeout_ms));
  if (!etcd) {
    io.err << "ringmq-admin: " << etcd.error().message << "\n";
    return kExitUsage;
  }
  const cluster::ClusterKeys keys(cluster_name);
  auto brokers_found = etcd->get_prefix(keys.brokers_prefix());
  auto groups_found = brokers_found ? etcd->get_prefix(keys.groups_prefix()) : brokers_found;
  if (!groups_found) {
    io.err << "ringmq-admin: etcd: " << groups_found.error().message << "\n";
    return kExitUnreachable;
  }
  std::vector<cluster::BrokerRegistration> brokers;
  for (const auto& kv : *brokers_found) {
    if (auto b = cluster::decode_broker(kv.value))
      brokers.push_back(std::move(*b));
    else
      io.err << "ringmq-admin: skipping " << kv.key << ": " << b.error().message << "\n";
  }
  // groups/<group>/<leader|epoch|isr|topics|topic-requests/...>
  std::map<std::string, GroupState> groups;
  for (const auto& kv : *groups_found) {
    const std::string rest = kv.key.substr(keys.groups_prefix().size());
    const size_t slash = rest.find('/');
    if (slash == std::string::npos) continue;
    GroupState& g = groups[rest.substr(0, slash)];
    const std::string field = rest.substr(slash + 1);
    if (field == "leader") {
      if (auto l = cluster::decode_leader(kv.value)) g.leader = *l;
    } else if (field == "epoch") {
      g.epoch = cluster::decode_epoch(kv.value).value_or(-1);
    } else if (field == "isr") {
      g.isr = cluster::decode_isr(kv.value).value_or(cluster::InSyncSet{});
    } else if (field == "topics") {
      g.topics = cluster::decode_topics(kv.value).value_or(std::vector<cluster::PublishedTopic>{}).size();
    }
  }
  for (const auto& b : brokers) groups.try_emplace(b.group);

  JsonWriter json;
  json.begin_object().field("cluster", cluster_name);
  Table broker_table({"NODE", "GROUP", "ENDPOINT", "ROLE"});
  json.begin_array("brokers");
  for (const auto& b : brokers) {
    const GroupState& g = groups[b.group];
    const bool leads = g.leader && g.leader->node_id == b.node_id;
    const std::string endpoint = b.host + ":" + std::to_string(b.port);
    const char* role = leads ? "leader" : g.isr.contains(b.node_id) ? "follower (in sync)" : "follower";
    json.begin_object()
        .field("node_id", b.node_id)
        .field("group", b.group)
        .field("endpoint", endpoint)
        .field("role", role)
        .field("started_ms", b.started_ms)
        .end_object();
    broker_table.add({std::to_string(b.node_id), b.group, endpoint, role});
  }
  json.end_array();
  Table group_table({"GROUP", "LEADER", "EPOCH", "IN-SYNC", "TOPICS"});
  json.begin_array("groups");
  for (const auto& [name, g] : groups) {
    json.begin_object().field("group", name);
    if (g.leader)
      json.field("leader", g.leader->node_id);
    else
      json.null_field("leader");
    json.field("epoch", g.epoch);
    json.begin_array("in_sync", true);
    for (int32_t id : g.isr.members) json.item(id);
    json.end_array().field("topics", g.topics).end_object();
    group_table.add({name, g.leader ? std::to_string(g.leader->node_id) : "none", std::to_string(g.epoch),
                     members_text(g.isr.members), std::to_string(g.topics)});
  }
  json.end_array().end_object();
  if (io.json) {
    io.out << json.str();
  } else {
    broker_table.print(io.out);
    io.out << "\n";
    group_table.print(io.out);
  }
  return kExitOk;
}

}  // namespace ringmq::admin
