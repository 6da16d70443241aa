// TcpServer: the Kafka listeners (server.listeners: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL).
// Binds first (so the real port is known, e.g. for Metadata,
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

#include "broker/security/tls_context.h"
#include "broker/server/broker_config.h"
#include "broker/server/broker_metrics.h"
#include "broker/server/listener_config.h"
#include "broker/server/network_thread.h"
#include "broker/server/request_router.h"
#include "broker/server/socket_util.h"
#include "common/result.h"

namespace ringmq::broker {

// What the TLS listeners need: the context (owned by the caller, outliving the server), which
// also maps client certificates to principals.
struct ListenerSecurity {
  const security::TlsContext* tls = nullptr;
};

// A listener as bound.
struct BoundListener {
  ListenerConfig config;
  uint16_t port = 0;    // the port actually bound
  std::string address;  // "127.0.0.1:9092"
  uint16_t advertised_port() const { return config.advertised_port != 0 ? config.advertised_port : port; }
};

class TcpServer {
 public:
  // Binds every listener of `config` (parse_listeners). The error names the address and the
  // setting; an SSL listener without `security.tls` is refused.
  static Result<std::unique_ptr<TcpServer>> bind(const ServerConfig& config, BrokerMetrics& metrics,
                                                 NetworkPlacement placement = {}, ListenerSecurity security = {});
  ~TcpServer();  // stop()
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  // The first listener's port and address.
  uint16_t port() const { return listeners_.front().port; }
  const std::string& address() const { return listeners_.front().address; }  // "127.0.0.1:9092"
  const std::vector<BoundListener>& listeners() const { return listeners_; }
  // "PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093"
  std::string describe_listeners() const;

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
  TcpServer(const ServerConfig& config, BrokerMetrics& metrics, NetworkPlacement placement, ListenerSecurity security);

  const ServerConfig config_;
  BrokerMetrics& metrics_;
  NetworkPlacement placement_;
  ListenerSecurity security_;
  std::vector<BoundListener> listeners_;
  std::vector<io::UniqueFd> sockets_;  // listeners_[i]'s socket until start() hands them over
  std::unique_ptr<NetworkShared> shared_;
  std::vector<std::unique_ptr<NetworkThread>> threads_;
};

}  // namespace ringmq::broker
