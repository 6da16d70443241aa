// Fetch (key 1), v4-12: a consumer's long poll for record batches. Layouts (FetchRequest.json
// / FetchResponse.json; flexible from v12):
//   request   replica_id int32, max_wait_ms int32, min_bytes int32, max_bytes int32 (v3+),
//             isolation_level int8 (v4+), session_id int32 (v7+), session_epoch int32 (v7+),
//             topics ARRAY of [topic STRING,
//                              partitions ARRAY of [partition int32,
//                                current_leader_epoch int32 (v9+), fetch_offset int64,
//                                last_fetched_epoch int32 (v12+), log_start_offset int64 (v5+),
//                                partition_max_bytes int32]],
//             forgotten_topics_data ARRAY of [topic STRING, partitions ARRAY int32] (v7+),
//             rack_id STRING (v11+)
//   response  throttle_time_ms int32 (v1+), error_code int16 (v7+), session_id int32 (v7+),
//             responses ARRAY of [topic STRING,
//                                 partitions ARRAY of [partition_index int32, error_code int16,
//                                   high_watermark int64, last_stable_offset int64 (v4+),
//                                   log_start_offset int64 (v5+),
//                                   aborted_transactions NULLABLE ARRAY of [producer_id int64,
//                                     first_offset int64] (v4+),
//                                   preferred_read_replica int32 (v11+),
//                                   records NULLABLE_BYTES]]
// The broker does not keep fetch sessions: it answers session_id 0, which makes clients send
// full requests every time (KIP-227 "sessionless").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

struct FetchPartition {
  int32_t partition = 0;
  int32_t current_leader_epoch = -1;
  int64_t fetch_offset = 0;
  int32_t last_fetched_epoch = -1;
  int64_t log_start_offset = -1;
  int32_t partition_max_bytes = 0;
};

struct FetchTopic {
  std::string_view topic;
  std::vector<FetchPartition> partitions;
};

struct ForgottenTopic {
  std::string_view topic;
  std::vector<int32_t> partitions;
};

struct FetchRequest {
  int32_t replica_id = -1;
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = INT32_MAX;
  int8_t isolation_level = 0;  // 0 read_uncommitted, 1 read_committed
  int32_t session_id = 0;
  int32_t session_epoch = -1;
  std::vector<FetchTopic> topics;
  std::vector<ForgottenTopic> forgotten_topics;
  std::string_view rack_id;
};

struct AbortedTransaction {
  int64_t producer_id = 0;
  int64_t first_offset = 0;
};

// One stored batch (or the tail of one, cut at max_bytes) to send. When base_offset is not
// kKeepBaseOffset the encoder writes it into the batch's first 8 bytes as it copies them: the
// base offset is outside the batch CRC, so a batch stored as the producer sent it can be sent
// with its real offset.
inline constexpr int64_t kKeepBaseOffset = -1;
struct FetchRecordChunk {
  std::span<const std::byte> bytes;
  int64_t base_offset = kKeepBaseOffset;
};

struct FetchPartitionResponse {
  int32_t partition_index = 0;
  KafkaError error_code = KafkaError::kNone;
  int64_t high_watermark = -1;
  int64_t last_stable_offset = -1;
  int64_t log_start_offset = -1;
  std::vector<AbortedTransaction> aborted_transactions;  // always sent as an array, never null
  int32_t preferred_read_replica = -1;
  std::vector<FetchRecordChunk> records;  // concatenated into one records field
};

struct FetchTopicResponse {
  std::string_view topic;
  std::vector<FetchPartitionResponse> partitions;
};

struct FetchResponse {
  int32_t throttle_time_ms = 0;
  KafkaError error_code = KafkaError::kNone;
  int32_t session_id = 0;
  std::vector<FetchTopicResponse> topics;
};

// Takes the record bytes of a fetch response instead of the Writer copying them, so that the
// server can send stored batches straight from where they are (writev). Called in output
// order: the Writer's bytes before a call go out before the view, those after it after it.
class FetchRecordsSink {
 public:
  virtual ~FetchRecordsSink() = default;
  virtual void append_view(std::span<const std::byte> view) = 0;
};

Status decode_fetch_request(int16_t version, Reader& reader, FetchRequest& out);
// Without a sink the records are copied into the Writer. With one, each chunk is handed to the
// sink as a view and the frame's size prefix counts those bytes too; a chunk whose base offset
// is to be rewritten then goes out as the 8 new base-offset bytes (written to the Writer)
// followed by a view of the rest of the chunk, so stored bytes are never modified.
Status encode_fetch_response(int16_t version, int32_t correlation_id, const FetchResponse& response, Writer& writer,
                             FetchRecordsSink* sink = nullptr);

}  // namespace ringmq::broker::protocol
