#include "broker/server/listener_config.h"

#include <charconv>

#include "broker/server/broker_config.h"
#include "common/split_list.h"

namespace ringmq::broker {
namespace {

struct Endpoint {
  SecurityProtocol protocol;
  std::string host;
  uint16_t port;
};

// "SASL_SSL://host:port" (IPv6 hosts in brackets: "SSL://[::1]:9093"; an empty host binds
// every interface, as in Kafka).
Endpoint parse_endpoint(std::string_view text, std::string_view key) {
  auto bad = [&](const std::string& why) {
    return ConfigError(std::string(key) + ": \"" + std::string(text) + "\" " + why +
                       " (expected PROTOCOL://host:port, e.g. SASL_SSL://0.0.0.0:9093)");
  };
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) throw bad("has no \"://\"");
  const auto protocol = parse_security_protocol(text.substr(0, scheme_end));
  if (!protocol) throw bad("names no protocol of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
  const std::string_view address = text.substr(scheme_end + 3);
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) throw bad("has no port");
  std::string host(address.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  const std::string_view port_text = address.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
    throw bad("has a port that is not a number in 0..65535");
  return Endpoint{*protocol, std::move(host), static_cast<uint16_t>(port)};
}

std::vector<Endpoint> parse_endpoints(std::string_view list, std::string_view key) {
  std::vector<Endpoint> out;
  for (std::string_view item : split_list(list, ',')) {
    Endpoint endpoint = parse_endpoint(item, key);
    for (const Endpoint& seen : out)
      if (seen.protocol == endpoint.protocol)
        throw ConfigError(std::string(key) + ": " + security_protocol_name(endpoint.protocol) +
                          " is given twice (one listener per protocol)");
    out.push_back(std::move(endpoint));
  }
  return out;
}

}  // namespace

const char* security_protocol_name(SecurityProtocol protocol) {
  switch (protocol) {
    case SecurityProtocol::kPlaintext:
      return "PLAINTEXT";
    case SecurityProtocol::kSsl:
      return "SSL";
    case SecurityProtocol::kSaslPlaintext:
      return "SASL_PLAINTEXT";
    case SecurityProtocol::kSaslSsl:
      return "SASL_SSL";
  }
  return "?";
}

std::optional<SecurityProtocol> parse_security_protocol(std::string_view name) {
  for (auto p : {SecurityProtocol::kPlaintext, SecurityProtocol::kSsl, SecurityProtocol::kSaslPlaintext,
                 SecurityProtocol::kSaslSsl})
    if (name == security_protocol_name(p)) return p;
  return std::nullopt;
}

std::vector<ListenerConfig> parse_listeners(const ServerConfig& server) {
  std::vector<ListenerConfig> listeners;
  if (server.listeners.empty()) {
    listeners.push_back(ListenerConfig{SecurityProtocol::kPlaintext, server.listen_host, server.listen_port,
                                       server.advertised_host, server.advertised_port});
  } else {
    for (Endpoint& e : parse_endpoints(server.listeners, "server.listeners"))
      listeners.push_back(ListenerConfig{e.protocol, std::move(e.host), e.port, server.advertised_host, 0});
    if (listeners.empty()) throw ConfigError("server.listeners names no listener");
  }
  for (Endpoint& e : parse_endpoints(server.advertised_listeners, "server.advertised_listeners")) {
    ListenerConfig* match = nullptr;
    for (ListenerConfig& l : listeners)
      if (l.protocol == e.protocol) match = &l;
    if (match == nullptr)
      throw ConfigError(std::string("server.advertised_listeners: ") + security_protocol_name(e.protocol) +
                        " has no listener in server.listeners");
    match->advertised_host = std::move(e.host);
    match->advertised_port = e.port;
  }
  return listeners;
}

}  // namespace ringmq::broker
