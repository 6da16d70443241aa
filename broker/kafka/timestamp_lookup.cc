#include "broker/kafka/timestamp_lookup.h"

#include <limits>
#include <string>

#include "broker/protocol/batch_decompression.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/record_batch.h"

namespace ringmq::broker::kafka {
namespace {

using protocol::RecordBatchView;

// One record's position and time inside a batch.
struct RecordStamp {
  int64_t offset_delta = 0;
  int64_t timestamp = 0;
};

// Calls visit(stamp) for each record of the batch in order until it returns true; returns
// the stamp it stopped at, or none.
template <typename Visit>
Result<std::optional<RecordStamp>> walk_records(const RecordBatchView& batch, TimestampLookupScratch& scratch,
                                                Visit visit) {
  std::span<const std::byte> records = batch.records();
  if (batch.header.compression() != protocol::Compression::kNone) {
    if (auto s = protocol::decompress_records(batch.header.compression(), records, scratch.records); !s)
      return std::unexpected(s.error());
    records = scratch.records;
  }
  protocol::Reader reader(records);
  for (int32_t i = 0; i < batch.header.record_count && reader.remaining() > 0; ++i) {
    const int32_t length = reader.read_varint();
    if (!reader.ok() || length < 0 || static_cast<size_t>(length) > reader.remaining()) break;
    protocol::Reader record(reader.read_raw(static_cast<size_t>(length)));
    record.read_int8();  // attributes
    const int64_t timestamp_delta = record.read_varlong();
    const int32_t offset_delta = record.read_varint();
    if (!record.ok()) break;
    RecordStamp stamp{offset_delta, batch.header.base_timestamp + timestamp_delta};
    if (visit(stamp)) return std::optional<RecordStamp>(stamp);
  }
  if (!reader.ok()) return make_error(ErrorCode::kCorrupt, "record batch: " + reader.status().error().message);
  return std::optional<RecordStamp>();
}

// The stored batch holding `offset`, parsed (header and CRC).
Result<RecordBatchView> batch_at(const engine::MessageStore& store, uint32_t queue_id, engine::QueueOffset offset,
                                 TimestampLookupScratch& scratch, int64_t& base_offset) {
  scratch.read.clear();
  if (auto s = store.read(queue_id, offset, 1, scratch.read); !s) return std::unexpected(s.error());
  if (scratch.read.batches.empty()) return make_error(ErrorCode::kNotFound, "no batch at the offset");
  const engine::StoredBatch& stored = scratch.read.batches.front();
  base_offset = static_cast<int64_t>(stored.base_offset.value());
  protocol::RecordBatchLimits limits;
  limits.max_batch_bytes = std::numeric_limits<size_t>::max();
  limits.validate_records = false;
  return protocol::parse_record_batch(stored.payload, limits);
}

}  // namespace

Result<TimestampedOffset> offset_for_timestamp(const engine::MessageStore& store, uint32_t queue_id,
                                               int64_t timestamp_ms, TimestampLookupScratch& scratch) {
  auto found = store.offset_for_timestamp(queue_id, timestamp_ms);
  if (!found) {
    if (found.error().code == ErrorCode::kNotFound) return TimestampedOffset{};
    return std::unexpected(found.error());
  }
  // Usually the first batch read holds the answer. Batches are read on only when records of it
  // were deleted (DeleteRecords or topic retention left the start inside it) or its header
  // claims more than its records hold; the end of the queue means nothing is that late.
  for (engine::QueueOffset at = *found;;) {
    int64_t base_offset = 0;
    auto batch = batch_at(store, queue_id, at, scratch, base_offset);
    if (!batch) {
      if (batch.error().code == ErrorCode::kNotFound) return TimestampedOffset{};  // the end
      return std::unexpected(batch.error());
    }
    const auto start = static_cast<int64_t>(scratch.read.start_offset.value());
    const int64_t end_offset = base_offset + batch->header.last_offset_delta + 1;
    if (batch->header.max_timestamp >= timestamp_ms) {
      if (batch->header.log_append_time())
        return TimestampedOffset{std::max(base_offset, start), batch->header.max_timestamp};
      auto record = walk_records(*batch, scratch, [&](const RecordStamp& r) {
        return base_offset + r.offset_delta >= start && r.timestamp >= timestamp_ms;
      });
      if (!record) return std::unexpected(record.error());
      if (*record) return TimestampedOffset{base_offset + (*record)->offset_delta, (*record)->timestamp};
    }
    at = engine::QueueOffset(static_cast<uint64_t>(end_offset));
  }
}

Result<TimestampedOffset> offset_of_max_timestamp(const engine::MessageStore& store, uint32_t queue_id,
                                                  TimestampLookupScratch& scratch) {
  auto found = store.offset_of_max_timestamp(queue_id);
  if (!found) {
    if (found.error().code == ErrorCode::kNotFound) return TimestampedOffset{};
    return std::unexpected(found.error());
  }
  if (!*found) return TimestampedOffset{};
  int64_t base_offset = 0;
  auto batch = batch_at(store, queue_id, **found, scratch, base_offset);
  if (!batch) {
    if (batch.error().code == ErrorCode::kNotFound) return TimestampedOffset{};
    return std::unexpected(batch.error());
  }
  const auto start = static_cast<int64_t>(scratch.read.start_offset.value());
  if (batch->header.log_append_time())
    return TimestampedOffset{std::max(base_offset, start), batch->header.max_timestamp};
  // The largest timestamp among the batch's records still served (the first such record).
  // When the start cut into this batch, its deleted records may have held the queue's maximum;
  // the answer is then the largest of this batch's survivors (a later batch may hold a larger
  // one: rare, and noted in timestamp_lookup.h).
  std::optional<RecordStamp> best;
  auto walked = walk_records(*batch, scratch, [&](const RecordStamp& r) {
    if (base_offset + r.offset_delta >= start && (!best || r.timestamp > best->timestamp)) best = r;
    return false;
  });
  if (!walked) return std::unexpected(walked.error());
  if (!best) return TimestampedOffset{std::max(base_offset, start), batch->header.max_timestamp};
  return TimestampedOffset{base_offset + best->offset_delta, best->timestamp};
}

}  // namespace ringmq::broker::kafka
