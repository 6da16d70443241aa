#include "broker/kafka/producer_state.h"

#include <chrono>
#include <limits>
#include <utility>

#include "common/crc32c.h"
#include "common/little_endian.h"
#include "io/file.h"

namespace ringmq::broker::kafka {
namespace {

constexpr uint16_t kProducerIdsFileVersion = 1;

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

uint64_t load_be(std::span<const std::byte> p, size_t at, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | std::to_integer<uint8_t>(p[at + i]);
  return v;
}

std::vector<std::byte> encode_producer_ids(int64_t reserved_until) {
  std::vector<std::byte> out;
  append_le<uint32_t>(out, kProducerIdsFileMagic);
  append_le<uint16_t>(out, kProducerIdsFileVersion);
  append_le<uint16_t>(out, 0);
  append_le<uint64_t>(out, static_cast<uint64_t>(reserved_until));
  append_le<uint32_t>(out, crc32c(out));
  return out;
}

Result<int64_t> decode_producer_ids(std::span<const std::byte> bytes) {
  auto bad = [](const std::string& what) { return make_error(ErrorCode::kCorrupt, what); };
  if (bytes.size() != kProducerIdsFileSize)
    return bad(std::to_string(bytes.size()) + " bytes, not " + std::to_string(kProducerIdsFileSize));
  if (load_le<uint32_t>(bytes.data()) != kProducerIdsFileMagic) return bad("bad magic");
  if (load_le<uint16_t>(bytes.data() + 4) != kProducerIdsFileVersion)
    return bad("unknown version " + std::to_string(load_le<uint16_t>(bytes.data() + 4)));
  if (crc32c(bytes.first(16)) != load_le<uint32_t>(bytes.data() + 16)) return bad("CRC mismatch");
  const auto reserved = static_cast<int64_t>(load_le<uint64_t>(bytes.data() + 8));
  if (reserved < 0) return bad("negative counter " + std::to_string(reserved));
  return reserved;
}

bool in_sequence(int32_t last, int32_t next) {
  return int64_t{next} == int64_t{last} + 1 || (next == 0 && last == std::numeric_limits<int32_t>::max());
}

SequenceCheck refuse(SequenceVerdict verdict, std::string message) { return {verdict, -1, std::move(message)}; }

}  // namespace

int32_t last_sequence(int32_t base_sequence, int32_t record_count) {
  int64_t last = int64_t{base_sequence} + record_count - 1;
  if (last > std::numeric_limits<int32_t>::max()) last -= int64_t{std::numeric_limits<int32_t>::max()} + 1;
  return static_cast<int32_t>(last);
}

std::optional<LoggedBatch> parse_logged_batch(std::span<const std::byte> payload, int64_t base_offset) {
  constexpr size_t kHeaderBytes = 61;
  if (payload.size() < kHeaderBytes || std::to_integer<uint8_t>(payload[16]) != 2) return std::nullopt;
  LoggedBatch b;
  b.producer_id = static_cast<int64_t>(load_be(payload, 43, 8));
  b.epoch = static_cast<int16_t>(load_be(payload, 51, 2));
  b.base_sequence = static_cast<int32_t>(load_be(payload, 53, 4));
  b.record_count = static_cast<int32_t>(load_be(payload, 57, 4));
  b.base_offset = base_offset;
  return b;
}

int16_t SequenceCheck::error_code() const {
  switch (verdict) {
    case SequenceVerdict::kAppend:
    case SequenceVerdict::kDuplicate:
      return producer_error::kNone;
    case SequenceVerdict::kOutOfOrder:
      return producer_error::kOutOfOrderSequenceNumber;
    case SequenceVerdict::kFencedEpoch:
      return producer_error::kInvalidProducerEpoch;
    case SequenceVerdict::kUnknownProducer:
      return producer_error::kUnknownProducerId;
  }
  return producer_error::kOutOfOrderSequenceNumber;
}

// --- ids ---

ProducerState::ProducerState(const ProducerStateOptions& options, int64_t next_id)
    : options_(options),
      path_(options.data_dir + "/producer_ids"),
      next_producer_id_(next_id),
      reserved_until_(next_id) {}

Result<std::unique_ptr<ProducerState>> ProducerState::open(const ProducerStateOptions& options) {
  if (options.id_block == 0) return make_error(ErrorCode::kInvalidArgument, "producer id_block must be at least 1");
  if (auto s = io::make_directories(options.data_dir); !s) return std::unexpected(s.error());
  const std::string path = options.data_dir + "/producer_ids";
  int64_t next = 0;
  if (io::path_exists(path)) {
    auto bytes = io::read_whole_file(path);
    if (!bytes) return std::unexpected(bytes.error());
    auto reserved = decode_producer_ids(*bytes);
    if (!reserved)
      return make_error(ErrorCode::kCorrupt, "producer id file " + path + " is damaged (" + reserved.error().message +
                                                 "); restore it from a backup, or remove it only if no producer "
                                                 "from before is still running");
    next = *reserved;
  }
  return std::unique_ptr<ProducerState>(new ProducerState(options, next));
}

Result<ProducerIdAndEpoch> ProducerState::allocate_producer_id() {
  std::lock_guard lock(id_mutex_);
  const int64_t id = next_producer_id_.load(std::memory_order_relaxed);
  if (id >= reserved_until_) {
    if (id > std::numeric_limits<int64_t>::max() - options_.id_block)
      return make_error(ErrorCode::kOutOfRange, "producer ids are exhausted");
    const int64_t until = id + options_.id_block;
    if (auto s = io::write_file_atomically(path_, encode_producer_ids(until)); !s)
      return make_error(s.error().code, "saving the producer id counter: " + s.error().message);
    reserved_until_ = until;
  }
  next_producer_id_.store(id + 1, std::memory_order_release);
  return ProducerIdAndEpoch{id, 0};
}

void ProducerState::observe_producer_id(int64_t producer_id) {
  std::lock_guard lock(id_mutex_);
  // The counter file is written before an id is handed out, so this only happens with a
  // counter file older than the log; the next allocation persists the new counter.
  if (producer_id >= next_producer_id_.load(std::memory_order_relaxed))
    next_producer_id_.store(producer_id + 1, std::memory_order_release);
}

// --- partitions ---

void ProducerState::ProducerEntry::push(const BatchRange& range) {
  if (batch_count == kBatchesRetained) {
    for (size_t i = 1; i < kBatchesRetained; ++i) batches[i - 1] = batches[i];
    --batch_count;
  }
  batches[batch_count++] = range;
}

void ProducerState::apply(ProducerEntry& entry, int16_t epoch, int32_t first_sequence, int32_t record_count,
                          int64_t base_offset, int64_t now_ms) {
  if (epoch < entry.epoch) return;  // a stale epoch never changes the state
  if (epoch > entry.epoch) {
    entry.epoch = epoch;  // a new epoch starts a new sequence
    entry.batch_count = 0;
  }
  entry.push({first_sequence, last_sequence(first_sequence, record_count), base_offset});
  entry.last_update_ms = now_ms;
}

std::shared_ptr<ProducerState::Partition> ProducerState::partition(uint32_t queue_id) {
  {
    std::shared_lock lock(partitions_mutex_);
    if (auto it = partitions_.find(queue_id); it != partitions_.end()) return it->second;
  }
  std::unique_lock lock(partitions_mutex_);
  auto& slot = partitions_[queue_id];
  if (!slot) slot = std::make_shared<Partition>();
  return slot;
}

ProducerState::PartitionGuard ProducerState::lock_partition(uint32_t queue_id) {
  return PartitionGuard(*this, queue_id, partition(queue_id));
}

ProducerState::PartitionGuard::PartitionGuard(const ProducerState& owner, uint32_t queue_id,
                                              std::shared_ptr<Partition> partition)
    : owner_(&owner), queue_id_(queue_id), partition_(std::move(partition)), lock_(partition_->mutex) {}

SequenceCheck ProducerState::PartitionGuard::check(const ProducerBatch& b) const {
  if (b.producer_id < 0) return {};  // not idempotent: nothing to check
  if (b.producer_id >= owner_->next_producer_id())
    return refuse(SequenceVerdict::kUnknownProducer,
                  "producer id " + std::to_string(b.producer_id) + " was never handed out by this broker");
  if (b.epoch < 0)
    return refuse(SequenceVerdict::kFencedEpoch,
                  "producer " + std::to_string(b.producer_id) + " sent epoch " + std::to_string(b.epoch));
  if (b.base_sequence < 0 || b.record_count <= 0)
    return refuse(SequenceVerdict::kOutOfOrder,
                  "producer " + std::to_string(b.producer_id) + " sent an idempotent batch with base sequence " +
                      std::to_string(b.base_sequence) + " and " + std::to_string(b.record_count) + " records");
  auto it = partition_->producers.find(b.producer_id);
  if (it == partition_->producers.end()) return {};  // new here, expired, or older than the replay
  const ProducerEntry& entry = it->second;
  const std::string who = "producer " + std::to_string(b.producer_id) + " on queue " + std::to_string(queue_id_);
  if (b.epoch < entry.epoch)
    return refuse(SequenceVerdict::kFencedEpoch,
                  who + ": epoch " + std::to_string(b.epoch) + " is older than " + std::to_string(entry.epoch));
  if (b.epoch > entry.epoch) {
    if (b.base_sequence == 0) return {};
    return refuse(SequenceVerdict::kOutOfOrder, who + ": new epoch " + std::to_string(b.epoch) +
                                                    " must start at sequence 0, not " +
                                                    std::to_string(b.base_sequence));
  }
  const int32_t last = last_sequence(b.base_sequence, b.record_count);
  for (uint8_t i = 0; i < entry.batch_count; ++i) {
    const BatchRange& r = entry.batches[i];
    if (r.first_sequence == b.base_sequence && r.last_sequence == last)
      return {SequenceVerdict::kDuplicate, r.base_offset, {}};
  }
  if (entry.batch_count == 0) return {};
  const int32_t expected_after = entry.batches[entry.batch_count - 1].last_sequence;
  if (in_sequence(expected_after, b.base_sequence)) return {};
  return refuse(SequenceVerdict::kOutOfOrder, who + ": expected sequence " +
                                                  std::to_string(last_sequence(expected_after, 2)) + ", got " +
                                                  std::to_string(b.base_sequence));
}

void ProducerState::PartitionGuard::record(const ProducerBatch& b, int64_t base_offset) {
  if (b.producer_id < 0) return;
  apply(partition_->producers[b.producer_id], b.epoch, b.base_sequence, b.record_count, base_offset, wall_clock_ms());
}

void ProducerState::rebuild_from_log(uint32_t queue_id, std::span<const LoggedBatch> batches) {
  std::unordered_map<int64_t, ProducerEntry> rebuilt;
  const int64_t now = wall_clock_ms();
  int64_t highest = kNoProducerId;
  for (const LoggedBatch& b : batches) {
    if (b.producer_id < 0 || b.record_count <= 0 || b.base_sequence < 0) continue;
    apply(rebuilt[b.producer_id], b.epoch, b.base_sequence, b.record_count, b.base_offset, now);
    highest = std::max(highest, b.producer_id);
  }
  if (highest >= 0) observe_producer_id(highest);
  auto p = partition(queue_id);
  std::lock_guard lock(p->mutex);
  p->producers = std::move(rebuilt);
}

void ProducerState::forget_partition(uint32_t queue_id) {
  std::unique_lock lock(partitions_mutex_);
  partitions_.erase(queue_id);
}

size_t ProducerState::expire_idle_producers(int64_t now_ms) {
  std::vector<std::shared_ptr<Partition>> all;
  {
    std::shared_lock lock(partitions_mutex_);
    all.reserve(partitions_.size());
    for (const auto& [queue, p] : partitions_) all.push_back(p);
  }
  size_t expired = 0;
  for (const auto& p : all) {
    std::lock_guard lock(p->mutex);
    expired += std::erase_if(p->producers, [&](const auto& entry) {
      return entry.second.last_update_ms < now_ms - options_.producer_id_expiration_ms;
    });
  }
  return expired;
}

size_t ProducerState::producer_count(uint32_t queue_id) const {
  std::shared_ptr<Partition> p;
  {
    std::shared_lock lock(partitions_mutex_);
    auto it = partitions_.find(queue_id);
    if (it == partitions_.end()) return 0;
    p = it->second;
  }
  std::lock_guard lock(p->mutex);
  return p->producers.size();
}

}  // namespace ringmq::broker::kafka
