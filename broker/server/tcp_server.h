// TcpServer: the Kafka listener. Binds first (so the real port is known, e.g. for Metadata,
// before the handlers exist), then runs `network_threads` NetworkThreads that read frames,
// call the RequestRouter and write the answers in order. Thread 0 accepts; new connections
// are dealt round-robin; server.max_connections is enforced at accept.
//
// Graceful shutdown is three calls: begin_drain() closes the listener and stops reading new
// requests, wait_until_drained() lets those in flight be answered and written (bounded), and
// stop() closes every connection and joins the threads. The router must outlive stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "broker/server/broker_config.h"
#include "broker/server/broker_metrics.h"
#include "broker/server/network_thread.h"
#include "broker/server/request_router.h"
#include "broker/server/socket_util.h"
#include "common/result.h"

namespace ringmq::broker {

class TcpServer {
 public:
  // Binds server.listen_host:server.listen_port. The error names the address and the setting.
  static Result<std::unique_ptr<TcpServer>> bind(const ServerConfig& config, BrokerMetrics& metrics,
                                                 NetworkPlacement placement = {});
  ~TcpServer();  // stop()
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }  // "127.0.0.1:9092"

  // Starts the network threads; from now on `router` is called. Once.
  void start(RequestRouter& router);
  // Closes the listener and reads no new requests; those in flight carry on.
  void begin_drain();
  // Waits until every request in flight is answered and written, or `timeout`. True if drained.
  bool wait_until_drained(std::chrono::milliseconds timeout);
  // Closes every connection (connection_closed for each) and joins the threads. Idempotent.
  void stop();

  size_t connection_count() const;
  int64_t requests_in_flight() const;

 private:
  TcpServer(const ServerConfig& config, BrokerMetrics& metrics, NetworkPlacement placement, ListeningSocket listener);

  const ServerConfig config_;
  BrokerMetrics& metrics_;
  NetworkPlacement placement_;
  io::UniqueFd listener_;
  uint16_t port_ = 0;
  std::string address_;
  std::unique_ptr<NetworkShared> shared_;
  std::vector<std::unique_ptr<NetworkThread>> threads_;
};

}  // namespace ringmq::broker
