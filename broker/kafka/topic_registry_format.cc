#include "broker/kafka/topic_registry_format.h"

#include <limits>
#include <set>
#include <string>

#include "broker/kafka/le_bytes.h"
#include "common/crc32c.h"

namespace ringmq::broker::kafka {
namespace {

std::unexpected<Error> corrupt(const std::string& what) { return make_error(ErrorCode::kCorrupt, what); }

}  // namespace

std::vector<std::byte> encode_topics_file(const TopicsFile& file) {
  std::vector<std::byte> body;
  append_le<uint32_t>(body, file.next_queue_id);
  append_le<uint32_t>(body, file.topics.size());
  for (const TopicInfo& t : file.topics) {
    put_string<uint16_t>(body, t.name);
    for (uint8_t b : t.topic_id) body.push_back(std::byte{b});
    append_le<uint64_t>(body, static_cast<uint64_t>(t.created_at_ms));
    append_le<uint32_t>(body, t.queue_ids.size());
    for (uint32_t q : t.queue_ids) append_le<uint32_t>(body, q);
    append_le<uint16_t>(body, t.configs.size());
    for (const auto& [key, value] : t.configs) {
      put_string<uint16_t>(body, key);
      put_string<uint32_t>(body, value);
    }
  }
  std::vector<std::byte> out;
  out.reserve(kTopicsFileHeaderSize + body.size());
  append_le<uint32_t>(out, kTopicsFileMagic);
  append_le<uint16_t>(out, kTopicsFileVersion);
  append_le<uint16_t>(out, 0);
  append_le<uint32_t>(out, body.size());
  append_le<uint32_t>(out, crc32c(body));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<TopicsFile> decode_topics_file(std::span<const std::byte> bytes) {
  if (bytes.size() < kTopicsFileHeaderSize)
    return corrupt("truncated: " + std::to_string(bytes.size()) + " bytes, shorter than the 16-byte header");
  LeReader header(bytes.first(kTopicsFileHeaderSize));
  const auto magic = header.read<uint32_t>();
  const auto version = header.read<uint16_t>();
  header.read<uint16_t>();
  const auto body_size = header.read<uint32_t>();
  const auto body_crc = header.read<uint32_t>();
  if (magic != kTopicsFileMagic) return corrupt("not a RingMQ topics file (bad magic)");
  if (version != kTopicsFileVersion)
    return corrupt("version " + std::to_string(version) + " is not one this broker reads (" +
                   std::to_string(kTopicsFileVersion) + "); was it written by a newer RingMQ?");
  const std::span<const std::byte> body = bytes.subspan(kTopicsFileHeaderSize);
  if (body.size() != body_size)
    return corrupt("body is " + std::to_string(body.size()) + " bytes, header says " + std::to_string(body_size) +
                   " (truncated or appended to)");
  if (const uint32_t crc = crc32c(body); crc != body_crc)
    return corrupt("CRC mismatch (stored " + std::to_string(body_crc) + ", computed " + std::to_string(crc) + ")");

  LeReader in(body);
  TopicsFile file;
  file.next_queue_id = in.read<uint32_t>();
  const auto topic_count = in.read<uint32_t>();
  if (file.next_queue_id < kFirstTopicQueueId) return corrupt("next_queue_id is 0, which is reserved");
  std::set<std::string> names;
  std::set<TopicId> ids;
  std::set<uint32_t> queues;
  for (uint32_t i = 0; i < topic_count && !in.failed(); ++i) {
    TopicInfo t;
    t.name = in.string<uint16_t>();
    for (uint8_t& b : t.topic_id) b = in.read<uint8_t>();
    t.created_at_ms = static_cast<int64_t>(in.read<uint64_t>());
    const auto partitions = in.read<uint32_t>();
    // Each partition takes 4 bytes: a count larger than what is left is damage, not a reason
    // to allocate gigabytes.
    if (in.failed() || partitions > in.remaining() / 4) break;
    t.queue_ids.resize(partitions);
    for (uint32_t& q : t.queue_ids) q = in.read<uint32_t>();
    const auto config_count = in.read<uint16_t>();
    for (uint16_t c = 0; c < config_count && !in.failed(); ++c) {
      std::string key = in.string<uint16_t>();
      std::string value = in.string<uint32_t>();
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
      if (!queues.insert(q).second) return corrupt(which + " uses queue " + std::to_string(q) + " twice");
    }
    file.topics.push_back(std::move(t));
  }
  if (in.failed() || file.topics.size() != topic_count)
    return corrupt("body ends inside topic " + std::to_string(file.topics.size()) + " of " +
                   std::to_string(topic_count));
  if (in.remaining() != 0) return corrupt(std::to_string(in.remaining()) + " unexpected bytes after the last topic");
  return file;
}

}  // namespace ringmq::broker::kafka
