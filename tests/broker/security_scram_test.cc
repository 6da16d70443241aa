// SCRAM (RFC 5802 / RFC 7677): the RFC's own exchange byte for byte, client and server agreeing,
// failures that must look alike (wrong password, unknown user) or be told apart (malformed),
// and randomized runs: many users and passwords, and mutated client messages.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <map>
#include <random>

#include "broker/security/scram.h"
#include "common/base64.h"

namespace ringmq::broker::security {
namespace {

// RFC 7677 section 3: user "user", password "pencil", 4096 iterations.
constexpr std::string_view kRfcClientNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kRfcServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kRfcSalt = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr std::string_view kRfcClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kRfcServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kRfcClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kRfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

std::vector<uint8_t> decode(std::string_view text) {
  auto bytes = base64_decode(text);
  EXPECT_TRUE(bytes) << text;
  return bytes ? *bytes : std::vector<uint8_t>();
}

ScramCredential rfc_credential() {
  std::vector<uint8_t> salt = decode(kRfcSalt);
  const std::vector<uint8_t> salted = scram_salted_password(ScramMechanism::kSha256, "pencil", salt, 4096);
  return scram_credential_from_salted_password(ScramMechanism::kSha256, 4096, std::move(salt), salted);
}

// Users and their credentials, as a lookup for ScramServerExchange.
class Users {
 public:
  void add(const std::string& user, ScramCredential credential) { credentials_[user] = std::move(credential); }
  void add(const std::string& user, ScramMechanism mechanism, std::string_view password, int32_t iterations) {
    auto credential = make_scram_credential(mechanism, password, iterations);
    ASSERT_TRUE(credential) << credential.error().message;
    add(user, std::move(*credential));
  }
  ScramCredentialLookup lookup() {
    return [this](std::string_view user) -> std::optional<ScramCredential> {
      looked_up_.emplace_back(user);
      auto it = credentials_.find(std::string(user));
      if (it == credentials_.end()) return std::nullopt;
      return it->second;
    };
  }
  const std::vector<std::string>& looked_up() const { return looked_up_; }

 private:
  std::map<std::string, ScramCredential> credentials_;
  std::vector<std::string> looked_up_;
};

// A whole exchange between a client and a fresh server; the server's last result.
ScramStepResult authenticate(Users& users, ScramMechanism mechanism, const std::string& user,
                             const std::string& password) {
  ScramClientExchange client(mechanism, user, password);
  ScramServerExchange server(mechanism, users.lookup());
  auto server_first = server.step(client.first_message());
  if (!server_first) return server_first;
  auto client_final = client.final_message(server_first->server_message);
  EXPECT_TRUE(client_final) << client_final.error().message;
  if (!client_final) return std::unexpected(ScramError{ScramFailure::kMalformed, "client refused"});
  auto server_final = server.step(*client_final);
  if (server_final) {
    EXPECT_TRUE(server_final->complete);
    EXPECT_TRUE(client.verify_server_final(server_final->server_message));
    EXPECT_EQ(server.user(), user);
  }
  return server_final;
}

ScramFailure failure_of(const ScramStepResult& result) {
  EXPECT_FALSE(result) << "expected a failure";
  return result ? ScramFailure::kInternal : result.error().kind;
}

// HMAC and H straight from OpenSSL, to build client messages the client class never sends.
std::vector<uint8_t> test_hmac(std::span<const uint8_t> key, std::string_view data) {
  std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const uint8_t*>(data.data()),
       data.size(), out.data(), &size);
  out.resize(size);
  return out;
}

// A SHA-256 client-final-message for `gs2_header` (the client class always sends "n,,").
std::string client_final_with_header(std::string_view password, std::string_view gs2_header,
                                     std::string_view client_first_bare, std::string_view server_first) {
  const std::string nonce(server_first.substr(2, server_first.find(',') - 2));
  const size_t salt_at = server_first.find(",s=") + 3;
  const std::vector<uint8_t> salt = decode(server_first.substr(salt_at, server_first.find(",i=") - salt_at));
  const std::vector<uint8_t> salted = scram_salted_password(ScramMechanism::kSha256, password, salt, 4096);
  const std::vector<uint8_t> client_key = test_hmac(salted, "Client Key");
  std::vector<uint8_t> stored_key(32);
  EXPECT_EQ(EVP_Digest(client_key.data(), client_key.size(), stored_key.data(), nullptr, EVP_sha256(), nullptr), 1);
  const std::string without_proof = "c=" + base64_encode(gs2_header) + ",r=" + nonce;
  const std::string auth = std::string(client_first_bare) + "," + std::string(server_first) + "," + without_proof;
  std::vector<uint8_t> proof = test_hmac(stored_key, auth);
  for (size_t i = 0; i < proof.size(); ++i) proof[i] ^= client_key[i];
  return without_proof + ",p=" + base64_encode(proof);
}

TEST(Scram, MechanismNamesAndCodesAreKafkas) {
  EXPECT_EQ(scram_mechanism_name(ScramMechanism::kSha256), "SCRAM-SHA-256");
  EXPECT_EQ(scram_mechanism_name(ScramMechanism::kSha512), "SCRAM-SHA-512");
  EXPECT_EQ(parse_scram_mechanism("SCRAM-SHA-512"), ScramMechanism::kSha512);
  EXPECT_EQ(parse_scram_mechanism("scram-sha-256"), std::nullopt);
  EXPECT_EQ(parse_scram_mechanism("PLAIN"), std::nullopt);
  EXPECT_EQ(scram_mechanism_from_code(1), ScramMechanism::kSha256);
  EXPECT_EQ(scram_mechanism_from_code(2), ScramMechanism::kSha512);
  EXPECT_EQ(scram_mechanism_from_code(0), std::nullopt);
  EXPECT_EQ(scram_mechanism_from_code(3), std::nullopt);
  EXPECT_EQ(scram_key_size(ScramMechanism::kSha256), 32u);
  EXPECT_EQ(scram_key_size(ScramMechanism::kSha512), 64u);
}

TEST(Scram, ServerReproducesTheRfc7677ExchangeByteForByte) {
  Users users;
  users.add("user", rfc_credential());
  ScramServerExchange server(ScramMechanism::kSha256, users.lookup(), std::string(kRfcServerNonce));
  auto first = server.step(kRfcClientFirst);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->server_message, kRfcServerFirst);
  EXPECT_FALSE(first->complete);
  EXPECT_FALSE(server.complete());
  EXPECT_EQ(server.user(), "") << "not authenticated yet";
  auto final = server.step(kRfcClientFinal);
  ASSERT_TRUE(final) << final.error().message;
  EXPECT_EQ(final->server_message, kRfcServerFinal);
  EXPECT_TRUE(final->complete);
  EXPECT_TRUE(server.complete());
  EXPECT_EQ(server.user(), "user");
  EXPECT_EQ(server.authorization_id(), "");
}

TEST(Scram, ClientReproducesTheRfc7677ExchangeByteForByte) {
  ScramClientExchange client(ScramMechanism::kSha256, "user", "pencil", std::string(kRfcClientNonce));
  EXPECT_EQ(client.first_message(), kRfcClientFirst);
  auto final = client.final_message(kRfcServerFirst);
  ASSERT_TRUE(final) << final.error().message;
  EXPECT_EQ(*final, kRfcClientFinal);
  EXPECT_TRUE(client.verify_server_final(kRfcServerFinal));
}

TEST(Scram, PasswordMatchesOnlyTheRightPassword) {
  const ScramCredential rfc = rfc_credential();
  EXPECT_TRUE(scram_password_matches(rfc, "pencil"));
  EXPECT_FALSE(scram_password_matches(rfc, "pencim"));
  EXPECT_FALSE(scram_password_matches(rfc, ""));

  auto made = make_scram_credential(ScramMechanism::kSha512, "hunter2", kMinScramIterations);
  ASSERT_TRUE(made);
  EXPECT_EQ(made->salt.size(), 32u);
  EXPECT_EQ(made->stored_key.size(), 64u);
  EXPECT_EQ(made->server_key.size(), 64u);
  EXPECT_TRUE(scram_password_matches(*made, "hunter2"));
  EXPECT_FALSE(scram_password_matches(*made, "hunter3"));
  auto again = make_scram_credential(ScramMechanism::kSha512, "hunter2", kMinScramIterations);
  ASSERT_TRUE(again);
  EXPECT_NE(again->salt, made->salt) << "every credential gets a fresh salt";
  EXPECT_NE(again->stored_key, made->stored_key);

  ScramCredential unbounded = *made;
  unbounded.iterations = kMaxScramIterations + 1;
  EXPECT_FALSE(scram_password_matches(unbounded, "hunter2")) << "refuses rather than run an unbounded PBKDF2";
}

TEST(Scram, EmptyInputsAreHashedNotRefused) {
  // AlterUserScramCredentials can carry an empty salt or salted password; the request handler
  // validates, but the crypto must not fail (and stop the broker) on them either.
  const ScramCredential empty = scram_credential_from_salted_password(ScramMechanism::kSha512, 4096, {}, {});
  EXPECT_EQ(empty.stored_key.size(), 64u);
  EXPECT_EQ(scram_salted_password(ScramMechanism::kSha256, "", {}, 1).size(), 32u);
  auto no_password = make_scram_credential(ScramMechanism::kSha256, "", 4096);
  ASSERT_TRUE(no_password);
  EXPECT_TRUE(scram_password_matches(*no_password, ""));
  EXPECT_FALSE(scram_password_matches(*no_password, "x"));
  // Not a bug here but HMAC's: a key is zero-padded to the block size, so PBKDF2 (and SCRAM, in
  // every implementation) cannot tell a password from itself plus trailing NUL bytes.
  EXPECT_TRUE(scram_password_matches(*no_password, std::string_view("\0", 1)));
}

TEST(Scram, CredentialsRefuseIterationsOutsideKafkasBounds) {
  for (const int32_t iterations : {0, -1, kMinScramIterations - 1, kMaxScramIterations + 1}) {
    auto made = make_scram_credential(ScramMechanism::kSha256, "pw", iterations);
    ASSERT_FALSE(made) << iterations;
    EXPECT_EQ(made.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(make_scram_credential(ScramMechanism::kSha256, "pw", kMaxScramIterations));
}

TEST(Scram, Sha512ClientAndServerAgree) {
  Users users;
  users.add("alice", ScramMechanism::kSha512, "correct horse", 8192);
  auto result = authenticate(users, ScramMechanism::kSha512, "alice", "correct horse");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->server_message.starts_with("v="));
}

TEST(Scram, ACredentialOfTheOtherMechanismDoesNotAuthenticate) {
  Users users;
  users.add("alice", ScramMechanism::kSha256, "pw", 4096);
  EXPECT_EQ(failure_of(authenticate(users, ScramMechanism::kSha512, "alice", "pw")), ScramFailure::kBadCredentials);
}

TEST(Scram, WrongPasswordAndUnknownUserFailAlike) {
  Users users;
  users.add("alice", ScramMechanism::kSha256, "right", 4096);
  auto wrong_password = authenticate(users, ScramMechanism::kSha256, "alice", "wrong");
  auto unknown_user = authenticate(users, ScramMechanism::kSha256, "mallory", "right");
  ASSERT_FALSE(wrong_password);
  ASSERT_FALSE(unknown_user);
  EXPECT_EQ(wrong_password.error().kind, ScramFailure::kBadCredentials);
  EXPECT_EQ(unknown_user.error().kind, ScramFailure::kBadCredentials);
  EXPECT_EQ(wrong_password.error().message, unknown_user.error().message);
  EXPECT_EQ(wrong_password.error().message, "invalid credentials");
}

TEST(Scram, AnUnknownUserGetsAStableBelievableSalt) {
  Users users;
  auto server_first_for = [&](std::string_view first) {
    ScramServerExchange server(ScramMechanism::kSha256, users.lookup(), "server-nonce");
    auto step = server.step(first);
    EXPECT_TRUE(step) << step.error().message;
    return step ? step->server_message : std::string();
  };
  const std::string first = server_first_for("n,,n=ghost,r=abc");
  EXPECT_EQ(first, server_first_for("n,,n=ghost,r=abc")) << "the same salt every time";
  EXPECT_NE(first, server_first_for("n,,n=phantom,r=abc")) << "another name, another salt";
  EXPECT_TRUE(first.ends_with(",i=4096"));
  const size_t salt_at = first.find(",s=") + 3;
  EXPECT_EQ(decode(first.substr(salt_at, first.find(",i=") - salt_at)).size(), 32u) << "as long as a real salt";
}

TEST(Scram, UserNamesEscapeCommaAndEquals) {
  Users users;
  users.add("a,b=c", ScramMechanism::kSha256, "pw", 4096);
  ScramClientExchange client(ScramMechanism::kSha256, "a,b=c", "pw", "nonce");
  EXPECT_EQ(client.first_message(), "n,,n=a=2Cb=3Dc,r=nonce");
  auto result = authenticate(users, ScramMechanism::kSha256, "a,b=c", "pw");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(users.looked_up().back(), "a,b=c");
}

TEST(Scram, AnAuthorizationIdEqualToTheUserIsAccepted) {
  Users users;
  users.add("user", rfc_credential());
  ScramServerExchange server(ScramMechanism::kSha256, users.lookup(), "srv");
  const std::string gs2_header = "n,a=user,";
  const std::string bare = "n=user,r=cli";
  auto first = server.step(gs2_header + bare);
  ASSERT_TRUE(first) << first.error().message;
  auto final = server.step(client_final_with_header("pencil", gs2_header, bare, first->server_message));
  ASSERT_TRUE(final) << final.error().message;
  EXPECT_TRUE(final->complete);
  EXPECT_EQ(server.authorization_id(), "user");
}

TEST(Scram, ActingAsAnotherUserIsRefused) {
  Users users;
  users.add("user", rfc_credential());
  ScramServerExchange server(ScramMechanism::kSha256, users.lookup());
  EXPECT_EQ(failure_of(server.step("n,a=admin,n=user,r=cli")), ScramFailure::kBadCredentials);
}

TEST(Scram, MalformedClientFirstMessagesAreRefused) {
  Users users;
  users.add("user", rfc_credential());
  const std::string_view bad[] = {
      "",
      "garbage",
      "p=tls-unique,,n=user,r=abc",      // channel binding
      "y,,n=user,r=abc",                 // "client supports channel binding"
      "n,n=user,r=abc",                  // gs2 header missing its second comma
      "n,x=user,n=user,r=abc",           // gs2 header field other than "a="
      "n,a=,n=user,r=abc",               // empty authorization id
      "n,,n=user",                       // no nonce
      "n,,n=user,r=",                    // empty nonce
      "n,,n=user,r=ab\x01",              // unprintable nonce
      "n,,n=,r=abc",                     // empty user
      "n,,n=us=2Xer,r=abc",              // bad escape
      "n,,n=us=er,r=abc",                // bare '='
      "n,,r=abc,n=user",                 // wrong order
      "n,,m=mandatory,n=user,r=abc",     // mandatory extension
      "n,,n=user,r=abc,tokenauth=true",  // Kafka's delegation-token extension
      "n,,n=user,r=abc,x=1",             // any extension
      "n,,n=user,r=abc,",                // trailing comma
      std::string_view("n,,n=us\0er,r=abc", 16),
  };
  for (const std::string_view message : bad) {
    ScramServerExchange server(ScramMechanism::kSha256, users.lookup());
    auto step = server.step(message);
    ASSERT_FALSE(step) << message;
    EXPECT_EQ(step.error().kind, ScramFailure::kMalformed) << message << ": " << step.error().message;
  }
}

TEST(Scram, TamperedClientFinalMessagesAreRefused) {
  Users users;
  users.add("user", rfc_credential());
  const std::string nonce = std::string(kRfcClientNonce) + std::string(kRfcServerNonce);
  const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  const std::string bad[] = {
      "c=biws,r=" + nonce + "x," + proof,                        // nonce extended
      "c=biws,r=" + std::string(kRfcClientNonce) + "," + proof,  // server's part dropped
      "c=eSws,r=" + nonce + "," + proof,                         // "y,," as channel binding
      "c=" + base64_encode(std::string_view("n,a=user,")) + ",r=" + nonce + "," + proof,
      "c=biws,r=" + nonce + ",x=1," + proof,  // extension
      "c=biws,r=" + nonce,                    // no proof
      "c=biws,r=" + nonce + ",p=AAAA",        // proof too short
      "c=biws,r=" + nonce + ",p=not base64!",
      "r=" + nonce + ",c=biws," + proof,  // wrong order
      "c=biws," + proof + ",r=" + nonce,
      "garbage",
      "",
  };
  for (const std::string& message : bad) {
    ScramServerExchange server(ScramMechanism::kSha256, users.lookup(), std::string(kRfcServerNonce));
    ASSERT_TRUE(server.step(kRfcClientFirst));
    auto step = server.step(message);
    ASSERT_FALSE(step) << message;
    EXPECT_EQ(step.error().kind, ScramFailure::kMalformed) << message << ": " << step.error().message;
    EXPECT_EQ(step.error().message.find("dHzbZapW"), std::string::npos) << "never echoes the proof";
  }
}

TEST(Scram, AFlippedProofBitIsBadCredentials) {
  Users users;
  users.add("user", rfc_credential());
  std::vector<uint8_t> proof = decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  proof[5] ^= 0x10;
  ScramServerExchange server(ScramMechanism::kSha256, users.lookup(), std::string(kRfcServerNonce));
  ASSERT_TRUE(server.step(kRfcClientFirst));
  auto step = server.step("c=biws,r=" + std::string(kRfcClientNonce) + std::string(kRfcServerNonce) +
                          ",p=" + base64_encode(proof));
  EXPECT_EQ(failure_of(step), ScramFailure::kBadCredentials);
  EXPECT_FALSE(server.complete());
  EXPECT_EQ(server.user(), "");
}

TEST(Scram, NoStepFollowsCompletionOrFailure) {
  Users users;
  users.add("user", rfc_credential());
  ScramServerExchange done(ScramMechanism::kSha256, users.lookup(), std::string(kRfcServerNonce));
  ASSERT_TRUE(done.step(kRfcClientFirst));
  ASSERT_TRUE(done.step(kRfcClientFinal));
  EXPECT_EQ(failure_of(done.step(kRfcClientFinal)), ScramFailure::kMalformed);
  EXPECT_EQ(failure_of(done.step(kRfcClientFirst)), ScramFailure::kMalformed);
  EXPECT_TRUE(done.complete()) << "a stray message does not undo the authentication";

  ScramServerExchange failed(ScramMechanism::kSha256, users.lookup(), std::string(kRfcServerNonce));
  EXPECT_EQ(failure_of(failed.step("garbage")), ScramFailure::kMalformed);
  EXPECT_EQ(failure_of(failed.step(kRfcClientFirst)), ScramFailure::kMalformed) << "no second chance";
}

TEST(Scram, ClientRefusesAWeakOrForeignServer) {
  auto final_for = [](std::string_view server_first) {
    ScramClientExchange client(ScramMechanism::kSha256, "user", "pencil", std::string(kRfcClientNonce));
    client.first_message();
    return client.final_message(server_first);
  };
  const std::string salt = ",s=" + std::string(kRfcSalt);
  const std::string nonce = "r=" + std::string(kRfcClientNonce) + "srv";
  EXPECT_TRUE(final_for(nonce + salt + ",i=4096"));
  EXPECT_TRUE(final_for(nonce + salt + ",i=4096,x=extension")) << "server extensions are ignored";
  const std::string bad[] = {
      "r=someone-elses-nonce" + salt + ",i=4096",
      "r=" + std::string(kRfcClientNonce) + salt + ",i=4096",  // no server part
      nonce + salt + ",i=4095",
      nonce + salt + ",i=16385",
      nonce + salt + ",i=-4096",
      nonce + salt + ",i=4096x",
      nonce + ",s=,i=4096",
      nonce + ",s=!!!!,i=4096",
      nonce + ",i=4096" + salt,
      "m=x," + nonce + salt + ",i=4096",
      "",
  };
  for (const std::string& message : bad) {
    auto final = final_for(message);
    ASSERT_FALSE(final) << message;
    EXPECT_EQ(final.error().code, ErrorCode::kInvalidArgument) << message;
  }
}

TEST(Scram, ClientChecksTheServerSignature) {
  auto client_after_final = [] {
    auto client =
        std::make_unique<ScramClientExchange>(ScramMechanism::kSha256, "user", "pencil", std::string(kRfcClientNonce));
    client->first_message();
    EXPECT_TRUE(client->final_message(kRfcServerFirst));
    return client;
  };
  EXPECT_TRUE(client_after_final()->verify_server_final(kRfcServerFinal));
  auto refused = client_after_final()->verify_server_final("e=invalid-proof");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("invalid-proof"), std::string::npos);
  EXPECT_FALSE(client_after_final()->verify_server_final("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
  EXPECT_FALSE(client_after_final()->verify_server_final("garbage"));

  ScramClientExchange early(ScramMechanism::kSha256, "user", "pencil");
  EXPECT_FALSE(early.final_message(kRfcServerFirst)) << "before first_message";
  EXPECT_FALSE(early.verify_server_final(kRfcServerFinal)) << "before final_message";
}

// Random bytes for a name or password; names avoid NUL (RFC 5802 forbids it) and lean on the
// characters SCRAM escapes.
std::string random_text(std::mt19937_64& random, size_t min_size, size_t max_size, bool allow_nul) {
  const size_t size = std::uniform_int_distribution<size_t>(min_size, max_size)(random);
  std::string text;
  for (size_t i = 0; i < size; ++i) {
    const uint64_t pick = random() % 8;
    char c = pick == 0 ? ',' : pick == 1 ? '=' : static_cast<char>(random() % 256);
    if (c == '\0' && !allow_nul) c = 'x';
    text += c;
  }
  return text;
}

TEST(Scram, RandomUsersAuthenticateWithTheirPasswordAndNotWithABitFlipped) {
  std::mt19937_64 random(20240501);
  for (int round = 0; round < 200; ++round) {
    const ScramMechanism mechanism = round % 2 ? ScramMechanism::kSha512 : ScramMechanism::kSha256;
    const std::string user = random_text(random, 1, 24, false);
    const std::string password = random_text(random, 1, 32, true);
    const int32_t iterations = std::uniform_int_distribution<int32_t>(kMinScramIterations, kMaxScramIterations)(random);
    std::string wrong = password;
    wrong[random() % wrong.size()] ^= static_cast<char>(1u << (random() % 8));
    Users users;
    users.add(user, mechanism, password, iterations);

    auto right = authenticate(users, mechanism, user, password);
    ASSERT_TRUE(right) << "round " << round << ": " << right.error().message;
    EXPECT_EQ(failure_of(authenticate(users, mechanism, user, wrong)), ScramFailure::kBadCredentials)
        << "round " << round;
  }
}

// Small random edits of a valid message: flip, insert, delete, truncate, duplicate, replace.
std::string mutate(std::mt19937_64& random, std::string message) {
  // NUL and high bytes included, hence the explicit length.
  static constexpr std::string_view kInteresting = std::string_view(",=nrpcma\0\x7f\xff", 11);
  const int edits = 1 + static_cast<int>(random() % 4);
  for (int e = 0; e < edits; ++e) {
    const size_t at = message.empty() ? 0 : random() % message.size();
    switch (random() % 7) {
      case 0:
        if (!message.empty()) message[at] ^= static_cast<char>(1u << (random() % 8));
        break;
      case 1:
        message.insert(message.begin() + at, kInteresting[random() % kInteresting.size()]);
        break;
      case 2:
        if (!message.empty()) message.erase(at, 1);
        break;
      case 3:
        message.resize(at);
        break;
      case 4:
        message.insert(at, message.substr(random() % (message.size() + 1), random() % 8));
        break;
      case 5:
        if (!message.empty()) message[at] = static_cast<char>(random() % 256);
        break;
      case 6: {
        std::string noise(random() % 40, '\0');
        for (char& c : noise) c = static_cast<char>(random() % 256);
        message = noise;
        break;
      }
    }
  }
  return message;
}

TEST(Scram, MutatedClientMessagesNeverAuthenticate) {
  Users users;
  users.add("user", rfc_credential());
  const std::string first(kRfcClientFirst), final(kRfcClientFinal);
  {
    ScramServerExchange sanity(ScramMechanism::kSha256, users.lookup(), std::string(kRfcServerNonce));
    ASSERT_TRUE(sanity.step(first));
    ASSERT_TRUE(sanity.step(final)) << "the unmutated pair authenticates";
  }
  std::mt19937_64 random(99);
  int mutated_first = 0, mutated_final = 0;
  for (int i = 0; i < 10'000; ++i) {
    ScramServerExchange server(ScramMechanism::kSha256, users.lookup(), std::string(kRfcServerNonce));
    if (i % 2 == 0) {
      const std::string message = mutate(random, first);
      if (message == first) continue;
      ++mutated_first;
      if (server.step(message)) {
        auto step = server.step(final);
        ASSERT_FALSE(step && step->complete) << "mutated client-first authenticated: " << message;
      }
    } else {
      const std::string message = mutate(random, final);
      if (message == final) continue;
      ++mutated_final;
      ASSERT_TRUE(server.step(first));
      auto step = server.step(message);
      ASSERT_FALSE(step && step->complete) << "mutated client-final authenticated: " << message;
    }
    EXPECT_FALSE(server.complete());
    EXPECT_FALSE(server.step(final)) << "a failed exchange stays failed";
  }
  EXPECT_GT(mutated_first, 4000);
  EXPECT_GT(mutated_final, 4000);
}

}  // namespace
}  // namespace ringmq::broker::security
