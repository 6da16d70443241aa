#include "broker/security/authorizer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "broker/security/record_file.h"
#include "io/file.h"

namespace ringmq::broker::security {

// The ACL file, `<directory>/acls`, is a RecordFile (record_file.h) of kind "ringmq-acls",
// version 1, one binding per record, sorted, each field escaped with escape_field():
//
//   field  content          example
//   1      resource type    TOPIC
//   2      pattern type     PREFIXED
//   3      resource name    orders-
//   4      principal        User:alice
//   5      host             *            (or an IP address)
//   6      operation        READ
//   7      permission       ALLOW
//
// Enums are stored by Kafka's names, not codes, so the file reads like kafka-acls output.
// A record that does not decode to a valid binding makes the whole file corrupt.
namespace {

constexpr std::string_view kFileKind = "ringmq-acls";
constexpr int kFileVersion = 1;
constexpr size_t kFieldsPerRecord = 7;

std::string encode_binding(const AclBinding& binding) {
  const std::string_view fields[kFieldsPerRecord] = {name_of(binding.resource_type),
                                                     name_of(binding.pattern_type),
                                                     binding.resource_name,
                                                     binding.principal,
                                                     binding.host,
                                                     name_of(binding.operation),
                                                     name_of(binding.permission)};
  std::string record;
  for (const std::string_view field : fields) {
    if (!record.empty()) record += ' ';
    record += escape_field(field);
  }
  return record;
}

Result<AclBinding> decode_binding(std::string_view record) {
  const std::vector<std::string_view> escaped = split_fields(record);
  if (escaped.size() != kFieldsPerRecord)
    return make_error(ErrorCode::kCorrupt, "expected " + std::to_string(kFieldsPerRecord) + " fields, found " +
                                               std::to_string(escaped.size()));
  std::string fields[kFieldsPerRecord];
  for (size_t i = 0; i < kFieldsPerRecord; ++i) {
    auto field = unescape_field(escaped[i]);
    if (!field) return std::unexpected(field.error());
    fields[i] = std::move(*field);
  }
  auto resource_type = parse_resource_type(fields[0]);
  if (!resource_type) return std::unexpected(resource_type.error());
  auto pattern_type = parse_pattern_type(fields[1]);
  if (!pattern_type) return std::unexpected(pattern_type.error());
  auto operation = parse_operation(fields[5]);
  if (!operation) return std::unexpected(operation.error());
  auto permission = parse_permission(fields[6]);
  if (!permission) return std::unexpected(permission.error());
  AclBinding binding{*resource_type,       std::move(fields[2]), *pattern_type, std::move(fields[3]),
                     std::move(fields[4]), *operation,           *permission};
  if (auto valid = validate_binding(binding); !valid) return std::unexpected(valid.error());
  return binding;
}

Result<std::vector<AclBinding>> read_acl_file(const std::string& path) {
  auto records = read_record_file(path, kFileKind, kFileVersion);
  if (!records && records.error().code == ErrorCode::kNotFound) return std::vector<AclBinding>();
  if (!records) return std::unexpected(records.error());
  std::vector<AclBinding> bindings;
  bindings.reserve(records->size());
  for (size_t i = 0; i < records->size(); ++i) {
    auto binding = decode_binding((*records)[i]);
    if (!binding)
      return make_error(ErrorCode::kCorrupt, path + ": record " + std::to_string(i + 1) + " is not a valid ACL (" +
                                                 binding.error().message + ")");
    bindings.push_back(std::move(*binding));
  }
  return bindings;
}

Status write_acl_file(const std::string& path, const std::vector<AclBinding>& bindings) {
  std::vector<std::string> records;
  records.reserve(bindings.size());
  for (const AclBinding& binding : bindings) records.push_back(encode_binding(binding));
  auto written = write_record_file(path, kFileKind, kFileVersion, records);
  if (!written)
    return std::unexpected(
        Error{written.error().code, "ACLs unchanged: writing " + path + " failed (" + written.error().message + ")"});
  return {};
}

void sort_and_deduplicate(std::vector<AclBinding>& bindings) {
  std::ranges::sort(bindings);
  const auto duplicates = std::ranges::unique(bindings);
  bindings.erase(duplicates.begin(), duplicates.end());
}

// Whether an ALLOW of `granted` allows `requested`. Kafka widens allows only: READ, WRITE,
// DELETE and ALTER each let a client DESCRIBE, ALTER_CONFIGS lets it DESCRIBE_CONFIGS.
bool allow_covers(AclOperation granted, AclOperation requested) {
  if (granted == requested || granted == AclOperation::kAll) return true;
  switch (requested) {
    case AclOperation::kDescribe:
      return granted == AclOperation::kRead || granted == AclOperation::kWrite || granted == AclOperation::kDelete ||
             granted == AclOperation::kAlter;
    case AclOperation::kDescribeConfigs:
      return granted == AclOperation::kAlterConfigs;
    default:
      return false;
  }
}

// Whether a DENY of `denied` denies `requested`: only the operation itself or ALL.
bool deny_covers(AclOperation denied, AclOperation requested) {
  return denied == requested || denied == AclOperation::kAll;
}

bool is_authorizable(AclOperation operation) {
  return operation >= AclOperation::kAll && operation <= AclOperation::kDescribeTokens;
}

constexpr size_t kResourceTypeSlots = static_cast<size_t>(AclResourceType::kUser) + 1;

bool is_authorizable(AclResourceType type) { return type >= AclResourceType::kTopic && type <= AclResourceType::kUser; }

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// One ACL as the hot path checks it; its resource is implied by where it is stored.
struct AclEntry {
  size_t principal_hash;  // StringHash of principal: integer compares in the binary search
  std::string principal;
  std::string host;
  bool any_host;  // host is "*"
  AclOperation operation;
  AclPermission permission;
};

// The ACLs of one resource pattern, sorted by principal hash so that a check visits only the
// entries of the asking principal and of "User:*".
using AclBucket = std::vector<AclEntry>;

// The PREFIXED patterns of one resource type as a trie over their bytes, so that the patterns
// that are prefixes of a name are found in one walk along the name, however many there are.
class PrefixTrie {
 public:
  void build(std::map<std::string, AclBucket, std::less<>> patterns) {
    nodes_.assign(1, Node{});
    buckets_.clear();
    buckets_.reserve(patterns.size());
    for (auto& [prefix, bucket] : patterns) {
      uint32_t node = 0;
      for (const char c : prefix) node = child_or_new(node, static_cast<unsigned char>(c));
      nodes_[node].bucket = static_cast<int32_t>(buckets_.size());
      buckets_.push_back(std::move(bucket));
    }
    for (Node& node : nodes_) std::ranges::sort(node.children);
  }

  // Calls `visit(bucket)` for each pattern that is a prefix of `name` (the name itself
  // included), shortest first, until `visit` returns true.
  template <typename Visit>
  void for_each_prefix_of(std::string_view name, Visit&& visit) const {
    if (buckets_.empty()) return;
    uint32_t node = 0;
    for (const char c : name) {
      const std::vector<Edge>& children = nodes_[node].children;
      const auto byte = static_cast<unsigned char>(c);
      const auto edge = std::ranges::lower_bound(children, byte, {}, &Edge::first);
      if (edge == children.end() || edge->first != byte) return;
      node = edge->second;
      if (nodes_[node].bucket >= 0 && visit(buckets_[nodes_[node].bucket])) return;
    }
  }

 private:
  using Edge = std::pair<unsigned char, uint32_t>;  // byte, child node
  struct Node {
    std::vector<Edge> children;  // sorted by byte once built
    int32_t bucket = -1;         // the bucket of the pattern ending here, or -1
  };

  uint32_t child_or_new(uint32_t node, unsigned char byte) {
    for (const Edge& edge : nodes_[node].children)
      if (edge.first == byte) return edge.second;
    const auto child = static_cast<uint32_t>(nodes_.size());
    nodes_[node].children.emplace_back(byte, child);
    nodes_.emplace_back();
    return child;
  }

  std::vector<Node> nodes_;  // nodes_[0] is the root, the empty prefix (never a pattern)
  std::vector<AclBucket> buckets_;
};

// The verdict over the buckets that apply to one resource, gathered bucket by bucket.
class Decision {
 public:
  Decision(std::string_view principal, std::string_view host, AclOperation operation, size_t wildcard_hash)
      : principal_(principal),
        principal_hash_(StringHash{}(principal)),
        wildcard_hash_(wildcard_hash),
        host_(host),
        operation_(operation) {}

  // Takes `bucket` into account; true once a DENY applies (no later bucket can change that).
  bool consider(const AclBucket& bucket) {
    found_acl_ = true;
    consider_principal(bucket, principal_, principal_hash_);
    if (!denied_ && principal_ != kWildcardPrincipal) consider_principal(bucket, kWildcardPrincipal, wildcard_hash_);
    return denied_;
  }

  bool denied() const { return denied_; }
  bool allowed() const { return allowed_; }
  bool found_acl() const { return found_acl_; }

 private:
  void consider_principal(const AclBucket& bucket, std::string_view principal, size_t hash) {
    const auto [first, last] = std::ranges::equal_range(bucket, hash, {}, &AclEntry::principal_hash);
    for (auto entry = first; entry != last; ++entry) {
      if (entry->principal != principal) continue;  // another principal with the same hash
      if (!entry->any_host && entry->host != host_) continue;
      if (entry->permission == AclPermission::kDeny && deny_covers(entry->operation, operation_)) {
        denied_ = true;
        return;
      }
      if (entry->permission == AclPermission::kAllow && allow_covers(entry->operation, operation_)) allowed_ = true;
    }
  }

  const std::string_view principal_;
  const size_t principal_hash_;
  const size_t wildcard_hash_;
  const std::string_view host_;
  const AclOperation operation_;
  bool denied_ = false;
  bool allowed_ = false;
  bool found_acl_ = false;
};

}  // namespace

// An immutable set of bindings and the index the hot path searches: per resource type, literal
// names in a hash map (heterogeneous lookup: a string_view finds a std::string key without a
// copy) and prefixed names in a trie.
class AclIndex {
 public:
  // `bindings`: valid, sorted, unique.
  explicit AclIndex(std::vector<AclBinding> bindings) : bindings_(std::move(bindings)) {
    std::array<std::map<std::string, AclBucket, std::less<>>, kResourceTypeSlots> prefixed;
    for (const AclBinding& binding : bindings_) {
      const auto slot = static_cast<size_t>(binding.resource_type);
      AclEntry entry{StringHash{}(binding.principal), binding.principal, binding.host,
                     binding.host == kWildcardHost,   binding.operation, binding.permission};
      if (binding.pattern_type == AclPatternType::kLiteral)
        by_type_[slot].literal[binding.resource_name].push_back(std::move(entry));
      else
        prefixed[slot][binding.resource_name].push_back(std::move(entry));
    }
    auto by_principal = [](const AclEntry& a, const AclEntry& b) {
      return std::tie(a.principal_hash, a.principal) < std::tie(b.principal_hash, b.principal);
    };
    for (size_t slot = 0; slot < kResourceTypeSlots; ++slot) {
      ResourceTypeIndex& index = by_type_[slot];
      for (auto& [name, bucket] : index.literal) std::ranges::stable_sort(bucket, by_principal);
      for (auto& [name, bucket] : prefixed[slot]) std::ranges::stable_sort(bucket, by_principal);
      index.prefixed.build(std::move(prefixed[slot]));
      // Map nodes do not move: the pointer stays valid for the index's life.
      const auto wildcard = index.literal.find(kWildcardResourceName);
      index.wildcard = wildcard != index.literal.end() ? &wildcard->second : nullptr;
    }
  }

  const std::vector<AclBinding>& bindings() const { return bindings_; }

  // Steps 2 to 5 of Kafka's rule (authorizer.h); the caller has handled super users.
  bool authorize(std::string_view principal, std::string_view host, AclOperation operation, AclResourceType type,
                 std::string_view name, bool allow_if_no_acl) const {
    const ResourceTypeIndex& index = by_type_[static_cast<size_t>(type)];
    Decision decision(principal, host, operation, wildcard_principal_hash_);
    const auto literal = index.literal.find(name);
    if (literal != index.literal.end() && decision.consider(literal->second)) return false;
    if (index.wildcard != nullptr && name != kWildcardResourceName && decision.consider(*index.wildcard)) return false;
    index.prefixed.for_each_prefix_of(name, [&](const AclBucket& bucket) { return decision.consider(bucket); });
    if (decision.denied()) return false;
    if (decision.allowed()) return true;
    return !decision.found_acl() && allow_if_no_acl;
  }

 private:
  struct ResourceTypeIndex {
    std::unordered_map<std::string, AclBucket, StringHash, std::equal_to<>> literal;
    const AclBucket* wildcard = nullptr;  // literal["*"], if any
    PrefixTrie prefixed;
  };

  const std::vector<AclBinding> bindings_;
  const size_t wildcard_principal_hash_ = StringHash{}(kWildcardPrincipal);
  std::array<ResourceTypeIndex, kResourceTypeSlots> by_type_;  // by AclResourceType code
};

Result<std::unique_ptr<Authorizer>> Authorizer::open(const std::string& directory, AuthorizerConfig config) {
  for (const std::string& user : config.super_users)
    if (auto valid = validate_principal(user); !valid || user == kWildcardPrincipal)
      return make_error(ErrorCode::kInvalidArgument,
                        "super user \"" + user + "\": " +
                            (valid ? "super users are named one by one; to open everything to every user, "
                                     "grant ALL on LITERAL \"*\" to User:* instead"
                                   : valid.error().message));
  std::string path;
  std::vector<AclBinding> bindings;
  if (!directory.empty()) {
    if (auto made = io::make_directories(directory); !made) return std::unexpected(made.error());
    path = directory + "/acls";
    auto read = read_acl_file(path);
    if (!read) return std::unexpected(read.error());
    bindings = std::move(*read);
    sort_and_deduplicate(bindings);
  }
  auto index = std::make_shared<const AclIndex>(std::move(bindings));
  return std::unique_ptr<Authorizer>(new Authorizer(std::move(path), std::move(config), std::move(index)));
}

Result<std::unique_ptr<Authorizer>> Authorizer::in_memory(AuthorizerConfig config) {
  return open("", std::move(config));
}

Authorizer::Authorizer(std::string path, AuthorizerConfig config, std::shared_ptr<const AclIndex> index)
    : path_(std::move(path)),
      super_users_([&] {
        std::ranges::sort(config.super_users);
        return std::move(config.super_users);
      }()),
      allow_everyone_if_no_acl_found_(config.allow_everyone_if_no_acl_found),
      index_(std::move(index)) {}

Authorizer::~Authorizer() = default;

bool Authorizer::authorize(std::string_view principal, std::string_view host, AclOperation operation,
                           AclResourceType resource_type, std::string_view resource_name) const {
  if (std::ranges::binary_search(super_users_, principal, std::less<>{})) return true;
  if (!is_authorizable(operation) || !is_authorizable(resource_type)) return false;
  // The reference keeps this snapshot alive if a writer publishes the next one meanwhile (the
  // last reader of a replaced snapshot frees it: rare, after an ACL change).
  const std::shared_ptr<const AclIndex> index = snapshot();
  return index->authorize(principal, host, operation, resource_type, resource_name, allow_everyone_if_no_acl_found_);
}

Status Authorizer::add(std::vector<AclBinding> bindings) {
  for (const AclBinding& binding : bindings)
    if (auto valid = validate_binding(binding); !valid) return valid;
  std::lock_guard lock(update_mutex_);
  const std::shared_ptr<const AclIndex> index = snapshot();
  const std::vector<AclBinding>& current = index->bindings();
  bindings.insert(bindings.end(), current.begin(), current.end());
  sort_and_deduplicate(bindings);
  if (bindings.size() == current.size()) return {};  // every one was already there
  return replace_bindings(std::move(bindings));
}

Result<std::vector<AclBinding>> Authorizer::remove(const AclBindingFilter& filter) {
  if (auto valid = validate_filter(filter); !valid) return std::unexpected(valid.error());
  std::lock_guard lock(update_mutex_);
  const std::shared_ptr<const AclIndex> index = snapshot();
  std::vector<AclBinding> removed, kept;
  for (const AclBinding& binding : index->bindings()) (filter.matches(binding) ? removed : kept).push_back(binding);
  if (removed.empty()) return removed;
  if (auto replaced = replace_bindings(std::move(kept)); !replaced) return std::unexpected(replaced.error());
  return removed;
}

std::vector<AclBinding> Authorizer::list(const AclBindingFilter& filter) const {
  const std::shared_ptr<const AclIndex> index = snapshot();
  std::vector<AclBinding> selected;
  for (const AclBinding& binding : index->bindings())
    if (filter.matches(binding)) selected.push_back(binding);
  return selected;
}

size_t Authorizer::size() const { return snapshot()->bindings().size(); }

Status Authorizer::replace_bindings(std::vector<AclBinding> bindings) {
  if (!path_.empty())
    if (auto written = write_acl_file(path_, bindings); !written) return written;
  std::shared_ptr<const AclIndex> next = std::make_shared<const AclIndex>(std::move(bindings));
  {
    std::lock_guard lock(snapshot_mutex_);
    index_.swap(next);
  }
  return {};  // `next`, now the old snapshot, is freed here (or by its last reader), not under the lock
}

std::shared_ptr<const AclIndex> Authorizer::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return index_;
}

}  // namespace ringmq::broker::security
