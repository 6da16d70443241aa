// KafkaRouter: answers every Kafka request the broker speaks, on top of the storage engine.
// The TCP server hands it one frame at a time (network thread); it decodes the request with
// broker/protocol, does the work and completes the ResponseSlot, now or later:
//   - Produce with acks=-1 (all) is answered from the engine's flusher thread once a flush
//     covers the appended batches (acks=1 after the append; acks=0 never);
//   - Fetch below min_bytes long-polls on the timer thread until data or max_wait;
//   - JoinGroup / SyncGroup are answered when the group coordinator completes the round;
//   - OffsetCommit is answered once the commit record is durable.
// Nothing here blocks a network thread. Topics map to engine queues through the
// TopicRegistry; committed offsets live in the engine (OffsetStore); idempotent producers
// are checked by ProducerState.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broker/kafka/cluster_role.h"
#include "broker/kafka/group_coordinator.h"
#include "broker/kafka/group_ticker.h"
#include "broker/kafka/offset_store.h"
#include "broker/kafka/producer_state.h"
#include "broker/kafka/topic_config.h"
#include "broker/kafka/topic_registry.h"
#include "broker/protocol/messages.h"
#include "broker/security/acl.h"
#include "broker/security/scram.h"
#include "broker/server/request_router.h"
#include "broker/server/router_factory.h"

namespace ringmq::broker::kafka {

class KafkaRouter final : public RequestRouter {
 public:
  // Loads topics, replays committed offsets, opens producer state (start-up: throws on error).
  explicit KafkaRouter(const RouterContext& context);
  ~KafkaRouter() override;

  void handle(const Request& request, ResponseSlot slot) override;

 private:
  void handle_api_versions(const protocol::RequestHeader& h, ResponseSlot slot);
  void handle_metadata(const Request& request, const protocol::RequestHeader& h, const protocol::MetadataRequest& r,
                       ResponseSlot slot);
  void handle_produce(const Request& request, const protocol::RequestHeader& h, const protocol::ProduceRequest& r,
                      ResponseSlot slot);
  void handle_fetch(const Request& request, const protocol::RequestHeader& h, const protocol::FetchRequest& r,
                    ResponseSlot slot);
  void handle_list_offsets(const Request& request, const protocol::RequestHeader& h,
                           const protocol::ListOffsetsRequest& r, ResponseSlot slot);
  void handle_create_topics(const Request& request, const protocol::RequestHeader& h,
                            const protocol::CreateTopicsRequest& r, ResponseSlot slot);
  void handle_delete_topics(const Request& request, const protocol::RequestHeader& h,
                            const protocol::DeleteTopicsRequest& r, ResponseSlot slot);
  void handle_describe_configs(const Request& request, const protocol::RequestHeader& h,
                               const protocol::DescribeConfigsRequest& r, ResponseSlot slot);
  void handle_alter_configs(const Request& request, const protocol::RequestHeader& h,
                            const protocol::AlterConfigsRequest& r, ResponseSlot slot);
  void handle_incremental_alter_configs(const Request& request, const protocol::RequestHeader& h,
                                        const protocol::IncrementalAlterConfigsRequest& r, ResponseSlot slot);
  // TOPIC_ / CLUSTER_AUTHORIZATION_FAILED when the principal may not `operation` (DESCRIBE_CONFIGS,
  // ALTER_CONFIGS) the settings of the resource (a topic, the broker).
  std::optional<TopicError> config_access_refusal(const Request& request, security::AclOperation operation,
                                                  int8_t resource_type, std::string_view resource_name) const;
  // What AlterConfigs and IncrementalAlterConfigs share: per resource, refuse what cannot
  // change, compute the topic's new settings with `new_settings(resource, topic)` and store
  // them (unless validate_only). `messages` holds the texts the response points into.
  template <typename Resource, typename NewSettings>
  protocol::AlterConfigsResponse alter_topic_settings(const Request& request, const std::vector<Resource>& resources,
                                                      bool validate_only, std::string_view api,
                                                      std::vector<std::string>& messages, NewSettings new_settings);
  // DescribeCluster, DescribeLogDirs, OffsetForLeaderEpoch (cluster_handlers.cc).
  void handle_describe_cluster(const Request& request, const protocol::RequestHeader& h,
                               const protocol::DescribeClusterRequest& r, ResponseSlot slot);
  void handle_describe_log_dirs(const protocol::RequestHeader& h, const protocol::DescribeLogDirsRequest& r,
                                ResponseSlot slot);
  void handle_offset_for_leader_epoch(const Request& request, const protocol::RequestHeader& h,
                                      const protocol::OffsetForLeaderEpochRequest& r, ResponseSlot slot);
  // Per-topic retention.ms / retention.bytes: moves each partition's start past what the
  // topic no longer keeps (maintenance, timer thread).
  void enforce_topic_retention(int64_t now_ms);
  void handle_delete_records(const Request& request, const protocol::RequestHeader& h,
                             const protocol::DeleteRecordsRequest& r, ResponseSlot slot);
  void handle_create_partitions(const Request& request, const protocol::RequestHeader& h,
                                const protocol::CreatePartitionsRequest& r, ResponseSlot slot);
  void handle_init_producer_id(const protocol::RequestHeader& h, const protocol::InitProducerIdRequest& r,
                               ResponseSlot slot);
  void handle_find_coordinator(const Request& request, const protocol::RequestHeader& h,
                               const protocol::FindCoordinatorRequest& r, ResponseSlot slot);
  void handle_join_group(const Request& request, const protocol::RequestHeader& h, const protocol::JoinGroupRequest& r,
                         ResponseSlot slot);
  void handle_sync_group(const protocol::RequestHeader& h, const protocol::SyncGroupRequest& r, ResponseSlot slot);
  void handle_heartbeat(const protocol::RequestHeader& h, const protocol::HeartbeatRequest& r, ResponseSlot slot);
  void handle_leave_group(const protocol::RequestHeader& h, const protocol::LeaveGroupRequest& r, ResponseSlot slot);
  void handle_offset_commit(const Request& request, const protocol::RequestHeader& h,
                            const protocol::OffsetCommitRequest& r, ResponseSlot slot);
  void handle_offset_fetch(const Request& request, const protocol::RequestHeader& h,
                           const protocol::OffsetFetchRequest& r, ResponseSlot slot);
  void handle_list_groups(const Request& request, const protocol::RequestHeader& h,
                          const protocol::ListGroupsRequest& r, ResponseSlot slot);
  void handle_describe_groups(const Request& request, const protocol::RequestHeader& h,
                              const protocol::DescribeGroupsRequest& r, ResponseSlot slot);
  void handle_delete_groups(const Request& request, const protocol::RequestHeader& h,
                            const protocol::DeleteGroupsRequest& r, ResponseSlot slot);
  void handle_offset_delete(const Request& request, const protocol::RequestHeader& h,
                            const protocol::OffsetDeleteRequest& r, ResponseSlot slot);
  // ringmq_consumer_group_lag samples: every committed offset of an existing partition, with
  // the records from it to the partition's end (metrics thread, at scrape time).
  void list_consumer_lag(std::vector<LabelledSample>& out) const;

  // The endpoint of the listener `request` came in on (Metadata, FindCoordinator, DescribeCluster).
  const AdvertisedListener& advertised_endpoint(const Request& request) const;
  // SASL gate: false (and the connection is being closed) when the session may not send `h`:
  // anything but ApiVersions and SASL before authenticating, anything but re-authentication
  // after the session expired.
  bool session_allows(const Request& request, const protocol::RequestHeader& h, ResponseSlot& slot);
  // Whether the request's principal, from its host, may do `operation` on the resource; always
  // true without an authorizer (authorization.enabled = false). authorization.cc.
  bool authorized(const Request& request, security::AclOperation operation, security::AclResourceType type,
                  std::string_view name) const;
  bool authorized_on_cluster(const Request& request, security::AclOperation operation) const;
  // CREATE on the cluster or on the topic: may create it (CreateTopics, auto-creation).
  bool may_create_topic(const Request& request, std::string_view topic) const;
  // The checks that refuse a whole request (group and cluster APIs): false, after answering
  // it with the API's authorization error, when the principal may not.
  bool authorize_request(const Request& request, const protocol::RequestHeader& h, const protocol::Request& decoded,
                         ResponseSlot& slot);
  // SaslHandshake and SaslAuthenticate (sasl_handlers.cc).
  void handle_sasl_handshake(const Request& request, const protocol::RequestHeader& h,
                             const protocol::SaslHandshakeRequest& r, ResponseSlot slot);
  void handle_sasl_authenticate(const Request& request, const protocol::RequestHeader& h,
                                const protocol::SaslAuthenticateRequest& r, ResponseSlot slot);
  // DescribeAcls, CreateAcls and DeleteAcls (acl_handlers.cc).
  void handle_describe_acls(const protocol::RequestHeader& h, const protocol::DescribeAclsRequest& r,
                            ResponseSlot slot);
  void handle_create_acls(const Request& request, const protocol::RequestHeader& h,
                          const protocol::CreateAclsRequest& r, ResponseSlot slot);
  void handle_delete_acls(const Request& request, const protocol::RequestHeader& h,
                          const protocol::DeleteAclsRequest& r, ResponseSlot slot);
  // DescribeUserScramCredentials and AlterUserScramCredentials (scram_handlers.cc).
  void handle_describe_user_scram_credentials(const Request& request, const protocol::RequestHeader& h,
                                              const protocol::DescribeUserScramCredentialsRequest& r,
                                              ResponseSlot slot);
  void handle_alter_user_scram_credentials(const Request& request, const protocol::RequestHeader& h,
                                           const protocol::AlterUserScramCredentialsRequest& r, ResponseSlot slot);

  // The topic for a produce / metadata request, auto-created when the config allows it.
  TopicResult<std::shared_ptr<const TopicInfo>> topic_for_write(std::string_view name, bool allow_create);
  // Every topic, as the group's leader publishes them to etcd for followers' Metadata.
  std::vector<cluster::PublishedTopic> published_topics() const;
  // Follower: takes the topics the leader published (cluster thread), so that this broker's
  // copy of the log is served under them once it leads.
  void adopt_topics(const std::vector<cluster::PublishedTopic>& published);
  // A new leadership (cluster only): rebuilds committed offsets, producer state and the queue-id
  // floor from the log, on the timer thread; requests that need them are refused until then.
  void schedule_leader_state_load();
  void load_leader_state();
  // Auto-creates a topic a follower's client asked for (cluster thread, while leading).
  void create_requested_topic(const std::string& name);
  // Restores idempotent-producer state of every partition from the tails of their logs.
  void rebuild_producer_state();
  void schedule_maintenance();

  const RouterContext context_;
  const ClusterRole role_{context_.cluster, context_.config.server.node_id};
  // The epoch whose leadership the state beside the log was last rebuilt for (-1: none).
  std::atomic<int32_t> leader_state_epoch_{-1};
  std::atomic<bool> leader_state_loading_{false};
  std::unique_ptr<TopicRegistry> topics_;
  std::unique_ptr<OffsetStore> offsets_;
  std::unique_ptr<ProducerState> producers_;
  std::unique_ptr<GroupCoordinator> groups_;
  std::unique_ptr<GroupTicker> ticker_;
  const TopicConfigRules config_rules_{context_.config};
  std::vector<AdvertisedListener> advertised_;  // context_.listeners, never empty
  std::vector<std::string> sasl_mechanisms_;    // sasl.mechanisms, in order
  // What PLAIN checks an unknown user's password against (a random one), so that it takes as long.
  security::ScramCredential plain_decoy_;
  // Serialises changes of topic settings (each is a read-modify-write of the registry entry).
  std::mutex config_change_mutex_;

  struct FetchWait;  // a long-polling Fetch (fetch_handler.cc)
  friend struct FetchWait;
  // Long-polling fetches, re-evaluated on their network thread when new records become readable.
  void wake_fetch_waits();  // dispatcher thread
  // The same from any thread, with the caller's scratch list (the high watermark moving on a
  // replication ack thread).
  void wake_fetch_waits_using(std::vector<std::shared_ptr<FetchWait>>& live);
  std::mutex waits_mutex_;
  std::vector<std::weak_ptr<FetchWait>> waits_;         // guarded by waits_mutex_
  std::vector<std::shared_ptr<FetchWait>> live_waits_;  // wake_fetch_waits' scratch (dispatcher thread)
};

// Encodes a response with `encode(writer)` into the slot's recycled buffer and completes the
// slot; an encoding error (a bug, never the client's fault) closes the connection instead.
template <typename Encode>
void respond(ResponseSlot& slot, Encode&& encode) {
  std::vector<std::byte> out = slot.take_buffer();
  out.clear();
  protocol::Writer writer(out);
  if (Status s = encode(writer); !s) {
    slot.close_connection("encoding the response failed: " + s.error().message);
    return;
  }
  slot.complete(std::move(out));
}

// The cluster id Metadata and DescribeCluster report.
inline constexpr std::string_view kClusterId = "ringmq";

// The Kafka error for an engine error.
protocol::KafkaError kafka_error_for(const Error& error);

}  // namespace ringmq::broker::kafka
