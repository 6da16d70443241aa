#include "broker/kafka/kafka_router.h"

#include <spdlog/spdlog.h>

#include <array>
#include <random>
#include <set>
#include <stdexcept>

#include "broker/kafka/timestamp_lookup.h"
#include "broker/replication/in_sync_acks.h"

namespace ringmq::broker {

std::unique_ptr<RequestRouter> make_kafka_router(const RouterContext& context) {
  return std::make_unique<kafka::KafkaRouter>(context);
}

}  // namespace ringmq::broker

namespace ringmq::broker::kafka {

using protocol::KafkaError;

protocol::KafkaError kafka_error_for(const Error& error) {
  switch (error.code) {
    case ErrorCode::kBusy:
    case ErrorCode::kTimeout:
      return KafkaError::kRequestTimedOut;  // retriable: the client tries again
    case ErrorCode::kDiskFull:
    case ErrorCode::kIo:
      return KafkaError::kKafkaStorageError;
    case ErrorCode::kCorrupt:
      return KafkaError::kCorruptMessage;
    case ErrorCode::kTooLarge:
      return KafkaError::kMessageTooLarge;
    case ErrorCode::kOutOfRange:
      return KafkaError::kOffsetOutOfRange;
    case ErrorCode::kNotFound:
      return KafkaError::kUnknownTopicOrPartition;
    case ErrorCode::kInvalidArgument:
      return KafkaError::kInvalidRequest;
    case ErrorCode::kClosed:
      return KafkaError::kNotLeaderOrFollower;  // shutting down: go elsewhere / retry
    default:
      return KafkaError::kUnknownServerError;
  }
}

namespace {

template <typename T>
T unwrap(Result<T> result, const char* what) {
  if (!result) throw std::runtime_error(std::string(what) + ": " + result.error().message);
  return std::move(*result);
}

}  // namespace

KafkaRouter::KafkaRouter(const RouterContext& context) : context_(context) {
  advertised_ = context.listeners;
  if (advertised_.empty())
    advertised_.push_back({SecurityProtocol::kPlaintext, context.advertised_host, context.advertised_port});
  sasl_mechanisms_ = parse_sasl_mechanisms(context.config.sasl.mechanisms);
  {
    std::array<unsigned char, 24> secret{};
    for (auto& b : secret) b = static_cast<unsigned char>(std::random_device{}());
    plain_decoy_ = unwrap(
        security::make_scram_credential(security::ScramMechanism::kSha512,
                                        std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()),
                                        security::kMinScramIterations),
        "making the PLAIN decoy credential");
  }
  TopicRegistryOptions topic_options;
  topic_options.data_dir = context.config.engine.data_dir;
  topic_options.default_partitions = context.config.topics.default_partitions;
  topic_options.max_queue_id = context.config.engine.max_queue_id;
  topics_ = unwrap(TopicRegistry::load(topic_options), "loading topics");
  offsets_ = unwrap(OffsetStore::recover(context.store), "recovering committed offsets");
  ProducerStateOptions producer_options;
  producer_options.data_dir = context.config.engine.data_dir;
  producers_ = unwrap(ProducerState::open(producer_options), "opening producer state");
  groups_ = std::make_unique<GroupCoordinator>();
  ticker_ = std::make_unique<GroupTicker>(*groups_);
  rebuild_producer_state();
  // Loaded from the log just now: good for the leadership this broker already holds.
  if (role_.leads()) leader_state_epoch_.store(role_.leader_epoch());
  schedule_maintenance();
  context.store.set_index_listener([this] { wake_fetch_waits(); });
  if (context.in_sync != nullptr)
    context.in_sync->set_listener([this] {
      thread_local std::vector<std::shared_ptr<FetchWait>> scratch;
      wake_fetch_waits_using(scratch);
    });
  context.metrics.set_consumer_lag_source([this](std::vector<LabelledSample>& out) { list_consumer_lag(out); });
  if (context.cluster != nullptr)
    context.cluster->set_topic_hooks({[this] { return published_topics(); },
                                      [this](const std::string& name) { create_requested_topic(name); },
                                      [this](const std::vector<cluster::PublishedTopic>& t) { adopt_topics(t); }});
  spdlog::info("kafka: {} topics, {} committed offsets", topics_->list().size(), offsets_->live_offset_count());
}

std::vector<cluster::PublishedTopic> KafkaRouter::published_topics() const {
  std::vector<cluster::PublishedTopic> out;
  for (const auto& topic : topics_->list())
    out.push_back({topic->name, topic->topic_id, topic->partition_count(), topic->queue_ids, topic->configs});
  return out;
}

void KafkaRouter::adopt_topics(const std::vector<cluster::PublishedTopic>& published) {
  std::vector<TopicInfo> topics;
  for (const cluster::PublishedTopic& p : published) {
    if (p.queue_ids.empty()) return;  // published before replication: nothing to serve them from
    TopicInfo& t = topics.emplace_back();
    t.name = p.name;
    t.topic_id = p.id;
    t.queue_ids = p.queue_ids;
    t.configs = p.configs;
  }
  auto adopted = topics_->adopt(std::move(topics));
  if (!adopted)
    spdlog::warn("topics of the group's leader not adopted: {}", adopted.error().message);
  else if (*adopted)
    spdlog::info("adopted the group leader's {} topics", published.size());
}

void KafkaRouter::create_requested_topic(const std::string& name) {
  // The follower checked the client's right to create it; the leader's own settings decide.
  if (!context_.config.topics.auto_create || topics_->find(name)) return;
  if (auto created = topics_->find_or_create(name); created)
    spdlog::info("topic {} created with {} partitions, asked for through a follower", name,
                 (*created)->partition_count());
  else
    spdlog::warn("topic {} asked for through a follower not created: {}", name, created.error().message);
}

KafkaRouter::~KafkaRouter() {
  if (context_.cluster != nullptr) context_.cluster->set_topic_hooks({});
  context_.metrics.set_consumer_lag_source(nullptr);
  context_.store.set_index_listener({});
  if (context_.in_sync != nullptr) context_.in_sync->set_listener({});
  ticker_->stop();
  groups_->shutdown();
}

void KafkaRouter::schedule_maintenance() {
  // Every few seconds: restate committed offsets at the log's tail before retention could
  // reach them, and forget idle producers. On the timer thread; stops with it.
  const auto due = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  context_.timers.schedule_at(due, [this, due] {
    using namespace std::chrono;
    const int64_t now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    // Only a leader writes to its log (a follower's log is the leader's copy), and only once
    // its state is rebuilt from it.
    if (role_.leads() && (context_.cluster == nullptr || leader_state_epoch_.load() == role_.leader_epoch()))
      if (auto s = offsets_->maintain(now); !s) spdlog::warn("committed offsets maintenance: {}", s.error().message);
    producers_->expire_idle_producers(now);
    enforce_topic_retention(now);
    // Run early means the timer service is stopping and firing everything: do not come back.
    if (steady_clock::now() >= due) schedule_maintenance();
  });
}

void KafkaRouter::schedule_leader_state_load() {
  if (leader_state_loading_.exchange(true)) return;
  context_.timers.schedule_at(std::chrono::steady_clock::now(), [this] {
    load_leader_state();
    leader_state_loading_.store(false);
  });
}

void KafkaRouter::load_leader_state() {
  const int32_t epoch = role_.leader_epoch();
  if (!role_.leads() || leader_state_epoch_.load() == epoch) return;
  if (auto s = offsets_->reload(); !s) {
    spdlog::error("leading in epoch {}: committed offsets not rebuilt from the log, refusing group requests: {}", epoch,
                  s.error().message);
    return;
  }
  rebuild_producer_state();
  if (auto floor = topics_->raise_next_queue_id(context_.store.queue_id_bound()))
    spdlog::warn("leading in epoch {}: queue ids not raised past the log's: {}", epoch, floor->message);
  leader_state_epoch_.store(epoch, std::memory_order_release);
  spdlog::info("leading in epoch {}: committed offsets ({}), producer state and queue ids rebuilt from the log", epoch,
               offsets_->live_offset_count());
}

void KafkaRouter::rebuild_producer_state() {
  // The last batches of every partition tell which producer sequences were already written,
  // so an idempotent producer retrying across a broker restart is not written twice.
  constexpr uint64_t kTailRecords = 5 * 64;
  engine::ReadBatch batch;
  std::vector<LoggedBatch> logged;
  for (const auto& topic : topics_->list()) {
    for (uint32_t queue : topic->queue_ids) {
      auto range = context_.store.queue_range(queue);
      if (!range || range->next_offset == range->start_offset) continue;
      const engine::QueueOffset tail_start(
          range->next_offset.value() > kTailRecords ? range->next_offset.value() - kTailRecords : 0);
      engine::QueueOffset offset = std::max(tail_start, range->start_offset);
      logged.clear();
      while (offset < range->next_offset) {
        if (!context_.store.read(queue, offset, 1 << 20, batch) || batch.batches.empty()) break;
        for (const auto& b : batch.batches) {
          if (auto l = parse_logged_batch(b.payload, static_cast<int64_t>(b.base_offset.value()))) logged.push_back(*l);
          offset = b.base_offset + b.record_count;
        }
      }
      producers_->rebuild_from_log(queue, logged);
    }
  }
}

TopicResult<std::shared_ptr<const TopicInfo>> KafkaRouter::topic_for_write(std::string_view name, bool allow_create) {
  if (auto topic = topics_->find(name)) return topic;
  if (allow_create && context_.config.topics.auto_create && !role_.leads())
    // Only the group's leader creates topics; the client asks again (maybe the leader).
    return std::unexpected(
        TopicError{static_cast<int16_t>(KafkaError::kLeaderNotAvailable), "only the group's leader creates topics"});
  if (!allow_create || !context_.config.topics.auto_create)
    return std::unexpected(
        TopicError{static_cast<int16_t>(KafkaError::kUnknownTopicOrPartition), "unknown topic " + std::string(name)});
  return topics_->find_or_create(name);
}

void KafkaRouter::handle(const Request& request, ResponseSlot slot) {
  auto header = protocol::parse_request_header(request.frame);
  if (!header) {
    slot.close_connection("unreadable request header: " + header.error().message);
    return;
  }
  if (request.session != nullptr && !session_allows(request, *header, slot)) return;
  if (!header->supported()) {
    if (header->key() == protocol::ApiKey::kApiVersions) {
      // A client newer than the broker: answer in the v0 layout with our ranges (error 35),
      // and it retries with a version we speak.
      respond(slot,
              [&](protocol::Writer& w) { return protocol::encode_api_versions_fallback(header->correlation_id, w); });
      return;
    }
    slot.close_connection("unsupported API " + std::to_string(header->api_key) + " version " +
                          std::to_string(header->api_version));
    return;
  }
  protocol::Request decoded;
  if (auto s = protocol::decode_request(*header, decoded); !s) {
    context_.metrics.count_error(static_cast<int16_t>(KafkaError::kInvalidRequest));
    slot.close_connection("malformed " + std::string(BrokerMetrics::api_name(header->api_key)) +
                          " request: " + s.error().message);
    return;
  }
  const auto& h = *header;
  if (!authorize_request(request, h, decoded, slot)) return;
  if (auto refused = role_.refusal(h.key())) {
    // A follower, or a leader whose leadership ran out: the client asks Metadata again.
    context_.metrics.count_error(static_cast<int16_t>(*refused));
    if (const auto* produce = std::get_if<protocol::ProduceRequest>(&decoded); produce && produce->acks == 0) {
      // Kafka never answers acks=0; closing is how it tells such a producer to look again.
      slot.close_connection("produce with acks=0 to a broker that does not lead its group");
      return;
    }
    respond(slot, [&](protocol::Writer& w) { return protocol::encode_error_response(h, decoded, *refused, w); });
    return;
  }
  if (context_.cluster != nullptr && leader_state_epoch_.load(std::memory_order_acquire) != role_.leader_epoch()) {
    // Leading in a new epoch: until committed offsets, producer state and queue ids are
    // rebuilt from the log (which grew by replication while this broker followed), what
    // depends on them is refused as a follower refuses it, and clients retry.
    if (auto refused = ClusterRole::following_refusal(h.key())) {
      schedule_leader_state_load();
      context_.metrics.count_error(static_cast<int16_t>(*refused));
      respond(slot, [&](protocol::Writer& w) { return protocol::encode_error_response(h, decoded, *refused, w); });
      return;
    }
  }
  if (h.key() == protocol::ApiKey::kListGroups && !role_.leads()) {
    // The groups this broker coordinates: none while it does not lead (stale ones from an
    // earlier leadership are not shown).
    respond(slot,
            [&](protocol::Writer& w) { return protocol::encode_error_response(h, decoded, KafkaError::kNone, w); });
    return;
  }
  std::visit(
      [&](auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, protocol::ApiVersionsRequest>)
          handle_api_versions(h, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::MetadataRequest>)
          handle_metadata(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::ProduceRequest>)
          handle_produce(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::FetchRequest>)
          handle_fetch(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::ListOffsetsRequest>)
          handle_list_offsets(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::CreateTopicsRequest>)
          handle_create_topics(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::DeleteTopicsRequest>)
          handle_delete_topics(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::DescribeConfigsRequest>)
          handle_describe_configs(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::AlterConfigsRequest>)
          handle_alter_configs(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::IncrementalAlterConfigsRequest>)
          handle_incremental_alter_configs(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::DescribeClusterRequest>)
          handle_describe_cluster(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::DescribeLogDirsRequest>)
          handle_describe_log_dirs(h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::OffsetForLeaderEpochRequest>)
          handle_offset_for_leader_epoch(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::DeleteRecordsRequest>)
          handle_delete_records(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::CreatePartitionsRequest>)
          handle_create_partitions(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::InitProducerIdRequest>)
          handle_init_producer_id(h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::FindCoordinatorRequest>)
          handle_find_coordinator(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::JoinGroupRequest>)
          handle_join_group(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::SyncGroupRequest>)
          handle_sync_group(h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::HeartbeatRequest>)
          handle_heartbeat(h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::LeaveGroupRequest>)
          handle_leave_group(h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::OffsetCommitRequest>)
          handle_offset_commit(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::OffsetFetchRequest>)
          handle_offset_fetch(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::ListGroupsRequest>)
          handle_list_groups(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::DescribeGroupsRequest>)
          handle_describe_groups(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::DeleteGroupsRequest>)
          handle_delete_groups(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::OffsetDeleteRequest>)
          handle_offset_delete(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::SaslHandshakeRequest>)
          handle_sasl_handshake(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::SaslAuthenticateRequest>)
          handle_sasl_authenticate(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::DescribeUserScramCredentialsRequest>)
          handle_describe_user_scram_credentials(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::AlterUserScramCredentialsRequest>)
          handle_alter_user_scram_credentials(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::DescribeAclsRequest>)
          handle_describe_acls(h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::CreateAclsRequest>)
          handle_create_acls(request, h, r, std::move(slot));
        else if constexpr (std::is_same_v<T, protocol::DeleteAclsRequest>)
          handle_delete_acls(request, h, r, std::move(slot));
        else
          slot.close_connection("request decoded to nothing");
      },
      decoded);
}

void KafkaRouter::handle_api_versions(const protocol::RequestHeader& h, ResponseSlot slot) {
  protocol::ApiVersionsResponse response;
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_api_versions_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_metadata(const Request& request, const protocol::RequestHeader& h,
                                  const protocol::MetadataRequest& r, ResponseSlot slot) {
  protocol::MetadataResponse response;
  const AdvertisedListener& endpoint = advertised_endpoint(request);
  const GroupPlacement placement = role_.placement();  // the brokers below point into it
  response.brokers.push_back(
      {context_.config.server.node_id, endpoint.host, static_cast<int32_t>(endpoint.port), std::nullopt});
  for (const PeerBroker& peer : placement.peers)
    response.brokers.push_back({peer.node_id, peer.host, peer.port, std::nullopt});
  response.cluster_id = kClusterId;
  // KafkaJS sends admin and idempotent requests to the controller: the group's leader.
  response.controller_id = placement.controller_id;

  std::vector<std::shared_ptr<const TopicInfo>> keep;  // the views below point into these
  using security::AclOperation, security::AclResourceType;
  auto may_describe = [&](std::string_view name) {
    return authorized(request, AclOperation::kDescribe, AclResourceType::kTopic, name);
  };
  auto add_topic = [&](std::string_view name, const TopicId& id, int32_t partitions) {
    protocol::MetadataTopic t;
    t.name = name;
    std::copy(id.begin(), id.end(), t.topic_id.bytes.begin());
    for (int32_t p = 0; p < partitions; ++p) {
      protocol::MetadataPartition part;
      part.partition_index = p;
      part.error_code = placement.error;
      part.leader_id = placement.leader_id;
      part.leader_epoch = placement.leader_epoch;
      part.replica_nodes = placement.replicas;
      part.isr_nodes = placement.isr;
      t.partitions.push_back(std::move(part));
    }
    response.topics.push_back(std::move(t));
  };
  auto add_error = [&](const protocol::MetadataRequestTopic& requested, KafkaError error) {
    protocol::MetadataTopic t;
    t.error_code = error;
    t.name = requested.name;
    t.topic_id = requested.topic_id;
    response.topics.push_back(std::move(t));
  };
  const auto view = role_.leads() ? nullptr : role_.view();
  if (view != nullptr) {
    // A follower describes the topics its group's leader published: the client learns the
    // partitions and goes to the leader. It creates none.
    auto find = [&](const protocol::MetadataRequestTopic& requested) -> const cluster::PublishedTopic* {
      auto it = std::ranges::find_if(view->topics, [&](const cluster::PublishedTopic& t) {
        return requested.name ? t.name == *requested.name : std::ranges::equal(t.id, requested.topic_id.bytes);
      });
      return it == view->topics.end() ? nullptr : &*it;
    };
    if (r.all_topics) {
      for (const auto& t : view->topics)
        if (may_describe(t.name)) add_topic(t.name, t.id, t.partitions);
    } else {
      for (const auto& requested : r.topics) {
        const cluster::PublishedTopic* t = find(requested);
        if (t != nullptr && may_describe(t->name))
          add_topic(t->name, t->id, t->partitions);
        else if (t != nullptr || (requested.name && !may_describe(*requested.name)))
          add_error(requested, KafkaError::kTopicAuthorizationFailed);
        else if (!requested.name)  // an id the leader has not published
          add_error(requested, KafkaError::kUnknownTopicOrPartition);
        else if (auto invalid = topics_->validate_create(*requested.name, context_.config.topics.default_partitions);
                 invalid && invalid->error_code == static_cast<int16_t>(KafkaError::kInvalidTopicException))
          add_error(requested, KafkaError::kInvalidTopicException);
        else if (r.allow_auto_topic_creation && context_.config.topics.auto_create &&
                 may_create_topic(request, *requested.name)) {
          // The leader creates it and publishes it within a tick or two; the client asks again.
          context_.cluster->request_topic(std::string(*requested.name));
          add_error(requested, KafkaError::kLeaderNotAvailable);
        } else {
          add_error(requested, KafkaError::kUnknownTopicOrPartition);
        }
      }
    }
  } else if (r.all_topics) {
    keep = topics_->list();
    for (const auto& topic : keep)  // the others are not shown at all
      if (may_describe(topic->name)) add_topic(topic->name, topic->topic_id, topic->partition_count());
  } else {
    for (const auto& requested : r.topics) {
      if (!requested.name) {  // asked by id (v10+)
        auto snapshot = topics_->snapshot();
        TopicId id;
        std::copy(requested.topic_id.bytes.begin(), requested.topic_id.bytes.end(), id.begin());
        if (const TopicInfo* topic = snapshot->find(id); topic != nullptr && may_describe(topic->name)) {
          keep.push_back(snapshot->find_shared(topic->name));
          add_topic(keep.back()->name, keep.back()->topic_id, keep.back()->partition_count());
        } else {
          add_error(requested, context_.authorizer != nullptr ? KafkaError::kTopicAuthorizationFailed
                                                              : KafkaError::kUnknownTopicOrPartition);
        }
        continue;
      }
      auto topic = may_describe(*requested.name)
                       ? topic_for_write(*requested.name,
                                         r.allow_auto_topic_creation && may_create_topic(request, *requested.name))
                       : std::unexpected(TopicError{static_cast<int16_t>(KafkaError::kTopicAuthorizationFailed), ""});
      if (topic) {
        keep.push_back(*topic);
        add_topic(keep.back()->name, keep.back()->topic_id, keep.back()->partition_count());
      } else {
        add_error(requested, static_cast<KafkaError>(topic.error().error_code));
      }
    }
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_metadata_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_list_offsets(const Request& request, const protocol::RequestHeader& h,
                                      const protocol::ListOffsetsRequest& r, ResponseSlot slot) {
  protocol::ListOffsetsResponse response;
  TimestampLookupScratch scratch;
  auto snapshot = topics_->snapshot();
  for (const auto& topic : r.topics) {
    protocol::ListOffsetsTopicResponse t;
    t.name = topic.name;
    const bool may_describe =
        authorized(request, security::AclOperation::kDescribe, security::AclResourceType::kTopic, topic.name);
    const TopicInfo* info = snapshot->find(topic.name);
    for (const auto& p : topic.partitions) {
      protocol::ListOffsetsPartitionResponse out;
      out.partition_index = p.partition_index;
      auto queue = info ? info->queue_id(p.partition_index) : std::nullopt;
      if (!may_describe) {
        out.error_code = KafkaError::kTopicAuthorizationFailed;
      } else if (!queue) {
        out.error_code = KafkaError::kUnknownTopicOrPartition;
      } else {
        auto range = context_.store.queue_range(*queue).value_or(engine::QueueRange{});
        if (p.timestamp == protocol::kListOffsetsEarliest) {
          out.offset = static_cast<int64_t>(range.start_offset.value());
        } else if (p.timestamp == protocol::kListOffsetsLatest) {
          out.offset = static_cast<int64_t>(range.next_offset.value());
        } else if (p.timestamp == protocol::kListOffsetsMaxTimestamp || p.timestamp >= 0) {
          auto found = p.timestamp >= 0 ? offset_for_timestamp(context_.store, *queue, p.timestamp, scratch)
                                        : offset_of_max_timestamp(context_.store, *queue, scratch);
          if (found) {
            out.offset = found->offset;
            out.timestamp = found->timestamp;
          } else {
            spdlog::warn("ListOffsets {}-{} at time {}: {}", topic.name, p.partition_index, p.timestamp,
                         found.error().message);
            out.error_code = kafka_error_for(found.error());
          }
        } else {  // other specials (tiered-storage ones): the end
          out.offset = static_cast<int64_t>(range.next_offset.value());
        }
        out.leader_epoch = role_.leader_epoch();
      }
      t.partitions.push_back(out);
    }
    response.topics.push_back(std::move(t));
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_list_offsets_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_create_topics(const Request& request, const protocol::RequestHeader& h,
                                       const protocol::CreateTopicsRequest& r, ResponseSlot slot) {
  protocol::CreateTopicsResponse response;
  std::vector<std::string> messages;
  messages.reserve(r.topics.size());
  for (const auto& topic : r.topics) {
    protocol::CreateTopicResult result;
    result.name = topic.name;
    const int32_t partitions = topic.num_partitions > 0
                                   ? topic.num_partitions
                                   : (topic.assignments.empty() ? context_.config.topics.default_partitions
                                                                : static_cast<int32_t>(topic.assignments.size()));
    std::optional<TopicError> error;
    if (!may_create_topic(request, topic.name))
      error = TopicError{static_cast<int16_t>(KafkaError::kTopicAuthorizationFailed),
                         "not authorized to create topics (CREATE on the cluster or the topic)"};
    if (!error && topic.replication_factor > 1)
      error = TopicError{
          static_cast<int16_t>(KafkaError::kInvalidReplicationFactor),
          "replication factor " + std::to_string(topic.replication_factor) + " is larger than the 1 broker available"};
    std::map<std::string, std::string> configs;
    for (const auto& c : topic.configs) {
      if (!error) {
        if (auto problem = config_rules_.check(c.name, c.value))
          error = TopicError{static_cast<int16_t>(KafkaError::kInvalidConfig), *problem};
      }
      if (c.value) configs[std::string(c.name)] = std::string(*c.value);  // null: the broker's value
    }
    if (!error && r.validate_only) error = topics_->validate_create(topic.name, partitions);
    if (!error && !r.validate_only) {
      auto created = topics_->create(topic.name, partitions, std::move(configs));
      if (!created)
        error = created.error();
      else
        std::copy((*created)->topic_id.begin(), (*created)->topic_id.end(), result.topic_id.bytes.begin());
    }
    if (error) {
      result.error_code = static_cast<KafkaError>(error->error_code);
      messages.push_back(error->message);
      result.error_message = messages.back();
    } else {
      result.num_partitions = partitions;
      result.replication_factor = 1;
    }
    response.topics.push_back(std::move(result));
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_create_topics_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_delete_records(const Request& request, const protocol::RequestHeader& h,
                                        const protocol::DeleteRecordsRequest& r, ResponseSlot slot) {
  // Each partition's start moves up to the offset (-1: its end), durably before the answer;
  // what lies below is no longer served. Segments are reclaimed by the commit log's retention.
  protocol::DeleteRecordsResponse response;
  auto snapshot = topics_->snapshot();
  for (const auto& topic : r.topics) {
    protocol::DeleteRecordsTopicResult& t = response.topics.emplace_back();
    t.name = topic.name;
    const bool may_delete =
        authorized(request, security::AclOperation::kDelete, security::AclResourceType::kTopic, topic.name);
    const TopicInfo* info = snapshot->find(topic.name);
    for (const auto& p : topic.partitions) {
      protocol::DeleteRecordsPartitionResult& out = t.partitions.emplace_back();
      out.partition_index = p.partition_index;
      auto queue = info ? info->queue_id(p.partition_index) : std::nullopt;
      if (!may_delete || !queue) {
        out.error_code = may_delete ? KafkaError::kUnknownTopicOrPartition : KafkaError::kTopicAuthorizationFailed;
        continue;
      }
      const auto range = context_.store.queue_range(*queue).value_or(engine::QueueRange{});
      const auto end = static_cast<int64_t>(range.next_offset.value());
      const int64_t offset = p.offset == -1 ? end : p.offset;
      if (offset < 0 || offset > end) {
        out.error_code = KafkaError::kOffsetOutOfRange;
        continue;
      }
      auto start = context_.store.delete_records_before(*queue, engine::QueueOffset(static_cast<uint64_t>(offset)));
      if (start) {
        out.low_watermark = static_cast<int64_t>(start->value());
      } else if (start.error().code == ErrorCode::kNotFound && offset == 0) {
        out.low_watermark = 0;  // a partition never written: nothing to delete
      } else {
        spdlog::warn("DeleteRecords {}-{} before {}: {}", topic.name, p.partition_index, offset, start.error().message);
        out.error_code = start.error().code == ErrorCode::kOutOfRange ? KafkaError::kOffsetOutOfRange
                                                                      : kafka_error_for(start.error());
      }
    }
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_delete_records_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_create_partitions(const Request& request, const protocol::RequestHeader& h,
                                           const protocol::CreatePartitionsRequest& r, ResponseSlot slot) {
  protocol::CreatePartitionsResponse response;
  std::vector<std::string> messages;
  messages.reserve(r.topics.size());
  std::set<std::string_view> seen;
  for (const auto& topic : r.topics) {
    // The registry checks the topic and the count; the assignments are checked here (every
    // partition lives on this broker).
    std::optional<TopicError> error;
    const auto existing = topics_->find(topic.name);
    const int32_t added = existing ? topic.count - existing->partition_count() : 0;
    if (!seen.insert(topic.name).second) {
      error = TopicError{static_cast<int16_t>(KafkaError::kInvalidRequest),
                         "topic '" + std::string(topic.name) + "' appears more than once in the request"};
    } else if (!authorized(request, security::AclOperation::kAlter, security::AclResourceType::kTopic, topic.name)) {
      error = TopicError{static_cast<int16_t>(KafkaError::kTopicAuthorizationFailed),
                         "not authorized to alter topic " + std::string(topic.name)};
    } else if (auto bad = topics_->validate_add_partitions(topic.name, topic.count)) {
      error = bad;
    } else if (topic.assignment_count >= 0 && topic.assignment_count != added) {
      error = TopicError{
          static_cast<int16_t>(KafkaError::kInvalidReplicaAssignment),
          std::to_string(topic.assignment_count) + " assignments for " + std::to_string(added) + " new partitions"};
    } else if (std::ranges::any_of(topic.assigned_brokers,
                                   [&](int32_t id) { return id != context_.config.server.node_id; })) {
      error = TopicError{
          static_cast<int16_t>(KafkaError::kInvalidReplicaAssignment),
          "the assignment names a broker other than this one (" + std::to_string(context_.config.server.node_id) + ")"};
    } else if (!r.validate_only) {
      if (auto grown = topics_->add_partitions(topic.name, topic.count); !grown) error = grown.error();
    }
    protocol::CreatePartitionsTopicResult& result = response.results.emplace_back();
    result.name = topic.name;
    if (error) {
      result.error_code = static_cast<KafkaError>(error->error_code);
      messages.push_back(error->message);
      result.error_message = messages.back();
    }
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_create_partitions_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_delete_topics(const Request& request, const protocol::RequestHeader& h,
                                       const protocol::DeleteTopicsRequest& r, ResponseSlot slot) {
  protocol::DeleteTopicsResponse response;
  std::vector<std::string> messages;
  messages.reserve(r.topics.size());
  auto snapshot = topics_->snapshot();
  for (const auto& topic : r.topics) {
    protocol::DeletableTopicResult result;
    result.name = topic.name;
    result.topic_id = topic.topic_id;
    std::string name;
    if (topic.name) {
      name = std::string(*topic.name);
    } else {
      TopicId id;
      std::copy(topic.topic_id.bytes.begin(), topic.topic_id.bytes.end(), id.begin());
      if (const TopicInfo* found = snapshot->find(id)) name = found->name;
    }
    const bool may_delete =
        authorized(request, security::AclOperation::kDelete, security::AclResourceType::kTopic, name);
    auto deleted = name.empty() || !may_delete
                       ? TopicResult<std::shared_ptr<const TopicInfo>>(std::unexpected(
                             name.empty() ? TopicError{static_cast<int16_t>(KafkaError::kUnknownTopicOrPartition),
                                                       "unknown topic id"}
                                          : TopicError{static_cast<int16_t>(KafkaError::kTopicAuthorizationFailed),
                                                       "not authorized to delete topic " + name}))
                       : topics_->delete_topic(name);
    if (!deleted) {
      result.error_code = static_cast<KafkaError>(deleted.error().error_code);
      messages.push_back(deleted.error().message);
      result.error_message = messages.back();
    } else {
      for (uint32_t queue : (*deleted)->queue_ids) producers_->forget_partition(queue);
      if (auto s = offsets_->delete_topic(name); !s)
        spdlog::warn("deleting committed offsets of topic {}: {}", name, s.error().message);
    }
    response.responses.push_back(std::move(result));
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_delete_topics_response(h.api_version, h.correlation_id, response, w);
  });
}

void KafkaRouter::handle_init_producer_id(const protocol::RequestHeader& h, const protocol::InitProducerIdRequest& r,
                                          ResponseSlot slot) {
  protocol::InitProducerIdResponse response;
  if (r.transactional_id) {
    // Transactions are not supported: TRANSACTIONAL_ID_AUTHORIZATION_FAILED is final.
    response.error_code = KafkaError::kTransactionalIdAuthorizationFailed;
  } else if (auto id = producers_->allocate_producer_id()) {
    response.producer_id = id->producer_id;
    response.producer_epoch = id->epoch;
  } else {
    response.error_code = kafka_error_for(id.error());
  }
  respond(slot, [&](protocol::Writer& w) {
    return protocol::encode_init_producer_id_response(h.api_version, h.correlation_id, response, w);
  });
}

}  // namespace ringmq::broker::kafka
