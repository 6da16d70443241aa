// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka uses them: the credentials the
// broker stores (salt and derived keys, never a password), the server side of one
// authentication exchange, and a client side for tests and the ops tools. No channel binding
// (Kafka has no SCRAM-*-PLUS), no SASLprep (Kafka's clients do not apply it either), and no
// extensions: Kafka's only one, "tokenauth" (delegation tokens), is refused.
//
// Message flow (client -> server):
//   client-first   "n,," "n=<user>,r=<client nonce>"       gs2 header + client-first-bare
//   server-first   "r=<client nonce><server nonce>,s=<base64 salt>,i=<iterations>"
//   client-final   "c=<base64 gs2 header>,r=<nonce>,p=<base64 ClientProof>"
//   server-final   "v=<base64 ServerSignature>"
// User names escape ',' as "=2C" and '=' as "=3D".
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ringmq::broker::security {

// The numbers are Kafka's ScramMechanism codes (DescribeUserScramCredentials and
// AlterUserScramCredentials); 0 is Kafka's UNKNOWN and has no value here.
enum class ScramMechanism : int8_t { kSha256 = 1, kSha512 = 2 };

// "SCRAM-SHA-256" or "SCRAM-SHA-512", the SASL mechanism names.
std::string_view scram_mechanism_name(ScramMechanism mechanism);
std::optional<ScramMechanism> parse_scram_mechanism(std::string_view name);
std::optional<ScramMechanism> scram_mechanism_from_code(int8_t code);
// Bytes of the mechanism's digest, hence of its StoredKey, ServerKey and ClientProof: 32 or 64.
size_t scram_key_size(ScramMechanism mechanism);

// Kafka's bounds on a credential's PBKDF2 iteration count.
inline constexpr int32_t kMinScramIterations = 4096;
inline constexpr int32_t kMaxScramIterations = 16384;

// What the broker keeps for one user and mechanism. From these a server can check a client's
// proof and prove itself in return, but cannot recover the password.
struct ScramCredential {
  ScramMechanism mechanism = ScramMechanism::kSha256;
  int32_t iterations = kMinScramIterations;
  std::vector<uint8_t> salt;
  std::vector<uint8_t> stored_key;  // H(ClientKey)
  std::vector<uint8_t> server_key;  // HMAC(SaltedPassword, "Server Key")
};

// A credential for `password` with a fresh random 32-byte salt. kInvalidArgument for iterations
// outside [kMinScramIterations, kMaxScramIterations]; kIo if OpenSSL has no randomness to give.
Result<ScramCredential> make_scram_credential(ScramMechanism mechanism, std::string_view password, int32_t iterations);
// The credential for a password already salted by the client (AlterUserScramCredentials sends
// SaltedPassword, not the password). The caller checks the iteration bounds.
ScramCredential scram_credential_from_salted_password(ScramMechanism mechanism, int32_t iterations,
                                                      std::vector<uint8_t> salt,
                                                      std::span<const uint8_t> salted_password);
// SaltedPassword = Hi(password, salt, iterations), i.e. PBKDF2 with the mechanism's HMAC.
// `iterations` must be positive.
std::vector<uint8_t> scram_salted_password(ScramMechanism mechanism, std::string_view password,
                                           std::span<const uint8_t> salt, int32_t iterations);
// Whether `password` is the one `credential` was made from (SASL PLAIN checked against the SCRAM
// store): recomputes StoredKey and compares in constant time. False for a credential whose
// iteration count is out of bounds, rather than running an unbounded PBKDF2.
bool scram_password_matches(const ScramCredential& credential, std::string_view password);

// Why an exchange failed. The caller answers both with an authentication failure, but only
// kBadCredentials is worth an "invalid user name or password" in the broker's audit log.
enum class ScramFailure {
  kMalformed,       // the client broke the protocol: syntax, nonce, channel binding, extensions, order
  kBadCredentials,  // wrong password or unknown user (indistinguishable on purpose), or acting as another user
  kInternal,        // the server could not do its part (no randomness); not the client's fault
};

// The message never contains a password, proof, key, or any byte the client sent.
struct ScramError {
  ScramFailure kind = ScramFailure::kMalformed;
  std::string message;
};

struct ScramStep {
  std::string server_message;
  bool complete = false;  // true after the client proved itself; server_message is the last one
};

using ScramStepResult = std::expected<ScramStep, ScramError>;
// The credential of `user` for the exchange's mechanism, or nullopt if there is none.
using ScramCredentialLookup = std::function<std::optional<ScramCredential>(std::string_view user)>;

// The server side of one SCRAM authentication: feed it the client's two messages in order.
// One object per attempt; after a failure or completion every further step is kMalformed.
//
// An unknown user gets a server-first-message like any other (a salt derived from the user name
// with a per-process secret, so repeated attempts see the same one, and kMinScramIterations)
// and then fails at the proof with the same message as a wrong password: the exchange does not
// reveal which user names exist. (A user stored with more than kMinScramIterations is told
// apart by the count; Kafka's default is the minimum.)
class ScramServerExchange {
 public:
  // `fixed_server_nonce` is for tests (RFC 7677's vector); otherwise the server's share of the
  // nonce is 32 random bytes in base64.
  ScramServerExchange(ScramMechanism mechanism, ScramCredentialLookup lookup,
                      std::optional<std::string> fixed_server_nonce = std::nullopt);

  ScramStepResult step(std::string_view client_message);

  ScramMechanism mechanism() const { return mechanism_; }
  bool complete() const { return state_ == State::kComplete; }
  // The authenticated user once complete; empty before.
  const std::string& user() const { return authenticated_user_; }
  // The "a=" of the gs2 header (empty if none). When given it equals the user name: a client
  // may not act as someone else, as in Kafka.
  std::string_view authorization_id() const { return authorization_id_; }

 private:
  enum class State { kExpectClientFirst, kExpectClientFinal, kComplete, kFailed };

  ScramStepResult handle_client_first(std::string_view message);
  ScramStepResult handle_client_final(std::string_view message);

  ScramMechanism mechanism_;
  ScramCredentialLookup lookup_;
  std::optional<std::string> fixed_server_nonce_;
  State state_ = State::kExpectClientFirst;

  // Between the two steps:
  std::string gs2_header_;         // as the client sent it, for the "c=" check
  std::string user_;               // decoded user name
  std::string authorization_id_;   // decoded "a=", empty if absent
  std::string client_first_bare_;  // the first part of AuthMessage
  std::string server_first_;       // the second part
  std::string nonce_;              // client nonce + server nonce
  ScramCredential credential_;     // the user's, or the decoy for an unknown user
  bool user_known_ = false;

  std::string authenticated_user_;
};

// The client side, for tests and the ops tools (never used by the broker to authenticate).
// Call first_message, final_message and verify_server_final once each, in that order.
class ScramClientExchange {
 public:
  // `fixed_client_nonce` is for tests; otherwise 32 random bytes in base64.
  ScramClientExchange(ScramMechanism mechanism, std::string user, std::string password,
                      std::optional<std::string> fixed_client_nonce = std::nullopt);
  ~ScramClientExchange();
  ScramClientExchange(const ScramClientExchange&) = delete;
  ScramClientExchange& operator=(const ScramClientExchange&) = delete;

  std::string first_message();
  // The client-final-message for the server's first message. kInvalidArgument if the server's
  // nonce does not extend ours, the salt is not base64, or the iteration count is outside
  // [kMinScramIterations, kMaxScramIterations] (a server must not make us weaken or burn CPU).
  Result<std::string> final_message(std::string_view server_first);
  // Checks that the server knows our credential ("v=" matches). A server error ("e=...") or a
  // wrong signature is kInvalidArgument with a message saying which.
  Status verify_server_final(std::string_view server_final);

 private:
  ScramMechanism mechanism_;
  std::string user_;
  std::string password_;
  std::string client_nonce_;
  std::string client_first_bare_;
  std::vector<uint8_t> expected_server_signature_;
};

}  // namespace ringmq::broker::security
