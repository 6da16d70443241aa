#include "broker/protocol/record_batch.h"

#include <string>

#include "broker/protocol/reader.h"
#include "common/crc32c.h"

namespace ringmq::broker::protocol {
namespace {

constexpr size_t kAttributesOffset = 21;  // first byte the CRC covers
constexpr int32_t kMinBatchLength = static_cast<int32_t>(kRecordBatchHeaderBytes - kRecordBatchLogOverhead);

std::unexpected<Error> corrupt(const std::string& message) {
  return make_error(ErrorCode::kCorrupt, "record batch: " + message);
}

// Walks the records of an uncompressed batch; every length must stay inside `records` and the
// walk must end exactly at its end after `expected_count` records.
Status validate_uncompressed_records(std::span<const std::byte> records, int32_t expected_count) {
  Reader reader(records);
  int32_t count = 0;
  while (reader.ok() && reader.remaining() > 0) {
    size_t start = reader.offset();
    int32_t length = reader.read_varint();
    if (!reader.ok()) break;
    if (length < 0 || static_cast<size_t>(length) > reader.remaining()) {
      return corrupt("record " + std::to_string(count) + " at byte " + std::to_string(start) + " claims " +
                     std::to_string(length) + " bytes, " + std::to_string(reader.remaining()) + " left");
    }
    Reader record(reader.read_raw(static_cast<size_t>(length)));
    record.read_int8();     // attributes
    record.read_varlong();  // timestamp_delta
    record.read_varint();   // offset_delta
    int32_t key_length = record.read_varint();
    if (key_length < -1) record.fail("key length " + std::to_string(key_length));
    if (key_length > 0) record.read_raw(static_cast<size_t>(key_length));
    int32_t value_length = record.read_varint();
    if (value_length < -1) record.fail("value length " + std::to_string(value_length));
    if (value_length > 0) record.read_raw(static_cast<size_t>(value_length));
    int32_t header_count = record.read_varint();
    if (header_count < 0 || static_cast<size_t>(header_count) > record.remaining()) {
      record.fail("header count " + std::to_string(header_count));
    }
    for (int32_t h = 0; h < header_count && record.ok(); ++h) {
      int32_t header_key_length = record.read_varint();
      if (header_key_length < 0) record.fail("header key length " + std::to_string(header_key_length));
      if (header_key_length > 0) record.read_raw(static_cast<size_t>(header_key_length));
      int32_t header_value_length = record.read_varint();
      if (header_value_length < -1) record.fail("header value length " + std::to_string(header_value_length));
      if (header_value_length > 0) record.read_raw(static_cast<size_t>(header_value_length));
    }
    if (record.ok() && record.remaining() != 0) {
      record.fail(std::to_string(record.remaining()) + " bytes left over after the headers");
    }
    if (!record.ok()) {
      return corrupt("record " + std::to_string(count) + " at byte " + std::to_string(start) + ": " +
                     record.status().error().message);
    }
    ++count;
  }
  if (!reader.ok()) return corrupt("records: " + reader.status().error().message);
  if (count != expected_count) {
    return corrupt("header says " + std::to_string(expected_count) + " records, found " + std::to_string(count));
  }
  return {};
}

}  // namespace

Result<RecordBatchHeader> read_record_batch_header(std::span<const std::byte> data) {
  if (data.size() < kRecordBatchHeaderBytes) {
    return corrupt("truncated header: needs " + std::to_string(kRecordBatchHeaderBytes) + " bytes, " +
                   std::to_string(data.size()) + " left");
  }
  Reader reader(data);
  RecordBatchHeader h;
  h.base_offset = reader.read_int64();
  h.batch_length = reader.read_int32();
  h.partition_leader_epoch = reader.read_int32();
  h.magic = reader.read_int8();
  h.crc = reader.read_uint32();
  h.attributes = reader.read_int16();
  h.last_offset_delta = reader.read_int32();
  h.base_timestamp = reader.read_int64();
  h.max_timestamp = reader.read_int64();
  h.producer_id = reader.read_int64();
  h.producer_epoch = reader.read_int16();
  h.base_sequence = reader.read_int32();
  h.record_count = reader.read_int32();
  return h;
}

Result<RecordBatchView> parse_record_batch(std::span<const std::byte> data, const RecordBatchLimits& limits) {
  auto header = read_record_batch_header(data);
  if (!header) return std::unexpected(header.error());
  const RecordBatchHeader& h = *header;
  // Magic first: a v0/v1 message set has a different layout past byte 16.
  if (h.magic != kRecordBatchMagic) {
    return make_error(ErrorCode::kUnsupported, "record batch: magic " + std::to_string(h.magic) +
                                                   " is not supported; the broker accepts only RecordBatch v2 "
                                                   "(magic 2, Kafka 0.11+ clients)");
  }
  if (h.batch_length < kMinBatchLength) {
    return corrupt("batch_length " + std::to_string(h.batch_length) + " is shorter than a batch header (" +
                   std::to_string(kMinBatchLength) + ")");
  }
  if (h.size_bytes() > data.size()) {
    return corrupt("batch_length " + std::to_string(h.batch_length) + " runs past the " +
                   std::to_string(data.size() - kRecordBatchLogOverhead) + " bytes available");
  }
  if (h.size_bytes() > limits.max_batch_bytes) {
    return make_error(ErrorCode::kTooLarge, "record batch of " + std::to_string(h.size_bytes()) +
                                                " bytes exceeds the limit of " +
                                                std::to_string(limits.max_batch_bytes) + " bytes (max_batch_bytes)");
  }
  std::span<const std::byte> bytes = data.first(h.size_bytes());
  uint32_t crc = crc32c(bytes.subspan(kAttributesOffset));
  if (crc != h.crc) {
    return corrupt("CRC32C mismatch: header says " + std::to_string(h.crc) + ", bytes give " + std::to_string(crc));
  }
  if (h.record_count < 1) return corrupt("record_count " + std::to_string(h.record_count) + " is below 1");
  if (int64_t{h.last_offset_delta} + 1 != h.record_count) {
    return corrupt("record_count " + std::to_string(h.record_count) + " does not match last_offset_delta " +
                   std::to_string(h.last_offset_delta) + " + 1");
  }
  RecordBatchView view{h, bytes};
  if (limits.validate_records && h.compression() == Compression::kNone) {
    auto valid = validate_uncompressed_records(view.records(), h.record_count);
    if (!valid) return std::unexpected(valid.error());
  }
  return view;
}

Result<std::optional<RecordBatchView>> RecordBatchIterator::next() {
  if (offset_ >= records_.size()) return std::optional<RecordBatchView>();
  auto batch = parse_record_batch(records_.subspan(offset_), limits_);
  if (!batch) {
    Error error = batch.error();
    error.message = "batch at byte " + std::to_string(offset_) + " of records: " + error.message;
    return std::unexpected(std::move(error));
  }
  offset_ += batch->bytes.size();
  return std::optional<RecordBatchView>(*batch);
}

Status set_base_offset(std::span<std::byte> batch, int64_t base_offset) {
  if (batch.size() < 8) return make_error(ErrorCode::kInvalidArgument, "batch too short to hold base_offset");
  uint64_t v = static_cast<uint64_t>(base_offset);
  for (size_t i = 0; i < 8; ++i) batch[i] = static_cast<std::byte>(v >> (56 - 8 * i));
  return {};
}

Status set_partition_leader_epoch(std::span<std::byte> batch, int32_t epoch) {
  if (batch.size() < 16) {
    return make_error(ErrorCode::kInvalidArgument, "batch too short to hold partition_leader_epoch");
  }
  uint32_t v = static_cast<uint32_t>(epoch);
  for (size_t i = 0; i < 4; ++i) batch[12 + i] = static_cast<std::byte>(v >> (24 - 8 * i));
  return {};
}

KafkaError record_batch_kafka_error(const Error& error) {
  switch (error.code) {
    case ErrorCode::kTooLarge:
      return KafkaError::kMessageTooLarge;
    case ErrorCode::kUnsupported:
      return KafkaError::kUnsupportedForMessageFormat;
    default:
      return KafkaError::kCorruptMessage;
  }
}

}  // namespace ringmq::broker::protocol
