#include "broker/security/scram.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "common/base64.h"

namespace ringmq::broker::security {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr size_t kNonceRandomBytes = 32;
constexpr size_t kSaltBytes = 32;

std::span<const uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// ---- Cryptographic primitives -------------------------------------------------------------

const EVP_MD* digest_of(ScramMechanism mechanism) {
  return mechanism == ScramMechanism::kSha512 ? EVP_sha512() : EVP_sha256();
}

// HMAC, SHA-2 and PBKDF2 over fixed, valid parameters fail only when OpenSSL cannot allocate or
// the installation lacks SHA-2. Carrying on would compare keys that were never computed, so
// the broker stops instead, as it does on any other allocation failure.
[[noreturn]] void crypto_failed(const char* call) {
  char reason[256] = "no OpenSSL error queued";
  if (const unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, reason, sizeof reason);
  // stderr, not spdlog: this library is also linked into the offline ops tools.
  std::fprintf(stderr, "SCRAM: OpenSSL %s failed: %s\n", call, reason);
  std::abort();
}

// A non-null pointer for an empty input: some OpenSSL 3.0 entry points take NULL to mean "not
// given" rather than "zero bytes" and fail, and an empty salted password or salt can arrive in
// an AlterUserScramCredentials request.
const uint8_t* data_or_empty(std::span<const uint8_t> bytes) {
  static constexpr uint8_t kEmpty[1] = {0};
  return bytes.empty() ? kEmpty : bytes.data();
}

Bytes hmac(ScramMechanism mechanism, std::span<const uint8_t> key, std::span<const uint8_t> data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  if (HMAC(digest_of(mechanism), data_or_empty(key), static_cast<int>(key.size()), data_or_empty(data), data.size(),
           out.data(), &size) == nullptr)
    crypto_failed("HMAC");
  out.resize(size);
  return out;
}

Bytes hash(ScramMechanism mechanism, std::span<const uint8_t> data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  if (EVP_Digest(data_or_empty(data), data.size(), out.data(), &size, digest_of(mechanism), nullptr) != 1)
    crypto_failed("EVP_Digest");
  out.resize(size);
  return out;
}

bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Bytes exclusive_or(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  Bytes out(a.begin(), a.end());
  for (size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] ^= b[i];
  return out;
}

// Overwrites secrets (salted passwords, client keys) before their memory is freed.
void wipe(Bytes& secret) { OPENSSL_cleanse(secret.data(), secret.size()); }

std::optional<std::string> random_nonce() {
  std::array<uint8_t, kNonceRandomBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return std::nullopt;
  // Letters and digits, as Kafka's own nonces (base64 would be valid SCRAM too); the modulo's
  // slight bias is harmless: a nonce must be unique, not secret.
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string nonce;
  nonce.reserve(bytes.size());
  for (const uint8_t b : bytes) nonce += kAlphabet[b % 62];
  return nonce;
}

struct DerivedKeys {
  Bytes client_key;
  Bytes stored_key;
  Bytes server_key;
};

DerivedKeys derive_keys(ScramMechanism mechanism, std::span<const uint8_t> salted_password) {
  DerivedKeys keys;
  keys.client_key = hmac(mechanism, salted_password, as_bytes("Client Key"));
  keys.stored_key = hash(mechanism, keys.client_key);
  keys.server_key = hmac(mechanism, salted_password, as_bytes("Server Key"));
  return keys;
}

// ---- Message syntax (RFC 5802 section 7) ---------------------------------------------------

// The ','-separated attributes of a message ("n=alice", "r=abc", ...), empty ones included.
std::vector<std::string_view> split_attributes(std::string_view message) {
  std::vector<std::string_view> attributes;
  size_t at = 0;
  while (true) {
    const size_t comma = message.find(',', at);
    attributes.push_back(message.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at));
    if (comma == std::string_view::npos) return attributes;
    at = comma + 1;
  }
}

// The value of `attribute` if it is "<name>=<value>".
std::optional<std::string_view> attribute_value(std::string_view attribute, char name) {
  if (attribute.size() < 2 || attribute[0] != name || attribute[1] != '=') return std::nullopt;
  return attribute.substr(2);
}

// saslname: ',' and '=' are sent as "=2C" and "=3D".
std::string escape_sasl_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (const char c : name) {
    if (c == ',')
      out += "=2C";
    else if (c == '=')
      out += "=3D";
    else
      out += c;
  }
  return out;
}

// nullopt for an empty name, a NUL or ',' byte, or '=' not starting "=2C" / "=3D".
std::optional<std::string> unescape_sasl_name(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\0' || c == ',') return std::nullopt;
    if (c != '=') {
      out += c;
      continue;
    }
    const std::string_view escape = text.substr(i, 3);
    if (escape == "=2C")
      out += ',';
    else if (escape == "=3D")
      out += '=';
    else
      return std::nullopt;
    i += 2;
  }
  return out;
}

// printable = %x21-2B / %x2D-7E: visible ASCII except ','.
bool is_valid_nonce(std::string_view nonce) {
  if (nonce.empty()) return false;
  for (const char c : nonce)
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  return true;
}

std::string auth_message(std::string_view client_first_bare, std::string_view server_first,
                         std::string_view client_final_without_proof) {
  std::string out;
  out.reserve(client_first_bare.size() + server_first.size() + client_final_without_proof.size() + 2);
  out.append(client_first_bare).append(",").append(server_first).append(",").append(client_final_without_proof);
  return out;
}

std::optional<int32_t> parse_iterations(std::string_view text) {
  int32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() || text[0] == '-') return std::nullopt;
  return value;
}

// ---- Decoy credentials for unknown users ---------------------------------------------------

// A secret drawn once per process. It keys the decoy salts: stable across attempts for the same
// name (a changing salt would give away that the user does not exist), unpredictable to clients.
const std::optional<std::array<uint8_t, 32>>& decoy_secret() {
  static const std::optional<std::array<uint8_t, 32>> secret = [] {
    std::array<uint8_t, 32> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return std::optional<std::array<uint8_t, 32>>();
    return std::optional(bytes);
  }();
  return secret;
}

// A credential nobody can satisfy: its StoredKey is an HMAC under the process secret, so a
// matching proof would need a SHA-2 preimage. The exchange also refuses it explicitly.
std::optional<ScramCredential> decoy_credential(ScramMechanism mechanism, std::string_view user) {
  const auto& secret = decoy_secret();
  if (!secret) return std::nullopt;
  auto derive = [&](std::string_view purpose, ScramMechanism digest) {
    std::string input(purpose);
    input.append(scram_mechanism_name(mechanism)).append(1, '\0').append(user);
    return hmac(digest, *secret, as_bytes(input));
  };
  ScramCredential decoy;
  decoy.mechanism = mechanism;
  decoy.iterations = kMinScramIterations;
  decoy.salt = derive("salt:", ScramMechanism::kSha256);  // 32 bytes, as make_scram_credential's
  decoy.stored_key = derive("stored-key:", mechanism);
  decoy.server_key = derive("server-key:", mechanism);
  return decoy;
}

bool is_usable(const ScramCredential& credential, ScramMechanism mechanism) {
  const size_t key_size = scram_key_size(mechanism);
  return credential.mechanism == mechanism && credential.iterations >= 1 && !credential.salt.empty() &&
         credential.stored_key.size() == key_size && credential.server_key.size() == key_size;
}

std::unexpected<ScramError> malformed(std::string message) {
  return std::unexpected(ScramError{ScramFailure::kMalformed, std::move(message)});
}
std::unexpected<ScramError> bad_credentials(std::string message) {
  return std::unexpected(ScramError{ScramFailure::kBadCredentials, std::move(message)});
}
std::unexpected<ScramError> internal_failure(std::string message) {
  return std::unexpected(ScramError{ScramFailure::kInternal, std::move(message)});
}

// The parts of a client-first-message; views into the message except the decoded names.
struct ClientFirstMessage {
  std::string_view gs2_header;  // through its second ','
  std::string_view bare;        // client-first-message-bare, the start of AuthMessage
  std::string authorization_id;
  std::string user;
  std::string_view client_nonce;
};

// client-first-message = gs2-header client-first-message-bare, where
//   gs2-header                = "n," ["a=" saslname] ","
//   client-first-message-bare = "n=" saslname ",r=" c-nonce
std::expected<ClientFirstMessage, ScramError> parse_client_first(std::string_view message) {
  if (message.starts_with("p=")) return malformed("SCRAM channel binding (gs2 flag \"p\") is not supported");
  if (message.starts_with("y,"))
    return malformed("SCRAM gs2 flag \"y\" is not supported; Kafka clients send \"n\" (no channel binding)");
  if (!message.starts_with("n,")) return malformed("SCRAM client-first-message does not start with gs2 flag \"n,\"");
  const size_t header_end = message.find(',', 2);
  if (header_end == std::string_view::npos) return malformed("SCRAM client-first-message has no complete gs2 header");
  ClientFirstMessage parsed;
  parsed.gs2_header = message.substr(0, header_end + 1);
  parsed.bare = message.substr(header_end + 1);
  if (const std::string_view authzid = message.substr(2, header_end - 2); !authzid.empty()) {
    auto value = attribute_value(authzid, 'a');
    auto decoded = value ? unescape_sasl_name(*value) : std::nullopt;
    if (!decoded) return malformed("SCRAM gs2 header has a malformed authorization id (\"a=\")");
    parsed.authorization_id = std::move(*decoded);
  }

  const std::vector<std::string_view> attributes = split_attributes(parsed.bare);
  if (attributes[0].starts_with("m=")) return malformed("SCRAM mandatory extension (\"m=\") is not supported");
  auto user_text = attribute_value(attributes[0], 'n');
  if (!user_text) return malformed("SCRAM client-first-message does not start with a user name (\"n=\")");
  auto user = unescape_sasl_name(*user_text);
  if (!user) return malformed("SCRAM user name is empty or badly escaped (only =2C and =3D may follow '=')");
  parsed.user = std::move(*user);
  if (attributes.size() < 2) return malformed("SCRAM client-first-message has no nonce (\"r=\")");
  auto client_nonce = attribute_value(attributes[1], 'r');
  if (!client_nonce || !is_valid_nonce(*client_nonce))
    return malformed("SCRAM client nonce (\"r=\") is missing, empty or not printable ASCII");
  parsed.client_nonce = *client_nonce;
  if (attributes.size() > 2)
    return malformed("SCRAM extensions are not supported (delegation tokens, \"tokenauth\", included)");
  return parsed;
}

// Wrong password and unknown user must read the same, in the reply and in the logs.
constexpr std::string_view kInvalidCredentials = "invalid credentials";

}  // namespace

// ---- Mechanisms and credentials -------------------------------------------------------------

std::string_view scram_mechanism_name(ScramMechanism mechanism) {
  return mechanism == ScramMechanism::kSha512 ? "SCRAM-SHA-512" : "SCRAM-SHA-256";
}

std::optional<ScramMechanism> parse_scram_mechanism(std::string_view name) {
  if (name == "SCRAM-SHA-256") return ScramMechanism::kSha256;
  if (name == "SCRAM-SHA-512") return ScramMechanism::kSha512;
  return std::nullopt;
}

std::optional<ScramMechanism> scram_mechanism_from_code(int8_t code) {
  if (code == static_cast<int8_t>(ScramMechanism::kSha256)) return ScramMechanism::kSha256;
  if (code == static_cast<int8_t>(ScramMechanism::kSha512)) return ScramMechanism::kSha512;
  return std::nullopt;
}

size_t scram_key_size(ScramMechanism mechanism) { return mechanism == ScramMechanism::kSha512 ? 64 : 32; }

std::vector<uint8_t> scram_salted_password(ScramMechanism mechanism, std::string_view password,
                                           std::span<const uint8_t> salt, int32_t iterations) {
  Bytes out(scram_key_size(mechanism));
  const auto* password_bytes = reinterpret_cast<const char*>(data_or_empty(as_bytes(password)));
  if (PKCS5_PBKDF2_HMAC(password_bytes, static_cast<int>(password.size()), data_or_empty(salt),
                        static_cast<int>(salt.size()), iterations, digest_of(mechanism), static_cast<int>(out.size()),
                        out.data()) != 1)
    crypto_failed("PKCS5_PBKDF2_HMAC");
  return out;
}

ScramCredential scram_credential_from_salted_password(ScramMechanism mechanism, int32_t iterations,
                                                      std::vector<uint8_t> salt,
                                                      std::span<const uint8_t> salted_password) {
  DerivedKeys keys = derive_keys(mechanism, salted_password);
  wipe(keys.client_key);
  return ScramCredential{mechanism, iterations, std::move(salt), std::move(keys.stored_key),
                         std::move(keys.server_key)};
}

Result<ScramCredential> make_scram_credential(ScramMechanism mechanism, std::string_view password, int32_t iterations) {
  if (iterations < kMinScramIterations || iterations > kMaxScramIterations)
    return make_error(ErrorCode::kInvalidArgument, "SCRAM iterations " + std::to_string(iterations) + " outside [" +
                                                       std::to_string(kMinScramIterations) + ", " +
                                                       std::to_string(kMaxScramIterations) + "]");
  Bytes salt(kSaltBytes);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
    return make_error(ErrorCode::kIo, "RAND_bytes for a SCRAM salt failed: OpenSSL's random generator is not seeded");
  Bytes salted = scram_salted_password(mechanism, password, salt, iterations);
  ScramCredential credential = scram_credential_from_salted_password(mechanism, iterations, std::move(salt), salted);
  wipe(salted);
  return credential;
}

bool scram_password_matches(const ScramCredential& credential, std::string_view password) {
  if (credential.iterations < kMinScramIterations || credential.iterations > kMaxScramIterations) return false;
  Bytes salted = scram_salted_password(credential.mechanism, password, credential.salt, credential.iterations);
  DerivedKeys keys = derive_keys(credential.mechanism, salted);
  wipe(salted);
  wipe(keys.client_key);
  return constant_time_equal(keys.stored_key, credential.stored_key);
}

// ---- Server exchange -----------------------------------------------------------------------

ScramServerExchange::ScramServerExchange(ScramMechanism mechanism, ScramCredentialLookup lookup,
                                         std::optional<std::string> fixed_server_nonce)
    : mechanism_(mechanism), lookup_(std::move(lookup)), fixed_server_nonce_(std::move(fixed_server_nonce)) {}

ScramStepResult ScramServerExchange::step(std::string_view client_message) {
  ScramStepResult result;
  switch (state_) {
    case State::kExpectClientFirst:
      result = handle_client_first(client_message);
      break;
    case State::kExpectClientFinal:
      result = handle_client_final(client_message);
      break;
    case State::kComplete:
      return malformed("SCRAM exchange already complete: no further client message is expected");
    case State::kFailed:
      return malformed("SCRAM exchange already failed: start a new authentication");
  }
  if (!result) state_ = State::kFailed;
  return result;
}

ScramStepResult ScramServerExchange::handle_client_first(std::string_view message) {
  auto parsed = parse_client_first(message);
  if (!parsed) return std::unexpected(std::move(parsed.error()));
  if (!parsed->authorization_id.empty() && parsed->authorization_id != parsed->user)
    return bad_credentials("SCRAM authorization id differs from the user name; acting as another user is not allowed");

  std::optional<ScramCredential> credential = lookup_(parsed->user);
  user_known_ = credential && is_usable(*credential, mechanism_);
  if (!user_known_) credential = decoy_credential(mechanism_, parsed->user);
  if (!credential) return internal_failure("RAND_bytes for the SCRAM decoy secret failed: OpenSSL is not seeded");
  std::optional<std::string> server_nonce = fixed_server_nonce_ ? fixed_server_nonce_ : random_nonce();
  if (!server_nonce) return internal_failure("RAND_bytes for a SCRAM server nonce failed: OpenSSL is not seeded");

  gs2_header_ = parsed->gs2_header;
  user_ = std::move(parsed->user);
  authorization_id_ = std::move(parsed->authorization_id);
  client_first_bare_ = parsed->bare;
  credential_ = std::move(*credential);
  nonce_ = std::string(parsed->client_nonce) + *server_nonce;
  server_first_ =
      "r=" + nonce_ + ",s=" + base64_encode(credential_.salt) + ",i=" + std::to_string(credential_.iterations);
  state_ = State::kExpectClientFinal;
  return ScramStep{server_first_, false};
}

// client-final-message = "c=" base64(gs2-header) ",r=" nonce ",p=" base64(ClientProof)
ScramStepResult ScramServerExchange::handle_client_final(std::string_view message) {
  const std::vector<std::string_view> attributes = split_attributes(message);
  if (attributes.size() != 3) {
    if (attributes.size() > 3) return malformed("SCRAM extensions are not supported in the client-final-message");
    return malformed("SCRAM client-final-message needs \"c=\", \"r=\" and \"p=\"");
  }
  auto binding_text = attribute_value(attributes[0], 'c');
  if (!binding_text) return malformed("SCRAM client-final-message does not start with channel binding (\"c=\")");
  auto binding = base64_decode(*binding_text);
  if (!binding || !std::ranges::equal(*binding, as_bytes(gs2_header_)))
    return malformed("SCRAM channel binding (\"c=\") does not repeat the gs2 header of the client-first-message");
  auto nonce = attribute_value(attributes[1], 'r');
  // Ends with the nonce sent, as Kafka checks it: librdkafka (2.0 at least) sends its own
  // nonce again in front of the combined one. The proof covers what was actually sent.
  if (!nonce || !nonce->ends_with(nonce_))
    return malformed("SCRAM nonce (\"r=\") does not end with the one the server sent");
  auto proof_text = attribute_value(attributes[2], 'p');
  if (!proof_text) return malformed("SCRAM client-final-message does not end with a proof (\"p=\")");
  auto proof = base64_decode(*proof_text);
  if (!proof || proof->size() != scram_key_size(mechanism_))
    return malformed("SCRAM proof (\"p=\") is not base64 of " + std::to_string(scram_key_size(mechanism_)) + " bytes");

  const std::string_view without_proof = message.substr(0, message.size() - attributes[2].size() - 1);
  const std::string auth = auth_message(client_first_bare_, server_first_, without_proof);
  // ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); the client knows the password
  // iff H(ClientKey) is the StoredKey. A decoy credential goes through the same work.
  const Bytes client_signature = hmac(mechanism_, credential_.stored_key, as_bytes(auth));
  Bytes client_key = exclusive_or(*proof, client_signature);
  const bool proof_matches = constant_time_equal(hash(mechanism_, client_key), credential_.stored_key);
  wipe(client_key);
  if (!proof_matches || !user_known_) return bad_credentials(std::string(kInvalidCredentials));

  const Bytes server_signature = hmac(mechanism_, credential_.server_key, as_bytes(auth));
  authenticated_user_ = user_;
  state_ = State::kComplete;
  return ScramStep{"v=" + base64_encode(server_signature), true};
}

// ---- Client exchange -----------------------------------------------------------------------

ScramClientExchange::ScramClientExchange(ScramMechanism mechanism, std::string user, std::string password,
                                         std::optional<std::string> fixed_client_nonce)
    : mechanism_(mechanism), user_(std::move(user)), password_(std::move(password)) {
  if (fixed_client_nonce) {
    client_nonce_ = std::move(*fixed_client_nonce);
  } else {
    auto nonce = random_nonce();
    if (!nonce) crypto_failed("RAND_bytes");
    client_nonce_ = std::move(*nonce);
  }
}

ScramClientExchange::~ScramClientExchange() { OPENSSL_cleanse(password_.data(), password_.size()); }

std::string ScramClientExchange::first_message() {
  client_first_bare_ = "n=" + escape_sasl_name(user_) + ",r=" + client_nonce_;
  return "n,," + client_first_bare_;
}

// server-first-message = "r=" nonce ",s=" base64(salt) ",i=" iterations ["," extensions]
Result<std::string> ScramClientExchange::final_message(std::string_view server_first) {
  auto invalid = [](const std::string& what) {
    return make_error(ErrorCode::kInvalidArgument, "SCRAM server: " + what);
  };
  if (client_first_bare_.empty()) return invalid("final_message called before first_message");
  const std::vector<std::string_view> attributes = split_attributes(server_first);
  if (attributes.size() < 3) return invalid("server-first-message needs \"r=\", \"s=\" and \"i=\"");
  auto nonce = attribute_value(attributes[0], 'r');
  if (!nonce || !is_valid_nonce(*nonce) || nonce->size() <= client_nonce_.size() || !nonce->starts_with(client_nonce_))
    return invalid("the nonce does not extend the client's");
  auto salt_text = attribute_value(attributes[1], 's');
  Result<Bytes> salt = salt_text ? base64_decode(*salt_text) : Result<Bytes>(Bytes());
  if (!salt || salt->empty()) return invalid("the salt (\"s=\") is missing, empty or not base64");
  auto iterations_text = attribute_value(attributes[2], 'i');
  auto iterations = iterations_text ? parse_iterations(*iterations_text) : std::nullopt;
  if (!iterations || *iterations < kMinScramIterations || *iterations > kMaxScramIterations)
    return invalid("iteration count (\"i=\") is missing or outside [" + std::to_string(kMinScramIterations) + ", " +
                   std::to_string(kMaxScramIterations) + "]");

  Bytes salted = scram_salted_password(mechanism_, password_, *salt, *iterations);
  DerivedKeys keys = derive_keys(mechanism_, salted);
  wipe(salted);
  const std::string without_proof = "c=" + base64_encode(std::string_view("n,,")) + ",r=" + std::string(*nonce);
  const std::string auth = auth_message(client_first_bare_, server_first, without_proof);
  const Bytes client_signature = hmac(mechanism_, keys.stored_key, as_bytes(auth));
  Bytes proof = exclusive_or(keys.client_key, client_signature);
  wipe(keys.client_key);
  expected_server_signature_ = hmac(mechanism_, keys.server_key, as_bytes(auth));
  std::string message = without_proof + ",p=" + base64_encode(proof);
  wipe(proof);
  return message;
}

// server-final-message = ("e=" error / "v=" base64(ServerSignature)) ["," extensions]
Status ScramClientExchange::verify_server_final(std::string_view server_final) {
  auto invalid = [](const std::string& what) {
    return make_error(ErrorCode::kInvalidArgument, "SCRAM server: " + what);
  };
  if (expected_server_signature_.empty()) return invalid("verify_server_final called before final_message");
  const std::string_view first = split_attributes(server_final)[0];
  if (auto error = attribute_value(first, 'e')) return invalid("refused the authentication: " + std::string(*error));
  auto signature_text = attribute_value(first, 'v');
  if (!signature_text) return invalid("server-final-message has neither \"v=\" nor \"e=\"");
  auto signature = base64_decode(*signature_text);
  if (!signature || !constant_time_equal(*signature, expected_server_signature_))
    return invalid("wrong server signature: the server does not hold this user's credential");
  return {};
}

}  // namespace ringmq::broker::security
