// DescribeUserScramCredentials and AlterUserScramCredentials (KIP-554) over the broker's
// credential store. Clients send salted passwords, never passwords. Who may call them:
//   - never User:ANONYMOUS, so that no unauthenticated client can create the first user (that
//     is done offline with `ringmq-admin user set`);
//   - with authorization on: DESCRIBE / ALTER on the cluster (checked in authorization.cc);
//   - with it off: a super user (authorization.super_users) for anyone's credentials, any other
//     authenticated principal only for its own (change your password, not someone else's).
#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "broker/kafka/kafka_router.h"
#include "broker/security/credential_store.h"
#include "broker/security/scram.h"

namespace ringmq::broker::kafka {

using protocol::KafkaError;

namespace {

bool may_manage_credentials(const Request& request) {
  return request.session == nullptr || request.session->principal != kAnonymousPrincipal;
}

// Without an authorizer: a super user may change anyone's credentials, others only their own.
bool may_alter_user(const Request& request, const std::vector<std::string>& super_users, bool authorizer,
                    std::string_view user) {
  if (request.session == nullptr || authorizer) return true;
  const std::string& principal = request.session->principal;
  return std::ranges::find(super_users, principal) != super_users.end() ||
         (principal.starts_with("User:") && std::string_view(principal).substr(5) == user);
}

std::optional<security::ScramMechanism> mechanism_of(protocol::ScramMechanism m) {
  return security::scram_mechanism_from_code(static_cast<int8_t>(m));
}

}  // namespace

void KafkaRouter::handle_describe_user_scram_credentials(const Request& request, const protocol::RequestHeader& h,
                                                         const protocol::DescribeUserScramCredentialsRequest& r,
                                                         ResponseSlot slot) {
  protocol::DescribeUserScramCredentialsResponse response;
  std::vector<security::ScramUserInfo> users;  // the results' views point into these
  if (!may_manage_credentials(request) || context_.credentials == nullptr) {
    response.error_code =
        context_.credentials == nullptr ? KafkaError::kUnsupportedVersion : KafkaError::kClusterAuthorizationFailed;
    response.error_message = context_.credentials == nullptr
                                 ? "this broker has no SASL listener, hence no SCRAM credentials"
                                 : "describing SCRAM credentials needs an authenticated principal";
    context_.metrics.count_error(static_cast<int16_t>(response.error_code));
  } else {
    users = context_.credentials->list();
    auto add = [&](std::string_view name, const security::ScramUserInfo* info) {
      protocol::DescribeUserScramCredentialsResult result;
      result.user = name;
      if (info == nullptr) {
        result.error_code = KafkaError::kResourceNotFound;
        result.error_message = "Attempt to describe a user credential that does not exist";
      } else {
        for (const auto& [mechanism, iterations] : info->credentials)
          result.credential_infos.push_back(
              {static_cast<protocol::ScramMechanism>(static_cast<int8_t>(mechanism)), iterations});
      }
      response.results.push_back(std::move(result));
    };
    if (r.all_users) {
      for (const auto& info : users) add(info.user, &info);
    } else {
      std::set<std::string_view> seen, repeated;
      for (std::string_view name : r.users)
        if (!seen.insert(name).second) repeated.insert(name);
      for (std::string_view name : seen) {
        if (repeated.contains(name)) {
          protocol::DescribeUserScramCredentialsResult result;
          result.user = name;
          result.error_code = KafkaError::kDuplicateResource;
          result.error_message = "Cannot describe SCRAM credentials for the same user twice in a single request";
          response.results.push_back(std::move(result));
          continue;
        }
        const auto it = std::ranges::find(users, name, &security::ScramUserInfo::user);
        add(name, it == users.end() ? nullptr : &*it);
      }
    }
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_describe_user_scram_credentials_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_alter_user_scram_credentials(const Request& request, const protocol::RequestHeader& h,
                                                      const protocol::AlterUserScramCredentialsRequest& r,
                                                      ResponseSlot slot) {
  protocol::AlterUserScramCredentialsResponse response;
  // Per user, in name order: the first problem found (error, message), or none.
  struct UserChange {
    KafkaError error = KafkaError::kNone;
    std::string message;
    std::vector<std::pair<security::ScramMechanism, security::ScramCredential>> upserts;
    std::vector<security::ScramMechanism> deletions;
    std::set<int8_t> mechanisms_seen;
  };
  std::map<std::string_view, UserChange> changes;
  auto refuse = [](UserChange& change, KafkaError error, std::string message) {
    if (change.error != KafkaError::kNone) return;
    change.error = error;
    change.message = std::move(message);
  };
  auto check_common = [&](UserChange& change, std::string_view name, protocol::ScramMechanism m) {
    if (name.empty()) refuse(change, KafkaError::kUnacceptableCredential, "Username must not be empty");
    if (!mechanism_of(m)) refuse(change, KafkaError::kUnsupportedSaslMechanism, "Unknown SCRAM mechanism");
    if (!change.mechanisms_seen.insert(static_cast<int8_t>(m)).second)
      refuse(change, KafkaError::kDuplicateResource, "A user credential cannot be altered twice in the same request");
  };
  for (const auto& d : r.deletions) {
    UserChange& change = changes[d.name];
    check_common(change, d.name, d.mechanism);
    if (const auto m = mechanism_of(d.mechanism); m && context_.credentials != nullptr) {
      if (!context_.credentials->find(d.name, *m))
        refuse(change, KafkaError::kResourceNotFound, "Attempt to delete a user credential that does not exist");
      change.deletions.push_back(*m);
    }
  }
  for (const auto& u : r.upsertions) {
    UserChange& change = changes[u.name];
    check_common(change, u.name, u.mechanism);
    const auto m = mechanism_of(u.mechanism);
    if (!m) continue;
    if (u.iterations < security::kMinScramIterations) {
      refuse(change, KafkaError::kUnacceptableCredential, "Too few iterations");
    } else if (u.iterations > security::kMaxScramIterations) {
      refuse(change, KafkaError::kUnacceptableCredential, "Too many iterations");
    } else if (u.salt.empty() || u.salted_password.size() != security::scram_key_size(*m)) {
      refuse(change, KafkaError::kUnacceptableCredential,
             "the salt must not be empty and the salted password must be one " +
                 std::string(security::scram_mechanism_name(*m)) + " digest long");
    } else {
      const auto* salt = reinterpret_cast<const uint8_t*>(u.salt.data());
      const auto* salted = reinterpret_cast<const uint8_t*>(u.salted_password.data());
      change.upserts.emplace_back(*m, security::scram_credential_from_salted_password(
                                          *m, u.iterations, std::vector<uint8_t>(salt, salt + u.salt.size()),
                                          std::span(salted, u.salted_password.size())));
    }
  }
  const bool allowed = may_manage_credentials(request) && context_.credentials != nullptr;
  const std::vector<std::string> super_users = split_super_users(context_.config.authorization.super_users);
  for (auto& [name, change] : changes) {
    if (!allowed) {
      refuse(change, KafkaError::kClusterAuthorizationFailed,
             context_.credentials == nullptr ? "this broker has no SASL listener, hence no SCRAM credentials"
                                             : "altering SCRAM credentials needs an authenticated principal");
    } else if (!may_alter_user(request, super_users, context_.authorizer != nullptr, name)) {
      refuse(change, KafkaError::kClusterAuthorizationFailed,
             "only a super user (authorization.super_users) may change another user's credentials");
    }
    if (change.error == KafkaError::kNone) {
      for (const auto m : change.deletions) {
        if (auto removed = context_.credentials->remove(name, m); !removed)
          refuse(change, KafkaError::kUnknownServerError, "storing the credentials failed: " + removed.error().message);
      }
      for (auto& [m, credential] : change.upserts) {
        if (auto stored = context_.credentials->upsert(std::string(name), std::move(credential)); !stored)
          refuse(change, KafkaError::kUnknownServerError, "storing the credentials failed: " + stored.error().message);
      }
      if (change.error == KafkaError::kNone)
        spdlog::info("SCRAM credentials of user {} changed by {} peer={} ({} set, {} deleted)", name,
                     request.session != nullptr ? request.session->principal : std::string(kAnonymousPrincipal),
                     request.peer, change.upserts.size(), change.deletions.size());
    }
    protocol::AlterUserScramCredentialsResult result;
    result.user = name;
    result.error_code = change.error;
    if (change.error != KafkaError::kNone) {
      result.error_message = change.message;
      context_.metrics.count_error(static_cast<int16_t>(change.error));
    }
    response.results.push_back(result);
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_alter_user_scram_credentials_response(h.api_version, h.correlation_id, response, w);
  });
}

}  // namespace ringmq::broker::kafka
