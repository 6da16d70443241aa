// Produce: validate each partition's record batches, check idempotent-producer sequences,
// append every batch to the partition's engine queue with its base offset stamped in, and
// answer — at once for acks=1, after the covering flush for acks=-1, never for acks=0.
#include <spdlog/spdlog.h>

#include "broker/kafka/kafka_router.h"
#include "broker/replication/in_sync_acks.h"

namespace ringmq::broker::kafka {

using protocol::KafkaError;

namespace {

// A produce answer that outlives the request frame (acks=-1 answers from the flusher thread).
struct OwnedProduceAnswer {
  struct Topic {
    std::string name;
    std::vector<protocol::ProducePartitionResponse> partitions;
  };
  std::vector<Topic> topics;

  void fail_all(KafkaError error) {
    for (auto& t : topics)
      for (auto& p : t.partitions)
        if (p.error_code == KafkaError::kNone) {
          p.error_code = error;
          p.base_offset = -1;
        }
  }
  protocol::ProduceResponse view() const {
    protocol::ProduceResponse response;
    for (const auto& t : topics) response.topics.push_back({t.name, t.partitions});
    return response;
  }
};

// What the appends of one Produce request add up to.
struct ProduceTotals {
  engine::LogPosition durable_end;  // a flush must cover this before acks=-1 is answered
  uint64_t bytes = 0;
  uint64_t records = 0;
};

// Reads and validates every record batch of one partition's data, before any is appended, so
// that a bad one leaves the partition untouched. Returns the batches, or the error to answer:
// MESSAGE_TOO_LARGE for an oversized batch, CORRUPT_MESSAGE for anything else wrong
// (including data with no batch at all).
std::expected<std::vector<protocol::RecordBatchView>, KafkaError> read_batches(
    std::string_view topic, const protocol::ProducePartitionData& partition, std::string_view peer,
    size_t max_batch_bytes) {
  protocol::RecordBatchLimits limits;
  limits.max_batch_bytes = max_batch_bytes;
  protocol::RecordBatchIterator batches(partition.records, limits);
  std::vector<protocol::RecordBatchView> valid;
  for (;;) {
    auto next = batches.next();
    if (!next) {
      spdlog::warn("produce to {}-{} from {} rejected: {}", topic, partition.index, peer, next.error().message);
      return std::unexpected(next.error().code == ErrorCode::kTooLarge ? KafkaError::kMessageTooLarge
                                                                       : KafkaError::kCorruptMessage);
    }
    if (!*next) break;
    valid.push_back(**next);
  }
  if (valid.empty()) return std::unexpected(KafkaError::kCorruptMessage);
  return valid;
}

// Appends the batches in order to engine queue `queue`, each after its idempotent-producer
// sequence check; `guard` holds the partition's producers so that check, append and record
// are one step. Stops at the first batch refused or not appended, with out.error_code set.
// out.base_offset is the first batch's offset (for a retry, the stored duplicate's).
// Each append is timed into `append_latency` (two vDSO clock reads, no system call).
void append_batches(engine::MessageStore& store, ProducerState::PartitionGuard& guard, uint32_t queue,
                    const std::vector<protocol::RecordBatchView>& batches, std::string_view topic,
                    protocol::ProducePartitionResponse& out, ProduceTotals& totals, LatencyHistogram& append_latency) {
  for (size_t i = 0; i < batches.size() && out.error_code == KafkaError::kNone; ++i) {
    const protocol::RecordBatchHeader& b = batches[i].header;
    ProducerBatch producer{b.producer_id, b.producer_epoch, b.base_sequence, b.record_count};
    SequenceCheck check = guard.check(producer);
    if (check.verdict == SequenceVerdict::kDuplicate) {  // a retry of what is stored: same answer
      if (i == 0) out.base_offset = check.duplicate_base_offset;
      continue;
    }
    if (check.verdict != SequenceVerdict::kAppend) {
      out.error_code = static_cast<KafkaError>(check.error_code());
      break;
    }
    const auto append_started = std::chrono::steady_clock::now();
    auto appended = store.append(
        {queue, batches[i].bytes, static_cast<uint32_t>(b.record_count), b.max_timestamp, /*stamp_offset_at=*/0},
        false);
    append_latency.record_since(append_started);
    if (!appended) {
      out.error_code = kafka_error_for(appended.error());
      spdlog::warn("produce to {}-{}: {}", topic, out.index, appended.error().message);
      break;
    }
    guard.record(producer, static_cast<int64_t>(appended->queue_offset.value()));
    if (i == 0) out.base_offset = static_cast<int64_t>(appended->queue_offset.value());
    totals.durable_end = std::max(totals.durable_end, appended->end_offset);
    totals.bytes += batches[i].bytes.size();
    totals.records += static_cast<uint64_t>(b.record_count);
  }
}

// Sends the answer: never for acks=0; for acks=-1, once a flush covers `durable_end` (from the
// flusher thread), and then a failed flush turns every partition that had succeeded into the
// flush's error; if nothing was appended, at once. An answer that acknowledges records also
// waits until they are indexed (usually long done by then; a new partition's first record
// waits for its index file), so that ListOffsets and Fetch see what was acknowledged.
void answer_produce(const RouterContext& context, ClusterRole role, int32_t appended_in_epoch, const Request& request,
                    const protocol::RequestHeader& h, int16_t acks, std::shared_ptr<OwnedProduceAnswer> answer,
                    engine::LogPosition durable_end, ResponseSlot slot) {
  if (acks == 0) {
    slot.complete_without_response();
    return;
  }
  // The callbacks may run after the request frame is gone: they keep copies of what they need.
  BrokerMetrics* metrics = &context.metrics;
  const int16_t version = h.api_version;
  const int32_t correlation_id = h.correlation_id;
  const auto received_at = request.received_at;
  auto finish = [metrics, role, appended_in_epoch, answer, version, correlation_id, received_at](ResponseSlot& s) {
    // A leader fenced, or re-elected in another epoch, while the records were made durable
    // does not acknowledge them: another broker may have led in between. The producer retries
    // (idempotent ones without duplicates).
    if (!role.leads() || role.leader_epoch() != appended_in_epoch) answer->fail_all(KafkaError::kNotLeaderOrFollower);
    const protocol::ProduceResponse response = answer->view();
    respond(s, [&](protocol::Writer& w) {
      return protocol::encode_produce_response(version, correlation_id, response, w);
    });
    metrics->produce_latency.record(std::chrono::steady_clock::now() - received_at);
  };
  if (durable_end == engine::LogPosition(0)) {
    finish(slot);
    return;
  }
  auto shared_slot = std::make_shared<ResponseSlot>(std::move(slot));
  engine::MessageStore* store = &context.store;
  // Records that are in the log but could not be indexed are answered with the error.
  auto when_indexed = [store, durable_end, answer, shared_slot, finish] {
    store->when_indexed(durable_end, [answer, shared_slot, finish](Status s) {
      if (!s) {
        spdlog::warn("produce not indexed: {}", s.error().message);
        answer->fail_all(kafka_error_for(s.error()));
      }
      finish(*shared_slot);
    });
  };
  if (acks != -1) {
    when_indexed();
    return;
  }
  // acks=all: answer when the data is durable, from the flusher thread, and (in a cluster) in
  // every in-sync follower's log, from the thread of the last follower's ack.
  InSyncAcks* in_sync = context.in_sync;
  const int min_in_sync = static_cast<int>(context.config.cluster.min_insync_replicas);
  auto when_replicated = [in_sync, min_in_sync, durable_end, answer, shared_slot, finish, when_indexed] {
    if (in_sync == nullptr) {
      when_indexed();
      return;
    }
    in_sync->wait(durable_end.value(), [min_in_sync, answer, shared_slot, finish, when_indexed](bool ok, int replicas) {
      if (!ok || replicas < min_in_sync) {
        answer->fail_all(ok ? KafkaError::kNotEnoughReplicasAfterAppend : KafkaError::kNotLeaderOrFollower);
        finish(*shared_slot);
        return;
      }
      when_indexed();
    });
  };
  const auto flush_started = std::chrono::steady_clock::now();
  store->when_durable(durable_end, [metrics, answer, shared_slot, finish, flush_started, when_replicated](Status s) {
    metrics->flush_latency.record(std::chrono::steady_clock::now() - flush_started);
    if (!s) {
      spdlog::warn("produce not made durable: {}", s.error().message);
      answer->fail_all(kafka_error_for(s.error()));
      finish(*shared_slot);
      return;
    }
    when_replicated();
  });
}

}  // namespace

void KafkaRouter::handle_produce(const Request& request, const protocol::RequestHeader& h,
                                 const protocol::ProduceRequest& r, ResponseSlot slot) {
  context_.metrics.produce_decode_latency.record_since(request.received_at);
  const int32_t appended_in_epoch = role_.leader_epoch();  // handle() checked that this broker leads
  auto answer = std::make_shared<OwnedProduceAnswer>();
  ProduceTotals totals;
  const bool transactional = r.transactional_id.has_value();
  // min.insync.replicas: acks=all is refused before the append while too few are in sync.
  const bool too_few_in_sync = r.acks == -1 && context_.in_sync != nullptr &&
                               context_.in_sync->size() < static_cast<int>(context_.config.cluster.min_insync_replicas);

  for (const auto& topic : r.topics) {
    OwnedProduceAnswer::Topic& out_topic = answer->topics.emplace_back();
    out_topic.name = std::string(topic.name);
    auto info = authorized(request, security::AclOperation::kWrite, security::AclResourceType::kTopic, topic.name)
                    ? topic_for_write(topic.name, may_create_topic(request, topic.name))
                    : std::unexpected(TopicError{static_cast<int16_t>(KafkaError::kTopicAuthorizationFailed),
                                                 "not authorized to write to " + std::string(topic.name)});
    for (const auto& partition : topic.partitions) {
      protocol::ProducePartitionResponse& out = out_topic.partitions.emplace_back();
      out.index = partition.index;
      if (transactional) {
        out.error_code = KafkaError::kTransactionalIdAuthorizationFailed;
        continue;
      }
      if (too_few_in_sync) {
        out.error_code = KafkaError::kNotEnoughReplicas;
        context_.metrics.count_error(static_cast<int16_t>(out.error_code));
        continue;
      }
      auto queue = info ? (*info)->queue_id(partition.index) : std::nullopt;
      if (!queue) {
        out.error_code = info ? KafkaError::kUnknownTopicOrPartition : static_cast<KafkaError>(info.error().error_code);
        continue;
      }
      auto batches = read_batches(topic.name, partition, request.peer,
                                  static_cast<size_t>(config_rules_.settings((*info)->configs).max_message_bytes));
      if (!batches) {
        out.error_code = batches.error();
        continue;
      }
      auto guard = producers_->lock_partition(*queue);  // sequence check + append + record, atomically
      append_batches(context_.store, guard, *queue, *batches, topic.name, out, totals, context_.metrics.append_latency);
      if (auto range = context_.store.queue_range(*queue))
        out.log_start_offset = static_cast<int64_t>(range->start_offset.value());
      if (out.error_code != KafkaError::kNone) context_.metrics.count_error(static_cast<int16_t>(out.error_code));
    }
  }
  context_.metrics.bytes_in.add(totals.bytes);
  context_.metrics.records_in.add(totals.records);
  answer_produce(context_, role_, appended_in_epoch, request, h, r.acks, std::move(answer), totals.durable_end,
                 std::move(slot));
}

}  // namespace ringmq::broker::kafka
