// TLS and SASL against a real ringmq-broker with four listeners (PLAINTEXT, SSL,
// SASL_PLAINTEXT, SASL_SSL), driven by kcat (librdkafka) with certificates made by the openssl
// CLI and users made offline by `ringmq-admin user set`: what must work on each listener, and
// what must be refused — a wrong password, an unknown user, an untrusted or expired
// certificate, a client certificate from another CA, requests before authentication — each
// leaving nothing written. The SASL order and re-authentication are spoken frame by frame;
// KafkaJS and @platformatic/kafka cover SCRAM over SASL_SSL and the credential admin APIs.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <regex>

#include "broker/security/scram.h"
#include "tests/broker/protocol_wire.h"
#include "tests/integration/broker_process.h"
#include "tests/integration/raw_connection.h"
#include "tests/integration/scram_users.h"
#include "tests/integration/test_certificates.h"

namespace ringmq::test {
namespace {

using broker::protocol::testing::request_frame;
using broker::protocol::testing::WireParser;

constexpr int16_t kMetadata = 3;
constexpr int16_t kSaslHandshake = 17;
constexpr int16_t kApiVersions = 18;
constexpr int16_t kSaslAuthenticate = 36;

// Everything the tests share: certificates, users, and one broker with every listener type.
struct SecuredBroker {
  TempDir dir;
  TestCertificates certs{dir.path()};
  int plaintext = free_port(), ssl = free_port(), sasl_plaintext = free_port(), sasl_ssl = free_port();
  std::unique_ptr<BrokerProcess> broker;

  SecuredBroker() {
    add_scram_user(dir.path(), "alice", "alice-secret");
    add_scram_user(dir.path(), "bob", "bob's password, with \"quotes\"");
    broker = std::make_unique<BrokerProcess>(
        std::vector<std::string>{"--set",
                                 "server.listeners=PLAINTEXT://127.0.0.1:" + std::to_string(plaintext) +
                                     ",SSL://127.0.0.1:" + std::to_string(ssl) +
                                     ",SASL_PLAINTEXT://127.0.0.1:" + std::to_string(sasl_plaintext) +
                                     ",SASL_SSL://127.0.0.1:" + std::to_string(sasl_ssl),
                                 "--set",
                                 "tls.cert_file=" + certs.cert("server"),
                                 "--set",
                                 "tls.key_file=" + certs.key("server"),
                                 "--set",
                                 "tls.ca_file=" + certs.ca(),
                                 "--set",
                                 "tls.client_auth=requested",
                                 "--set",
                                 "sasl.credentials_dir=" + dir.path() + "/security",
                                 "--set",
                                 "sasl.allow_plain_without_tls=true",
                                 "--set",
                                 "server.authentication_timeout_ms=1500",
                                 "--set",
                                 "sasl.max_reauth_ms=2000",
                                 "--set",
                                 "authorization.super_users=User:alice",
                                 "--set",
                                 "log.level=info"},
        plaintext);
  }
};

class SecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_ = new SecuredBroker(); }
  static void TearDownTestSuite() {
    delete shared_;
    shared_ = nullptr;
  }
  SecuredBroker& s() { return *shared_; }

  // kcat on `port` with client properties `security` (-X pairs).
  std::string kcat(int port, const std::string& security, const std::string& args) {
    return "timeout 30 kcat -b 127.0.0.1:" + std::to_string(port) + " " + security + " " + args + " 2>&1";
  }
  std::string ssl_client(const std::string& ca) { return "-X security.protocol=SSL -X ssl.ca.location=" + ca; }
  std::string sasl(const std::string& protocol, const std::string& mechanism, const std::string& user,
                   const std::string& password) {
    std::string out = "-X security.protocol=" + protocol + " -X sasl.mechanism=" + mechanism +
                      " -X sasl.username=" + user + " -X 'sasl.password=" + password + "'";
    if (protocol == "SASL_SSL") out += " -X ssl.ca.location=" + s().certs.ca();
    return out;
  }
  // Produces `lines` (one record each) to partition 0; {exit status, output}.
  std::pair<int, std::string> produce(int port, const std::string& security, const std::string& topic,
                                      const std::string& lines) {
    return run_command("printf '" + lines + "' | " + kcat(port, security, "-P -p 0 -t " + topic));
  }
  std::pair<int, std::string> consume(int port, const std::string& security, const std::string& topic) {
    return run_command(kcat(port, security, "-C -p 0 -o beginning -e -q -t " + topic));
  }
  // What the PLAINTEXT listener sees in the topic: the ground truth for "nothing was written".
  std::string contents(const std::string& topic) {
    auto [rc, out] = consume(s().plaintext, "", topic);
    if (out.find("Unknown topic or partition") != std::string::npos) return "";  // never created: empty
    return rc == 0 ? out : "<error: " + out + ">";
  }
  double metric(const std::string& name) {
    auto [rc, out] = run_command("curl -s http://127.0.0.1:" + std::to_string(s().broker->metrics_port()) + "/metrics");
    std::smatch m;
    if (!std::regex_search(out, m, std::regex("(^|\\n)" + name + " ([0-9.e+]+)"))) return 0;
    return std::stod(m[2]);
  }

  static SecuredBroker* shared_;
};
SecuredBroker* SecurityTest::shared_ = nullptr;

TEST_F(SecurityTest, SslListenerServesClientsWithAndWithoutACertificate) {
  auto [rc, out] = produce(s().ssl, ssl_client(s().certs.ca()), "tls-anon", "a\\nb\\n");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(contents("tls-anon"), "a\nb\n");
  const std::string with_cert = ssl_client(s().certs.ca()) + " -X ssl.certificate.location=" + s().certs.cert("alice") +
                                " -X ssl.key.location=" + s().certs.key("alice");
  std::tie(rc, out) = produce(s().ssl, with_cert, "tls-cert", "c\\n");
  ASSERT_EQ(rc, 0) << out;
  std::tie(rc, out) = consume(s().ssl, with_cert, "tls-cert");
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(out, "c\n");
  // Metadata over the SSL listener advertises the SSL port, so the client stays on TLS.
  std::tie(rc, out) = run_command(kcat(s().ssl, ssl_client(s().certs.ca()), "-L"));
  EXPECT_NE(out.find("127.0.0.1:" + std::to_string(s().ssl)), std::string::npos) << out;
}

TEST_F(SecurityTest, ScramSha512AndSha256OverSaslSsl) {
  for (const std::string mechanism : {"SCRAM-SHA-512", "SCRAM-SHA-256"}) {
    const std::string topic = "scram-" + mechanism.substr(mechanism.size() - 3);
    auto [rc, out] = produce(s().sasl_ssl, sasl("SASL_SSL", mechanism, "alice", "alice-secret"), topic, "s1\\ns2\\n");
    ASSERT_EQ(rc, 0) << mechanism << ": " << out;
    std::tie(rc, out) = consume(s().sasl_ssl, sasl("SASL_SSL", mechanism, "alice", "alice-secret"), topic);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_EQ(out, "s1\ns2\n") << mechanism;
  }
  // A password with quotes, commas and spaces.
  auto [rc, out] =
      produce(s().sasl_ssl, sasl("SASL_SSL", "SCRAM-SHA-256", "bob", "bob'\"'\"'s password, with \"quotes\""),
              "scram-bob", "b\\n");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(contents("scram-bob"), "b\n");
}

TEST_F(SecurityTest, PlainOverSaslPlaintextWhenAllowed) {
  auto [rc, out] =
      produce(s().sasl_plaintext, sasl("SASL_PLAINTEXT", "PLAIN", "alice", "alice-secret"), "plain-ok", "p\\n");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(contents("plain-ok"), "p\n");
}

TEST_F(SecurityTest, WrongPasswordAndUnknownUserAreRefusedAndWriteNothing) {
  const double failures_before = metric("ringmq_sasl_authentication_failures_total\\{mechanism=\"SCRAM-SHA-512\"\\}");
  for (const auto& [user, password] :
       std::vector<std::pair<std::string, std::string>>{{"alice", "wrong"}, {"nobody", "alice-secret"}}) {
    for (const std::string mechanism : {"SCRAM-SHA-512", "PLAIN"}) {
      const std::string protocol = mechanism == "PLAIN" ? "SASL_PLAINTEXT" : "SASL_SSL";
      const int port = mechanism == "PLAIN" ? s().sasl_plaintext : s().sasl_ssl;
      auto [rc, out] =
          produce(port, sasl(protocol, mechanism, user, password) + " -X message.timeout.ms=3000", "refused", "x\\n");
      EXPECT_NE(rc, 0) << user << " " << mechanism << ": " << out;
      EXPECT_NE(out.find("Authentication failed"), std::string::npos) << out;
    }
  }
  EXPECT_EQ(contents("refused"), "") << "no record may land from a client that failed to authenticate";
  EXPECT_GE(metric("ringmq_sasl_authentication_failures_total\\{mechanism=\"SCRAM-SHA-512\"\\}"), failures_before + 2);
}

TEST_F(SecurityTest, UntrustedExpiredAndForeignCertificatesAreRefused) {
  const double before = metric("ringmq_tls_handshake_failures_total");
  // The client does not trust the broker's CA.
  auto [rc, out] =
      produce(s().ssl, ssl_client(s().certs.other_ca()) + " -X message.timeout.ms=3000", "tls-refused", "x\\n");
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("certificate verify failed"), std::string::npos) << out;
  // Client certificates the broker must not accept: expired, and signed by another CA.
  for (const std::string who : {"expired", "mallory"}) {
    std::tie(rc, out) = produce(s().ssl,
                                ssl_client(s().certs.ca()) + " -X ssl.certificate.location=" + s().certs.cert(who) +
                                    " -X ssl.key.location=" + s().certs.key(who) + " -X message.timeout.ms=3000",
                                "tls-refused", "x\\n");
    EXPECT_NE(rc, 0) << who << ": " << out;
  }
  // Plaintext Kafka to the TLS port: the handshake fails, the broker carries on.
  std::tie(rc, out) = produce(s().ssl, "-X message.timeout.ms=3000", "tls-refused", "x\\n");
  EXPECT_NE(rc, 0) << out;
  EXPECT_EQ(contents("tls-refused"), "");
  EXPECT_GE(metric("ringmq_tls_handshake_failures_total"), before + 3) << "expired, foreign, plaintext";
}

// KafkaJS over SASL_SSL with SCRAM, and @platformatic/kafka managing users with
// AlterUserScramCredentials / DescribeUserScramCredentials (kafkajs/security_test.mjs).
TEST_F(SecurityTest, NodeClientsOverSaslSslAndScramUserManagement) {
  auto [rc, out] = run_command(
      "cd " RINGMQ_KAFKAJS_DIR " && timeout 120 node security_test.mjs 127.0.0.1:" + std::to_string(s().plaintext) +
      " 127.0.0.1:" + std::to_string(s().sasl_ssl) + " " + s().certs.ca() + " 2>&1");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"ok\":true"), std::string::npos) << out;
}

// --- the SASL protocol, frame by frame ---

Bytes handshake_frame(const std::string& mechanism, int32_t correlation_id) {
  WireBuilder b(false);
  b.str(mechanism);
  return request_frame(kSaslHandshake, 1, correlation_id, "raw", false, b.out);
}

// SaslHandshake v1 -> error code and the mechanisms offered.
std::pair<int16_t, std::vector<std::string>> handshake(RawConnection& c, const std::string& mechanism) {
  const Bytes answer = c.round_trip(handshake_frame(mechanism, 11));
  WireParser p(answer, false);
  EXPECT_EQ(p.response_header(false), 11);
  const int16_t error = p.i16();
  std::vector<std::string> offered;
  for (int32_t n = p.array(), i = 0; i < n; ++i) offered.emplace_back(p.str());
  return {error, offered};
}

struct AuthenticateAnswer {
  int16_t error = 0;
  std::string message;
  std::string token;
  int64_t session_lifetime_ms = 0;
};

// SaslAuthenticate v1 with `token`.
AuthenticateAnswer authenticate(RawConnection& c, const std::string& token) {
  WireBuilder b(false);
  b.bytes(std::as_bytes(std::span(token)));
  const Bytes answer = c.round_trip(request_frame(kSaslAuthenticate, 1, 12, "raw", false, b.out));
  WireParser p(answer, false);
  EXPECT_EQ(p.response_header(false), 12);
  AuthenticateAnswer a;
  a.error = p.i16();
  a.message = p.nstr().value_or("");
  const Bytes token_bytes = p.bytes();
  a.token.assign(reinterpret_cast<const char*>(token_bytes.data()), token_bytes.size());
  a.session_lifetime_ms = p.i64();
  return a;
}

// A full SCRAM-SHA-256 login; the last answer.
AuthenticateAnswer scram_login(RawConnection& c, const std::string& user, const std::string& password) {
  EXPECT_EQ(handshake(c, "SCRAM-SHA-256").first, 0);
  broker::security::ScramClientExchange client(broker::security::ScramMechanism::kSha256, user, password);
  AuthenticateAnswer first = authenticate(c, client.first_message());
  if (first.error != 0) return first;
  auto final_message = client.final_message(first.token);
  EXPECT_TRUE(final_message.has_value());
  AuthenticateAnswer last = authenticate(c, *final_message);
  if (last.error == 0) {
    EXPECT_TRUE(client.verify_server_final(last.token).has_value()) << "the broker proved itself";
  }
  return last;
}

Bytes metadata_frame() {
  WireBuilder b(false);
  b.array(0);  // no topics
  return request_frame(kMetadata, 1, 13, "raw", false, b.out);
}

TEST_F(SecurityTest, OnlyApiVersionsAndSaslBeforeAuthentication) {
  {
    RawConnection c(s().sasl_plaintext);
    WireBuilder b(false);
    const Bytes answer = c.round_trip(request_frame(kApiVersions, 1, 10, "raw", false, b.out));
    WireParser p(answer, false);
    EXPECT_EQ(p.response_header(false), 10);
    EXPECT_EQ(p.i16(), 0) << "ApiVersions is answered before authentication";
    c.send_frame(metadata_frame());
    EXPECT_TRUE(c.closed_by_peer(std::chrono::seconds(10))) << "Metadata before SASL closes the connection";
  }
  {
    RawConnection c(s().sasl_plaintext);
    auto [error, offered] = handshake(c, "OAUTHBEARER");
    EXPECT_EQ(error, 33) << "UNSUPPORTED_SASL_MECHANISM";
    EXPECT_EQ(offered, (std::vector<std::string>{"SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"}));
  }
  {
    RawConnection c(s().sasl_plaintext);
    EXPECT_EQ(authenticate(c, "n,,n=alice,r=abc").error, 34) << "ILLEGAL_SASL_STATE: no handshake yet";
  }
  {
    RawConnection c(s().plaintext);
    EXPECT_EQ(handshake(c, "PLAIN").first, 34) << "ILLEGAL_SASL_STATE: SASL on a PLAINTEXT listener";
  }
  {
    // Connected, silent: closed after server.authentication_timeout_ms (1.5 s).
    RawConnection c(s().sasl_ssl);
    EXPECT_TRUE(c.closed_by_peer(std::chrono::seconds(10)));
  }
  EXPECT_GE(metric("ringmq_connections_unauthenticated_closed_total"), 2);
}

TEST_F(SecurityTest, ScramExchangeAndReauthenticationFrameByFrame) {
  RawConnection c(s().sasl_plaintext);
  AuthenticateAnswer done = scram_login(c, "alice", "alice-secret");
  ASSERT_EQ(done.error, 0) << done.message;
  EXPECT_EQ(done.session_lifetime_ms, 2000) << "sasl.max_reauth_ms";
  const Bytes answer = c.round_trip(metadata_frame());
  WireParser p(answer, false);
  EXPECT_EQ(p.response_header(false), 13) << "authenticated: Metadata is answered";
  // Re-authentication on the same connection, as the same user, renews the session.
  done = scram_login(c, "alice", "alice-secret");
  EXPECT_EQ(done.error, 0) << done.message;
  // Another user may not take the connection over.
  done = scram_login(c, "bob", "bob's password, with \"quotes\"");
  EXPECT_EQ(done.error, 58) << "SASL_AUTHENTICATION_FAILED";
  c.send_frame(metadata_frame());
  EXPECT_TRUE(c.closed_by_peer(std::chrono::seconds(10)));

  // A session that ends without re-authentication: the next request closes the connection.
  RawConnection late(s().sasl_plaintext);
  ASSERT_EQ(scram_login(late, "alice", "alice-secret").error, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  late.send_frame(metadata_frame());
  EXPECT_TRUE(late.closed_by_peer(std::chrono::seconds(10)));
}

TEST_F(SecurityTest, WrongScramProofFailsAndClosesTheConversation) {
  RawConnection c(s().sasl_plaintext);
  AuthenticateAnswer answer = scram_login(c, "alice", "not her password");
  EXPECT_EQ(answer.error, 58);
  EXPECT_NE(answer.message.find("invalid credentials"), std::string::npos) << answer.message;
  EXPECT_EQ(answer.message.find("not her password"), std::string::npos);
  c.send_frame(metadata_frame());
  EXPECT_TRUE(c.closed_by_peer(std::chrono::seconds(10)));
}

TEST_F(SecurityTest, SighupReloadsTheCertificateForNewConnections) {
  // A new server certificate under the same file names, with another subject.
  s().certs.issue("ca", "server", "/CN=broker-renewed", 30, "subjectAltName=IP:127.0.0.1");
  ASSERT_EQ(::kill(s().broker->pid(), SIGHUP), 0);
  std::string subject;
  for (int i = 0; i < 50 && subject.find("broker-renewed") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    subject = run_command("echo | timeout 10 openssl s_client -connect 127.0.0.1:" + std::to_string(s().ssl) +
                          " -CAfile " + s().certs.ca() + " 2>/dev/null | openssl x509 -noout -subject")
                  .second;
  }
  EXPECT_NE(subject.find("broker-renewed"), std::string::npos) << subject;
  auto [rc, out] = produce(s().ssl, ssl_client(s().certs.ca()), "after-reload", "r\\n");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(contents("after-reload"), "r\n");
}

}  // namespace
}  // namespace ringmq::test
