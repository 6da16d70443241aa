#include "broker/security/credential_store.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <filesystem>

#include "broker/security/record_file.h"
#include "common/base64.h"
#include "io/file.h"

namespace ringmq::broker::security {
namespace {

constexpr std::string_view kFileName = "scram-credentials";
constexpr std::string_view kFileKind = "ringmq-scram-credentials";
constexpr int kFileVersion = 1;
constexpr size_t kFieldsPerRecord = 6;
constexpr ScramMechanism kMechanisms[] = {ScramMechanism::kSha256, ScramMechanism::kSha512};

size_t slot_of(ScramMechanism mechanism) { return mechanism == ScramMechanism::kSha512 ? 1 : 0; }

// What is wrong with a credential the store is asked to keep (or found in its file), if anything.
// open() and upsert() apply the same rules, so whatever upsert wrote, open reads back.
std::optional<std::string> credential_problem(const ScramCredential& credential) {
  if (!scram_mechanism_from_code(static_cast<int8_t>(credential.mechanism))) return "unknown SCRAM mechanism";
  if (credential.iterations < kMinScramIterations || credential.iterations > kMaxScramIterations)
    return "iterations " + std::to_string(credential.iterations) + " outside [" + std::to_string(kMinScramIterations) +
           ", " + std::to_string(kMaxScramIterations) + "]";
  if (credential.salt.empty()) return std::string("empty salt");
  const size_t key_size = scram_key_size(credential.mechanism);
  if (credential.stored_key.size() != key_size || credential.server_key.size() != key_size)
    return "keys of " + std::string(scram_mechanism_name(credential.mechanism)) + " must be " +
           std::to_string(key_size) + " bytes";
  return std::nullopt;
}

std::string encode_record(const std::string& user, const ScramCredential& credential) {
  std::string record = escape_field(user);
  record.append(" ").append(scram_mechanism_name(credential.mechanism));
  record.append(" ").append(std::to_string(credential.iterations));
  record.append(" ").append(base64_encode(credential.salt));
  record.append(" ").append(base64_encode(credential.stored_key));
  record.append(" ").append(base64_encode(credential.server_key));
  return record;
}

struct DecodedRecord {
  std::string user;
  ScramCredential credential;
};

// kCorrupt with what is wrong; the caller adds the file and the line.
Result<DecodedRecord> decode_record(std::string_view record) {
  auto corrupt = [](const std::string& what) { return make_error(ErrorCode::kCorrupt, what); };
  const std::vector<std::string_view> fields = split_fields(record);
  if (fields.size() != kFieldsPerRecord)
    return corrupt("expected " + std::to_string(kFieldsPerRecord) + " fields, found " + std::to_string(fields.size()));
  DecodedRecord decoded;
  auto user = unescape_field(fields[0]);
  if (!user) return std::unexpected(user.error());
  if (user->empty()) return corrupt("empty user name");
  decoded.user = std::move(*user);
  auto mechanism = parse_scram_mechanism(fields[1]);
  if (!mechanism) return corrupt("unknown mechanism \"" + escape_field(fields[1]) + "\"");
  decoded.credential.mechanism = *mechanism;
  const std::string_view iterations = fields[2];
  const auto [end, error] =
      std::from_chars(iterations.data(), iterations.data() + iterations.size(), decoded.credential.iterations);
  if (error != std::errc() || end != iterations.data() + iterations.size())
    return corrupt("iterations \"" + escape_field(iterations) + "\" is not a number");
  std::vector<uint8_t>* const binary_fields[] = {&decoded.credential.salt, &decoded.credential.stored_key,
                                                 &decoded.credential.server_key};
  constexpr const char* kBinaryFieldNames[] = {"salt", "stored key", "server key"};
  for (size_t i = 0; i < 3; ++i) {
    auto bytes = base64_decode(fields[3 + i]);
    if (!bytes) return corrupt(std::string(kBinaryFieldNames[i]) + ": " + bytes.error().message);
    *binary_fields[i] = std::move(*bytes);
  }
  if (auto problem = credential_problem(decoded.credential)) return corrupt(*problem);
  return decoded;
}

// `directory`, created with mode 0700 if it does not exist (its parents with the default mode).
// An existing directory keeps its mode: the operator may have reasons.
Status ensure_private_directory(const std::string& directory) {
  std::filesystem::path dir = std::filesystem::path(directory).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "a/b/" names "a/b"
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return make_error(ErrorCode::kInvalidArgument, directory + " is not a directory");
    return {};
  }
  if (errno != ENOENT) return errno_error("stat " + directory, errno);
  const std::filesystem::path parent = dir.has_parent_path() ? dir.parent_path() : std::filesystem::path(".");
  if (auto s = io::make_directories(parent.string()); !s) return s;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return errno_error("mkdir " + directory, errno);
  return io::sync_directory(parent.string());
}

}  // namespace

CredentialStore::CredentialStore(std::string path, CredentialMap credentials)
    : path_(std::move(path)), credentials_(std::move(credentials)) {}

Result<std::unique_ptr<CredentialStore>> CredentialStore::open(const std::string& directory) {
  if (auto s = ensure_private_directory(directory); !s) return std::unexpected(s.error());
  std::string path = directory + "/" + std::string(kFileName);
  CredentialMap credentials;
  auto records = read_record_file(path, kFileKind, kFileVersion);
  if (!records && records.error().code != ErrorCode::kNotFound) return std::unexpected(records.error());
  const size_t count = records ? records->size() : 0;
  for (size_t i = 0; i < count; ++i) {
    // Line 1 is the header, so record i is on line i + 2.
    const std::string where = path + " line " + std::to_string(i + 2) + ": ";
    auto decoded = decode_record((*records)[i]);
    if (!decoded) return make_error(ErrorCode::kCorrupt, where + decoded.error().message);
    std::optional<ScramCredential>& slot = credentials[decoded->user][slot_of(decoded->credential.mechanism)];
    if (slot) return make_error(ErrorCode::kCorrupt, where + "a second credential for the same user and mechanism");
    slot = std::move(decoded->credential);
  }
  return std::unique_ptr<CredentialStore>(new CredentialStore(std::move(path), std::move(credentials)));
}

std::optional<ScramCredential> CredentialStore::find(std::string_view user, ScramMechanism mechanism) const {
  std::shared_lock lock(map_mutex_);
  auto it = credentials_.find(user);
  if (it == credentials_.end()) return std::nullopt;
  return it->second[slot_of(mechanism)];
}

Status CredentialStore::upsert(std::string user, ScramCredential credential) {
  if (user.empty()) return make_error(ErrorCode::kInvalidArgument, "SCRAM credential: empty user name");
  if (auto problem = credential_problem(credential))
    return make_error(ErrorCode::kInvalidArgument, "SCRAM credential: " + *problem);
  std::lock_guard write_lock(write_mutex_);
  CredentialMap next = credentials_;
  next[std::move(user)][slot_of(credential.mechanism)] = std::move(credential);
  return save_and_publish(std::move(next));
}

Result<bool> CredentialStore::remove(std::string_view user, ScramMechanism mechanism) {
  std::lock_guard write_lock(write_mutex_);
  auto current = credentials_.find(user);
  if (current == credentials_.end() || !current->second[slot_of(mechanism)]) return false;
  CredentialMap next = credentials_;
  auto it = next.find(user);
  it->second[slot_of(mechanism)].reset();
  if (!it->second[0] && !it->second[1]) next.erase(it);
  if (auto s = save_and_publish(std::move(next)); !s) return std::unexpected(s.error());
  return true;
}

std::vector<ScramUserInfo> CredentialStore::list() const {
  std::shared_lock lock(map_mutex_);
  std::vector<ScramUserInfo> users;
  users.reserve(credentials_.size());
  for (const auto& [user, slots] : credentials_) {
    ScramUserInfo info{user, {}};
    for (const ScramMechanism mechanism : kMechanisms)
      if (const auto& credential = slots[slot_of(mechanism)])
        info.credentials.emplace_back(mechanism, credential->iterations);
    users.push_back(std::move(info));
  }
  return users;
}

bool CredentialStore::empty() const {
  std::shared_lock lock(map_mutex_);
  return credentials_.empty();
}

Status CredentialStore::save_and_publish(CredentialMap next) {
  std::vector<std::string> records;
  for (const auto& [user, slots] : next)
    for (const ScramMechanism mechanism : kMechanisms)
      if (const auto& credential = slots[slot_of(mechanism)]) records.push_back(encode_record(user, *credential));
  if (auto s = write_record_file(path_, kFileKind, kFileVersion, records); !s)
    return make_error(s.error().code, "saving SCRAM credentials to " + path_ + ": " + s.error().message);
  {
    std::unique_lock lock(map_mutex_);
    credentials_.swap(next);
  }
  // `next` now holds the old map; it is freed here, outside the lock.
  return {};
}

}  // namespace ringmq::broker::security
