// EtcdClient: the few etcd v3 calls a broker group needs — range, put, delete, compare-and-
// swap transactions and leases — spoken as JSON to etcd's gRPC gateway (/v3/...), which every
// etcd 3.4 server serves on its client port. Keys and values are byte strings; the gateway
// carries them in base64 and 64-bit numbers as decimal strings, which this class hides.
// Several endpoints may be given (the members of one etcd cluster): a request that cannot
// reach one tries the next, and the one that answered is used first from then on.
// Not thread-safe: one owner thread (the membership loop, or the ops CLI).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/http_client.h"
#include "common/result.h"

namespace ringmq::cluster {

// One key as etcd stores it, with the revisions compare-and-swap checks.
struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;  // 0: not attached to a lease
};

// A condition of a transaction: the key's create or mod revision, or its value, equals
// `revision` / `value`. create_revision 0 means "the key does not exist".
struct Compare {
  enum class Target { kCreateRevision, kModRevision, kValue };
  std::string key;
  Target target = Target::kCreateRevision;
  int64_t revision = 0;
  std::string value;

  static Compare absent(std::string key) { return {std::move(key), Target::kCreateRevision, 0, {}}; }
  static Compare mod_revision_is(std::string key, int64_t revision) {
    return {std::move(key), Target::kModRevision, revision, {}};
  }
  static Compare value_is(std::string key, std::string value) {
    return {std::move(key), Target::kValue, 0, std::move(value)};
  }
};

// One operation of a transaction branch.
struct TxnOp {
  enum class Kind { kPut, kDelete, kGet };
  Kind kind = Kind::kGet;
  std::string key;
  std::string value;  // kPut
  int64_t lease = 0;  // kPut: attach to this lease (0: none)

  static TxnOp put(std::string key, std::string value, int64_t lease = 0) {
    return {Kind::kPut, std::move(key), std::move(value), lease};
  }
  static TxnOp remove(std::string key) { return {Kind::kDelete, std::move(key), {}, 0}; }
  static TxnOp get(std::string key) { return {Kind::kGet, std::move(key), {}, 0}; }
};

struct Txn {
  std::vector<Compare> compare;
  std::vector<TxnOp> success;
  std::vector<TxnOp> failure;
};

struct TxnResult {
  bool succeeded = false;
  int64_t revision = 0;  // the store's revision after the transaction
  // The keys the branch's kGet operations found, in order (absent keys are left out).
  std::vector<KeyValue> found;
};

struct Lease {
  int64_t id = 0;
  int64_t ttl_s = 0;
};

class EtcdClient {
 public:
  // kInvalidArgument when an endpoint is malformed or there is none.
  static Result<EtcdClient> create(const std::vector<std::string>& endpoints, std::chrono::milliseconds timeout);

  Result<std::optional<KeyValue>> get(std::string_view key);
  // Every key starting with `prefix`, in key order.
  Result<std::vector<KeyValue>> get_prefix(std::string_view prefix);
  Status put(std::string_view key, std::string_view value, int64_t lease = 0);
  // Deletes `key`; true when it existed.
  Result<bool> remove(std::string_view key);
  Result<TxnResult> txn(const Txn& txn);

  Result<Lease> grant_lease(int64_t ttl_s);
  // Renews the lease; its TTL, or nullopt when etcd no longer knows it (it expired).
  Result<std::optional<int64_t>> keep_alive(int64_t lease);
  Status revoke_lease(int64_t lease);

  // The endpoint that answered last ("127.0.0.1:2379"), for logs.
  std::string current_endpoint() const { return clients_[current_].endpoint().to_string(); }

 private:
  explicit EtcdClient(std::vector<HttpClient> clients, std::chrono::milliseconds timeout)
      : clients_(std::move(clients)), timeout_(timeout) {}
  // POSTs `json` to the current endpoint, then the others; the answer's body (status 200) or
  // an error naming etcd's message.
  Result<std::string> call(std::string_view path, const std::string& json);

  std::vector<HttpClient> clients_;
  size_t current_ = 0;
  std::chrono::milliseconds timeout_;
};

// "http://a:2379, b:2379" -> {"http://a:2379", "b:2379"}: a comma-separated endpoint list
// (cluster.etcd_endpoints, --etcd), blanks trimmed, empty items dropped.
std::vector<std::string> split_endpoints(std::string_view text);

// The smallest key greater than every key starting with `prefix` (etcd's range_end).
std::string prefix_end(std::string_view prefix);

}  // namespace ringmq::cluster
