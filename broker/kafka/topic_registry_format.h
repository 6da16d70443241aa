// The topics file (<data_dir>/topics): every topic the broker knows and the next engine queue
// id to hand out. Replaced atomically (io::write_file_atomically) on every change; read once
// at start-up. Layout (little-endian), written here and nowhere else:
//
//   offset size field
//   0      4    magic "RMTP" (bytes 52 4D 54 50)
//   4      2    version (1)
//   6      2    reserved (0)
//   8      4    body_size           bytes after the 16-byte header
//   12     4    body_crc            CRC32C of the body
//   16     ...  body:
//     4    next_queue_id            never decreases: queue ids are never reused
//     4    topic_count
//     per topic:
//       2    name_size, then name bytes
//       16   topic_id (Kafka UUID, as sent on the wire)
//       8    created_at_ms (i64)
//       4    partition_count, then partition_count x u32 queue_id (partition p -> queue_ids[p])
//       2    config_count
//       per config: 2 key_size, key bytes, 4 value_size, value bytes
//
// decode_topics_file() checks everything a damaged or hand-edited file could break: magic,
// version, sizes, CRC, topic names, duplicate names or ids, queue ids outside
// [kFirstTopicQueueId, next_queue_id) or used twice, trailing bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "broker/kafka/topic_registry_types.h"
#include "common/result.h"

namespace ringmq::broker::kafka {

inline constexpr uint32_t kTopicsFileMagic = 0x50544D52;  // "RMTP" little-endian
inline constexpr uint16_t kTopicsFileVersion = 1;
inline constexpr size_t kTopicsFileHeaderSize = 16;

struct TopicsFile {
  uint32_t next_queue_id = kFirstTopicQueueId;
  std::vector<TopicInfo> topics;
};

std::vector<std::byte> encode_topics_file(const TopicsFile& file);
// kCorrupt with a message naming what is wrong (the caller adds the path).
Result<TopicsFile> decode_topics_file(std::span<const std::byte> bytes);

}  // namespace ringmq::broker::kafka
