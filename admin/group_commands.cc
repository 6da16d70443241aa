// The group commands: list, describe (members, committed offsets and lag), delete,
// reset-offsets and delete-offsets.
#include <algorithm>
#include <map>

#include "admin/commands.h"

namespace ringmq::admin {
int print_partitions(const std::vector<PartitionOutcome>& partitions, const char* offset_header, Io& io) {
  bool failed = false;
  JsonWriter json;
  json.begin_array();
  Table table({"TOPIC", "PARTITION", offset_header, "RESULT"});
  for (const PartitionOutcome& p : partitions) {
    const bool ok = p.error == "NO_ERROR";
    failed = failed || !ok;
    json.begin_object().field("topic", p.topic).field("partition", p.partition);
    json.field("offset", p.offset).field("error", p.error).end_object();
    table.add(
        {p.topic, std::to_string(p.partition), p.offset >= 0 ? std::to_string(p.offset) : "-", ok ? "OK" : p.error});
  }
  json.end_array();
  print(io, json, table);
  return failed ? kExitRefused : kExitOk;
}

namespace {

bool inactive(const std::string& state) { return state == "Empty" || state == "Dead"; }

}  // namespace

int group_list(KafkaAdmin& admin, Io& io) {
  auto groups = admin.list_groups();
  if (!groups) return report(groups.error(), io);
  JsonWriter json;
  json.begin_array();
  Table table({"GROUP", "STATE", "KIND"});
  for (const GroupListing& g : *groups) {
    json.begin_object().field("group", g.group).field("state", g.state).field("simple", g.simple).end_object();
    table.add({g.group, g.state, g.simple ? "offsets only" : "consumer group"});
  }
  json.end_array();
  print(io, json, table);
  return kExitOk;
}

int group_describe(KafkaAdmin& admin, const std::string& group, Io& io) {
  auto d = admin.describe_group(group);
  if (!d) return report(d.error(), io);
  if (d->state == "Dead")
    return report({"GROUP_ID_NOT_FOUND", "group '" + group + "' has no members and no committed offsets"}, io);
  auto offsets = admin.committed(group, {});
  if (!offsets) return report(offsets.error(), io);
  // Lag: each partition's end offset minus the committed one.
  std::map<std::string, TopicInfo> topics;
  for (const PartitionOutcome& p : *offsets) {
    if (topics.contains(p.topic)) continue;
    auto t = admin.describe_topic(p.topic);
    if (t) topics.emplace(p.topic, std::move(*t));
  }
  auto end_of = [&](const PartitionOutcome& p) -> int64_t {
    auto t = topics.find(p.topic);
    if (t == topics.end()) return -1;
    for (const PartitionInfo& info : t->second.partitions)
      if (info.partition == p.partition) return info.end_offset;
    return -1;
  };
  int64_t total_lag = 0;
  JsonWriter json;
  json.begin_object().field("group", group).field("state", d->state).field("assignor", d->assignor);
  json.begin_array("members");
  Table members({"MEMBER", "CLIENT", "HOST", "ASSIGNMENT"});
  for (const GroupMember& m : d->members) {
    std::string assigned;
    json.begin_object().field("member_id", m.member_id).field("client_id", m.client_id).field("host", m.host);
    json.begin_array("assignment");
    for (const auto& [topic, partition] : m.assignment) {
      json.begin_object().field("topic", topic).field("partition", partition).end_object();
      assigned += (assigned.empty() ? "" : ",") + topic + "/" + std::to_string(partition);
    }
    json.end_array().end_object();
    members.add({m.member_id, m.client_id, m.host, assigned});
  }
  json.end_array().begin_array("offsets");
  Table lag({"TOPIC", "PARTITION", "COMMITTED", "END-OFFSET", "LAG"});
  for (const PartitionOutcome& p : *offsets) {
    const int64_t end = end_of(p);
    const int64_t partition_lag = p.offset >= 0 && end >= 0 ? std::max<int64_t>(0, end - p.offset) : -1;
    if (partition_lag > 0) total_lag += partition_lag;
    json.begin_object().field("topic", p.topic).field("partition", p.partition);
    json.field("committed", p.offset).field("end_offset", end).field("lag", partition_lag).end_object();
    lag.add({p.topic, std::to_string(p.partition), std::to_string(p.offset), std::to_string(end),
             partition_lag >= 0 ? std::to_string(partition_lag) : "-"});
  }
  json.end_array().field("total_lag", total_lag).end_object();
  if (io.json) {
    io.out << json.str();
    return kExitOk;
  }
  io.out << "GROUP      " << group << "\nSTATE      " << d->state << "\nASSIGNOR   " << d->assignor << "\nMEMBERS    "
         << d->members.size() << "\nTOTAL-LAG  " << total_lag << "\n";
  if (!members.empty()) {
    io.out << "\n";
    members.print(io.out);
  }
  if (!lag.empty()) {
    io.out << "\n";
    lag.print(io.out);
  }
  return kExitOk;
}

int group_delete(KafkaAdmin& admin, const std::vector<std::string>& groups, Io& io) {
  auto outcomes = admin.delete_groups(groups);
  if (!outcomes) return report(outcomes.error(), io);
  return print_outcomes(*outcomes, "GROUP", io);
}

int group_reset_offsets(KafkaAdmin& admin, const std::string& group, const std::string& topic,
                        const ResetTarget& target, bool dry_run, Io& io) {
  // As Kafka's tool: only a group without live members may be moved, or its consumers would
  // overwrite the new positions with their next commit.
  auto d = admin.describe_group(group);
  if (!d) return report(d.error(), io);
  if (!inactive(d->state))
    return report({"NON_EMPTY_GROUP", "group '" + group + "' is " + d->state + ": stop its consumers first"}, io);
  auto t = admin.describe_topic(topic);
  if (!t) return report(t.error(), io);
  std::vector<PartitionOutcome> wanted;
  std::optional<std::vector<PartitionOutcome>> by_time;
  if (target.timestamp_ms) {
    auto found = admin.offsets_for_time(topic, *target.timestamp_ms);
    if (!found) return report(found.error(), io);
    by_time = std::move(*found);
  }
  for (const PartitionInfo& p : t->partitions) {
    int64_t offset = p.end_offset;
    if (target.earliest) offset = p.start_offset;
    if (target.offset) offset = std::clamp(*target.offset, p.start_offset, p.end_offset);
    if (by_time) {
      for (const PartitionOutcome& f : *by_time)
        if (f.partition == p.partition && f.offset >= 0) offset = f.offset;  // none that late: the end
    }
    wanted.push_back({topic, p.partition, offset});
  }
  if (dry_run) return print_partitions(wanted, "NEW-OFFSET", io);
  auto altered = admin.alter_offsets(group, wanted);
  if (!altered) return report(altered.error(), io);
  // librdkafka answers with the partitions it committed; show the offsets asked for.
  for (PartitionOutcome& a : *altered) {
    for (const PartitionOutcome& w : wanted)
      if (w.partition == a.partition && w.topic == a.topic) a.offset = w.offset;
  }
  return print_partitions(*altered, "NEW-OFFSET", io);
}

int group_delete_offsets(KafkaAdmin& admin, const std::string& group, const std::string& topic,
                         std::optional<int32_t> partition, Io& io) {
  std::vector<PartitionOutcome> partitions;
  if (partition) {
    partitions.push_back({topic, *partition});
  } else {
    auto t = admin.describe_topic(topic);
    if (!t) return report(t.error(), io);
    for (const PartitionInfo& p : t->partitions) partitions.push_back({topic, p.partition});
  }
  auto deleted = admin.delete_offsets(group, partitions);
  if (!deleted) return report(deleted.error(), io);
  for (PartitionOutcome& p : *deleted) p.offset = -1;
  return print_partitions(*deleted, "OFFSET", io);
}

}  // namespace ringmq::admin
