// Kafka ACLs against a real ringmq-broker with authorization on: users log in with SCRAM
// over SASL_PLAINTEXT (kcat), an administrator (a super user) manages ACLs with
// `ringmq-admin acl`, and every refusal is checked for its Kafka error and for leaving nothing
// behind: produce, consume, a consumer group, topic creation and describe, a deny that wins
// over a prefixed allow, anonymous clients, ACLs that survive a restart, and their removal.
// On the SSL listener the principal comes from the client certificate through
// tls.principal_mapping_rules, so the same ACLs apply to alice's certificate.
#include <gtest/gtest.h>

#include <memory>

#include "tests/integration/broker_process.h"
#include "tests/integration/scram_users.h"
#include "tests/integration/test_certificates.h"

namespace ringmq::test {
namespace {

// One broker with a PLAINTEXT and a SASL_PLAINTEXT listener, authorization on, User:admin a
// super user, and users admin, alice and bob.
struct AuthorizedBroker {
  TempDir dir;
  TestCertificates certs{dir.path()};
  int plaintext = free_port(), sasl = free_port(), ssl = free_port();
  std::unique_ptr<BrokerProcess> broker;

  AuthorizedBroker() {
    for (const std::string user : {"admin", "alice", "bob"}) add_scram_user(dir.path(), user, user + "-secret");
    broker = std::make_unique<BrokerProcess>(
        std::vector<std::string>{
            "--set",
            "server.listeners=PLAINTEXT://127.0.0.1:" + std::to_string(plaintext) +
                ",SASL_PLAINTEXT://127.0.0.1:" + std::to_string(sasl) + ",SSL://127.0.0.1:" + std::to_string(ssl),
            "--set", "tls.cert_file=" + certs.cert("server"), "--set", "tls.key_file=" + certs.key("server"), "--set",
            "tls.ca_file=" + certs.ca(), "--set", "tls.client_auth=requested", "--set",
            "tls.principal_mapping_rules=RULE:^CN=([^,]+),O=RingMQ Tests$/$1/L,DEFAULT", "--set",
            "sasl.credentials_dir=" + dir.path() + "/security", "--set", "authorization.enabled=true", "--set",
            "authorization.super_users=User:admin"},
        plaintext);
  }

  // Client properties that log `user` in.
  std::string as(const std::string& user) const {
    return "-X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=SCRAM-SHA-256 -X sasl.username=" + user +
           " -X sasl.password=" + user + "-secret";
  }
};

class AuthorizationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = new AuthorizedBroker();
    // alice: write and read "orders", read every topic starting with "orders", her group.
    // bob: everything on topics starting with "bob-", but never write to "bob-locked".
    for (const std::string acl : {"--allow --principal User:alice --operation WRITE,DESCRIBE --topic orders",
                                  "--allow --principal User:alice --operation READ --topic orders --prefixed",
                                  "--allow --principal User:alice --operation READ --group alice-group",
                                  "--allow --principal User:bob --operation ALL --topic bob- --prefixed",
                                  "--deny --principal User:bob --operation WRITE --topic bob-locked"}) {
      auto [rc, out] = admin("acl add " + acl);
      if (rc != 0) throw std::runtime_error("acl add " + acl + ": " + out);
    }
    for (const std::string topic : {"orders", "secret", "bob-ok", "bob-locked"}) {
      auto [rc, out] = admin("topic create " + topic + " --partitions 1");
      if (rc != 0) throw std::runtime_error("topic create " + topic + ": " + out);
    }
  }
  static void TearDownTestSuite() {
    delete shared_;
    shared_ = nullptr;
  }
  static AuthorizedBroker& b() { return *shared_; }

  // ringmq-admin as the administrator, over SASL.
  static std::pair<int, std::string> admin(const std::string& args) {
    return run_command(std::string(RINGMQ_ADMIN_BINARY) + " -b 127.0.0.1:" + std::to_string(b().sasl) + " " +
                       b().as("admin") + " " + args + " 2>&1");
  }
  static std::string kcat(int port, const std::string& security, const std::string& args) {
    return "timeout 30 kcat -b 127.0.0.1:" + std::to_string(port) + " " + security + " " + args + " 2>&1";
  }
  static std::pair<int, std::string> produce(const std::string& user, const std::string& topic,
                                             const std::string& lines) {
    return run_command("printf '" + lines + "' | " +
                       kcat(b().sasl, b().as(user), "-X message.timeout.ms=5000 -P -p 0 -t " + topic));
  }
  static std::pair<int, std::string> consume(const std::string& user, const std::string& topic) {
    return run_command(kcat(b().sasl, b().as(user), "-C -p 0 -o beginning -e -q -t " + topic));
  }
  // What the topic holds, read by the administrator: the ground truth.
  static std::string contents(const std::string& topic) {
    auto [rc, out] = consume("admin", topic);
    return rc == 0 ? out : "<error: " + out + ">";
  }

  static AuthorizedBroker* shared_;
};
AuthorizedBroker* AuthorizationTest::shared_ = nullptr;

TEST_F(AuthorizationTest, AllowedProduceAndConsumeWork) {
  auto [rc, out] = produce("alice", "orders", "o1\\no2\\n");
  ASSERT_EQ(rc, 0) << out;
  std::tie(rc, out) = consume("alice", "orders");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "o1\no2\n");
}

TEST_F(AuthorizationTest, ProduceWithoutWriteIsRefusedAndWritesNothing) {
  const std::string before = contents("secret");
  for (const std::string user : {"alice", "bob"}) {
    auto [rc, out] = produce(user, "secret", "x\\n");
    EXPECT_NE(rc, 0) << user << ": " << out;
    EXPECT_NE(out.find("Topic authorization failed"), std::string::npos) << out;
  }
  EXPECT_EQ(contents("secret"), before);
}

TEST_F(AuthorizationTest, ConsumeWithoutReadIsRefused) {
  ASSERT_EQ(produce("admin", "secret", "hidden\\n").first, 0);
  auto [rc, out] = consume("alice", "secret");
  EXPECT_NE(rc, 0) << out;
  EXPECT_EQ(out.find("hidden"), std::string::npos) << out;
  EXPECT_NE(out.find("authorization failed"), std::string::npos) << out;
}

TEST_F(AuthorizationTest, GroupJoinNeedsReadOnTheGroup) {
  ASSERT_EQ(produce("alice", "orders", "g\\n").first, 0);
  auto [rc, out] =
      run_command(kcat(b().sasl, b().as("alice"), "-G alice-group orders -X auto.offset.reset=earliest -e -q"));
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("g"), std::string::npos) << out;
  std::tie(rc, out) =
      run_command(kcat(b().sasl, b().as("alice"), "-G someone-elses-group orders -X auto.offset.reset=earliest -e -q"));
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("Group authorization failed"), std::string::npos) << out;
}

TEST_F(AuthorizationTest, TopicCreationNeedsCreate) {
  // alice may write "orders" only; auto-creation of another topic is refused and creates nothing.
  auto [rc, out] = produce("alice", "alices-new-topic", "n\\n");
  EXPECT_NE(rc, 0) << out;
  std::tie(rc, out) = admin("topic list");
  EXPECT_EQ(out.find("alices-new-topic"), std::string::npos) << out;
  std::tie(rc, out) = run_command(std::string(RINGMQ_ADMIN_BINARY) + " -b 127.0.0.1:" + std::to_string(b().sasl) + " " +
                                  b().as("alice") + " topic create alices-topic --partitions 1 2>&1");
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("TOPIC_AUTHORIZATION_FAILED"), std::string::npos) << out;
}

TEST_F(AuthorizationTest, MetadataShowsOnlyDescribableTopics) {
  auto [rc, out] = run_command(kcat(b().sasl, b().as("alice"), "-L"));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"orders\""), std::string::npos) << out;
  EXPECT_EQ(out.find("\"secret\""), std::string::npos) << out;
  EXPECT_EQ(out.find("\"bob-ok\""), std::string::npos) << out;
  std::tie(rc, out) = run_command(kcat(b().sasl, b().as("bob"), "-L"));
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"bob-ok\""), std::string::npos) << out;
  EXPECT_EQ(out.find("\"orders\""), std::string::npos) << out;
}

TEST_F(AuthorizationTest, DenyWinsOverAPrefixedAllow) {
  auto [rc, out] = produce("bob", "bob-ok", "fine\\n");
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = produce("bob", "bob-locked", "nope\\n");
  EXPECT_NE(rc, 0) << out;
  EXPECT_EQ(contents("bob-locked"), "");
  std::tie(rc, out) = consume("bob", "bob-locked");
  EXPECT_EQ(rc, 0) << "READ is not denied: " << out;
}

TEST_F(AuthorizationTest, ACertificateMappedToAUserGetsThatUsersAcls) {
  // alice's certificate: subject "CN=alice,O=RingMQ Tests", mapped to User:alice.
  const std::string with_cert = "-X security.protocol=SSL -X ssl.ca.location=" + b().certs.ca() +
                                " -X ssl.certificate.location=" + b().certs.cert("alice") +
                                " -X ssl.key.location=" + b().certs.key("alice");
  auto [rc, out] = run_command("printf 'by-certificate\\n' | " +
                               kcat(b().ssl, with_cert, "-X message.timeout.ms=5000 -P -p 0 -t orders"));
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(contents("orders").find("by-certificate"), std::string::npos);
  // Without a certificate the same listener gives User:ANONYMOUS, who may not write.
  std::tie(rc, out) = run_command("printf 'anonymous\\n' | " +
                                  kcat(b().ssl, "-X security.protocol=SSL -X ssl.ca.location=" + b().certs.ca(),
                                       "-X message.timeout.ms=5000 -P -p 0 -t orders"));
  EXPECT_NE(rc, 0) << out;
  EXPECT_EQ(contents("orders").find("anonymous"), std::string::npos);
}

TEST_F(AuthorizationTest, AnonymousClientsGetNothing) {
  auto [rc, out] = run_command("printf 'a\\n' | " + kcat(b().plaintext, "", "-X message.timeout.ms=5000 -P -t orders"));
  EXPECT_NE(rc, 0) << out;
  std::tie(rc, out) = run_command(std::string(RINGMQ_ADMIN_BINARY) + " -b 127.0.0.1:" + std::to_string(b().plaintext) +
                                  " acl add --allow --principal User:eve " + "--operation ALL --topic orders 2>&1");
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("CLUSTER_AUTHORIZATION_FAILED"), std::string::npos) << out;
}

TEST_F(AuthorizationTest, AclsAreListedSurviveARestartAndCanBeRemoved) {
  auto [rc, out] = admin("acl list --principal User:bob");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("bob-locked"), std::string::npos) << out;
  EXPECT_NE(out.find("PREFIXED"), std::string::npos) << out;

  ASSERT_EQ(b().broker->stop(), 0);
  b().broker->start();
  auto [rc2, out2] = produce("alice", "orders", "after-restart\\n");
  EXPECT_EQ(rc2, 0) << "ACLs survive a restart: " << out2;

  std::tie(rc, out) = admin("acl delete --principal User:alice --operation WRITE --topic orders");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("orders"), std::string::npos) << "the removed binding is listed: " << out;
  std::tie(rc, out) = produce("alice", "orders", "no-longer\\n");
  EXPECT_NE(rc, 0) << out;
  EXPECT_EQ(contents("orders").find("no-longer"), std::string::npos);
  // Put it back for the other tests (the order of tests is not fixed).
  std::tie(rc, out) = admin("acl add --allow --principal User:alice --operation WRITE --topic orders");
  EXPECT_EQ(rc, 0) << out;
}

}  // namespace
}  // namespace ringmq::test
