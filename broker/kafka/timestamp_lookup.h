// ListOffsets by time, exactly as Kafka defines it, on top of the engine's per-batch index:
//   - a timestamp T >= 0: the earliest offset whose *record* timestamp is >= T (not the base
//     offset of the batch holding it), with that record's timestamp;
//   - -3 (MAX_TIMESTAMP): the offset and timestamp of the record with the largest timestamp
//     (the first one, if several share it);
//   - neither found (an empty partition, or T past every record): offset -1, timestamp -1.
// The engine finds the batch (first whose max timestamp reaches T, exact with out-of-order
// timestamps); the record inside it is found by walking the batch, decompressed if needed.
// Batches with log-append time carry one timestamp for all their records. Records below the
// partition's start (DeleteRecords, topic retention) are never answered. One approximation:
// for -3, when the start cut into the batch holding the maximum, the answer is the largest
// survivor of that batch, though a later batch may hold a larger one.
#pragma once

#include <cstdint>
#include <vector>

#include "common/result.h"
#include "engine/message_store.h"

namespace ringmq::broker::kafka {

struct TimestampedOffset {
  int64_t offset = -1;
  int64_t timestamp = -1;
};

// Reused between lookups so that decompression does not allocate every time.
struct TimestampLookupScratch {
  engine::ReadBatch read;
  std::vector<std::byte> records;
};

Result<TimestampedOffset> offset_for_timestamp(const engine::MessageStore& store, uint32_t queue_id,
                                               int64_t timestamp_ms, TimestampLookupScratch& scratch);
Result<TimestampedOffset> offset_of_max_timestamp(const engine::MessageStore& store, uint32_t queue_id,
                                                  TimestampLookupScratch& scratch);

}  // namespace ringmq::broker::kafka
