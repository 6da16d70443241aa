// [cluster]: membership of a broker group, with etcd holding who leads it. Without etcd
// endpoints the broker is standalone (the default) and none of this runs.
#pragma once

#include <cstdint>
#include <string>

namespace ringmq::cluster {

struct ClusterConfig {
  // Comma-separated etcd client URLs ("http://127.0.0.1:2379,http://127.0.0.1:22379");
  // empty = standalone broker.
  std::string etcd_endpoints;
  // Every key lives under /ringmq/<name>/, so several clusters can share one etcd.
  std::string name = "ringmq";
  // The broker group this broker belongs to: its members share one commit log, one leads.
  std::string group = "group-1";
  // The lease of this broker's registration and leadership, in whole seconds as etcd counts
  // (at least 2). A leader that has not renewed it for 80% of this stops acknowledging; a
  // follower takes over once etcd lets the lease expire.
  uint32_t session_timeout_s = 6;
  // One etcd request's deadline; a member that does not answer in time is skipped.
  uint32_t etcd_timeout_ms = 1000;
  // Whether a broker outside the in-sync set may become leader (data the old leader
  // acknowledged may be lost). Kafka's unclean.leader.election.enable.
  bool unclean_leader_election = false;
  // The port followers of this broker's group stream its commit log from while it leads,
  // bound on the advertised host; 0 takes an ephemeral one. Either way it is published in
  // the broker's registration, so only firewalls need it fixed.
  uint16_t replication_port = 0;
  // A follower that has not caught up with the leader's log for this long (or is not
  // connected) leaves the in-sync set; it rejoins once it holds everything committed.
  // Kafka's replica.lag.time.max.ms.
  uint32_t replica_lag_max_ms = 10000;
  // acks=all produce is refused with NOT_ENOUGH_REPLICAS while fewer replicas (the leader
  // included) are in sync, and answered NOT_ENOUGH_REPLICAS_AFTER_APPEND if fewer had the
  // records. Kafka's min.insync.replicas, for every topic.
  uint32_t min_insync_replicas = 1;
  // What acks=all waits for on each in-sync follower: "received" (in its log, Kafka's
  // meaning) or "durable" (flushed on it too).
  std::string acks_all_waits_for = "received";

  bool enabled() const { return !etcd_endpoints.empty(); }
};

}  // namespace ringmq::cluster
