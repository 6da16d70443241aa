// ringmq-admin: the operator's CLI for a running RingMQ (or any Kafka-protocol broker), in the
// spirit of rpk: topics, consumer groups, ACLs and the cluster, as tables or --json. It speaks the
// Kafka protocol through librdkafka's admin API, like any other client (-X / -F for TLS and
// SASL). `user` works offline on a stopped broker's data directory.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <map>

#include "admin/commands.h"
#include "cluster/etcd_client.h"

namespace {

using namespace ringmq::admin;

// Options every command shares.
struct Global {
  std::string brokers = "127.0.0.1:9092";
  int timeout_ms = 10'000;
  bool json = false;
  std::vector<std::string> properties;  // -X key=value
  std::string properties_file;          // -F: key=value lines (passwords stay out of `ps`)
};

// -F's lines and -X's pairs as librdkafka properties (-X wins); blank lines and # comments skipped.
std::map<std::string, std::string> client_properties(const Global& global) {
  std::map<std::string, std::string> out;
  auto add = [&](const std::string& pair, const std::string& where) {
    const size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0)
      throw std::invalid_argument(where + ": expected key=value, got \"" + pair + "\"");
    out[pair.substr(0, equals)] = pair.substr(equals + 1);
  };
  if (!global.properties_file.empty()) {
    std::ifstream in(global.properties_file);
    if (!in) throw std::invalid_argument("cannot read -F " + global.properties_file);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line.front() == '#') continue;
      add(line, global.properties_file);
    }
  }
  for (const std::string& pair : global.properties) add(pair, "-X");
  return out;
}

int run_main(int argc, char** argv) {
  CLI::App app{
      "ringmq-admin: topics, consumer groups, ACLs and cluster state of a RingMQ broker, over the Kafka "
      "protocol.\n"
      "Exit status: 0 done, 1 the broker refused (Kafka's error is printed), 2 usage error, "
      "3 the broker could not be reached."};
  app.require_subcommand(1);
  Global global;
  app.add_option("-b,--brokers", global.brokers, "Bootstrap address(es), host:port[,host:port]")->capture_default_str();
  app.add_option("--timeout-ms", global.timeout_ms, "How long each request may take")
      ->check(CLI::Range(100, 600'000))
      ->capture_default_str();
  app.add_flag("--json", global.json, "Print JSON instead of tables");
  app.add_option("-X", global.properties,
                 "Client property key=value (repeatable), e.g. -X security.protocol=SASL_SSL "
                 "-X sasl.mechanism=SCRAM-SHA-512 -X ssl.ca.location=ca.pem");
  app.add_option("-F,--client-config", global.properties_file,
                 "File of client properties, one key=value per line (keeps sasl.password out of `ps`)");

  // Each leaf command stores what to run; it runs once the admin client is connected.
  std::function<int(KafkaAdmin&, Io&)> command;

  // Offline commands: they need no broker connection (etcd, or a stopped broker's data directory).
  std::function<int(Io&)> offline;
  CLI::App* cluster = app.add_subcommand("cluster", "The cluster")->require_subcommand(1);
  cluster->add_subcommand("info", "Brokers, controller and topic count")->callback([&] {
    command = [](KafkaAdmin& a, Io& io) { return cluster_info(a, io); };
  });

  std::string etcd_endpoints, cluster_name = "ringmq";
  CLI::App* status = cluster->add_subcommand(
      "status", "Brokers, each group's leader, epoch and in-sync set, read from etcd (works with no broker up)");
  status->add_option("--etcd", etcd_endpoints, "etcd client URLs, comma-separated (cluster.etcd_endpoints)")
      ->required();
  status->add_option("--name", cluster_name, "cluster.name")->capture_default_str();
  status->callback([&] {
    offline = [&](Io& io) {
      return cluster_status(ringmq::cluster::split_endpoints(etcd_endpoints), cluster_name, global.timeout_ms, io);
    };
  });

  CLI::App* topic = app.add_subcommand("topic", "Topics")->require_subcommand(1);
  topic->add_subcommand("list", "Every topic and its partition count")->callback([&] {
    command = [](KafkaAdmin& a, Io& io) { return topic_list(a, io); };
  });
  std::string topic_name;
  CLI::App* describe = topic->add_subcommand("describe", "A topic's partitions with their start and end offsets");
  describe->add_option("topic", topic_name, "Topic name")->required();
  describe->callback([&] { command = [&](KafkaAdmin& a, Io& io) { return topic_describe(a, topic_name, io); }; });
  int partitions = -1;
  std::vector<std::string> config_items;
  CLI::App* create = topic->add_subcommand("create", "Create a topic");
  create->add_option("topic", topic_name, "Topic name")->required();
  create->add_option("-p,--partitions", partitions, "Partitions (-1: the broker's default)")->capture_default_str();
  create->add_option("-c,--config", config_items, "Topic setting key=value (repeatable)");
  create->callback([&] {
    command = [&](KafkaAdmin& a, Io& io) {
      std::map<std::string, std::string> configs;
      for (const std::string& item : config_items) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
          io.err << "ringmq-admin: --config wants key=value, got '" << item << "'\n";
          return kExitUsage;
        }
        configs[item.substr(0, eq)] = item.substr(eq + 1);
      }
      return topic_create(a, topic_name, partitions, configs, io);
    };
  });
  int total = 0;
  CLI::App* grow = topic->add_subcommand("add-partitions", "Grow a topic to a new partition count");
  grow->add_option("topic", topic_name, "Topic name")->required();
  grow->add_option("-n,--total", total, "The new total number of partitions")->required();
  grow->callback(
      [&] { command = [&](KafkaAdmin& a, Io& io) { return topic_add_partitions(a, topic_name, total, io); }; });
  std::vector<std::string> set_items, unset_keys;
  CLI::App* alter = topic->add_subcommand("alter-config", "Set or remove topic settings (others are kept)");
  alter->add_option("topic", topic_name, "Topic name")->required();
  alter->add_option("--set", set_items, "key=value to set (repeatable)");
  alter->add_option("--delete", unset_keys, "Setting to remove, back to the broker's value (repeatable)");
  alter->callback([&] {
    command = [&](KafkaAdmin& a, Io& io) {
      std::map<std::string, std::string> set;
      for (const std::string& item : set_items) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
          io.err << "ringmq-admin: --set wants key=value, got '" << item << "'\n";
          return kExitUsage;
        }
        set[item.substr(0, eq)] = item.substr(eq + 1);
      }
      if (set.empty() && unset_keys.empty()) {
        io.err << "ringmq-admin: alter-config needs --set or --delete\n";
        return kExitUsage;
      }
      return topic_alter_config(a, topic_name, set, unset_keys, io);
    };
  });
  int32_t trim_partition = -1;
  int64_t before = -1;
  CLI::App* trim = topic->add_subcommand("delete-records", "Delete the records before an offset (DeleteRecords)");
  trim->add_option("topic", topic_name, "Topic name")->required();
  auto* trim_one = trim->add_option("-p,--partition", trim_partition, "Only this partition (default: all)");
  trim->add_option("--before", before, "First offset to keep (-1: delete everything so far)")->required();
  trim->callback([&] {
    command = [&, trim_one](KafkaAdmin& a, Io& io) {
      return topic_delete_records(
          a, topic_name, trim_one->count() > 0 ? std::optional<int32_t>(trim_partition) : std::nullopt, before, io);
    };
  });
  std::vector<std::string> names;
  CLI::App* remove = topic->add_subcommand("delete", "Delete topics and their data");
  remove->add_option("topics", names, "Topic names")->required();
  remove->callback([&] { command = [&](KafkaAdmin& a, Io& io) { return topic_delete(a, names, io); }; });

  CLI::App* group = app.add_subcommand("group", "Consumer groups")->require_subcommand(1);
  group->add_subcommand("list", "Every group and its state")->callback([&] {
    command = [](KafkaAdmin& a, Io& io) { return group_list(a, io); };
  });
  std::string group_name;
  CLI::App* gdescribe = group->add_subcommand("describe", "Members, committed offsets and lag");
  gdescribe->add_option("group", group_name, "Group id")->required();
  gdescribe->callback([&] { command = [&](KafkaAdmin& a, Io& io) { return group_describe(a, group_name, io); }; });
  CLI::App* gdelete = group->add_subcommand("delete", "Delete groups without members, with their offsets");
  gdelete->add_option("groups", names, "Group ids")->required();
  gdelete->callback([&] { command = [&](KafkaAdmin& a, Io& io) { return group_delete(a, names, io); }; });
  ResetTarget target;
  int64_t to_offset = 0, to_timestamp = 0;
  bool dry_run = false;
  CLI::App* reset = group->add_subcommand("reset-offsets", "Move a group's committed offsets in a topic");
  reset->add_option("group", group_name, "Group id")->required();
  reset->add_option("-t,--topic", topic_name, "Topic (every partition of it)")->required();
  auto* earliest = reset->add_flag("--to-earliest", target.earliest, "To each partition's start");
  auto* latest = reset->add_flag("--to-latest", target.latest, "To each partition's end");
  auto* offset = reset->add_option("--to-offset", to_offset, "To this offset (clamped to each partition's range)");
  auto* timestamp = reset->add_option("--to-timestamp", to_timestamp,
                                      "To the first record at or after this time (ms since the epoch)");
  reset->add_flag("--dry-run", dry_run, "Show the new offsets; change nothing");
  earliest->excludes(latest, offset, timestamp);
  latest->excludes(offset, timestamp);
  offset->excludes(timestamp);
  reset->callback([&] {
    if (offset->count() > 0) target.offset = to_offset;
    if (timestamp->count() > 0) target.timestamp_ms = to_timestamp;
    command = [&](KafkaAdmin& a, Io& io) {
      if (!target.earliest && !target.latest && !target.offset && !target.timestamp_ms) {
        io.err << "ringmq-admin: reset-offsets needs one of --to-earliest, --to-latest, --to-offset, "
                  "--to-timestamp\n";
        return kExitUsage;
      }
      return group_reset_offsets(a, group_name, topic_name, target, dry_run, io);
    };
  });
  int32_t partition = -1;
  CLI::App* doffsets = group->add_subcommand("delete-offsets", "Forget a group's committed offsets in a topic");
  doffsets->add_option("group", group_name, "Group id")->required();
  doffsets->add_option("-t,--topic", topic_name, "Topic")->required();
  auto* one = doffsets->add_option("-p,--partition", partition, "Only this partition");
  doffsets->callback([&] {
    command = [&, one](KafkaAdmin& a, Io& io) {
      return group_delete_offsets(a, group_name, topic_name,
                                  one->count() > 0 ? std::optional<int32_t>(partition) : std::nullopt, io);
    };
  });

  CLI::App* acl = app.add_subcommand("acl", "Kafka ACLs: who may do what to topics, groups and the cluster");
  acl->require_subcommand(1);
  AclOptions acl_options;
  std::string list_operation;
  // The principal, host, permission and resource options of the three commands; `filter`
  // (list, delete) adds --match.
  auto add_acl_options = [&](CLI::App* c, bool filter) {
    auto* allow = c->add_flag("--allow", acl_options.allow, "Bindings that allow");
    auto* deny = c->add_flag("--deny", acl_options.deny, "Bindings that deny");
    allow->excludes(deny);
    auto* principal = c->add_option("--principal", acl_options.principal, "Principal, User:NAME (User:* for all)");
    if (!filter) principal->required();
    c->add_option("--host", acl_options.host, filter ? "Client address" : "Client address (default: * = any)");
    auto* topic = c->add_option("--topic", acl_options.topic, "Topic (name, or prefix with --prefixed)");
    auto* group = c->add_option("--group", acl_options.group, "Consumer group (name, or prefix with --prefixed)");
    auto* cluster = c->add_flag("--cluster", acl_options.cluster, "The cluster (resource kafka-cluster)");
    auto* transactional_id =
        c->add_option("--transactional-id", acl_options.transactional_id, "Transactional id (name or prefix)");
    topic->excludes(group, cluster, transactional_id);
    group->excludes(cluster, transactional_id);
    cluster->excludes(transactional_id);
    auto* prefixed = c->add_flag("--prefixed", acl_options.prefixed, "The resource name is a prefix (PREFIXED)");
    if (filter) {
      auto* match = c->add_flag("--match", acl_options.match,
                                "Every binding that applies to the resource: literal, * and matching prefixes");
      prefixed->excludes(match);
    }
  };
  auto usage_unless = [](const auto& built) {
    if (!built) throw CLI::ValidationError(built.error().message);
  };
  CLI::App* acl_add_command = acl->add_subcommand("add", "Add bindings, one per operation (CreateAcls)");
  add_acl_options(acl_add_command, false);
  acl_add_command->add_option("--operation", acl_options.operations, "Operations, e.g. READ,WRITE (any case)")
      ->delimiter(',')
      ->required();
  acl_add_command->callback([&] {
    auto bindings = acl_bindings(acl_options);
    usage_unless(bindings);
    command = [bindings = std::move(*bindings)](KafkaAdmin& a, Io& io) { return acl_add(a, bindings, io); };
  });
  CLI::App* acl_list_command =
      acl->add_subcommand("list", "Bindings matching a filter; options left out match anything (DescribeAcls)");
  add_acl_options(acl_list_command, true);
  auto* list_one = acl_list_command->add_option("--operation", list_operation, "Operation");
  acl_list_command->callback([&, list_one] {
    if (list_operation.find(',') != std::string::npos)
      throw CLI::ValidationError("--operation", "acl list takes one operation");
    if (list_one->count() > 0) acl_options.operations = {list_operation};
    auto filters = acl_filters(acl_options);
    usage_unless(filters);
    command = [filter = filters->front()](KafkaAdmin& a, Io& io) { return acl_list(a, filter, io); };
  });
  CLI::App* acl_delete_command = acl->add_subcommand(
      "delete", "Delete the bindings matching a filter, one per operation; with no options, every ACL (DeleteAcls)");
  add_acl_options(acl_delete_command, true);
  acl_delete_command->add_option("--operation", acl_options.operations, "Operations, e.g. READ,WRITE")->delimiter(',');
  acl_delete_command->callback([&] {
    auto filters = acl_filters(acl_options);
    usage_unless(filters);
    command = [filters = std::move(*filters)](KafkaAdmin& a, Io& io) { return acl_delete(a, filters, io); };
  });

  // `user`: offline, it changes a stopped broker's data directory.
  CLI::App* user = app.add_subcommand(
      "user",
      "SCRAM users in a broker's data directory, offline: stop the broker first (a running broker rewrites the "
      "store on AlterUserScramCredentials and reads it only at start)");
  user->require_subcommand(1);
  std::string data_dir = "./data", credentials_dir, user_name, password_file = "-";
  std::vector<std::string> mechanisms = {"SCRAM-SHA-256", "SCRAM-SHA-512"};
  // Kafka's default, and what the broker's decoy for an unknown user says: another count would
  // tell a prober which user names exist.
  int iterations = 4096;
  auto add_store_options = [&](CLI::App* c) {
    c->add_option("--data-dir", data_dir, "The broker's engine.data_dir")->capture_default_str();
    c->add_option("--credentials-dir", credentials_dir,
                  "The broker's sasl.credentials_dir (default <data-dir>/security)");
  };
  auto store_dir = [&] { return credentials_dir.empty() ? data_dir + "/security" : credentials_dir; };
  CLI::App* uset = user->add_subcommand("set", "Create a user or change its password");
  uset->add_option("user", user_name, "User name")->required();
  uset->add_option("--password-file", password_file, "File whose first line is the password; - = standard input")
      ->capture_default_str();
  uset->add_option("--mechanism", mechanisms, "SCRAM-SHA-256 and/or SCRAM-SHA-512")->capture_default_str();
  uset->add_option("--iterations", iterations, "PBKDF2 iterations")
      ->check(CLI::Range(4096, 16384))
      ->capture_default_str();
  add_store_options(uset);
  uset->callback([&] {
    offline = [&](Io& io) {
      auto password = read_password(password_file);
      if (!password) {
        io.err << "ringmq-admin: " << password.error().message << "\n";
        return kExitUsage;
      }
      return user_set(store_dir(), user_name, mechanisms, iterations, *password, io);
    };
  });
  CLI::App* udelete = user->add_subcommand("delete", "Remove a user's credentials");
  udelete->add_option("user", user_name, "User name")->required();
  udelete->add_option("--mechanism", mechanisms, "SCRAM-SHA-256 and/or SCRAM-SHA-512")->capture_default_str();
  add_store_options(udelete);
  udelete->callback([&] { offline = [&](Io& io) { return user_delete(store_dir(), user_name, mechanisms, io); }; });
  CLI::App* ulist = user->add_subcommand("list", "Users and their mechanisms (no secrets)");
  add_store_options(ulist);
  ulist->callback([&] { offline = [&](Io& io) { return user_list(store_dir(), io); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  Io io{std::cout, std::cerr, global.json};
  if (offline) return offline(io);
  auto admin = KafkaAdmin::connect(global.brokers, global.timeout_ms, client_properties(global));
  if (!admin) return report(admin.error(), io);
  return command(**admin, io);
}

}  // namespace

// Exceptions are for start-up errors; none may end the program through std::terminate.
int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "ringmq-admin: " << e.what() << "\n";
    return kExitUsage;
  }
}
