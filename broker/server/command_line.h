// The broker's command line (CLI11) and how it combines with the config file:
//
//   ringmq-broker [--config FILE] [--data-dir DIR] [--port N] [--write-mode MODE]
//                 [--flush-mode MODE] [--set section.key=value ...] [--print-config]
//                 [--etcd URLS] [--group NAME] [--check-config]
//
// Precedence, lowest first: built-in defaults, the config file, each --set in order, then the
// dedicated flags (shorthands for --set). The result is validated once, in load_config.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "broker/server/broker_config.h"

namespace ringmq::broker {

struct CommandLine {
  std::string config_path;                // empty: defaults only
  std::vector<std::string> assignments;   // --set section.key=value
  std::optional<std::string> data_dir;    // --data-dir  = engine.data_dir
  std::optional<std::string> port;        // --port      = server.listen_port
  std::optional<std::string> write_mode;  // --write-mode = engine.write_mode
  std::optional<std::string> flush_mode;  // --flush-mode = engine.flush_mode
  std::optional<std::string> log_level;   // --log-level = log.level
  std::optional<std::string> etcd;        // --etcd      = cluster.etcd_endpoints
  std::optional<std::string> group;       // --group     = cluster.group
  bool print_config = false;              // print the effective config as TOML and exit
  bool check_config = false;              // validate and exit
};

// Parses argv. When the process should exit now (--help, --version: 0; a usage error: 2;
// CLI11 has printed what to say) the result is the exit code instead.
std::expected<CommandLine, int> parse_command_line(int argc, char** argv);

// Defaults + file + overrides, validated. Throws ConfigError naming the file or the key.
BrokerConfig load_config(const CommandLine& command_line);

}  // namespace ringmq::broker
