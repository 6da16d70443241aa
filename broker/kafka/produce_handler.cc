// Produce: validate each partition's record batches, check idempotent-producer sequences,
// append every batch to the partition's engine queue with its base offset stamped in, and
// answer — at once for acks=1, after the covering flush for acks=-1, never for acks=0.
#include <spdlog/spdlog.h>

#include "broker/kafka/kafka_router.h"

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

}  // namespace

void KafkaRouter::handle_produce(const Request& request, const protocol::RequestHeader& h,
                                 const protocol::ProduceRequest& r, ResponseSlot slot) {
  auto answer = std::make_shared<OwnedProduceAnswer>();
  uint64_t durable_end = 0;  // commit-log offset a flush must cover before acks=-1 is answered
  uint64_t bytes = 0, records = 0;
  const bool transactional = r.transactional_id.has_value();

  for (const auto& topic : r.topics) {
    OwnedProduceAnswer::Topic& out_topic = answer->topics.emplace_back();
    out_topic.name = std::string(topic.name);
    auto info = topic_for_write(topic.name, true);
    for (const auto& partition : topic.partitions) {
      protocol::ProducePartitionResponse& out = out_topic.partitions.emplace_back();
      out.index = partition.index;
      if (transactional) {
        out.error_code = KafkaError::kTransactionalIdAuthorizationFailed;
        continue;
      }
      auto queue = info ? (*info)->queue_id(partition.index) : std::nullopt;
      if (!queue) {
        out.error_code = info ? KafkaError::kUnknownTopicOrPartition : static_cast<KafkaError>(info.error().error_code);
        continue;
      }
      // Validate every batch before appending any, so a bad one leaves the partition untouched.
      protocol::RecordBatchLimits limits;
      limits.max_batch_bytes = context_.config.engine.max_record_bytes;
      protocol::RecordBatchIterator batches(partition.records, limits);
      std::vector<protocol::RecordBatchView> valid;
      KafkaError error = KafkaError::kNone;
      for (;;) {
        auto next = batches.next();
        if (!next) {
          error = next.error().code == ErrorCode::kTooLarge ? KafkaError::kMessageTooLarge : KafkaError::kCorruptMessage;
          spdlog::warn("produce to {}-{} from {} rejected: {}", topic.name, partition.index, request.peer,
                       next.error().message);
          break;
        }
        if (!*next) break;
        valid.push_back(**next);
      }
      if (error == KafkaError::kNone && valid.empty()) error = KafkaError::kCorruptMessage;
      if (error != KafkaError::kNone) {
        out.error_code = error;
        continue;
      }
      auto guard = producers_->lock_partition(*queue);  // sequence check + append + record, atomically
      for (size_t i = 0; i < valid.size() && out.error_code == KafkaError::kNone; ++i) {
        const protocol::RecordBatchHeader& b = valid[i].header;
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
        auto appended = context_.store.append(
            {*queue, valid[i].bytes, static_cast<uint32_t>(b.record_count), b.max_timestamp, /*stamp_offset_at=*/0},
            false);
        if (!appended) {
          out.error_code = kafka_error_for(appended.error());
          spdlog::warn("produce to {}-{}: {}", topic.name, partition.index, appended.error().message);
          break;
        }
        guard.record(producer, static_cast<int64_t>(appended->queue_offset));
        if (i == 0) out.base_offset = static_cast<int64_t>(appended->queue_offset);
        durable_end = std::max(durable_end, appended->end_offset);
        bytes += valid[i].bytes.size();
        records += static_cast<uint64_t>(b.record_count);
      }
      if (auto range = context_.store.queue_range(*queue)) out.log_start_offset = static_cast<int64_t>(range->start_offset);
      if (out.error_code != KafkaError::kNone) context_.metrics.count_error(static_cast<int16_t>(out.error_code));
    }
  }
  context_.metrics.bytes_in.add(bytes);
  context_.metrics.records_in.add(records);

  if (r.acks == 0) {
    slot.complete_without_response();
    return;
  }
  const int16_t version = h.api_version;
  const int32_t correlation_id = h.correlation_id;
  const auto received_at = request.received_at;
  auto finish = [this, answer, version, correlation_id, received_at](ResponseSlot& s) {
    const protocol::ProduceResponse response = answer->view();
    respond(s, [&](protocol::Writer& w) { return protocol::encode_produce_response(version, correlation_id, response, w); });
    context_.metrics.produce_latency.record(std::chrono::steady_clock::now() - received_at);
  };
  if (r.acks != -1 || durable_end == 0) {
    finish(slot);
    return;
  }
  // acks=all: answer when the data is durable, from the flusher thread.
  auto shared_slot = std::make_shared<ResponseSlot>(std::move(slot));
  const auto flush_started = std::chrono::steady_clock::now();
  context_.store.when_durable(durable_end, [this, answer, shared_slot, finish, flush_started](Status s) {
    context_.metrics.flush_latency.record(std::chrono::steady_clock::now() - flush_started);
    if (!s) {
      spdlog::warn("produce not made durable: {}", s.error().message);
      answer->fail_all(kafka_error_for(s.error()));
    }
    finish(*shared_slot);
  });
}

}  // namespace ringmq::broker::kafka
