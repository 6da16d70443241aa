// ConnectionSession: who is on one connection and how far they are in proving it. Kept by the
// Connection, read by the network thread (is the client authenticated in time?) and read and
// advanced by the request handlers (SASL) during handle(), on that connection's thread only.
//
//   listener        PLAINTEXT / SSL        SASL_PLAINTEXT / SASL_SSL
//   at accept       authenticated          not authenticated: ApiVersions, SaslHandshake and
//                                          SaslAuthenticate only, until SaslAuthenticate succeeds
//   principal       User:ANONYMOUS, or     User:<SASL user>
//                   the client certificate's
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "broker/server/listener_config.h"

namespace ringmq::broker {

namespace security {
class ScramServerExchange;
}

inline constexpr std::string_view kAnonymousPrincipal = "User:ANONYMOUS";

struct ConnectionSession {
  ConnectionSession();
  ~ConnectionSession();
  ConnectionSession(ConnectionSession&&) noexcept;
  ConnectionSession& operator=(ConnectionSession&&) noexcept;

  uint32_t listener = 0;  // index into the server's listeners
  std::string host;       // the client's IP address ("127.0.0.1", "::1"): what ACLs match
  SecurityProtocol protocol = SecurityProtocol::kPlaintext;
  std::string principal{kAnonymousPrincipal};
  bool authenticated = true;
  // A SaslAuthenticate failed: the next request closes the connection (Kafka closes it).
  bool authentication_failed = false;

  // --- SASL, advanced by the SaslHandshake / SaslAuthenticate handlers ---
  enum class SaslStage : uint8_t { kHandshake, kAuthenticate };
  SaslStage sasl_stage = SaslStage::kHandshake;
  std::string sasl_mechanism;                            // chosen by SaslHandshake
  std::unique_ptr<security::ScramServerExchange> scram;  // a SCRAM exchange in progress
  // When the authenticated session ends (sasl.max_reauth_ms); max() = never.
  std::chrono::steady_clock::time_point expires_at = std::chrono::steady_clock::time_point::max();
};

}  // namespace ringmq::broker
