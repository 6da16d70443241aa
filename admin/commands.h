// The ringmq-admin commands. Each prints a table (or JSON with --json) to `out`, problems to
// `err`, and returns the process exit status: 0 done, 1 the broker refused something (every
// refusal is printed with Kafka's error name), 2 bad usage, 3 the broker could not be reached.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "admin/kafka_admin.h"
#include "admin/output.h"
#include "common/json_writer.h"
#include "common/result.h"

namespace ringmq::admin {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

// Where a command writes.
struct Io {
  std::ostream& out;
  std::ostream& err;
  bool json = false;
};

// The exit status for a failed call, after printing it.
int report(const AdminError& error, Io& io);
// Prints `json` with --json, else `table`.
void print(Io& io, const JsonWriter& json, const Table& table);
// Prints per-name outcomes of a call on several topics or groups; 1 if any failed.
int print_outcomes(const std::vector<NamedOutcome>& outcomes, const char* what, Io& io);

int cluster_info(KafkaAdmin& admin, Io& io);
// The cluster as etcd holds it (brokers, each group's leader, epoch and in-sync set), read
// from etcd directly: 3 when etcd cannot be reached.
int cluster_status(const std::vector<std::string>& etcd_endpoints, const std::string& cluster_name, int timeout_ms,
                   Io& io);

int topic_list(KafkaAdmin& admin, Io& io);
int topic_describe(KafkaAdmin& admin, const std::string& topic, Io& io);
int topic_create(KafkaAdmin& admin, const std::string& topic, int partitions,
                 const std::map<std::string, std::string>& configs, Io& io);
int topic_add_partitions(KafkaAdmin& admin, const std::string& topic, int total, Io& io);
int topic_delete(KafkaAdmin& admin, const std::vector<std::string>& topics, Io& io);
// Sets (`set`) and removes (`unset`) topic settings, keeping the topic's other overrides.
int topic_alter_config(KafkaAdmin& admin, const std::string& topic, const std::map<std::string, std::string>& set,
                       const std::vector<std::string>& unset, Io& io);
// Deletes the records before `offset` (-1: all so far) in one partition, or in every partition.
int topic_delete_records(KafkaAdmin& admin, const std::string& topic, std::optional<int32_t> partition, int64_t offset,
                         Io& io);
// Prints per-partition outcomes with their offsets under `offset_header`; 1 if any failed.
int print_partitions(const std::vector<PartitionOutcome>& partitions, const char* offset_header, Io& io);

int group_list(KafkaAdmin& admin, Io& io);
int group_describe(KafkaAdmin& admin, const std::string& group, Io& io);
int group_delete(KafkaAdmin& admin, const std::vector<std::string>& groups, Io& io);

// Where reset-offsets moves a group's position in a topic: exactly one is set.
struct ResetTarget {
  bool earliest = false;
  bool latest = false;
  std::optional<int64_t> offset;
  std::optional<int64_t> timestamp_ms;
};
int group_reset_offsets(KafkaAdmin& admin, const std::string& group, const std::string& topic,
                        const ResetTarget& target, bool dry_run, Io& io);
int group_delete_offsets(KafkaAdmin& admin, const std::string& group, const std::string& topic,
                         std::optional<int32_t> partition, Io& io);

// What an acl command was given; acl_bindings / acl_filters check it and build the requests.
// Unset fields are open: any principal, host, operation, permission or resource.
struct AclOptions {
  std::optional<std::string> principal;
  std::optional<std::string> host;
  std::vector<std::string> operations;  // Kafka's names, any case
  bool allow = false;
  bool deny = false;
  // The resource: at most one of these.
  std::optional<std::string> topic;
  std::optional<std::string> group;
  bool cluster = false;  // the one resource "kafka-cluster"
  std::optional<std::string> transactional_id;
  bool prefixed = false;
  bool match = false;  // filters only: the bindings that apply to the resource's name
};
// `acl add`: one binding per operation; the host "*" unless given, LITERAL unless prefixed.
// kInvalidArgument, saying what is missing or wrong, for a usage error.
Result<std::vector<broker::security::AclBinding>> acl_bindings(const AclOptions& options);
// `acl list` / `acl delete`: one filter per operation, or one for any operation.
Result<std::vector<broker::security::AclBindingFilter>> acl_filters(const AclOptions& options);
int acl_add(KafkaAdmin& admin, const std::vector<broker::security::AclBinding>& bindings, Io& io);
int acl_list(KafkaAdmin& admin, const broker::security::AclBindingFilter& filter, Io& io);
int acl_delete(KafkaAdmin& admin, const std::vector<broker::security::AclBindingFilter>& filters, Io& io);

// Offline: SCRAM credentials in the credential store `directory` (<data_dir>/security) of a
// stopped broker. `mechanisms` are SCRAM-SHA-256 / SCRAM-SHA-512.
Result<std::string> read_password(const std::string& source);  // a file's first line, or "-" = stdin
int user_set(const std::string& directory, const std::string& user, const std::vector<std::string>& mechanisms,
             int iterations, const std::string& password, Io& io);
int user_delete(const std::string& directory, const std::string& user, const std::vector<std::string>& mechanisms,
                Io& io);
int user_list(const std::string& directory, Io& io);

}  // namespace ringmq::admin
