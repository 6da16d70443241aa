#include "broker/server/tcp_server.h"

#include <spdlog/spdlog.h>

#include <thread>

namespace ringmq::broker {

Result<std::unique_ptr<TcpServer>> TcpServer::bind(const ServerConfig& config, BrokerMetrics& metrics,
                                                   NetworkPlacement placement) {
  auto listener = open_listening_socket(config.listen_host, config.listen_port);
  if (!listener) {
    Error error = listener.error();
    error.message = "Kafka listener (server.listen_host / server.listen_port): " + error.message;
    return std::unexpected(std::move(error));
  }
  return std::unique_ptr<TcpServer>(new TcpServer(config, metrics, placement, std::move(*listener)));
}

TcpServer::TcpServer(const ServerConfig& config, BrokerMetrics& metrics, NetworkPlacement placement,
                     ListeningSocket listener)
    : config_(config),
      metrics_(metrics),
      placement_(placement),
      listener_(std::move(listener.fd)),
      port_(listener.port),
      address_(std::move(listener.address)) {}

TcpServer::~TcpServer() { stop(); }

void TcpServer::start(RequestRouter& router) {
  if (shared_) return;
  shared_ = std::unique_ptr<NetworkShared>(new NetworkShared{config_, router, metrics_, placement_});
  std::vector<NetworkThread*> peers;
  for (unsigned i = 0; i < config_.network_threads; ++i) {
    threads_.push_back(std::make_unique<NetworkThread>(i, *shared_));
    peers.push_back(threads_.back().get());
  }
  for (size_t i = 0; i < threads_.size(); ++i)
    threads_[i]->start(i == 0 ? std::move(listener_) : io::UniqueFd(), peers);
  spdlog::info("Kafka listener on {} ({} network threads, max {} connections, max frame {} bytes)", address_,
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
  listener_.reset();
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
