// `ringmq-admin user ...`: SCRAM credentials in a broker's data directory, written offline
// (the broker stopped; it reads the store at start). This is how the very first administrator
// comes to exist: never through an unauthenticated client. Passwords are read from a file or
// standard input, never from the command line (where `ps` would show them).
#include <fstream>
#include <iostream>

#include "admin/commands.h"
#include "broker/security/credential_store.h"
#include "broker/security/scram.h"

namespace ringmq::admin {
namespace {

using broker::security::CredentialStore;
using broker::security::ScramMechanism;

Result<std::unique_ptr<CredentialStore>> open_store(const std::string& directory, Io& io) {
  auto store = CredentialStore::open(directory);
  if (!store) io.err << "ringmq-admin: credential store " << directory << ": " << store.error().message << "\n";
  return store;
}

}  // namespace

Result<std::string> read_password(const std::string& source) {
  std::string password;
  if (source == "-") {
    std::getline(std::cin, password);
  } else {
    std::ifstream in(source);
    if (!in) return make_error(ErrorCode::kNotFound, "cannot read the password file " + source);
    std::getline(in, password);
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) return make_error(ErrorCode::kInvalidArgument, "the password is empty");
  return password;
}

int user_set(const std::string& directory, const std::string& user, const std::vector<std::string>& mechanisms,
             int iterations, const std::string& password, Io& io) {
  auto store = open_store(directory, io);
  if (!store) return kExitRefused;
  for (const std::string& name : mechanisms) {
    const auto mechanism = broker::security::parse_scram_mechanism(name);
    if (!mechanism) {
      io.err << "ringmq-admin: unknown mechanism " << name << " (SCRAM-SHA-256 or SCRAM-SHA-512)\n";
      return kExitUsage;
    }
    auto credential = broker::security::make_scram_credential(*mechanism, password, iterations);
    if (!credential) {
      io.err << "ringmq-admin: " << credential.error().message << "\n";
      return kExitUsage;
    }
    if (auto stored = (*store)->upsert(user, std::move(*credential)); !stored) {
      io.err << "ringmq-admin: storing " << user << " (" << name << "): " << stored.error().message << "\n";
      return kExitRefused;
    }
    io.out << "user " << user << ": " << name << " credential stored (" << iterations << " iterations)\n";
  }
  return kExitOk;
}

int user_delete(const std::string& directory, const std::string& user, const std::vector<std::string>& mechanisms,
                Io& io) {
  auto store = open_store(directory, io);
  if (!store) return kExitRefused;
  bool any = false;
  for (const std::string& name : mechanisms) {
    const auto mechanism = broker::security::parse_scram_mechanism(name);
    if (!mechanism) {
      io.err << "ringmq-admin: unknown mechanism " << name << " (SCRAM-SHA-256 or SCRAM-SHA-512)\n";
      return kExitUsage;
    }
    auto removed = (*store)->remove(user, *mechanism);
    if (!removed) {
      io.err << "ringmq-admin: removing " << user << " (" << name << "): " << removed.error().message << "\n";
      return kExitRefused;
    }
    any |= *removed;
  }
  if (!any) {
    io.err << "ringmq-admin: user " << user << " has no such credential\n";
    return kExitRefused;
  }
  io.out << "user " << user << ": credentials removed\n";
  return kExitOk;
}

int user_list(const std::string& directory, Io& io) {
  auto store = open_store(directory, io);
  if (!store) return kExitRefused;
  JsonWriter json;
  json.begin_array();
  Table table({"USER", "MECHANISM", "ITERATIONS"});
  for (const auto& info : (*store)->list()) {
    for (const auto& [mechanism, iterations] : info.credentials) {
      const std::string name(broker::security::scram_mechanism_name(mechanism));
      json.begin_object()
          .field("user", info.user)
          .field("mechanism", name)
          .field("iterations", iterations)
          .end_object();
      table.add({info.user, name, std::to_string(iterations)});
    }
  }
  json.end_array();
  print(io, json, table);
  return kExitOk;
}

}  // namespace ringmq::admin
