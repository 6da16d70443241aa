// Listeners and the security settings: server.listeners / advertised_listeners parsing, and
// the validation of [tls], [sasl] and [authorization] that stops a broker which could not
// work (an SSL listener without a certificate, a SASL listener nobody can log in to).
#include <gtest/gtest.h>

#include "broker/server/broker_config.h"
#include "broker/server/listener_config.h"

namespace ringmq::broker {
namespace {

std::string validation_error(const BrokerConfig& config) {
  try {
    config.validate();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Listeners, WithoutServerListenersThereIsOnePlaintextListenerOnListenHostAndPort) {
  ServerConfig server;
  server.listen_host = "10.0.0.5";
  server.listen_port = 19092;
  server.advertised_port = 29092;
  const auto listeners = parse_listeners(server);
  ASSERT_EQ(listeners.size(), 1u);
  EXPECT_EQ(listeners[0].protocol, SecurityProtocol::kPlaintext);
  EXPECT_EQ(listeners[0].host, "10.0.0.5");
  EXPECT_EQ(listeners[0].port, 19092);
  EXPECT_EQ(listeners[0].advertised_port, 29092);
}

TEST(Listeners, ParsesEachProtocolWithHostsPortsAndAdvertisedEndpoints) {
  ServerConfig server;
  server.listeners = "PLAINTEXT://127.0.0.1:9092, SSL://[::1]:9093,SASL_PLAINTEXT://:9094,SASL_SSL://0.0.0.0:0";
  server.advertised_listeners = "SASL_SSL://broker.example:19095";
  const auto l = parse_listeners(server);
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[1].protocol, SecurityProtocol::kSsl);
  EXPECT_EQ(l[1].host, "::1");
  EXPECT_EQ(l[2].host, "0.0.0.0") << "an empty host binds every interface, as in Kafka";
  EXPECT_EQ(l[3].port, 0);
  EXPECT_EQ(l[3].advertised_host, "broker.example");
  EXPECT_EQ(l[3].advertised_port, 19095);
  EXPECT_EQ(l[0].advertised_host, server.advertised_host) << "not advertised: server.advertised_host";
  EXPECT_TRUE(uses_tls(l[3].protocol) && uses_sasl(l[3].protocol));
  EXPECT_FALSE(uses_tls(l[2].protocol));
}

TEST(Listeners, MalformedEntriesNameTheSettingAndWhatIsWrong) {
  auto error = [](std::string listeners, std::string advertised = "") {
    ServerConfig server;
    server.listeners = std::move(listeners);
    server.advertised_listeners = std::move(advertised);
    try {
      parse_listeners(server);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error("127.0.0.1:9092").find("no \"://\""), std::string::npos);
  EXPECT_NE(error("TLS://127.0.0.1:9092").find("names no protocol"), std::string::npos);
  EXPECT_NE(error("SSL://127.0.0.1").find("port"), std::string::npos);
  EXPECT_NE(error("SSL://127.0.0.1:99999").find("0..65535"), std::string::npos);
  EXPECT_NE(error("SSL://a:1,SSL://b:2").find("given twice"), std::string::npos);
  EXPECT_NE(error("PLAINTEXT://a:1", "SSL://b:2").find("has no listener"), std::string::npos);
  EXPECT_EQ(error("PLAINTEXT://a:1"), "") << "valid: no error";
}

TEST(SecurityConfig, TheDefaultsAreValidAndSecurityIsOff) {
  BrokerConfig config;
  EXPECT_EQ(validation_error(config), "");
  EXPECT_FALSE(config.authorization.enabled);
  EXPECT_FALSE(config.sasl.allow_plain_without_tls);
  EXPECT_EQ(config.security_dir(), "./data/security");
}

TEST(SecurityConfig, ValidationRefusesBrokersThatCouldNotWork) {
  BrokerConfig config;
  config.server.listeners = "PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9092,SASL_PLAINTEXT://127.0.0.1:9094";
  config.tls.client_auth = TlsClientAuth::kRequired;
  config.tls.min_version = "TLSv1.1";
  config.sasl.mechanisms = "PLAIN";
  config.sasl.max_reauth_ms = 1ull << 62;
  config.authorization.super_users = "User:admin;admin";
  const std::string e = validation_error(config);
  for (const char* expected :
       {"needs tls.cert_file and tls.key_file", "needs tls.ca_file", "tls.min_version", "offers no mechanism",
        "sasl.max_reauth_ms", "both use port 9092", "\"admin\" is not a principal"})
    EXPECT_NE(e.find(expected), std::string::npos) << expected << " not in: " << e;
}

TEST(SecurityConfig, UnknownSaslMechanismsAreRefusedAndDuplicatesDropped) {
  EXPECT_EQ(parse_sasl_mechanisms(" SCRAM-SHA-512 ,PLAIN,SCRAM-SHA-512"),
            (std::vector<std::string>{"SCRAM-SHA-512", "PLAIN"}));
  EXPECT_THROW(parse_sasl_mechanisms("SCRAM-SHA-1"), ConfigError);
  EXPECT_EQ(split_super_users(" User:a ; User:CN=b,O=c ;"), (std::vector<std::string>{"User:a", "User:CN=b,O=c"}));
}

}  // namespace
}  // namespace ringmq::broker
