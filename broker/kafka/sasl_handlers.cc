// SASL on the SASL_PLAINTEXT and SASL_SSL listeners: the gate every request passes
// (session_allows), SaslHandshake and SaslAuthenticate. Kafka's order on a SASL listener:
//
//   ApiVersions (optional) -> SaslHandshake(mechanism) -> SaslAuthenticate ... -> anything
//
// SCRAM takes two SaslAuthenticate rounds, PLAIN one. A failed authentication is answered
// with SASL_AUTHENTICATION_FAILED and the connection then takes no other request (the next
// one closes it), as Kafka closes it. With sasl.max_reauth_ms the session lasts that long
// (reported as session_lifetime_ms); the client re-authenticates on the same connection with
// a new SaslHandshake + SaslAuthenticate, as the same user, and a request after the session
// ended closes the connection (KIP-368).
//
// Everything here runs on the connection's network thread, inside handle(); the session is
// that connection's. PLAIN runs PBKDF2 with the stored iteration count (~1 ms at 4096 with
// SHA-256) on the network thread; SCRAM's server side is a few HMACs.
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "broker/kafka/kafka_router.h"
#include "broker/security/credential_store.h"
#include "broker/security/sasl_plain.h"
#include "broker/security/scram.h"

namespace ringmq::broker::kafka {

using protocol::ApiKey;
using protocol::KafkaError;

namespace {

std::string_view as_text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::span<const std::byte> as_bytes(std::string_view text) { return std::as_bytes(std::span(text)); }

}  // namespace

const AdvertisedListener& KafkaRouter::advertised_endpoint(const Request& request) const {
  const uint32_t index = request.session != nullptr ? request.session->listener : 0;
  return index < advertised_.size() ? advertised_[index] : advertised_.front();
}

bool KafkaRouter::session_allows(const Request& request, const protocol::RequestHeader& h, ResponseSlot& slot) {
  const ConnectionSession& session = *request.session;
  const ApiKey key = h.key();
  const bool sasl_request = key == ApiKey::kSaslHandshake || key == ApiKey::kSaslAuthenticate;
  if (session.authentication_failed) {
    context_.metrics.unauthenticated_closed.add();
    slot.close_connection("authentication failed on this connection; no further requests");
    return false;
  }
  if (!session.authenticated) {
    if (sasl_request || key == ApiKey::kApiVersions) return true;
    context_.metrics.unauthenticated_closed.add();
    slot.close_connection(std::string(BrokerMetrics::api_name(h.api_key)) +
                          " before SASL authentication (until then only ApiVersions, SaslHandshake and "
                          "SaslAuthenticate are accepted)");
    return false;
  }
  if (!sasl_request && session.expires_at != std::chrono::steady_clock::time_point::max() &&
      std::chrono::steady_clock::now() >= session.expires_at) {
    slot.close_connection("the SASL session of " + session.principal +
                          " ended (sasl.max_reauth_ms) and the client did not re-authenticate");
    return false;
  }
  return true;
}

void KafkaRouter::handle_sasl_handshake(const Request& request, const protocol::RequestHeader& h,
                                        const protocol::SaslHandshakeRequest& r, ResponseSlot slot) {
  protocol::SaslHandshakeResponse response;
  ConnectionSession* session = request.session;
  const bool sasl_listener = session != nullptr && uses_sasl(session->protocol);
  // What this listener offers: PLAIN only over TLS unless explicitly allowed.
  const bool plain_allowed = sasl_listener && (session->protocol == SecurityProtocol::kSaslSsl ||
                                               context_.config.sasl.allow_plain_without_tls);
  for (const std::string& m : sasl_mechanisms_)
    if (m != "PLAIN" || plain_allowed) response.mechanisms.push_back(m);
  if (h.api_version == 0) {
    response.error_code = KafkaError::kUnsupportedVersion;  // bare SASL tokens would follow
  } else if (!sasl_listener) {
    response.error_code = KafkaError::kIllegalSaslState;  // SASL on a PLAINTEXT or SSL listener
  } else if (session->sasl_stage != ConnectionSession::SaslStage::kHandshake) {
    response.error_code = KafkaError::kIllegalSaslState;  // a second handshake in one exchange
  } else if (session->authenticated && r.mechanism != session->sasl_mechanism) {
    response.error_code = KafkaError::kIllegalSaslState;  // re-authentication keeps the mechanism (KIP-368)
  } else if (std::ranges::find(response.mechanisms, r.mechanism) == response.mechanisms.end()) {
    response.error_code = KafkaError::kUnsupportedSaslMechanism;
    spdlog::info("SASL handshake refused peer={}: mechanism {} is not enabled on {} (offered: {})", request.peer,
                 r.mechanism, security_protocol_name(session->protocol), fmt::join(response.mechanisms, ", "));
  } else {
    session->sasl_mechanism = std::string(r.mechanism);
    session->sasl_stage = ConnectionSession::SaslStage::kAuthenticate;
    session->scram.reset();
  }
  if (response.error_code != KafkaError::kNone) context_.metrics.count_error(static_cast<int16_t>(response.error_code));
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_sasl_handshake_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_sasl_authenticate(const Request& request, const protocol::RequestHeader& h,
                                           const protocol::SaslAuthenticateRequest& r, ResponseSlot slot) {
  protocol::SaslAuthenticateResponse response;
  std::string message;       // error_message points here
  std::string server_token;  // auth_bytes point here
  ConnectionSession* session = request.session;
  auto answer = [&] {
    if (response.error_code != KafkaError::kNone) {
      response.error_message = message;
      context_.metrics.count_error(static_cast<int16_t>(response.error_code));
    }
    response.auth_bytes = as_bytes(server_token);
    respond(slot, [&](protocol::Writer& w) {
      return protocol::encode_sasl_authenticate_response(h.api_version, h.correlation_id, response, w);
    });
  };
  if (session == nullptr || !uses_sasl(session->protocol) ||
      session->sasl_stage != ConnectionSession::SaslStage::kAuthenticate || context_.credentials == nullptr) {
    response.error_code = KafkaError::kIllegalSaslState;
    message = "SaslAuthenticate without a SaslHandshake first";
    return answer();
  }
  const std::string mechanism = session->sasl_mechanism;
  // The outcome: the user once authenticated; on failure the reason for the log (never a secret).
  std::string user, failure;
  bool complete = false;
  if (mechanism == "PLAIN") {
    auto plain = security::parse_sasl_plain(as_text(r.auth_bytes));
    if (!plain) {
      failure = plain.error().message;
    } else {
      // The strongest credential the user has; either proves the password.
      std::optional<security::ScramCredential> credential =
          context_.credentials->find(plain->user, security::ScramMechanism::kSha512);
      if (!credential) credential = context_.credentials->find(plain->user, security::ScramMechanism::kSha256);
      // An unknown user costs the same PBKDF2 as a known one: the answer's timing does not
      // tell which user names exist.
      const bool matches = security::scram_password_matches(credential ? *credential : plain_decoy_, plain->password);
      if (credential && matches) {
        user = std::string(plain->user);
        complete = true;
      } else {
        failure = "invalid credentials";  // not the user name: it may be a password typed in the wrong field
      }
    }
  } else {
    if (!session->scram) {
      const auto scram_mechanism = security::parse_scram_mechanism(mechanism);
      security::CredentialStore* store = context_.credentials;
      session->scram = std::make_unique<security::ScramServerExchange>(
          *scram_mechanism, [store, m = *scram_mechanism](std::string_view name) { return store->find(name, m); });
    }
    auto step = session->scram->step(as_text(r.auth_bytes));
    if (!step) {
      failure = step.error().message;
    } else {
      server_token = std::move(step->server_message);
      complete = step->complete;
      if (complete) user = session->scram->user();
    }
  }

  if (!failure.empty()) {
    session->authentication_failed = true;
    session->scram.reset();
    context_.metrics.count_authentication(mechanism, false);
    spdlog::warn("SASL authentication failed peer={} mechanism={}: {}", request.peer, mechanism, failure);
    response.error_code = KafkaError::kSaslAuthenticationFailed;
    message = "Authentication failed during authentication due to invalid credentials with SASL mechanism " + mechanism;
    return answer();
  }
  if (!complete) return answer();  // SCRAM's first round: the server-first-message goes back

  const std::string principal = "User:" + user;
  if (session->authenticated && session->principal != principal) {
    // Re-authentication must keep the principal (KIP-368).
    session->authentication_failed = true;
    context_.metrics.count_authentication(mechanism, false);
    spdlog::warn("SASL re-authentication refused peer={}: {} tried to become {}", request.peer, session->principal,
                 principal);
    response.error_code = KafkaError::kSaslAuthenticationFailed;
    message = "re-authentication must use the same principal (" + session->principal + ")";
    server_token.clear();
    return answer();
  }
  const bool reauthentication = session->authenticated;
  session->principal = principal;
  session->authenticated = true;
  session->sasl_stage = ConnectionSession::SaslStage::kHandshake;  // ready for a re-authentication
  session->scram.reset();
  const uint64_t lifetime_ms = context_.config.sasl.max_reauth_ms;
  session->expires_at = lifetime_ms == 0 ? std::chrono::steady_clock::time_point::max()
                                         : std::chrono::steady_clock::now() + std::chrono::milliseconds(lifetime_ms);
  response.session_lifetime_ms = static_cast<int64_t>(lifetime_ms);
  context_.metrics.count_authentication(mechanism, true);
  spdlog::log(reauthentication ? spdlog::level::debug : spdlog::level::info,
              "SASL {} peer={} principal={} mechanism={}", reauthentication ? "re-authenticated" : "authenticated",
              request.peer, principal, mechanism);
  answer();
}

}  // namespace ringmq::broker::kafka
