#include "broker/server/broker_config.h"

#include <spdlog/common.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <utility>

#include "broker/security/principal_mapping.h"
#include "broker/server/listener_config.h"
#include "cluster/cluster_keys.h"
#include "common/byte_size.h"
#include "common/split_list.h"
#include "numa/cpu_list.h"

namespace ringmq::broker {
namespace {

// One value on its way into a setting: a TOML node, and for --set the text as typed (string
// settings take it verbatim when it is not a TOML string, e.g. --set engine.data_dir=/x).
struct SettingInput {
  const toml::node& node;
  std::optional<std::string_view> raw_text;
  std::string where;  // "ringmq.toml:12:5" or "--set"
};

// A setting: its key, how to apply an input, and how to print its value as TOML (nullopt for
// an optional setting that is unset: printed commented out).
struct Setting {
  std::string key;
  std::function<void(BrokerConfig&, const SettingInput&)> apply;
  std::function<std::optional<std::string>(const BrokerConfig&)> format;
};

std::string shown(const SettingInput& in) {
  if (in.raw_text) return std::string(*in.raw_text);
  std::ostringstream out;
  in.node.visit([&](const auto& value) { out << value; });
  return out.str();
}

[[noreturn]] void bad_value(const std::string& key, const SettingInput& in, std::string_view expected) {
  throw ConfigError(in.where + ": " + key + " must be " + std::string(expected) + " (got " + shown(in) + ")");
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// "64MiB" as a TOML string, a size that is no whole number of KiB as a TOML integer.
std::string format_bytes_value(uint64_t bytes) {
  std::string text = format_byte_size(bytes);
  return text.ends_with('B') ? quoted(text) : text;
}

// The settings are bound to fields through a generic accessor, usable on const and non-const.
#define RINGMQ_FIELD(path) \
  [](auto& c) -> auto& { return c.path; }

template <typename Access>
Setting integer_setting(std::string key, Access access, int64_t min, int64_t max) {
  return Setting{key,
                 [=](BrokerConfig& c, const SettingInput& in) {
                   using T = std::remove_reference_t<decltype(access(c))>;
                   auto v = in.node.value_exact<int64_t>();
                   if (!v || *v < min || *v > max)
                     bad_value(key, in, "an integer in " + std::to_string(min) + ".." + std::to_string(max));
                   access(c) = static_cast<T>(*v);
                 },
                 [=](const BrokerConfig& c) -> std::optional<std::string> { return std::to_string(access(c)); }};
}

template <typename Access>
Setting bytes_setting(std::string key, Access access, uint64_t min, uint64_t max) {
  return Setting{
      key,
      [=](BrokerConfig& c, const SettingInput& in) {
        using T = std::remove_reference_t<decltype(access(c))>;
        std::optional<uint64_t> bytes;
        if (auto v = in.node.value_exact<int64_t>(); v && *v >= 0) bytes = static_cast<uint64_t>(*v);
        if (auto s = in.node.value_exact<std::string>()) bytes = parse_byte_size(*s);
        if (!bytes || *bytes < min || *bytes > max)
          bad_value(key, in,
                    "a byte size (an integer or \"64MiB\") in " + std::to_string(min) + ".." + std::to_string(max));
        access(c) = static_cast<T>(*bytes);
      },
      [=](const BrokerConfig& c) -> std::optional<std::string> { return format_bytes_value(access(c)); }};
}

template <typename Access>
Setting bool_setting(std::string key, Access access) {
  return Setting{key,
                 [=](BrokerConfig& c, const SettingInput& in) {
                   auto v = in.node.value_exact<bool>();
                   if (!v) bad_value(key, in, "true or false");
                   access(c) = *v;
                 },
                 [=](const BrokerConfig& c) -> std::optional<std::string> { return access(c) ? "true" : "false"; }};
}

template <typename Access>
Setting string_setting(std::string key, Access access) {
  return Setting{key,
                 [=](BrokerConfig& c, const SettingInput& in) {
                   if (auto v = in.node.value_exact<std::string>()) {
                     access(c) = *v;
                   } else if (in.raw_text) {
                     access(c) = std::string(*in.raw_text);
                   } else {
                     bad_value(key, in, "a string");
                   }
                 },
                 [=](const BrokerConfig& c) -> std::optional<std::string> { return quoted(access(c)); }};
}

// An enum read by name: `parse` gives std::nullopt for an unknown name, `name` prints one.
template <typename Access, typename Parse, typename Name>
Setting enum_setting(std::string key, Access access, Parse parse, Name name, std::string choices) {
  return Setting{key,
                 [=](BrokerConfig& c, const SettingInput& in) {
                   auto text = in.node.value_exact<std::string>();
                   if (!text && in.raw_text) text = std::string(*in.raw_text);
                   auto value = text ? parse(*text) : std::nullopt;
                   if (!value) bad_value(key, in, "one of " + choices);
                   access(c) = *value;
                 },
                 [=](const BrokerConfig& c) -> std::optional<std::string> { return quoted(name(access(c))); }};
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = [] {
    constexpr int64_t kU16 = 65535, kI32 = std::numeric_limits<int32_t>::max();
    constexpr int64_t kU32 = std::numeric_limits<uint32_t>::max(), kI64 = std::numeric_limits<int64_t>::max();
    std::vector<Setting> s;
    // [server]
    s.push_back(string_setting("server.listen_host", RINGMQ_FIELD(server.listen_host)));
    s.push_back(integer_setting("server.listen_port", RINGMQ_FIELD(server.listen_port), 0, kU16));
    s.push_back(string_setting("server.advertised_host", RINGMQ_FIELD(server.advertised_host)));
    s.push_back(integer_setting("server.advertised_port", RINGMQ_FIELD(server.advertised_port), 0, kU16));
    s.push_back(integer_setting("server.node_id", RINGMQ_FIELD(server.node_id), 0, kI32));
    s.push_back(integer_setting("server.network_threads", RINGMQ_FIELD(server.network_threads), 0, kU32));
    s.push_back(integer_setting("server.max_connections", RINGMQ_FIELD(server.max_connections), 0, kU32));
    s.push_back(bytes_setting("server.max_frame_bytes", RINGMQ_FIELD(server.max_frame_bytes), 0, kU32));
    s.push_back(integer_setting("server.max_inflight_requests_per_connection",
                                RINGMQ_FIELD(server.max_inflight_requests_per_connection), 0, kU32));
    s.push_back(bytes_setting("server.max_unsent_bytes_per_connection",
                              RINGMQ_FIELD(server.max_unsent_bytes_per_connection), 0, kI64));
    s.push_back(
        integer_setting("server.idle_connection_timeout_ms", RINGMQ_FIELD(server.idle_connection_timeout_ms), 0, kU32));
    s.push_back(integer_setting("server.shutdown_timeout_ms", RINGMQ_FIELD(server.shutdown_timeout_ms), 0, kU32));
    s.push_back(string_setting("server.listeners", RINGMQ_FIELD(server.listeners)));
    s.push_back(string_setting("server.advertised_listeners", RINGMQ_FIELD(server.advertised_listeners)));
    s.push_back(
        integer_setting("server.authentication_timeout_ms", RINGMQ_FIELD(server.authentication_timeout_ms), 0, kU32));
    // [topics]
    s.push_back(bool_setting("topics.auto_create", RINGMQ_FIELD(topics.auto_create)));
    s.push_back(integer_setting("topics.default_partitions", RINGMQ_FIELD(topics.default_partitions), 0, kI32));
    // [metrics]
    s.push_back(bool_setting("metrics.enabled", RINGMQ_FIELD(metrics.enabled)));
    s.push_back(string_setting("metrics.host", RINGMQ_FIELD(metrics.host)));
    s.push_back(integer_setting("metrics.port", RINGMQ_FIELD(metrics.port), 0, kU16));
    // [log]
    s.push_back(string_setting("log.level", RINGMQ_FIELD(log.level)));
    s.push_back(
        enum_setting("log.format", RINGMQ_FIELD(log.format), parse_log_format, log_format_name, "\"text\", \"json\""));
    // [numa]
    s.push_back(bool_setting("numa.pin_threads", RINGMQ_FIELD(numa.pin_threads)));
    s.push_back(Setting{"numa.node",
                        [](BrokerConfig& c, const SettingInput& in) {
                          auto v = in.node.value_exact<int64_t>();
                          if (!v || *v < -1 || *v > 4095)
                            bad_value("numa.node", in, "a NUMA node number in 0..4095, or -1 for unset");
                          c.numa.node = *v < 0 ? std::nullopt : std::optional<unsigned>(static_cast<unsigned>(*v));
                        },
                        [](const BrokerConfig& c) -> std::optional<std::string> {
                          if (!c.numa.node) return std::nullopt;
                          return std::to_string(*c.numa.node);
                        }});
    s.push_back(string_setting("numa.cpus", RINGMQ_FIELD(numa.cpus)));
    // [tls]
    s.push_back(string_setting("tls.cert_file", RINGMQ_FIELD(tls.cert_file)));
    s.push_back(string_setting("tls.key_file", RINGMQ_FIELD(tls.key_file)));
    s.push_back(string_setting("tls.ca_file", RINGMQ_FIELD(tls.ca_file)));
    s.push_back(enum_setting("tls.client_auth", RINGMQ_FIELD(tls.client_auth), parse_tls_client_auth,
                             tls_client_auth_name, "\"none\", \"requested\", \"required\""));
    s.push_back(string_setting("tls.min_version", RINGMQ_FIELD(tls.min_version)));
    s.push_back(string_setting("tls.ciphers", RINGMQ_FIELD(tls.ciphers)));
    s.push_back(string_setting("tls.ciphersuites", RINGMQ_FIELD(tls.ciphersuites)));
    s.push_back(string_setting("tls.principal_from", RINGMQ_FIELD(tls.principal_from)));
    s.push_back(string_setting("tls.principal_mapping_rules", RINGMQ_FIELD(tls.principal_mapping_rules)));
    // [sasl]
    s.push_back(string_setting("sasl.mechanisms", RINGMQ_FIELD(sasl.mechanisms)));
    s.push_back(bool_setting("sasl.allow_plain_without_tls", RINGMQ_FIELD(sasl.allow_plain_without_tls)));
    s.push_back(integer_setting("sasl.max_reauth_ms", RINGMQ_FIELD(sasl.max_reauth_ms), 0, kI64));
    s.push_back(string_setting("sasl.credentials_dir", RINGMQ_FIELD(sasl.credentials_dir)));
    // [authorization]
    s.push_back(bool_setting("authorization.enabled", RINGMQ_FIELD(authorization.enabled)));
    s.push_back(string_setting("authorization.super_users", RINGMQ_FIELD(authorization.super_users)));
    s.push_back(bool_setting("authorization.allow_everyone_if_no_acl_found",
                             RINGMQ_FIELD(authorization.allow_everyone_if_no_acl_found)));
    // [cluster]
    s.push_back(string_setting("cluster.etcd_endpoints", RINGMQ_FIELD(cluster.etcd_endpoints)));
    s.push_back(string_setting("cluster.name", RINGMQ_FIELD(cluster.name)));
    s.push_back(string_setting("cluster.group", RINGMQ_FIELD(cluster.group)));
    s.push_back(integer_setting("cluster.session_timeout_s", RINGMQ_FIELD(cluster.session_timeout_s), 0, kU32));
    s.push_back(integer_setting("cluster.etcd_timeout_ms", RINGMQ_FIELD(cluster.etcd_timeout_ms), 0, kU32));
    s.push_back(bool_setting("cluster.unclean_leader_election", RINGMQ_FIELD(cluster.unclean_leader_election)));
    s.push_back(integer_setting("cluster.replication_port", RINGMQ_FIELD(cluster.replication_port), 0, kU16));
    s.push_back(integer_setting("cluster.replica_lag_max_ms", RINGMQ_FIELD(cluster.replica_lag_max_ms), 0, kU32));
    s.push_back(integer_setting("cluster.min_insync_replicas", RINGMQ_FIELD(cluster.min_insync_replicas), 0, kU32));
    s.push_back(string_setting("cluster.acks_all_waits_for", RINGMQ_FIELD(cluster.acks_all_waits_for)));
    // [engine]
    s.push_back(string_setting("engine.data_dir", RINGMQ_FIELD(engine.data_dir)));
    s.push_back(bytes_setting("engine.segment_bytes", RINGMQ_FIELD(engine.segment_bytes), 0, kI64));
    s.push_back(enum_setting("engine.write_mode", RINGMQ_FIELD(engine.write_mode), engine::parse_write_mode,
                             engine::write_mode_name, "\"mmap\", \"mmap-locked\", \"pool\""));
    s.push_back(bytes_setting("engine.mlock_budget_bytes", RINGMQ_FIELD(engine.mlock_budget_bytes), 0, kI64));
    s.push_back(integer_setting("engine.pool_buffers", RINGMQ_FIELD(engine.pool_buffers), 0, kU32));
    s.push_back(bytes_setting("engine.pool_buffer_bytes", RINGMQ_FIELD(engine.pool_buffer_bytes), 0, kI64));
    s.push_back(bool_setting("engine.memlock_fallback", RINGMQ_FIELD(engine.memlock_fallback)));
    s.push_back(integer_setting("engine.segments_ahead", RINGMQ_FIELD(engine.segments_ahead), 0, kU32));
    s.push_back(bool_setting("engine.pool_huge_pages", RINGMQ_FIELD(engine.pool_huge_pages)));
    s.push_back(bytes_setting("engine.warm_ahead_bytes", RINGMQ_FIELD(engine.warm_ahead_bytes), 0, kI64));
    s.push_back(bytes_setting("engine.max_record_bytes", RINGMQ_FIELD(engine.max_record_bytes), 0, kU32));
    s.push_back(integer_setting("engine.max_queue_id", RINGMQ_FIELD(engine.max_queue_id), 0, kU32));
    s.push_back(integer_setting("engine.append_wait_timeout_ms", RINGMQ_FIELD(engine.append_wait_timeout_ms), 0, kU32));
    s.push_back(enum_setting("engine.flush_mode", RINGMQ_FIELD(engine.flush_mode), engine::parse_flush_mode,
                             engine::flush_mode_name, "\"async\", \"sync\""));
    s.push_back(integer_setting("engine.flush_interval_ms", RINGMQ_FIELD(engine.flush_interval_ms), 0, kU32));
    s.push_back(bytes_setting("engine.flush_dirty_bytes", RINGMQ_FIELD(engine.flush_dirty_bytes), 0, kI64));
    s.push_back(integer_setting("engine.sync_flush_timeout_ms", RINGMQ_FIELD(engine.sync_flush_timeout_ms), 0, kU32));
    s.push_back(integer_setting("engine.checkpoint_interval_ms", RINGMQ_FIELD(engine.checkpoint_interval_ms), 0, kU32));
    s.push_back(integer_setting("engine.index_entries_per_file", RINGMQ_FIELD(engine.index_entries_per_file), 0, kU32));
    s.push_back(bool_setting("engine.verify_crc_on_read", RINGMQ_FIELD(engine.verify_crc_on_read)));
    s.push_back(integer_setting("engine.retention_ms", RINGMQ_FIELD(engine.retention_ms), 0, kI64));
    s.push_back(bytes_setting("engine.retention_bytes", RINGMQ_FIELD(engine.retention_bytes), 0, kI64));
    s.push_back(integer_setting("engine.retention_check_interval_ms", RINGMQ_FIELD(engine.retention_check_interval_ms),
                                0, kU32));
    s.push_back(
        integer_setting("engine.disk_high_water_percent", RINGMQ_FIELD(engine.disk_high_water_percent), 0, kU32));
    return s;
  }();
  return table;
}

#undef RINGMQ_FIELD

const Setting* find_setting(std::string_view key) {
  for (const Setting& s : settings())
    if (s.key == key) return &s;
  return nullptr;
}

std::string_view section_of(std::string_view key) { return key.substr(0, key.find('.')); }

std::string keys_of_section(std::string_view section) {
  std::string out;
  for (const Setting& s : settings()) {
    if (section_of(s.key) != section) continue;
    if (!out.empty()) out += ", ";
    out += s.key.substr(section.size() + 1);
  }
  return out;
}

std::string position(std::string_view source, const toml::node& node) {
  const auto& begin = node.source().begin;
  return std::string(source) + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column);
}

}  // namespace

const char* tls_client_auth_name(TlsClientAuth auth) {
  switch (auth) {
    case TlsClientAuth::kNone:
      return "none";
    case TlsClientAuth::kRequested:
      return "requested";
    case TlsClientAuth::kRequired:
      return "required";
  }
  return "?";
}

std::optional<TlsClientAuth> parse_tls_client_auth(std::string_view name) {
  for (auto a : {TlsClientAuth::kNone, TlsClientAuth::kRequested, TlsClientAuth::kRequired})
    if (name == tls_client_auth_name(a)) return a;
  return std::nullopt;
}

std::vector<std::string> parse_sasl_mechanisms(std::string_view list) {
  std::vector<std::string> out;
  for (std::string_view name : split_list(list, ',')) {
    if (name != "PLAIN" && name != "SCRAM-SHA-256" && name != "SCRAM-SHA-512")
      throw ConfigError("sasl.mechanisms: unknown mechanism \"" + std::string(name) +
                        "\" (known: SCRAM-SHA-256, SCRAM-SHA-512, PLAIN)");
    if (std::find(out.begin(), out.end(), name) == out.end()) out.emplace_back(name);
  }
  return out;
}

std::vector<std::string> split_super_users(std::string_view list) {
  const auto users = split_list(list, ';');
  return {users.begin(), users.end()};
}

std::string BrokerConfig::security_dir() const {
  return sasl.credentials_dir.empty() ? engine.data_dir + "/security" : sasl.credentials_dir;
}

const char* log_format_name(LogFormat format) { return format == LogFormat::kJson ? "json" : "text"; }

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

void apply_toml_text(BrokerConfig& config, std::string_view text, std::string_view source) {
  toml::table document;
  try {
    document = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    throw ConfigError(std::string(source) + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) +
                      ": " + std::string(e.description()));
  }
  for (auto&& [section_key, section_node] : document) {
    const std::string section(section_key.str());
    auto* table = section_node.as_table();
    if (table == nullptr || keys_of_section(section).empty()) {
      throw ConfigError(position(source, section_node) + ": unknown section or top-level key \"" + section +
                        "\" (sections: server, topics, metrics, log, numa, tls, sasl, authorization, cluster, engine)");
    }
    for (auto&& [key, node] : *table) {
      const std::string full_key = section + "." + std::string(key.str());
      const Setting* setting = find_setting(full_key);
      if (setting == nullptr) {
        throw ConfigError(position(source, node) + ": unknown setting " + full_key + " (settings of [" + section +
                          "]: " + keys_of_section(section) + ")");
      }
      setting->apply(config, SettingInput{node, std::nullopt, position(source, node)});
    }
  }
}

void apply_toml_file(BrokerConfig& config, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read config file " + path);
  std::stringstream text;
  text << in.rdbuf();
  apply_toml_text(config, text.str(), path);
}

void apply_setting(BrokerConfig& config, std::string_view key, std::string_view value) {
  const Setting* setting = find_setting(key);
  if (setting == nullptr) {
    std::string message = "--set: unknown setting " + std::string(key);
    const std::string known = keys_of_section(section_of(key));
    message += known.empty()
                   ? " (sections: server, topics, metrics, log, numa, tls, sasl, authorization, cluster, engine)"
                   : " (settings of [" + std::string(section_of(key)) + "]: " + known + ")";
    throw ConfigError(message);
  }
  // The value as TOML when it is one ("3", "true", "\"x\""), else as a plain string ("pool").
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + std::string(value));
  } catch (const toml::parse_error&) {
    parsed = toml::table{{"v", std::string(value)}};
  }
  const toml::node* node = parsed.get("v");
  setting->apply(config, SettingInput{*node, value, "--set " + std::string(key)});
}

void apply_assignment(BrokerConfig& config, std::string_view assignment) {
  const size_t equals = assignment.find('=');
  if (equals == std::string_view::npos || equals == 0)
    throw ConfigError("--set expects section.key=value, got \"" + std::string(assignment) + "\"");
  apply_setting(config, assignment.substr(0, equals), assignment.substr(equals + 1));
}

std::vector<std::string> setting_keys() {
  std::vector<std::string> keys;
  for (const Setting& s : settings()) keys.push_back(s.key);
  return keys;
}

std::string BrokerConfig::to_toml() const {
  std::string out;
  std::string_view current_section;
  for (const Setting& s : settings()) {
    const std::string_view section = section_of(s.key);
    if (section != current_section) {
      out += (out.empty() ? "[" : "\n[") + std::string(section) + "]\n";
      current_section = section;
    }
    const std::string name = s.key.substr(section.size() + 1);
    if (auto value = s.format(*this)) {
      out += name + " = " + *value + "\n";
    } else {
      out += "# " + name + " is unset\n";
    }
  }
  return out;
}

void BrokerConfig::validate() const {
  std::vector<std::string> problems;
  auto check = [&](bool ok, std::string message) {
    if (!ok) problems.push_back(std::move(message));
  };
  auto is_wildcard = [](const std::string& host) { return host == "0.0.0.0" || host == "::" || host == "[::]"; };

  check(!server.listen_host.empty(), "server.listen_host is empty (use 127.0.0.1, or 0.0.0.0 for every interface)");
  check(!server.advertised_host.empty() && !is_wildcard(server.advertised_host),
        "server.advertised_host must be an address clients can connect to, not \"" + server.advertised_host + "\"");
  check(server.network_threads >= 1 && server.network_threads <= 256,
        "server.network_threads must be in 1..256 (got " + std::to_string(server.network_threads) + ")");
  check(server.max_connections >= 1, "server.max_connections must be at least 1");
  check(server.max_frame_bytes >= 1024 && server.max_frame_bytes <= (1u << 30),
        "server.max_frame_bytes must be in 1KiB..1GiB (got " + std::to_string(server.max_frame_bytes) + ")");
  check(server.max_inflight_requests_per_connection >= 1 && server.max_inflight_requests_per_connection <= 65536,
        "server.max_inflight_requests_per_connection must be in 1..65536 (got " +
            std::to_string(server.max_inflight_requests_per_connection) + ")");
  check(server.max_unsent_bytes_per_connection >= 64 * 1024,
        "server.max_unsent_bytes_per_connection must be at least 64KiB (got " +
            std::to_string(server.max_unsent_bytes_per_connection) + ")");
  std::vector<ListenerConfig> listeners;
  try {
    listeners = parse_listeners(server);
  } catch (const ConfigError& e) {
    problems.push_back(e.what());
  }
  bool any_tls = false, any_sasl = false;
  for (const ListenerConfig& l : listeners) {
    any_tls |= uses_tls(l.protocol);
    any_sasl |= uses_sasl(l.protocol);
    check(!l.advertised_host.empty() && !is_wildcard(l.advertised_host),
          std::string("the ") + security_protocol_name(l.protocol) +
              " listener's advertised host must be an "
              "address clients can connect to, not \"" +
              l.advertised_host + "\" (server.advertised_listeners)");
    if (metrics.enabled)
      check(metrics.port == 0 || metrics.port != l.port || metrics.host != l.host,
            "metrics.port " + std::to_string(metrics.port) + " is a Kafka listener's port");
  }
  if (any_tls) {
    check(!tls.cert_file.empty() && !tls.key_file.empty(),
          "an SSL or SASL_SSL listener needs tls.cert_file and tls.key_file");
    check(tls.client_auth == TlsClientAuth::kNone || !tls.ca_file.empty(),
          "tls.client_auth = \"" + std::string(tls_client_auth_name(tls.client_auth)) +
              "\" needs tls.ca_file (the CAs that sign client certificates)");
  }
  check(tls.min_version == "TLSv1.2" || tls.min_version == "TLSv1.3",
        "tls.min_version must be \"TLSv1.2\" or \"TLSv1.3\" (got \"" + tls.min_version + "\")");
  if (auto mapping = security::PrincipalMapping::parse(tls.principal_mapping_rules); !mapping)
    problems.push_back(mapping.error().message);
  check(tls.principal_from == "dn" || tls.principal_from == "cn",
        "tls.principal_from must be \"dn\" or \"cn\" (got \"" + tls.principal_from + "\")");
  if (any_sasl) {
    try {
      const auto mechanisms = parse_sasl_mechanisms(sasl.mechanisms);
      check(!mechanisms.empty(), "sasl.mechanisms names no mechanism");
      const bool only_plain = mechanisms.size() == 1 && mechanisms.front() == "PLAIN";
      for (const ListenerConfig& l : listeners)
        check(!(l.protocol == SecurityProtocol::kSaslPlaintext && only_plain && !sasl.allow_plain_without_tls),
              "the SASL_PLAINTEXT listener offers no mechanism: sasl.mechanisms is only PLAIN and "
              "sasl.allow_plain_without_tls is false");
    } catch (const ConfigError& e) {
      problems.push_back(e.what());
    }
  }
  constexpr uint64_t kYearMs = 365ull * 24 * 3600 * 1000;
  check(sasl.max_reauth_ms <= kYearMs, "sasl.max_reauth_ms must be at most a year (" + std::to_string(kYearMs) +
                                           "), or 0 for sessions that never end");
  for (size_t i = 0; i < listeners.size(); ++i)
    for (size_t j = i + 1; j < listeners.size(); ++j)
      check(listeners[i].port == 0 || listeners[i].port != listeners[j].port,
            std::string("the ") + security_protocol_name(listeners[i].protocol) + " and " +
                security_protocol_name(listeners[j].protocol) + " listeners both use port " +
                std::to_string(listeners[i].port));
  for (const std::string& user : split_super_users(authorization.super_users))
    check(user.starts_with("User:") && user.size() > 5,
          "authorization.super_users: \"" + user + "\" is not a principal (User:<name>)");
  if (cluster.enabled()) {
    check(cluster::valid_name(cluster.name), "cluster.name \"" + cluster.name + "\" must be 1-64 of A-Z a-z 0-9 . _ -");
    check(cluster::valid_name(cluster.group),
          "cluster.group \"" + cluster.group + "\" must be 1-64 of A-Z a-z 0-9 . _ -");
    check(cluster.session_timeout_s >= 2 && cluster.session_timeout_s <= 3600,
          "cluster.session_timeout_s must be in 2..3600 (etcd counts leases in whole seconds)");
    check(cluster.etcd_timeout_ms > 0 && cluster.etcd_timeout_ms < cluster.session_timeout_s * 500,
          "cluster.etcd_timeout_ms must be above 0 and below half of cluster.session_timeout_s");
    check(cluster.replica_lag_max_ms >= 100, "cluster.replica_lag_max_ms must be at least 100");
    check(cluster.min_insync_replicas >= 1, "cluster.min_insync_replicas must be at least 1");
    check(cluster.acks_all_waits_for == "received" || cluster.acks_all_waits_for == "durable",
          "cluster.acks_all_waits_for must be \"received\" or \"durable\", not \"" + cluster.acks_all_waits_for + "\"");
  }
  check(topics.default_partitions >= 1 && topics.default_partitions <= 100000,
        "topics.default_partitions must be in 1..100000 (got " + std::to_string(topics.default_partitions) + ")");
  if (metrics.enabled) check(!metrics.host.empty(), "metrics.host is empty");
  check(spdlog::level::from_str(log.level) != spdlog::level::off || log.level == "off",
        "log.level must be one of trace, debug, info, warn, error, critical, off (got \"" + log.level + "\")");
  if (!numa.cpus.empty()) {
    auto cpus = numa::parse_cpu_list(numa.cpus);
    check(cpus.has_value(), "numa.cpus: " + (cpus ? std::string() : cpus.error().message));
  }
  try {
    engine.validate();
  } catch (const std::invalid_argument& e) {
    // The engine names its field ("engine config: segment_bytes must ..."): give the full key.
    std::string message = e.what();
    constexpr std::string_view kPrefix = "engine config: ";
    if (message.starts_with(kPrefix)) message = "engine." + message.substr(kPrefix.size());
    problems.push_back(message);
  }
  if (problems.empty()) return;
  std::string message = "invalid configuration: " + problems.front();
  for (size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i];
  throw ConfigError(message);
}

}  // namespace ringmq::broker
