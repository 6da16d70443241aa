// Test-side RecordBatch v2 builder, written from the protocol guide's "Record Batch" section:
// uncompressed records with keys, values and headers, the CRC32C computed over attributes..end.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/crc32c.h"
#include "tests/broker/protocol_wire.h"

namespace ringmq::broker::protocol::testing {

struct TestRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

struct BatchOptions {
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = 2;
  int16_t attributes = 0;
  int64_t base_timestamp = 1700000000000;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  // Replace the records with these bytes (e.g. a pretend-compressed block).
  std::optional<Bytes> raw_records;
  std::optional<int32_t> record_count;       // default: records.size()
  std::optional<int32_t> last_offset_delta;  // default: record_count - 1
};

inline Bytes encode_records(const std::vector<TestRecord>& records) {
  WireBuilder all;
  for (size_t i = 0; i < records.size(); ++i) {
    const TestRecord& r = records[i];
    WireBuilder body;
    body.i8(0).varint(static_cast<int64_t>(i) * 3).varint(static_cast<int64_t>(i));
    if (r.key) {
      body.varint(static_cast<int64_t>(r.key->size())).raw(bytes_of(*r.key));
    } else {
      body.varint(-1);
    }
    if (r.value) {
      body.varint(static_cast<int64_t>(r.value->size())).raw(bytes_of(*r.value));
    } else {
      body.varint(-1);
    }
    body.varint(static_cast<int64_t>(r.headers.size()));
    for (const auto& [hk, hv] : r.headers) {
      body.varint(static_cast<int64_t>(hk.size())).raw(bytes_of(hk));
      if (hv) {
        body.varint(static_cast<int64_t>(hv->size())).raw(bytes_of(*hv));
      } else {
        body.varint(-1);
      }
    }
    all.varint(static_cast<int64_t>(body.out.size())).raw(body.out);
  }
  return all.out;
}

inline Bytes build_batch(const std::vector<TestRecord>& records, const BatchOptions& o = {}) {
  Bytes record_bytes = o.raw_records ? *o.raw_records : encode_records(records);
  int32_t count = o.record_count.value_or(static_cast<int32_t>(records.size()));
  WireBuilder covered;  // attributes .. end: what the CRC covers
  covered.i16(o.attributes)
      .i32(o.last_offset_delta.value_or(count - 1))
      .i64(o.base_timestamp)
      .i64(o.base_timestamp + 3 * (count > 0 ? count - 1 : 0))
      .i64(o.producer_id)
      .i16(o.producer_epoch)
      .i32(o.base_sequence)
      .i32(count)
      .raw(record_bytes);
  uint32_t crc = crc32c(covered.out);
  WireBuilder batch;
  batch.i64(o.base_offset)
      .i32(static_cast<int32_t>(4 + 1 + 4 + covered.out.size()))
      .i32(o.partition_leader_epoch)
      .i8(o.magic)
      .i32(static_cast<int32_t>(crc))
      .raw(covered.out);
  return batch.out;
}

inline std::vector<TestRecord> sample_records() {
  return {{"k1", "hello", {{"h", "v"}}}, {std::nullopt, "world", {}}, {"k3", std::nullopt, {{"x", std::nullopt}}}};
}

}  // namespace ringmq::broker::protocol::testing
