// ringmq-broker: the Kafka-compatible broker process.
//
//   ringmq-broker --config config/ringmq.toml [--data-dir DIR] [--port N] [--set key=value ...]
//
// Start-up, in order: block the shutdown signals (before any thread exists), load and
// validate the configuration, set up logging, log the heap allocator and the NUMA plan, run
// the host tuning check (one warning per item that differs), open the store, load the TLS
// certificate and the SCRAM credentials (when a listener needs them), bind the Kafka
// listeners, join the broker group in etcd ([cluster], when configured), build the Kafka
// router, start the metrics endpoint and the network threads.
// SIGHUP reloads the TLS certificate and key. Shutdown on SIGTERM / SIGINT: stop reading requests, fire pending timers
// (long polls answer now), let in-flight requests finish within server.shutdown_timeout_ms, close connections, close
// the store (flush, checkpoint, clean-shutdown marker). Exit code 0 after a clean stop, 1 when start-up or the store's
// close fails, 2 for a configuration error.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

#include "broker/replication/group_replication.h"
#include "broker/security/authorizer.h"
#include "broker/security/credential_store.h"
#include "broker/security/tls_context.h"
#include "broker/server/broker_config.h"
#include "broker/server/broker_metrics.h"
#include "broker/server/command_line.h"
#include "broker/server/listener_config.h"
#include "broker/server/logging.h"
#include "broker/server/metrics_http.h"
#include "broker/server/router_factory.h"
#include "broker/server/service_notify.h"
#include "broker/server/signals.h"
#include "broker/server/tcp_server.h"
#include "broker/server/thread_placement.h"
#include "broker/server/timer_service.h"
#include "cluster/group_member.h"
#include "common/byte_size.h"
#include "engine/code_lock.h"
#include "engine/memlock_check.h"
#include "engine/message_store.h"
#include "numa/allocator_info.h"
#include "tuning/host_check.h"

namespace {

using namespace ringmq;
using namespace ringmq::broker;

void log_host_check(const BrokerConfig& config) {
  tuning::CheckOptions options;
  options.data_directory = config.engine.data_dir;
  options.running_limits = tuning::limits_of_this_process();
  auto results = tuning::check_host(options);
  if (!results) {
    spdlog::warn("host tuning check skipped: {}", results.error().to_string());
    return;
  }
  const auto lines = tuning::warning_lines(*results, options.profile);
  for (const auto& line : lines) spdlog::warn("host tuning: {}", line);
  if (lines.empty()) spdlog::info("host tuning: every item matches the latency profile");
}

// Joins the broker group in etcd ([cluster]); null when standalone. Throws when it cannot.
std::unique_ptr<cluster::GroupMember> join_cluster(const BrokerConfig& config, const AdvertisedListener& advertised,
                                                   uint16_t replication_port, BrokerMetrics& metrics) {
  if (!config.cluster.enabled()) return nullptr;
  cluster::BrokerRegistration self;
  self.node_id = config.server.node_id;
  self.host = advertised.host;
  self.port = advertised.port;
  self.replication_port = replication_port;
  auto started = cluster::GroupMember::start(config.cluster, std::move(self));
  if (!started)
    throw std::runtime_error("joining cluster " + config.cluster.name + " through etcd " +
                             config.cluster.etcd_endpoints + ": " + started.error().message);
  const cluster::GroupMember* member = started->get();
  auto& r = metrics.registry;
  r.callback_gauge("ringmq_cluster_leader", "1 while this broker leads its broker group (and is not fenced)",
                   [member] { return member->leading() ? 1.0 : 0.0; });
  r.callback_gauge("ringmq_cluster_leader_epoch", "The broker group's leader epoch as this broker last saw it",
                   [member] { return static_cast<double>(member->leader_epoch()); });
  r.callback_gauge("ringmq_cluster_live_brokers", "Brokers registered in the cluster at the last check",
                   [member] { return static_cast<double>(member->view()->brokers.size()); });
  const cluster::GroupMemberStats* stats = &member->stats();
  r.callback_counter("ringmq_cluster_leader_changes_total", "Times this broker saw its group's leader change",
                     [stats] { return static_cast<double>(stats->leader_changes.load()); });
  r.callback_counter("ringmq_cluster_elections_won_total", "Times this broker became its group's leader",
                     [stats] { return static_cast<double>(stats->elections_won.load()); });
  r.callback_counter("ringmq_cluster_leadership_losses_total", "Times this broker stopped leading (fenced or deposed)",
                     [stats] { return static_cast<double>(stats->leadership_losses.load()); });
  r.callback_counter("ringmq_cluster_etcd_errors_total", "etcd requests of this broker that failed",
                     [stats] { return static_cast<double>(stats->etcd_errors.load()); });
  r.callback_counter("ringmq_cluster_session_expiries_total", "Times etcd let this broker's session lease expire",
                     [stats] { return static_cast<double>(stats->session_expiries.load()); });
  return std::move(*started);
}

int run(const BrokerConfig& loaded, ShutdownSignals& signals) {
  BrokerConfig config = loaded;
  spdlog::info("ringmq-broker 0.1.0 starting: node_id={} data_dir={} write_mode={} flush_mode={}",
               config.server.node_id, config.engine.data_dir, engine::write_mode_name(config.engine.write_mode),
               engine::flush_mode_name(config.engine.flush_mode));
  const std::string allocator_version = numa::heap_allocator_version();
  spdlog::info("heap allocator: {}{}", numa::heap_allocator_name(),
               allocator_version.empty() ? "" : " " + allocator_version);

  const auto placement = ThreadPlacement::plan(config);
  placement->apply_to(config.engine);
  log_host_check(config);
  // Under memory pressure the kernel would otherwise reclaim the broker's own code and the
  // next call into it would be a major fault on the request or append path.
  if (auto locked = engine::lock_code_pages_if_unbudgeted(engine::current_memlock_allowance()); locked)
    spdlog::info("code pages locked: {} in {} mappings", format_bytes(locked->locked_bytes), locked->mappings);
  else
    spdlog::warn("code pages not locked, they may be paged out under memory pressure: {}", locked.error().message);

  auto opened = engine::MessageStore::open(config.engine);
  if (!opened) {
    spdlog::critical("cannot open the store in {}: {}", config.engine.data_dir, opened.error().to_string());
    return 1;
  }
  std::unique_ptr<engine::MessageStore> store = std::move(*opened);

  BrokerMetrics metrics;
  metrics.watch_store(store.get());
  TimerService timers;

  // TLS and SASL: the certificate for SSL listeners, the SCRAM credentials for SASL ones.
  const std::vector<ListenerConfig> listeners = parse_listeners(config.server);
  const bool any_tls = std::ranges::any_of(listeners, [](const auto& l) { return uses_tls(l.protocol); });
  const bool any_sasl = std::ranges::any_of(listeners, [](const auto& l) { return uses_sasl(l.protocol); });
  std::unique_ptr<security::TlsContext> tls;
  if (any_tls) {
    auto created = security::TlsContext::create(config.tls);
    if (!created) {
      spdlog::critical("TLS: {}", created.error().message);
      return 1;
    }
    tls = std::move(*created);
    spdlog::info("TLS certificate: {}", tls->certificate_summary());
  }
  std::unique_ptr<security::CredentialStore> credentials;
  if (any_sasl) {
    auto opened_credentials = security::CredentialStore::open(config.security_dir());
    if (!opened_credentials) {
      spdlog::critical("SCRAM credentials: {}", opened_credentials.error().to_string());
      return 1;
    }
    credentials = std::move(*opened_credentials);
    if (credentials->empty())
      spdlog::warn(
          "SASL listener without any user: nobody can log in; stop the broker and add one with `ringmq-admin user "
          "set NAME --credentials-dir {} --password-file FILE`",
          config.security_dir());
  }

  std::unique_ptr<security::Authorizer> authorizer;
  if (config.authorization.enabled) {
    security::AuthorizerConfig authorizer_config;
    authorizer_config.super_users = split_super_users(config.authorization.super_users);
    authorizer_config.allow_everyone_if_no_acl_found = config.authorization.allow_everyone_if_no_acl_found;
    auto opened_acls = security::Authorizer::open(config.security_dir(), std::move(authorizer_config));
    if (!opened_acls) {
      spdlog::critical("ACLs: {}", opened_acls.error().to_string());
      return 1;
    }
    authorizer = std::move(*opened_acls);
    spdlog::info(
        "authorization on: {} ACLs, super users: {}{}", authorizer->size(),
        config.authorization.super_users.empty() ? "none" : config.authorization.super_users,
        config.authorization.allow_everyone_if_no_acl_found ? "; resources without ACLs are open to everyone" : "");
  }

  // Declared before the server so that, on every path, the server stops before the router goes
  // (and the router before the group membership it reads).
  std::unique_ptr<cluster::GroupMember> cluster_member;
  std::unique_ptr<GroupReplication> replication;  // reads the store and the membership: stops first
  std::unique_ptr<RequestRouter> router;
  auto server = TcpServer::bind(config.server, metrics, placement->network(), ListenerSecurity{tls.get()});
  if (!server) {
    spdlog::critical("{}", server.error().to_string());
    return 1;
  }
  RouterContext context{config,
                        *store,
                        timers,
                        metrics,
                        config.server.advertised_host,
                        config.server.advertised_port != 0 ? config.server.advertised_port : (*server)->port()};
  for (const BoundListener& l : (*server)->listeners())
    context.listeners.push_back({l.config.protocol, l.config.advertised_host, l.advertised_port()});
  context.credentials = credentials.get();
  context.authorizer = authorizer.get();
  // Registered under the first listener's advertised endpoint, which other brokers' Metadata
  // hands to clients; followers stream the commit log from the replication port on that host.
  const AdvertisedListener advertised =
      context.listeners.empty()
          ? AdvertisedListener{SecurityProtocol::kPlaintext, context.advertised_host, context.advertised_port}
          : context.listeners.front();
  if (config.cluster.enabled()) {
    auto bound = GroupReplication::bind(config, advertised.host);
    if (!bound) {
      spdlog::critical("{}", bound.error().to_string());
      return 1;
    }
    replication = std::move(*bound);
  }
  cluster_member = join_cluster(config, advertised, replication ? replication->port() : 0, metrics);
  context.cluster = cluster_member.get();
  if (replication) {
    replication->start(*store, *cluster_member, metrics);
    context.in_sync = &replication->in_sync();
    spdlog::info("replication: port {} (followers stream this broker's log from it while it leads)",
                 replication->port());
  }
  router = make_kafka_router(context);

  std::unique_ptr<MetricsHttpServer> metrics_http;
  if (config.metrics.enabled) {
    auto started = MetricsHttpServer::start(config.metrics.host, config.metrics.port, metrics.registry);
    if (!started) {
      spdlog::critical("{}", started.error().to_string());
      return 1;
    }
    metrics_http = std::move(*started);
  }
  (*server)->start(*router);
  spdlog::info("ready: kafka={} advertised={}:{}{}{}", (*server)->address(), context.advertised_host,
               context.advertised_port, metrics_http ? " metrics=" + metrics_http->address() : std::string(),
               (*server)->listeners().size() > 1 ? " listeners=" + (*server)->describe_listeners() : std::string());
  // Under systemd (Type=notify) `systemctl start` returns now, with clients able to connect.
  const ServiceNotifier notifier = ServiceNotifier::from_environment();
  if (auto told = notifier.notify("READY=1\nSTATUS=serving Kafka on " + (*server)->address()); !told)
    spdlog::warn("could not tell systemd the broker is ready: {}", told.error().message);

  int signal = signals.wait();
  for (; signal == SIGHUP; signal = signals.wait()) {
    if (!tls) {
      spdlog::info("SIGHUP received: no TLS listener, nothing to reload");
    } else if (auto reloaded = tls->reload(); !reloaded) {
      spdlog::error("SIGHUP: TLS certificate not reloaded, the previous one stays in use: {}",
                    reloaded.error().message);
    } else {
      spdlog::info("SIGHUP: TLS certificate reloaded for new connections: {}", tls->certificate_summary());
    }
  }
  (void)notifier.notify("STOPPING=1\nSTATUS=shutting down");
  spdlog::info(
      "{} received: shutting down (in-flight requests get up to server.shutdown_timeout_ms = {} "
      "ms)",
      ShutdownSignals::name(signal), config.server.shutdown_timeout_ms);
  (*server)->begin_drain();
  // Hand the group over now rather than a session timeout later; requests still in flight are
  // refused with NOT_LEADER_OR_FOLLOWER from here on.
  if (cluster_member) cluster_member->resign();
  if (replication) replication->stop();
  timers.fire_all_now();
  // Bounded wait for in-flight requests; a second signal stops waiting.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.server.shutdown_timeout_ms);
  bool drained = false;
  while (!(drained = (*server)->wait_until_drained(std::chrono::milliseconds(0))) &&
         std::chrono::steady_clock::now() < deadline) {
    if (auto again = signals.wait_for(std::chrono::milliseconds(20)); again && *again != SIGHUP) {
      spdlog::warn("{} received again: not waiting for in-flight requests", ShutdownSignals::name(*again));
      break;
    }
  }
  if (!drained) spdlog::warn("{} requests still in flight: closing their connections", (*server)->requests_in_flight());
  (*server)->stop();
  timers.stop();  // runs whatever was still scheduled; its answers are dropped
  router.reset();
  metrics_http.reset();
  metrics.watch_store(nullptr);
  if (auto closed = store->close(); !closed) {
    spdlog::critical("closing the store failed, the next start will recover: {}", closed.error().to_string());
    return 1;
  }
  store.reset();
  replication.reset();  // before the membership whose hooks it clears
  cluster_member.reset();
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any thread exists: every thread created later inherits the blocked mask.
  std::optional<ShutdownSignals> signals;
  try {
    signals.emplace();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringmq-broker: %s\n", e.what());
    return 1;
  }
  auto command_line = parse_command_line(argc, argv);
  if (!command_line) return command_line.error();
  BrokerConfig config;
  try {
    config = load_config(*command_line);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "ringmq-broker: %s\n", e.what());
    return 2;
  }
  if (command_line->print_config) {
    std::fputs(config.to_toml().c_str(), stdout);
    return 0;
  }
  if (command_line->check_config) {
    std::puts("configuration ok");
    return 0;
  }
  try {
    setup_logging(config.log);
    return run(config, *signals);
  } catch (const ConfigError& e) {
    spdlog::critical("{}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("start-up failed: {}", e.what());
    return 1;
  }
}
