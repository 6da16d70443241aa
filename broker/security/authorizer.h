// Authorizer: the broker's ACLs (acl.h) and Kafka's decision over them, for every request that
// touches a topic, group, transactional id or the cluster. The ACLs live in
// `<directory>/acls` (format in authorizer.cc), rewritten whole on every change.
//
// Kafka's rule, for a principal at a host asking for an operation on a resource:
//   1. a super user is allowed everything;
//   2. the ACLs that apply are those on the resource (LITERAL of its name, LITERAL "*",
//      PREFIXED of any prefix of its name) for the principal (or "User:*") at the host (or "*");
//   3. a DENY of the operation (or of ALL) among them denies: deny wins;
//   4. else an ALLOW of the operation, of ALL, or of an operation that implies it allows
//      (READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS);
//      a DENY is never widened this way (DENY READ does not deny DESCRIBE);
//   5. else, when the resource has no ACL at all (for anyone, any operation, any host), the
//      answer is allow_everyone_if_no_acl_found; otherwise denied.
//
// Threads: authorize(), list() and size() may be called from any number of threads at once
// with add() and remove(). Readers never wait for a writer's work: they take a reference to
// an immutable snapshot of the ACLs and their index; a writer (one at a time) writes the file,
// builds the next snapshot, then swaps the pointer. The pointer's mutex is held only to copy or
// swap it (a shared_ptr, not std::atomic<shared_ptr>: libstdc++ 12's load() releases its
// internal lock with relaxed order, which TSAN reports as a race with the next store).
// authorize() does not allocate.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "broker/security/acl.h"
#include "common/result.h"

namespace ringmq::broker::security {

struct AuthorizerConfig {
  // Principals allowed every operation whatever the ACLs say, e.g. "User:admin". Compared
  // exactly: "User:*" is refused here (grant ALL on LITERAL "*" to User:* instead).
  std::vector<std::string> super_users;
  // Whether a resource that no ACL mentions is open to everyone (Kafka's
  // allow.everyone.if.no.acl.found). Off: a resource without ACLs is closed to all but super users.
  bool allow_everyone_if_no_acl_found = false;
};

// The immutable ACL snapshot readers use (authorizer.cc).
class AclIndex;

class Authorizer {
 public:
  // An authorizer whose ACLs persist in `<directory>/acls` (created on the first change; a
  // missing file means no ACLs). kCorrupt when the file fails its checksum or holds a record
  // that is not a valid binding; kInvalidArgument for a malformed super user.
  static Result<std::unique_ptr<Authorizer>> open(const std::string& directory, AuthorizerConfig config);
  // An authorizer that keeps its ACLs in memory only (tests, tools).
  static Result<std::unique_ptr<Authorizer>> in_memory(AuthorizerConfig config);

  ~Authorizer();
  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;

  // Kafka's decision (see the top of this file). `principal` is "User:<name>", `host` the
  // client's IP address as text, `resource_name` "kafka-cluster" for the cluster. ANY or
  // UNKNOWN as the operation or resource type is never authorized.
  bool authorize(std::string_view principal, std::string_view host, AclOperation operation,
                 AclResourceType resource_type, std::string_view resource_name) const;

  // Adds `bindings`, all or none: every one is validated (validate_binding) first, and the file
  // is written before the new ACLs take effect; if the write fails, nothing changes. Bindings
  // already present (exact duplicates) are ignored.
  Status add(std::vector<AclBinding> bindings);
  // Removes every binding `filter` selects and returns them (DeleteAcls). kInvalidArgument for
  // an invalid filter (validate_filter); a failed write returns its error and removes nothing.
  Result<std::vector<AclBinding>> remove(const AclBindingFilter& filter);
  // The bindings `filter` selects (DescribeAcls), sorted by resource. An invalid filter
  // selects nothing: check it with validate_filter to report why.
  std::vector<AclBinding> list(const AclBindingFilter& filter) const;
  size_t size() const;

 private:
  Authorizer(std::string path, AuthorizerConfig config, std::shared_ptr<const AclIndex> index);
  // Makes `bindings` (sorted, unique) the ACLs: writes the file, then publishes the snapshot.
  // The caller holds update_mutex_.
  Status replace_bindings(std::vector<AclBinding> bindings);
  // The current snapshot. Invariant: only the holder of update_mutex_ replaces it.
  std::shared_ptr<const AclIndex> snapshot() const;

  const std::string path_;                      // "<directory>/acls"; empty: in memory only
  const std::vector<std::string> super_users_;  // sorted
  const bool allow_everyone_if_no_acl_found_;
  std::mutex update_mutex_;            // one writer at a time, across its file write
  mutable std::mutex snapshot_mutex_;  // guards index_: held for a pointer copy or swap only
  std::shared_ptr<const AclIndex> index_;
};

}  // namespace ringmq::broker::security
