// cluster info and the topic commands.
#include "admin/commands.h"

namespace ringmq::admin {

int report(const AdminError& error, Io& io) {
  if (io.json) {
    io.out << JsonWriter().begin_object().field("error", error.name).field("message", error.message).end_object().str();
  } else {
    io.err << "ringmq-admin: " << error.name << ": " << error.message << "\n";
  }
  return error.unreachable ? kExitUnreachable : kExitRefused;
}

void print(Io& io, const JsonWriter& json, const Table& table) {
  if (io.json)
    io.out << json.str();
  else
    table.print(io.out);
}

int print_outcomes(const std::vector<NamedOutcome>& outcomes, const char* what, Io& io) {
  bool failed = false;
  JsonWriter json;
  json.begin_array();
  Table table({what, "RESULT"});
  for (const NamedOutcome& o : outcomes) {
    const bool ok = o.error == "NO_ERROR";
    failed = failed || !ok;
    json.begin_object().field("name", o.name).field("error", o.error);
    if (!o.message.empty()) json.field("message", o.message);
    json.end_object();
    table.add({o.name, ok ? "OK" : o.error + (o.message.empty() ? "" : ": " + o.message)});
  }
  json.end_array();
  print(io, json, table);
  return failed ? kExitRefused : kExitOk;
}

int cluster_info(KafkaAdmin& admin, Io& io) {
  auto cluster = admin.cluster();
  if (!cluster) return report(cluster.error(), io);
  if (io.json) {
    JsonWriter json;
    json.begin_object().field("controller_id", cluster->controller_id).begin_array("brokers");
    for (const BrokerInfo& b : cluster->brokers)
      json.begin_object().field("id", b.id).field("host", b.host).field("port", b.port).end_object();
    json.end_array().field("topics", cluster->topics.size()).end_object();
    io.out << json.str();
    return kExitOk;
  }
  Table brokers({"BROKER", "HOST", "PORT", "CONTROLLER"});
  for (const BrokerInfo& b : cluster->brokers)
    brokers.add({std::to_string(b.id), b.host, std::to_string(b.port), b.id == cluster->controller_id ? "yes" : ""});
  brokers.print(io.out);
  io.out << "\nTOPICS  " << cluster->topics.size() << "\n";
  return kExitOk;
}

int topic_list(KafkaAdmin& admin, Io& io) {
  auto cluster = admin.cluster();
  if (!cluster) return report(cluster.error(), io);
  JsonWriter json;
  json.begin_array();
  Table table({"NAME", "PARTITIONS"});
  for (const TopicInfo& t : cluster->topics) {
    json.begin_object().field("name", t.name).field("partitions", t.partitions.size()).end_object();
    table.add({t.name, std::to_string(t.partitions.size())});
  }
  json.end_array();
  print(io, json, table);
  return kExitOk;
}

int topic_describe(KafkaAdmin& admin, const std::string& topic, Io& io) {
  auto t = admin.describe_topic(topic);
  if (!t) return report(t.error(), io);
  auto configs = admin.topic_configs(topic);
  if (!configs) return report(configs.error(), io);
  JsonWriter json;
  json.begin_object().field("name", t->name).begin_array("partitions");
  Table table({"PARTITION", "LEADER", "START-OFFSET", "END-OFFSET", "RECORDS"});
  for (const PartitionInfo& p : t->partitions) {
    json.begin_object()
        .field("partition", p.partition)
        .field("leader", p.leader)
        .field("start_offset", p.start_offset)
        .field("end_offset", p.end_offset)
        .end_object();
    table.add({std::to_string(p.partition), std::to_string(p.leader), std::to_string(p.start_offset),
               std::to_string(p.end_offset), std::to_string(p.end_offset - p.start_offset)});
  }
  json.end_array().begin_array("configs");
  Table settings({"SETTING", "VALUE", "SOURCE"});
  for (const ConfigLine& c : *configs) {
    json.begin_object().field("name", c.name).field("value", c.value).field("source", c.source).end_object();
    settings.add({c.name, c.value, c.source});
  }
  json.end_array().end_object();
  if (io.json) {
    io.out << json.str();
  } else {
    io.out << "NAME        " << t->name << "\nPARTITIONS  " << t->partitions.size() << "\n\n";
    table.print(io.out);
    io.out << "\n";
    settings.print(io.out);
  }
  return kExitOk;
}

int topic_alter_config(KafkaAdmin& admin, const std::string& topic, const std::map<std::string, std::string>& set,
                       const std::vector<std::string>& unset, Io& io) {
  // AlterConfigs replaces every setting of the topic: start from its current overrides.
  auto current = admin.topic_configs(topic);
  if (!current) return report(current.error(), io);
  std::map<std::string, std::string> settings;
  for (const ConfigLine& c : *current)
    if (c.overridden) settings[c.name] = c.value;
  for (const std::string& key : unset) settings.erase(key);
  for (const auto& [key, value] : set) settings[key] = value;
  auto outcome = admin.replace_topic_configs(topic, settings);
  if (!outcome) return report(outcome.error(), io);
  return print_outcomes({*outcome}, "TOPIC", io);
}

int topic_create(KafkaAdmin& admin, const std::string& topic, int partitions,
                 const std::map<std::string, std::string>& configs, Io& io) {
  auto outcome = admin.create_topic(topic, partitions, configs);
  if (!outcome) return report(outcome.error(), io);
  return print_outcomes({*outcome}, "TOPIC", io);
}

int topic_add_partitions(KafkaAdmin& admin, const std::string& topic, int total, Io& io) {
  auto outcome = admin.add_partitions(topic, total);
  if (!outcome) return report(outcome.error(), io);
  return print_outcomes({*outcome}, "TOPIC", io);
}

int topic_delete(KafkaAdmin& admin, const std::vector<std::string>& topics, Io& io) {
  auto outcomes = admin.delete_topics(topics);
  if (!outcomes) return report(outcomes.error(), io);
  return print_outcomes(*outcomes, "TOPIC", io);
}

int topic_delete_records(KafkaAdmin& admin, const std::string& topic, std::optional<int32_t> partition, int64_t offset,
                         Io& io) {
  std::vector<PartitionOutcome> before;
  if (partition) {
    before.push_back({topic, *partition, offset});
  } else {
    auto t = admin.describe_topic(topic);
    if (!t) return report(t.error(), io);
    for (const PartitionInfo& p : t->partitions) before.push_back({topic, p.partition, offset});
  }
  auto deleted = admin.delete_records(before);
  if (!deleted) return report(deleted.error(), io);
  return print_partitions(*deleted, "START-OFFSET", io);
}

}  // namespace ringmq::admin
