#include "broker/kafka/topic_registry_format.h"

#include <limits>
#include <set>
#include <string>

#include "broker/kafka/le_bytes.h"
#include "common/crc32c.h"

namespace ringmq::broker::kafka {
namespace {


std::unexpected<Error> corrupt(const std::string& what) {
  return make_error(ErrorCode::kCorrupt, what);
}

}  // namespace

std::vector<std::byte> encode_topics_file(const TopicsFile& file) {
  std::vector<std::byte> body;
  put_le(body, file.next_queue_id, 4);
  put_le(body, file.topics.size(), 4);
  for (const TopicInfo& t : file.topics) {
    put_string(body, t.name, 2);
    for (uint8_t b : t.topic_id) body.push_back(std::byte{b});
    put_le(body, static_cast<uint64_t>(t.created_at_ms), 8);
    put_le(body, t.queue_ids.size(), 4);
    for (uint32_t q : t.queue_ids) put_le(body, q, 4);
    put_le(body, t.configs.size(), 2);
    for (const auto& [key, value] : t.configs) {
      put_string(body, key, 2);
      put_string(body, value, 4);
    }
  }
  std::vector<std::byte> out;
  out.reserve(kTopicsFileHeaderSize + body.size());
  put_le(out, kTopicsFileMagic, 4);
  put_le(out, kTopicsFileVersion, 2);
  put_le(out, 0, 2);
  put_le(out, body.size(), 4);
  put_le(out, crc32c(body), 4);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<TopicsFile> decode_topics_file(std::span<const std::byte> bytes) {
  if (bytes.size() < kTopicsFileHeaderSize)
    return corrupt("truncated: " + std::to_string(bytes.size()) +
                   " bytes, shorter than the 16-byte header");
  LeReader header(bytes.first(kTopicsFileHeaderSize));
  const auto magic = static_cast<uint32_t>(header.le(4));
  const auto version = static_cast<uint16_t>(header.le(2));
  header.le(2);
  const auto body_size = static_cast<uint32_t>(header.le(4));
  const auto body_crc = static_cast<uint32_t>(header.le(4));
  if (magic != kTopicsFileMagic) return corrupt("not a RingMQ topics file (bad magic)");
  if (version != kTopicsFileVersion)
    return corrupt("version " + std::to_string(version) + " is not one this broker reads (" +
                   std::to_string(kTopicsFileVersion) + "); was it written by a newer RingMQ?");
  const std::span<const std::byte> body = bytes.subspan(kTopicsFileHeaderSize);
  if (body.size() != body_size)
    return corrupt("body is " + std::to_string(body.size()) + " bytes, header says " +
                   std::to_string(body_size) + " (truncated or appended to)");
  if (const uint32_t crc = crc32c(body); crc != body_crc)
    return corrupt("CRC mismatch (stored " + std::to_string(body_crc) + ", computed " +
                   std::to_string(crc) + ")");

  LeReader in(body);
  TopicsFile file;
  file.next_queue_id = static_cast<uint32_t>(in.le(4));
  const auto topic_count = static_cast<uint32_t>(in.le(4));
  if (file.next_queue_id < kFirstTopicQueueId)
    return corrupt("next_queue_id is 0, which is reserved");
  std::set<std::string> names;
  std::set<TopicId> ids;
  std::set<uint32_t> queues;
  for (uint32_t i = 0; i < topic_count && !in.failed(); ++i) {
    TopicInfo t;
    t.name = in.string(2);
    for (uint8_t& b : t.topic_id) b = static_cast<uint8_t>(in.le(1));
    t.created_at_ms = static_cast<int64_t>(in.le(8));
    const auto partitions = static_cast<uint32_t>(in.le(4));
    // Each partition takes 4 bytes: a count larger than what is left is damage, not a reason
    // to allocate gigabytes.
    if (in.failed() || partitions > in.remaining() / 4) break;
    t.queue_ids.resize(partitions);
    for (uint32_t& q : t.queue_ids) q = static_cast<uint32_t>(in.le(4));
    const auto config_count = static_cast<uint16_t>(in.le(2));
    for (uint16_t c = 0; c < config_count && !in.failed(); ++c) {
      std::string key = in.string(2);
      std::string value = in.string(4);
      t.configs.emplace(std::move(key), std::move(value));
    }
    if (in.failed()) break;
    const std::string which = "topic " + std::to_string(i) + " ('" + t.name + "')";
    if (auto bad = validate_topic_name(t.name)) return corrupt(which + ": " + bad->message);
    if (t.queue_ids.empty()) return corrupt(which + " has no partitions");
    if (!names.insert(t.name).second) return corrupt(which + " appears twice");
    if (!ids.insert(t.topic_id).second) return corrupt(which + " has the id of an earlier topic");
    for (uint32_t q : t.queue_ids) {
      if (q < kFirstTopicQueueId || q >= file.next_queue_id)
        return corrupt(which + " uses queue " + std::to_string(q) + ", outside [1, next_queue_id " +
                       std::to_string(file.next_queue_id) + ")");
      if (!queues.insert(q).second)
        return corrupt(which + " uses queue " + std::to_string(q) + " twice");
    }
    file.topics.push_back(std::move(t));
  }
  if (in.failed() || file.topics.size() != topic_count)
    return corrupt("body ends inside topic " + std::to_string(file.topics.size()) + " of " +
                   std::to_string(topic_count));
  if (in.remaining() != 0)
    return corrupt(std::to_string(in.remaining()) + " unexpected bytes after the last topic");
  return file;
}

}  // namespace ringmq::broker::kafka
