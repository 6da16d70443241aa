// BrokerConfig: every setting of the broker process, one struct per TOML section, with units in
// the names and defaults that start a working single-node broker on 127.0.0.1:9092. The storage
// engine's own struct (engine::EngineConfig) is embedded as the [engine] section.
//
// Settings are addressed by "section.key" ("server.listen_port", "engine.write_mode"), the same
// key in the TOML file and in `--set key=value`. apply_toml_text / apply_setting change a config;
// validate() is the one place that rejects bad values, naming the key. config/ringmq.toml lists
// every key with its default. These are start-up paths: errors are ConfigError exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster_config.h"
#include "engine/config.h"

namespace ringmq::broker {

// A configuration problem; what() names the key (or the file, line and column).
class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// [server]: the Kafka listener and its connections.
struct ServerConfig {
  std::string listen_host = "127.0.0.1";  // address to bind; "0.0.0.0" or "::" for every interface
  uint16_t listen_port = 9092;            // 0 = an ephemeral port (tests)
  // What Metadata tells clients to connect to. Kafka clients need an address they can reach;
  // give them 127.0.0.1 rather than "localhost" (which may resolve to ::1 first).
  std::string advertised_host = "127.0.0.1";
  uint16_t advertised_port = 0;  // 0 = the port actually bound
  int32_t node_id = 1;           // Kafka broker id, also the controller id
  uint32_t network_threads = 2;  // epoll reactors, pinned to roles net-0, net-1, ...
  uint32_t max_connections = 1000;
  // A request frame longer than this closes its connection (Kafka's socket.request.max.bytes).
  uint32_t max_frame_bytes = 100u << 20;
  // Back pressure per connection: stop reading new requests while this many are unanswered
  // or this many response bytes are waiting for the socket.
  uint32_t max_inflight_requests_per_connection = 128;
  uint64_t max_unsent_bytes_per_connection = 64ull << 20;
  // A connection with nothing in flight and no traffic for this long is closed (Kafka's
  // connections.max.idle.ms); 0 = never.
  uint32_t idle_connection_timeout_ms = 600000;
  // On SIGTERM: how long in-flight requests get to finish before connections are closed.
  uint32_t shutdown_timeout_ms = 5000;
  // Several listeners, Kafka's form: "PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093"
  // (listener_config.h). Empty = one PLAINTEXT listener on listen_host:listen_port.
  std::string listeners;
  // What Metadata returns per listener, same form, matched by protocol; empty = each
  // listener's port on advertised_host.
  std::string advertised_listeners;
  // A connection to a TLS or SASL listener that has not finished its TLS handshake and SASL
  // authentication after this long is closed (it may only send ApiVersions and SASL until then).
  uint32_t authentication_timeout_ms = 10000;
};

enum class TlsClientAuth { kNone, kRequested, kRequired };
const char* tls_client_auth_name(TlsClientAuth auth);
std::optional<TlsClientAuth> parse_tls_client_auth(std::string_view name);

// [tls]: the certificate of the SSL and SASL_SSL listeners. The files are read again on SIGHUP
// (new connections use the new certificate; open ones keep theirs).
struct TlsConfig {
  std::string cert_file;  // PEM: the broker's certificate, then any intermediates
  std::string key_file;   // PEM: its private key (unencrypted; keep the file mode 0600)
  std::string ca_file;    // PEM: CAs that sign client certificates (client_auth); empty = none
  TlsClientAuth client_auth = TlsClientAuth::kNone;
  std::string min_version = "TLSv1.2";  // "TLSv1.2" or "TLSv1.3"
  std::string ciphers;                  // TLS 1.2 cipher list (OpenSSL syntax); empty = OpenSSL's default
  std::string ciphersuites;             // TLS 1.3 suites; empty = OpenSSL's default
  // How a client certificate becomes a principal: "dn" = User:<subject in RFC 2253 form>
  // (Kafka's default), "cn" = User:<the subject's common name>.
  std::string principal_from = "dn";
  // Kafka's ssl.principal.mapping.rules, applied to the subject ("dn"): e.g.
  // "RULE:^CN=([^,]+),OU=eng,.*$/$1/L,DEFAULT" (broker/security/principal_mapping.h).
  std::string principal_mapping_rules = "DEFAULT";
};

// The mechanisms of sasl.mechanisms, in order, each once; throws ConfigError for an unknown one.
std::vector<std::string> parse_sasl_mechanisms(std::string_view list);

// [sasl]: authentication on the SASL_PLAINTEXT and SASL_SSL listeners.
struct SaslConfig {
  // Comma-separated, of SCRAM-SHA-256, SCRAM-SHA-512, PLAIN. PLAIN checks the password against
  // the SCRAM credentials (the stored keys), so one store serves all three.
  std::string mechanisms = "SCRAM-SHA-256,SCRAM-SHA-512,PLAIN";
  // PLAIN sends the password itself: refused on SASL_PLAINTEXT unless this is true.
  bool allow_plain_without_tls = false;
  // Kafka's connections.max.reauth.ms: an authenticated session lasts this long and the
  // client must re-authenticate on the same connection before it ends; 0 = sessions never end.
  uint64_t max_reauth_ms = 0;
  // Where the SCRAM credentials live; empty = <engine.data_dir>/security.
  std::string credentials_dir;
};

// [topics]: what happens to topics clients name.
struct TopicsConfig {
  bool auto_create = true;         // Metadata / Produce for an unknown topic creates it
  int32_t default_partitions = 3;  // partitions of an auto-created topic
};

// [metrics]: the Prometheus endpoint.
struct MetricsConfig {
  bool enabled = true;
  std::string host = "127.0.0.1";
  uint16_t port = 9644;  // 0 = an ephemeral port (tests)
};

enum class LogFormat { kText, kJson };
const char* log_format_name(LogFormat format);
std::optional<LogFormat> parse_log_format(std::string_view name);

// [log]
struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  LogFormat format = LogFormat::kText;
};

// [numa]: where threads run. Without overrides the node nearest the data disk and the NIC.
struct NumaConfig {
  bool pin_threads = true;       // pin network and engine threads to the plan's CPUs
  std::optional<unsigned> node;  // force this NUMA node (OS index); -1 in TOML = unset
  std::string cpus;              // force these CPUs, cpu-list format "0-3,8"; empty = choose
};

// [authorization]: Kafka ACLs (CreateAcls / DescribeAcls / DeleteAcls), kept in
// <security dir>/acls. Off by default: every client may do everything, as a Kafka broker
// without an authorizer (but SCRAM credentials still need an authenticated client).
struct AuthorizationConfig {
  bool enabled = false;
  // Principals allowed everything, separated by ';' as in Kafka's super.users (certificate
  // subjects contain commas): "User:admin;User:CN=ops,O=Example".
  std::string super_users;
  // Kafka's allow.everyone.if.no.acl.found: a resource no ACL mentions is open to everyone.
  bool allow_everyone_if_no_acl_found = false;
};

// The principals of authorization.super_users.
std::vector<std::string> split_super_users(std::string_view list);

struct BrokerConfig {
  ServerConfig server;
  TopicsConfig topics;
  MetricsConfig metrics;
  LogConfig log;
  NumaConfig numa;
  TlsConfig tls;
  SaslConfig sasl;
  AuthorizationConfig authorization;
  cluster::ClusterConfig cluster;  // [cluster]: broker groups on etcd; standalone without endpoints
  engine::EngineConfig engine;     // [engine]; data_dir defaults to ./data

  // The broker moves each partition's start by its topic's retention and sets the engine's
  // retention floor from them (KafkaRouter's maintenance), so segments go once no partition
  // serves from them, even past engine.retention_ms.
  BrokerConfig() {
    engine.data_dir = "./data";
    engine.retention_by_queue_floor = true;
  }

  // Throws ConfigError listing every bad setting by key ("server.network_threads must be ...").
  void validate() const;
  // The effective configuration as TOML, every key present (for --print-config and the log).
  std::string to_toml() const;
  // Where the SCRAM credentials (and ACLs) are kept: sasl.credentials_dir or <data_dir>/security.
  std::string security_dir() const;
};

// Applies the settings of a TOML document; keys not set keep their value. `source` names the
// document in errors ("ringmq.toml:12:5: ..."). Unknown sections and keys are errors.
void apply_toml_text(BrokerConfig& config, std::string_view text, std::string_view source);
void apply_toml_file(BrokerConfig& config, const std::string& path);
// Applies one "section.key" = value. The value is read as TOML ("3", "true", "\"x\"", "64MiB")
// and, for string settings, also as bare text ("pool", "/var/lib/ringmq").
void apply_setting(BrokerConfig& config, std::string_view key, std::string_view value);
// Applies "section.key=value" (the form of --set).
void apply_assignment(BrokerConfig& config, std::string_view assignment);

// Every key, in file order ("server.listen_host", ...), for docs and tests.
std::vector<std::string> setting_keys();

}  // namespace ringmq::broker
