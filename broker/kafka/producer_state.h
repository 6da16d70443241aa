// ProducerState: idempotent producers, as Kafka's ProducerStateManager keeps them. It hands
// out producer ids (InitProducerId) from a counter persisted in <data_dir>/producer_ids, and
// remembers per (partition, producer id) the epoch and the last kBatchesRetained batches'
// sequence ranges and base offsets, so a retried batch is answered with its original offset
// instead of being stored twice, and a gap or a stale epoch is refused.
//
// Partitions are identified by their engine queue id. Thread-safe; each partition has its own
// mutex. Correctness needs check + append + record to be atomic per partition, so the
// produce handler holds a PartitionGuard across the engine append:
//
//   auto guard = producers.lock_partition(queue_id);        // skip for producer_id -1
//   SequenceCheck c = guard.check(batch);
//   if (c.verdict == SequenceVerdict::kDuplicate) -> answer NONE with c.duplicate_base_offset
//   else if (c.verdict != SequenceVerdict::kAppend) -> answer c.error_code()
//   else { auto r = store.append(request, /*wait_for_flush=*/false);
//          if (r) guard.record(batch, r->queue_offset); }
//   guard.unlock();  // before waiting for durability (store.when_durable), so producers on
//                    // one partition share a group commit instead of queueing behind it
//
// If the flush that follows fails, the batch stays recorded; a retry then gets its offset as a
// duplicate. The engine treats a flush failure as fatal for every later append, so nothing
// is answered from a batch that was not stored.
//
// After a restart, rebuild_from_log() restores each partition from its last batches. A
// producer with no state on a partition (new, expired, or older than what was replayed) is
// accepted at any sequence, as Kafka 2.5+ does; UNKNOWN_PRODUCER_ID is reserved for ids this
// broker never handed out.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace ringmq::broker::kafka {

inline constexpr int64_t kNoProducerId = -1;
// Batches per producer and partition remembered for duplicate detection (Kafka's
// ProducerStateEntry.NUM_BATCHES_TO_RETAIN; clients keep at most 5 in flight).
inline constexpr size_t kBatchesRetained = 5;

// Kafka error codes (org.apache.kafka.common.protocol.Errors) of a failed check.
namespace producer_error {
inline constexpr int16_t kNone = 0;
inline constexpr int16_t kOutOfOrderSequenceNumber = 45;
inline constexpr int16_t kInvalidProducerEpoch = 47;
inline constexpr int16_t kUnknownProducerId = 59;
}  // namespace producer_error

struct ProducerIdAndEpoch {
  int64_t producer_id = kNoProducerId;
  int16_t epoch = -1;
};

// The idempotence fields of an incoming RecordBatch header.
struct ProducerBatch {
  int64_t producer_id = kNoProducerId;
  int16_t epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;
};

// A stored batch's header, oldest first, for rebuild_from_log().
struct LoggedBatch {
  int64_t producer_id = kNoProducerId;
  int16_t epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;
  int64_t base_offset = 0;  // the engine's queue offset of the batch
};

// Reads the fields above from a stored RecordBatch v2 (big-endian: producerId at byte 43,
// producerEpoch 51, baseSequence 53, recordCount 57). nullopt if the payload is shorter than
// the 61-byte header or its magic (byte 16) is not 2. `base_offset` is the engine's.
std::optional<LoggedBatch> parse_logged_batch(std::span<const std::byte> payload, int64_t base_offset);

// The last sequence of a batch: base + count - 1, wrapping past INT32_MAX to 0.
int32_t last_sequence(int32_t base_sequence, int32_t record_count);

enum class SequenceVerdict {
  kAppend,           // store it (also every non-idempotent batch)
  kDuplicate,        // already stored at duplicate_base_offset: answer success with it
  kOutOfOrder,       // OUT_OF_ORDER_SEQUENCE_NUMBER (45)
  kFencedEpoch,      // INVALID_PRODUCER_EPOCH (47): a newer epoch has written
  kUnknownProducer,  // UNKNOWN_PRODUCER_ID (59): an id this broker never handed out
};

struct SequenceCheck {
  SequenceVerdict verdict = SequenceVerdict::kAppend;
  int64_t duplicate_base_offset = -1;
  std::string message;         // why, for kOutOfOrder / kFencedEpoch / kUnknownProducer
  int16_t error_code() const;  // producer_error::kNone for kAppend and kDuplicate
};

// <data_dir>/producer_ids, replaced atomically (little-endian, written here and nowhere else):
//   offset size field
//   0      4    magic "RMPI" (bytes 52 4D 50 49)
//   4      2    version (1)
//   6      2    reserved (0)
//   8      8    reserved_until   no id at or above this was handed out; the next run starts here
//   16     4    CRC32C of bytes [0, 16)
inline constexpr uint32_t kProducerIdsFileMagic = 0x49504D52;  // "RMPI" little-endian
inline constexpr size_t kProducerIdsFileSize = 20;

struct ProducerStateOptions {
  std::string data_dir;  // the id counter is <data_dir>/producer_ids
  // Ids reserved per write of the counter file: a restart skips at most this many.
  uint32_t id_block = 1000;
  // A producer silent on a partition this long is forgotten (Kafka's producer.id.expiration.ms).
  int64_t producer_id_expiration_ms = 24 * 3600 * 1000;
};

class ProducerState {
  struct Partition;

 public:
  // Reads the id counter (absent: ids start at 0). A damaged file is kCorrupt: handing out
  // ids again from 0 would make new producers look like old ones.
  static Result<std::unique_ptr<ProducerState>> open(const ProducerStateOptions& options);

  // InitProducerId without a transactional id: a fresh id, epoch 0. Writes the counter file
  // once per id_block ids (an error then is the file system's).
  Result<ProducerIdAndEpoch> allocate_producer_id();
  // Every id below this was handed out (or skipped by a restart).
  int64_t next_producer_id() const { return next_producer_id_.load(std::memory_order_acquire); }

  // Exclusive access to one partition's producers, for the check-append-record sequence.
  class PartitionGuard {
   public:
    SequenceCheck check(const ProducerBatch& batch) const;
    // After a successful append of a batch check() accepted; base_offset is the engine's.
    void record(const ProducerBatch& batch, int64_t base_offset);
    void unlock() { lock_.unlock(); }
    uint32_t queue_id() const { return queue_id_; }

   private:
    friend class ProducerState;
    PartitionGuard(const ProducerState& owner, uint32_t queue_id, std::shared_ptr<Partition> partition);
    const ProducerState* owner_;
    uint32_t queue_id_;
    std::shared_ptr<Partition> partition_;
    std::unique_lock<std::mutex> lock_;
  };
  PartitionGuard lock_partition(uint32_t queue_id);

  // Replaces a partition's state with what its stored batches say, oldest first (typically the
  // last few hundred batches, read from the engine at start-up). Batches without a producer
  // id are skipped; ids at or above next_producer_id() move the counter past them.
  void rebuild_from_log(uint32_t queue_id, std::span<const LoggedBatch> batches);
  // Drops a partition's state (its topic was deleted).
  void forget_partition(uint32_t queue_id);
  // Forgets producers idle for producer_id_expiration_ms; returns how many entries went.
  size_t expire_idle_producers(int64_t now_ms);
  // Producers with state on a partition (for metrics and tests).
  size_t producer_count(uint32_t queue_id) const;

 private:
  struct BatchRange {
    int32_t first_sequence = 0;
    int32_t last_sequence = 0;
    int64_t base_offset = 0;
  };
  struct ProducerEntry {
    int16_t epoch = -1;
    uint8_t batch_count = 0;
    std::array<BatchRange, kBatchesRetained> batches{};  // oldest first
    int64_t last_update_ms = 0;
    void push(const BatchRange& range);
  };
  struct Partition {
    std::mutex mutex;
    std::unordered_map<int64_t, ProducerEntry> producers;  // guarded by mutex
  };

  explicit ProducerState(const ProducerStateOptions& options, int64_t next_id);
  static void apply(ProducerEntry& entry, int16_t epoch, int32_t first_sequence, int32_t record_count,
                    int64_t base_offset, int64_t now_ms);
  std::shared_ptr<Partition> partition(uint32_t queue_id);
  void observe_producer_id(int64_t producer_id);

  const ProducerStateOptions options_;
  const std::string path_;
  std::mutex id_mutex_;                    // serializes allocation and the counter file
  std::atomic<int64_t> next_producer_id_;  // written under id_mutex_
  int64_t reserved_until_ = 0;             // ids below this are covered by the file; id_mutex_
  mutable std::shared_mutex partitions_mutex_;
  std::unordered_map<uint32_t, std::shared_ptr<Partition>> partitions_;
};

}  // namespace ringmq::broker::kafka
