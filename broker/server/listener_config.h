// Listeners: the Kafka endpoints of one broker, each with its security protocol, as Kafka
// writes them: server.listeners = "PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093".
// A listener's name is its protocol, so each protocol appears at most once; what Metadata
// tells a client is the advertised endpoint of the listener the client connected to
// (server.advertised_listeners, same form, matched by protocol; by default the listener's own
// port on server.advertised_host).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringmq::broker {

struct ServerConfig;

enum class SecurityProtocol : uint8_t { kPlaintext, kSsl, kSaslPlaintext, kSaslSsl };
// "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL".
const char* security_protocol_name(SecurityProtocol protocol);
std::optional<SecurityProtocol> parse_security_protocol(std::string_view name);
inline bool uses_tls(SecurityProtocol p) { return p == SecurityProtocol::kSsl || p == SecurityProtocol::kSaslSsl; }
inline bool uses_sasl(SecurityProtocol p) {
  return p == SecurityProtocol::kSaslPlaintext || p == SecurityProtocol::kSaslSsl;
}

// One listener of the broker.
struct ListenerConfig {
  SecurityProtocol protocol = SecurityProtocol::kPlaintext;
  std::string host;   // address to bind
  uint16_t port = 0;  // 0 = an ephemeral port (tests)
  std::string advertised_host;
  uint16_t advertised_port = 0;  // 0 = the port actually bound
};

// The listeners `server` describes: server.listeners, or (when it is empty) one PLAINTEXT
// listener on server.listen_host:server.listen_port, as before listeners existed. Throws
// ConfigError naming the setting for a malformed entry, an unknown protocol, a protocol
// given twice, or an advertised listener without a listener.
std::vector<ListenerConfig> parse_listeners(const ServerConfig& server);

}  // namespace ringmq::broker
