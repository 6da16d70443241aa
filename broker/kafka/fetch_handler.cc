// Fetch: read each asked partition from its engine queue, at least one whole batch even above
// max_bytes; below min_bytes, long-poll until data arrives or max_wait_ms passes. Batches read
// from mapped segments go out as views of them (no copy). A waiting fetch is re-read on its
// connection's network thread as soon as new records are indexed (one hop from the
// dispatcher, and the answer is written from there), and answered on the timer thread at its
// deadline with whatever there is.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <limits>

#include "broker/kafka/kafka_router.h"
#include "broker/replication/in_sync_acks.h"

namespace ringmq::broker::kafka {

using protocol::KafkaError;

namespace {
// A long poll answers at most this much after its max_wait_ms (Kafka's purgatory ticks are
// coarse too); shared deadlines keep the timer thread's wake-ups few.
constexpr auto kDeadlineGrid = std::chrono::milliseconds(5);

// Splices the record batches into the response as views of the stored bytes: the network
// thread writes them to the socket from the segment mapping (writev), never copied.
class SpliceIntoBody final : public protocol::FetchRecordsSink {
 public:
  explicit SpliceIntoBody(ResponseBody& body) : body_(body) {}
  void append_view(std::span<const std::byte> view) override { body_.append_view(view); }

 private:
  ResponseBody& body_;
};
}  // namespace

// A Fetch request copied out of its frame, with its slot, until it is answered.
struct KafkaRouter::FetchWait {
  struct Partition {
    int32_t partition = 0;
    int64_t fetch_offset = 0;
    int32_t max_bytes = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    bool readable = true;  // READ on the topic (decided once, when the request came)
  };
  KafkaRouter* router = nullptr;
  ResponseSlot slot;
  int16_t version = 0;
  int32_t correlation_id = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0;
  std::vector<Topic> topics;
  std::chrono::steady_clock::time_point received_at, deadline;
  // The connection's network thread, where new records re-read the wait (set once, before the
  // wait is shared).
  std::shared_ptr<CompletionInbox> owner;
  // One evaluation at a time: the network thread (new records) and the timer thread (polls,
  // the deadline) both evaluate a wait.
  std::mutex evaluating;
  std::atomic<bool> answered{false};
  // A re-read is queued on the owner thread: later index rounds need not queue another.
  std::atomic<bool> reread_queued{false};

  // Reads every partition; answers and returns true when there is enough data, an error, or
  // `final` (the deadline passed).
  bool try_answer(bool final) {
    std::lock_guard lock(evaluating);
    return try_answer_locked(final);
  }
  bool try_answer_locked(bool final);
};

bool KafkaRouter::FetchWait::try_answer_locked(bool final) {
  if (answered) return true;
  KafkaRouter& r = *router;
  auto snapshot = r.topics_->snapshot();
  // In a cluster, consumers read only what every in-sync follower holds (the high watermark):
  // a record a new leader might lack is never served.
  const uint64_t visible_end =
      r.context_.in_sync ? r.context_.in_sync->reached() : std::numeric_limits<uint64_t>::max();
  uint64_t served_end = 0;
  // The response's record views point into these; they stay pinned until it is written.
  auto reads = std::make_shared<std::deque<engine::ReadBatch>>();
  protocol::FetchResponse response;
  int64_t total = 0;
  bool any_error = false;
  uint64_t records = 0;
  for (const Topic& topic : topics) {
    protocol::FetchTopicResponse& out_topic = response.topics.emplace_back();
    out_topic.topic = topic.name;
    const TopicInfo* info = snapshot->find(topic.name);
    for (const Partition& p : topic.partitions) {
      protocol::FetchPartitionResponse& out = out_topic.partitions.emplace_back();
      out.partition_index = p.partition;
      auto queue = topic.readable && info ? info->queue_id(p.partition) : std::nullopt;
      if (!queue) {
        out.error_code = topic.readable ? KafkaError::kUnknownTopicOrPartition : KafkaError::kTopicAuthorizationFailed;
        any_error = true;
        continue;
      }
      const engine::QueueRange range = r.context_.store.queue_range(*queue).value_or(engine::QueueRange{});
      out.high_watermark = static_cast<int64_t>(range.next_offset.value());
      out.last_stable_offset = out.high_watermark;  // no transactions: KafkaJS reads read_committed
      out.log_start_offset = static_cast<int64_t>(range.start_offset.value());
      if (p.fetch_offset < out.log_start_offset || p.fetch_offset > out.high_watermark) {
        out.error_code = KafkaError::kOffsetOutOfRange;
        any_error = true;
        continue;
      }
      if (p.fetch_offset == out.high_watermark) continue;
      // Budget: the partition's and the request's; the first data of the response may exceed
      // both (one whole batch), later partitions only get what is left.
      int64_t budget = std::min<int64_t>(p.max_bytes, int64_t{max_bytes} - total);
      if (budget <= 0 && total > 0) continue;
      engine::ReadBatch& batch = reads->emplace_back();
      auto s = r.context_.store.read(*queue, engine::QueueOffset(static_cast<uint64_t>(p.fetch_offset)),
                                     static_cast<uint64_t>(std::max<int64_t>(budget, 1)), batch);
      if (!s) {
        out.error_code = kafka_error_for(s.error());
        any_error = true;
        spdlog::warn("fetch {}-{} at {}: {}", topic.name, p.partition, p.fetch_offset, s.error().message);
        continue;
      }
      for (const auto& stored : batch.batches) {
        if (stored.commit_log_offset.value() + engine::record_size(stored.payload.size()) > visible_end) {
          out.high_watermark = static_cast<int64_t>(stored.base_offset.value());
          out.last_stable_offset = out.high_watermark;
          break;
        }
        out.records.push_back({stored.payload, protocol::kKeepBaseOffset});
        total += static_cast<int64_t>(stored.payload.size());
        records += stored.record_count;
        served_end =
            std::max(served_end, stored.commit_log_offset.value() + engine::record_size(stored.payload.size()));
      }
    }
  }
  if (!final && !any_error && total < min_bytes) return false;
  answered = true;
  // A follower joins the in-sync set only holding what consumers were served.
  if (served_end > 0 && r.context_.in_sync) r.context_.in_sync->note_served(served_end);
  r.context_.metrics.bytes_out.add(static_cast<uint64_t>(total));
  r.context_.metrics.records_out.add(records);
  // Spliced as views of the stored bytes, kept alive with the response: a view pins only its
  // segment (never a pool chunk), so a slow consumer holds back no write buffer.
  std::vector<std::byte> owned = slot.take_buffer();
  owned.clear();
  ResponseBody body(std::move(owned));
  protocol::Writer writer(body.bytes());
  SpliceIntoBody sink(body);
  if (Status s = protocol::encode_fetch_response(version, correlation_id, response, writer, &sink); !s) {
    slot.close_connection("encoding the response failed: " + s.error().message);
    return true;
  }
  body.keep_alive(std::move(reads));
  slot.complete(std::move(body));
  r.context_.metrics.fetch_latency.record(std::chrono::steady_clock::now() - received_at);
  return true;
}

void KafkaRouter::handle_fetch(const Request& request, const protocol::RequestHeader& h,
                               const protocol::FetchRequest& r, ResponseSlot slot) {
  auto wait = std::make_shared<FetchWait>();
  wait->router = this;
  wait->slot = std::move(slot);
  wait->version = h.api_version;
  wait->correlation_id = h.correlation_id;
  wait->min_bytes = r.min_bytes;
  wait->max_bytes = r.max_bytes > 0 ? r.max_bytes : INT32_MAX;
  wait->received_at = request.received_at;
  wait->owner = wait->slot.owner_inbox();
  wait->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(0, r.max_wait_ms));
  for (const auto& topic : r.topics) {
    FetchWait::Topic& t = wait->topics.emplace_back();
    t.name = std::string(topic.topic);
    t.readable = authorized(request, security::AclOperation::kRead, security::AclResourceType::kTopic, topic.topic);
    for (const auto& p : topic.partitions) t.partitions.push_back({p.partition, p.fetch_offset, p.partition_max_bytes});
  }
  if (wait->try_answer(r.max_wait_ms <= 0)) return;
  {
    std::lock_guard lock(waits_mutex_);
    std::erase_if(waits_, [](const auto& w) {
      auto shared = w.lock();
      return !shared || shared->answered;
    });
    waits_.push_back(wait);
  }
  // Records indexed between the first read and the registration woke nobody: read once more.
  if (wait->try_answer(false)) return;
  // New records re-read the wait (wake_fetch_waits); the timer answers it at its deadline with
  // what is there. Deadlines are rounded up to a common grid, so that one wake-up of the timer
  // thread serves every fetch due in that stretch rather than one per fetch.
  const auto grid = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kDeadlineGrid);
  const auto since_epoch = wait->deadline.time_since_epoch();
  const auto due =
      std::chrono::steady_clock::time_point((since_epoch + grid - std::chrono::nanoseconds(1)) / grid * grid);
  context_.timers.schedule_at(due, [wait] { wait->try_answer(true); });
}

void KafkaRouter::wake_fetch_waits() { wake_fetch_waits_using(live_waits_); }

void KafkaRouter::wake_fetch_waits_using(std::vector<std::shared_ptr<FetchWait>>& live) {
  // On the dispatcher thread: no reading here. Each live wait is handed to its connection's
  // network thread, which reads and answers it there: one wake-up per thread per burst (the
  // inbox writes its eventfd only when it was empty), and the answer needs no further hop.
  {
    std::lock_guard lock(waits_mutex_);
    if (waits_.empty()) return;
    live.clear();
    for (auto& w : waits_)
      if (auto shared = w.lock(); shared && !shared->answered) live.push_back(std::move(shared));
    waits_.clear();
    for (auto& w : live) waits_.push_back(w);
  }
  const auto indexed_at = std::chrono::steady_clock::now();
  for (auto& w : live) {
    if (w->reread_queued.exchange(true)) continue;  // the queued re-read will see these records too
    w->owner->run_on_owner([this, w, indexed_at] {
      w->reread_queued = false;  // before reading: records indexed from here on queue another
      const bool final = std::chrono::steady_clock::now() >= w->deadline;  // its deadline's answer
      if (!w->answered && w->try_answer(final) && !final)
        context_.metrics.fetch_wakeup_latency.record_since(indexed_at);
    });
  }
  live.clear();
}

}  // namespace ringmq::broker::kafka
