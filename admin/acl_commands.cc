// The acl commands: add, list and delete Kafka ACLs (CreateAcls, DescribeAcls, DeleteAcls).
// Bindings print as PERMISSION PRINCIPAL HOST OPERATION RESOURCE NAME PATTERN in Kafka's names,
// in the order the broker gives them. The broker judges the bindings (principal form, host
// address, "kafka-cluster"); the CLI only checks what it needs to build a request.
#include "admin/commands.h"

namespace ringmq::admin {
namespace {

using broker::security::AclBinding;
using broker::security::AclBindingFilter;
using broker::security::AclOperation;
using broker::security::AclPatternType;
using broker::security::AclPermission;
using broker::security::AclResourceType;
using broker::security::name_of;

constexpr const char* kOperationNames =
    "ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, "
    "IDEMPOTENT_WRITE";

// The operations a binding may name (not ANY, UNKNOWN, nor the token operations librdkafka
// cannot send).
Result<std::vector<AclOperation>> operations_of(const std::vector<std::string>& names) {
  std::vector<AclOperation> out;
  for (const std::string& name : names) {
    auto operation = broker::security::parse_operation(name);
    if (!operation || *operation < AclOperation::kAll || *operation > AclOperation::kIdempotentWrite)
      return make_error(ErrorCode::kInvalidArgument,
                        "--operation: unknown operation '" + name + "'; one of " + kOperationNames);
    out.push_back(*operation);
  }
  return out;
}

struct Resource {
  AclResourceType type = AclResourceType::kAny;
  std::optional<std::string> name;  // nullopt: any
};

Result<Resource> resource_of(const AclOptions& o) {
  std::vector<Resource> given;
  if (o.topic) given.push_back({AclResourceType::kTopic, o.topic});
  if (o.group) given.push_back({AclResourceType::kGroup, o.group});
  if (o.cluster) given.push_back({AclResourceType::kCluster, std::string(broker::security::kClusterResourceName)});
  if (o.transactional_id) given.push_back({AclResourceType::kTransactionalId, o.transactional_id});
  if (given.size() > 1)
    return make_error(ErrorCode::kInvalidArgument,
                      "name one resource: --topic, --group, --cluster or --transactional-id");
  return given.empty() ? Resource{} : given.front();
}

Result<AclPermission> permission_of(const AclOptions& o) {
  if (o.allow && o.deny) return make_error(ErrorCode::kInvalidArgument, "--allow and --deny exclude each other");
  if (o.allow) return AclPermission::kAllow;
  if (o.deny) return AclPermission::kDeny;
  return AclPermission::kAny;
}

void print_bindings(const std::vector<AclBinding>& bindings, Io& io) {
  JsonWriter json;
  json.begin_array();
  Table table({"PERMISSION", "PRINCIPAL", "HOST", "OPERATION", "RESOURCE", "NAME", "PATTERN"});
  for (const AclBinding& b : bindings) {
    json.begin_object()
        .field("permission", name_of(b.permission))
        .field("principal", b.principal)
        .field("host", b.host)
        .field("operation", name_of(b.operation))
        .field("resource_type", name_of(b.resource_type))
        .field("name", b.resource_name)
        .field("pattern", name_of(b.pattern_type))
        .end_object();
    table.add({std::string(name_of(b.permission)), b.principal, b.host, std::string(name_of(b.operation)),
               std::string(name_of(b.resource_type)), b.resource_name, std::string(name_of(b.pattern_type))});
  }
  json.end_array();
  print(io, json, table);
}

// A call sends one binding or filter per operation: a refusal of one of several says which.
std::string which_operation(AclOperation operation, size_t sent) {
  return sent > 1 ? " (operation " + std::string(name_of(operation)) + ")" : "";
}

// Prints the bindings a call created or removed, then each refusal as report() does; 1 if any
// was refused. With --json a refusal is printed alone (the first), so the output stays one
// document, as for every other failed command.
int print_done(const std::vector<AclBinding>& done, const std::vector<AdminError>& refusals, Io& io) {
  if (refusals.empty()) {
    print_bindings(done, io);
    return kExitOk;
  }
  if (io.json) return report(refusals.front(), io);
  if (!done.empty()) print_bindings(done, io);
  for (const AdminError& refusal : refusals) report(refusal, io);
  return kExitRefused;
}

}  // namespace

Result<std::vector<AclBinding>> acl_bindings(const AclOptions& options) {
  auto resource = resource_of(options);
  if (!resource) return std::unexpected(resource.error());
  if (!resource->name)
    return make_error(ErrorCode::kInvalidArgument,
                      "acl add needs a resource: --topic, --group, --cluster or --transactional-id");
  auto permission = permission_of(options);
  if (!permission) return std::unexpected(permission.error());
  if (*permission == AclPermission::kAny)
    return make_error(ErrorCode::kInvalidArgument, "acl add needs --allow or --deny");
  if (!options.principal) return make_error(ErrorCode::kInvalidArgument, "acl add needs --principal User:NAME");
  if (options.match) return make_error(ErrorCode::kInvalidArgument, "acl add takes --prefixed, not --match");
  auto operations = operations_of(options.operations);
  if (!operations) return std::unexpected(operations.error());
  if (operations->empty()) return make_error(ErrorCode::kInvalidArgument, "acl add needs --operation OP[,OP...]");
  std::vector<AclBinding> out;
  for (AclOperation operation : *operations) {
    out.push_back({resource->type, *resource->name,
                   options.prefixed ? AclPatternType::kPrefixed : AclPatternType::kLiteral, *options.principal,
                   options.host.value_or(std::string(broker::security::kWildcardHost)), operation, *permission});
  }
  return out;
}

Result<std::vector<AclBindingFilter>> acl_filters(const AclOptions& options) {
  auto resource = resource_of(options);
  if (!resource) return std::unexpected(resource.error());
  auto permission = permission_of(options);
  if (!permission) return std::unexpected(permission.error());
  if (options.prefixed && options.match)
    return make_error(ErrorCode::kInvalidArgument, "--prefixed and --match exclude each other");
  auto operations = operations_of(options.operations);
  if (!operations) return std::unexpected(operations.error());
  if (operations->empty()) operations->push_back(AclOperation::kAny);
  std::vector<AclBindingFilter> out;
  for (AclOperation operation : *operations) {
    AclBindingFilter& filter = out.emplace_back();
    filter.resource_type = resource->type;
    filter.resource_name = resource->name;
    filter.pattern_type = options.prefixed ? AclPatternType::kPrefixed
                          : options.match  ? AclPatternType::kMatch
                                           : AclPatternType::kAny;
    filter.principal = options.principal;
    filter.host = options.host;
    filter.operation = operation;
    filter.permission = *permission;
  }
  return out;
}

int acl_add(KafkaAdmin& admin, const std::vector<AclBinding>& bindings, Io& io) {
  auto creations = admin.create_acls(bindings);
  if (!creations) return report(creations.error(), io);
  std::vector<AclBinding> added;
  std::vector<AdminError> refusals;
  for (const AclCreation& c : *creations) {
    if (c.error == "NO_ERROR")
      added.push_back(c.binding);
    else
      refusals.push_back({c.error, c.message + which_operation(c.binding.operation, bindings.size())});
  }
  return print_done(added, refusals, io);
}

// An empty list may also be a refusal that librdkafka did not pass on (see describe_acls).
int acl_list(KafkaAdmin& admin, const AclBindingFilter& filter, Io& io) {
  auto bindings = admin.describe_acls(filter);
  if (!bindings) return report(bindings.error(), io);
  print_bindings(*bindings, io);
  return kExitOk;
}

int acl_delete(KafkaAdmin& admin, const std::vector<AclBindingFilter>& filters, Io& io) {
  auto deletions = admin.delete_acls(filters);
  if (!deletions) return report(deletions.error(), io);
  std::vector<AclBinding> removed;
  std::vector<AdminError> refusals;
  for (size_t i = 0; i < deletions->size(); ++i) {
    const AclDeletion& d = (*deletions)[i];
    removed.insert(removed.end(), d.removed.begin(), d.removed.end());
    if (d.error == "NO_ERROR") continue;
    refusals.push_back({d.error, d.message + which_operation(filters[i].operation, filters.size())});
  }
  return print_done(removed, refusals, io);
}

}  // namespace ringmq::admin
