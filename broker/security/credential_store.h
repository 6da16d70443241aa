// CredentialStore: the broker's SCRAM credentials (what AlterUserScramCredentials sets and SASL
// checks), durable in <directory>/scram-credentials. The file is a RecordFile
// (record_file.h) of kind "ringmq-scram-credentials", version 1, one record per user and
// mechanism, sorted by user then mechanism:
//
//   field  content                         example
//   1      user name, escape_field()       alice
//   2      mechanism name                  SCRAM-SHA-256
//   3      iterations, decimal             4096
//   4      salt, base64                    W22ZaJ0SNY7soEsUEjb6gQ==
//   5      StoredKey, base64               (32 or 64 bytes)
//   6      ServerKey, base64               (32 or 64 bytes)
//
// No passwords: the keys let the broker check a proof, not recover a password. Still secrets
// (they let an attacker impersonate the broker and mount an offline guessing attack), hence a
// 0700 directory and a 0600 file.
//
// Thread-safe. find() runs on network threads for every authentication and takes a shared
// lock only; upsert and remove are rare, serialized among themselves, and write the whole file
// (atomically, synced) before the in-memory map changes, so readers never wait for the disk
// and memory never holds what the disk does not. A failed write leaves memory as it was.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/security/scram.h"
#include "common/result.h"

namespace ringmq::broker::security {

// What DescribeUserScramCredentials reports: a user's mechanisms and iteration counts.
struct ScramUserInfo {
  std::string user;
  std::vector<std::pair<ScramMechanism, int32_t>> credentials;  // by mechanism code
};

class CredentialStore {
 public:
  // Opens the store in `directory`, creating it (mode 0700) if missing. No file is an empty
  // store; a damaged file is kCorrupt naming the file and the record, and the broker must not
  // start on it (an empty store would lock everyone out, a partial one some).
  static Result<std::unique_ptr<CredentialStore>> open(const std::string& directory);

  std::optional<ScramCredential> find(std::string_view user, ScramMechanism mechanism) const;
  // Adds or replaces `user`'s credential for credential.mechanism. kInvalidArgument for an
  // empty user name, an iteration count outside Kafka's bounds, an empty salt, or keys of the
  // wrong size for the mechanism; the write's error if the file cannot be replaced.
  Status upsert(std::string user, ScramCredential credential);
  // Removes `user`'s credential for `mechanism`: true if there was one, false (and no write) if
  // not.
  Result<bool> remove(std::string_view user, ScramMechanism mechanism);
  // Every user with at least one credential, sorted by user name.
  std::vector<ScramUserInfo> list() const;
  bool empty() const;
  const std::string& path() const { return path_; }

 private:
  // One user's credentials: slot 0 for SCRAM-SHA-256, slot 1 for SCRAM-SHA-512.
  using UserCredentials = std::array<std::optional<ScramCredential>, 2>;
  // std::less<> so that find() looks up a string_view without building a string.
  using CredentialMap = std::map<std::string, UserCredentials, std::less<>>;

  CredentialStore(std::string path, CredentialMap credentials);
  // Writes `next` to the file, then makes it the in-memory map. Call with write_mutex_ held.
  Status save_and_publish(CredentialMap next);

  const std::string path_;
  // Held by upsert/remove across building, writing and publishing a new map. Only they change
  // credentials_, so while holding it they may read credentials_ without map_mutex_.
  std::mutex write_mutex_;
  // Guards credentials_: shared for lookups, exclusive only for the swap after a write.
  mutable std::shared_mutex map_mutex_;
  CredentialMap credentials_;
};

}  // namespace ringmq::broker::security
