#include "broker/server/command_line.h"

#include <CLI/CLI.hpp>

namespace ringmq::broker {

std::expected<CommandLine, int> parse_command_line(int argc, char** argv) {
  CommandLine line;
  CLI::App app{"ringmq-broker: a Kafka-compatible message broker (see config/ringmq.toml for every setting)",
               "ringmq-broker"};
  app.set_version_flag("--version", "ringmq-broker 0.1.0");
  app.add_option("-c,--config", line.config_path,
                 "TOML config file (sections server, topics, metrics, log, numa, tls, sasl, "
                 "authorization, cluster, engine)")
      ->check(CLI::ExistingFile);
  app.add_option("--set", line.assignments, "Override any setting, e.g. --set engine.segment_bytes=64MiB")
      ->type_name("KEY=VALUE");
  app.add_option("--data-dir", line.data_dir, "engine.data_dir: where the commit log and indexes live");
  app.add_option("--port", line.port, "server.listen_port: the Kafka listener's port (0 = any free port)");
  app.add_option("--write-mode", line.write_mode, "engine.write_mode: mmap, mmap-locked or pool");
  app.add_option("--flush-mode", line.flush_mode, "engine.flush_mode: async or sync");
  app.add_option("--log-level", line.log_level, "log.level: trace, debug, info, warn, error, critical, off");
  app.add_option("--etcd", line.etcd,
                 "cluster.etcd_endpoints: etcd client URLs, comma-separated; joins a broker group (docs/cluster.md)");
  app.add_option("--group", line.group, "cluster.group: the broker group this broker belongs to");
  app.add_flag("--print-config", line.print_config, "Print the effective configuration as TOML and exit");
  app.add_flag("--check-config", line.check_config, "Validate the configuration and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; any usage error exits 2, like a configuration error.
    return std::unexpected(app.exit(e) == 0 ? 0 : 2);
  }
  return line;
}

BrokerConfig load_config(const CommandLine& line) {
  BrokerConfig config;
  if (!line.config_path.empty()) apply_toml_file(config, line.config_path);
  for (const std::string& assignment : line.assignments) apply_assignment(config, assignment);
  if (line.data_dir) apply_setting(config, "engine.data_dir", *line.data_dir);
  if (line.port) apply_setting(config, "server.listen_port", *line.port);
  if (line.write_mode) apply_setting(config, "engine.write_mode", *line.write_mode);
  if (line.flush_mode) apply_setting(config, "engine.flush_mode", *line.flush_mode);
  if (line.log_level) apply_setting(config, "log.level", *line.log_level);
  if (line.etcd) apply_setting(config, "cluster.etcd_endpoints", *line.etcd);
  if (line.group) apply_setting(config, "cluster.group", *line.group);
  config.validate();
  return config;
}

}  // namespace ringmq::broker
