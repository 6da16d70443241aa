#include "broker/server/tcp_server.h"

#include <spdlog/spdlog.h>

#include <thread>

namespace ringmq::broker {

Result<std::unique_ptr<TcpServer>> TcpServer::bind(const ServerConfig& config, BrokerMetrics& metrics,
                                                   NetworkPlacement placement, ListenerSecurity security) {
  std::vector<ListenerConfig> listeners;
  try {
    listeners = parse_listeners(config);
  } catch (const ConfigError& e) {
    return make_error(ErrorCode::kInvalidArgument, e.what());
  }
  std::unique_ptr<TcpServer> server(new TcpServer(config, metrics, placement, std::move(security)));
  for (ListenerConfig& listener : listeners) {
    const std::string name = security_protocol_name(listener.protocol);
    if (uses_tls(listener.protocol) && server->security_.tls == nullptr)
      return make_error(ErrorCode::kInvalidArgument, "the " + name + " listener needs a TLS context ([tls])");
    auto bound = open_listening_socket(listener.host, listener.port);
    if (!bound) {
      Error error = bound.error();
      error.message = "Kafka " + name + " listener (" +
                      (config.listeners.empty() ? "server.listen_host / server.listen_port" : "server.listeners") +
                      "): " + error.message;
      return std::unexpected(std::move(error));
    }
    server->sockets_.push_back(std::move(bound->fd));
    server->listeners_.push_back(BoundListener{std::move(listener), bound->port, std::move(bound->address)});
  }
  return server;
}

TcpServer::TcpServer(const ServerConfig& config, BrokerMetrics& metrics, NetworkPlacement placement,
                     ListenerSecurity security)
    : config_(config), metrics_(metrics), placement_(placement), security_(std::move(security)) {}

std::string TcpServer::describe_listeners() const {
  std::string out;
  for (const BoundListener& l : listeners_) {
    if (!out.empty()) out += ",";
    out += std::string(security_protocol_name(l.config.protocol)) + "://" + l.address;
  }
  return out;
}

TcpServer::~TcpServer() { stop(); }

void TcpServer::start(RequestRouter& router) {
  if (shared_) return;
  shared_ = std::unique_ptr<NetworkShared>(new NetworkShared{config_, router, metrics_, placement_, {}});
  for (size_t i = 0; i < listeners_.size(); ++i) {
    const SecurityProtocol protocol = listeners_[i].config.protocol;
    shared_->listeners.push_back(
        ListenerRuntime{static_cast<uint32_t>(i), protocol, uses_tls(protocol) ? security_.tls : nullptr});
  }
  std::vector<NetworkThread*> peers;
  for (unsigned i = 0; i < config_.network_threads; ++i) {
    threads_.push_back(std::make_unique<NetworkThread>(i, *shared_));
    peers.push_back(threads_.back().get());
  }
  for (size_t i = 0; i < threads_.size(); ++i)
    threads_[i]->start(i == 0 ? std::move(sockets_) : std::vector<io::UniqueFd>(), peers);
  spdlog::info("Kafka listeners {} ({} network threads, max {} connections, max frame {} bytes)", describe_listeners(),
               threads_.size(), config_.max_connections, config_.max_frame_bytes);
}

void TcpServer::begin_drain() {
  for (auto& thread : threads_) thread->begin_drain();
}

bool TcpServer::wait_until_drained(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (requests_in_flight() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void TcpServer::stop() {
  // The thread objects stay until the destructor, so connection_count() is safe at any time.
  for (auto& thread : threads_) thread->stop();
  sockets_.clear();
}

size_t TcpServer::connection_count() const {
  size_t total = 0;
  for (const auto& thread : threads_) total += thread->connection_count();
  return total;
}

int64_t TcpServer::requests_in_flight() const {
  return shared_ ? shared_->inflight_requests.load(std::memory_order_relaxed) : 0;
}

}  // namespace ringmq::broker
