// MetricsHttpServer: a minimal HTTP/1.1 server for Prometheus on its own thread
// ("rmq-metrics"). GET (or HEAD) /metrics answers 200 with the registry rendered as
// text/plain; version=0.0.4; any other path 404, any other method 405. One request per
// connection (Connection: close), one connection at a time, and a slow or silent client is
// dropped after a short timeout, so a scraper can never hold up the broker.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "broker/server/metrics.h"
#include "common/result.h"
#include "io/unique_fd.h"

namespace ringmq::broker {

class MetricsHttpServer {
 public:
  // Binds host:port (0 = an ephemeral port) and starts serving `registry`, which must outlive
  // this server.
  static Result<std::unique_ptr<MetricsHttpServer>> start(const std::string& host, uint16_t port,
                                                          const MetricsRegistry& registry);
  ~MetricsHttpServer();  // stop()
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }
  void stop();

 private:
  MetricsHttpServer(io::UniqueFd listener, uint16_t port, std::string address, const MetricsRegistry& registry);
  void run();
  void serve(int client);

  io::UniqueFd listener_;
  io::UniqueFd stop_event_;
  uint16_t port_;
  std::string address_;
  const MetricsRegistry& registry_;
  std::thread thread_;
};

}  // namespace ringmq::broker
