// The one function the Kafka handlers (broker/kafka/) provide to main: build the router that
// answers every request. Main calls it after the store is open and the listener is bound
// (so the advertised port is the real one) and before the network threads start.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "broker/server/broker_config.h"
#include "broker/server/broker_metrics.h"
#include "broker/server/listener_config.h"
#include "broker/server/request_router.h"
#include "broker/server/timer_service.h"
#include "engine/message_store.h"

namespace ringmq::cluster {
class GroupMember;
}  // namespace ringmq::cluster

namespace ringmq::broker {

// Where clients reach one listener of this broker (what Metadata answers on it).
struct AdvertisedListener {
  SecurityProtocol protocol = SecurityProtocol::kPlaintext;
  std::string host;
  uint16_t port = 0;
};

namespace security {
class Authorizer;
class CredentialStore;
}  // namespace security

// Everything a handler may use. All references outlive the router: main destroys the router
// after the TCP server has stopped and before the timers, the metrics and the store go.
class InSyncAcks;

struct RouterContext {
  const BrokerConfig& config;
  engine::MessageStore& store;
  TimerService& timers;          // long-poll deadlines, flush timeouts
  BrokerMetrics& metrics;        // produce/fetch/flush latency, bytes and records, errors
  std::string advertised_host;   // what Metadata returns: server.advertised_host ...
  uint16_t advertised_port = 0;  // ... and server.advertised_port, or the port actually bound
  // Per listener, by ConnectionSession::listener; empty = {advertised_host, advertised_port}.
  std::vector<AdvertisedListener> listeners = {};
  // SCRAM credentials for the SASL listeners (and PLAIN); nullptr = no SASL listener.
  security::CredentialStore* credentials = nullptr;
  // ACLs ([authorization] enabled); nullptr = every principal may do everything.
  security::Authorizer* authorizer = nullptr;
  // This broker's membership of its broker group ([cluster]); nullptr = standalone.
  // The router publishes its topics through it while this broker leads.
  cluster::GroupMember* cluster = nullptr;
  // The followers acks=all waits for while this broker leads; nullptr = standalone.
  InSyncAcks* in_sync = nullptr;
};

std::unique_ptr<RequestRouter> make_kafka_router(const RouterContext& context);

}  // namespace ringmq::broker
