#include "broker/kafka/topic_registry.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <utility>

#include "broker/kafka/topic_registry_format.h"
#include "common/base64.h"
#include "common/errno_text.h"
#include "io/file.h"

namespace ringmq::broker::kafka {
namespace {

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Kafka refuses two topics whose names differ only in '.' versus '_' (they share metric names).
std::string unify_collision_chars(std::string_view name) {
  std::string s(name);
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

// A version-4 UUID as Kafka makes one (Uuid.randomUuid): never all zeros, and never one whose
// text form starts with '-' (the first six bits 111110), which command-line tools would
// mistake for an option.
std::optional<TopicId> random_topic_id() {
  for (;;) {
    TopicId id;
    size_t got = 0;
    while (got < id.size()) {
      ssize_t n = ::getrandom(id.data() + got, id.size() - got, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return std::nullopt;
      }
      got += static_cast<size_t>(n);
    }
    id[6] = static_cast<uint8_t>((id[6] & 0x0F) | 0x40);  // version 4
    id[8] = static_cast<uint8_t>((id[8] & 0x3F) | 0x80);  // IETF variant
    if ((id[0] >> 2) != 62) return id;
  }
}

TopicError error(int16_t code, std::string message) { return TopicError{code, std::move(message)}; }

}  // namespace

std::string topic_id_to_string(const TopicId& id) { return base64url_encode(id); }

std::optional<TopicError> validate_topic_name(std::string_view name) {
  if (name.empty()) return error(topic_error::kInvalidTopic, "topic name is empty");
  if (name == "." || name == "..") return error(topic_error::kInvalidTopic, "topic name cannot be '.' or '..'");
  if (name.size() > kMaxTopicNameLength)
    return error(topic_error::kInvalidTopic, "topic name is " + std::to_string(name.size()) +
                                                 " characters, more than the maximum of " +
                                                 std::to_string(kMaxTopicNameLength));
  for (char c : name) {
    const bool legal =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!legal)
      return error(topic_error::kInvalidTopic, "topic name '" + std::string(name) +
                                                   "' contains a character other than ASCII alphanumerics, "
                                                   "'.', '_' and '-'");
  }
  return std::nullopt;
}

// --- TopicSnapshot ---

const TopicInfo* TopicSnapshot::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.get();
}

std::shared_ptr<const TopicInfo> TopicSnapshot::find_shared(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const TopicInfo* TopicSnapshot::find(const TopicId& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::optional<uint32_t> TopicSnapshot::queue_id(std::string_view name, int32_t partition) const {
  const TopicInfo* topic = find(name);
  return topic ? topic->queue_id(partition) : std::nullopt;
}

void TopicSnapshot::index() {
  std::sort(topics_.begin(), topics_.end(), [](const auto& a, const auto& b) { return a->name < b->name; });
  by_name_.clear();
  by_id_.clear();
  by_name_.reserve(topics_.size());
  for (const auto& t : topics_) {
    by_name_.emplace(t->name, t);
    by_id_.emplace(t->topic_id, t.get());
  }
}

// --- TopicRegistry ---

TopicRegistry::TopicRegistry(const TopicRegistryOptions& options, std::shared_ptr<const TopicSnapshot> initial)
    : options_(options), path_(options.data_dir + "/topics"), current_(std::move(initial)) {}

Result<std::unique_ptr<TopicRegistry>> TopicRegistry::load(const TopicRegistryOptions& options) {
  if (options.default_partitions < 1 || options.default_partitions > options.max_partitions_per_topic)
    return make_error(ErrorCode::kInvalidArgument, "default_partitions is " +
                                                       std::to_string(options.default_partitions) +
                                                       "; it must be between 1 and max_partitions_per_topic (" +
                                                       std::to_string(options.max_partitions_per_topic) + ")");
  if (auto s = io::make_directories(options.data_dir); !s) return std::unexpected(s.error());
  const std::string path = options.data_dir + "/topics";
  auto snapshot = std::make_shared<TopicSnapshot>();
  if (io::path_exists(path)) {
    auto bytes = io::read_whole_file(path);
    if (!bytes) return std::unexpected(bytes.error());
    auto file = decode_topics_file(*bytes);
    if (!file)
      return make_error(ErrorCode::kCorrupt, "topics file " + path + " is damaged: " + file.error().message +
                                                 ". Restore it from a backup; starting without it would reuse "
                                                 "the queues of existing topics");
    snapshot->next_queue_id_ = file->next_queue_id;
    for (TopicInfo& t : file->topics) snapshot->topics_.push_back(std::make_shared<const TopicInfo>(std::move(t)));
    snapshot->index();
  }
  return std::unique_ptr<TopicRegistry>(new TopicRegistry(options, std::move(snapshot)));
}

std::shared_ptr<const TopicSnapshot> TopicRegistry::snapshot() const {
  std::shared_lock lock(current_mutex_);
  return current_;
}

std::shared_ptr<const TopicInfo> TopicRegistry::find(std::string_view name) const {
  return snapshot()->find_shared(name);
}

std::vector<std::shared_ptr<const TopicInfo>> TopicRegistry::list() const { return snapshot()->topics(); }

std::optional<TopicError> TopicRegistry::check_create(const TopicSnapshot& current, std::string_view name,
                                                      int32_t partitions) const {
  if (auto bad = validate_topic_name(name)) return bad;
  if (partitions < 1 || partitions > options_.max_partitions_per_topic)
    return error(topic_error::kInvalidPartitions, "number of partitions is " + std::to_string(partitions) +
                                                      "; it must be between 1 and " +
                                                      std::to_string(options_.max_partitions_per_topic));
  if (current.find(name))
    return error(topic_error::kTopicAlreadyExists, "topic '" + std::string(name) + "' already exists");
  if (name.find_first_of("._") != std::string_view::npos) {
    const std::string unified = unify_collision_chars(name);
    for (const auto& t : current.topics())
      if (unify_collision_chars(t->name) == unified)
        return error(topic_error::kInvalidTopic, "topic '" + std::string(name) + "' collides with existing topic '" +
                                                     t->name + "' ('.' and '_' are treated alike)");
  }
  const uint64_t last = uint64_t{current.next_queue_id()} + static_cast<uint64_t>(partitions) - 1;
  if (last > options_.max_queue_id)
    return error(topic_error::kPolicyViolation,
                 "no queue ids left for " + std::to_string(partitions) + " partitions: the next is " +
                     std::to_string(current.next_queue_id()) + " and the engine's max_queue_id is " +
                     std::to_string(options_.max_queue_id) + " (ids of deleted topics are never reused)");
  return std::nullopt;
}

std::optional<TopicError> TopicRegistry::validate_create(std::string_view name, int32_t partitions) const {
  if (partitions == -1) partitions = options_.default_partitions;
  return check_create(*snapshot(), name, partitions);
}

TopicResult<std::shared_ptr<const TopicInfo>> TopicRegistry::create(std::string_view name, int32_t partitions,
                                                                    std::map<std::string, std::string> configs) {
  std::lock_guard write(write_mutex_);
  return create_locked(name, partitions, std::move(configs));
}

TopicResult<std::shared_ptr<const TopicInfo>> TopicRegistry::find_or_create(std::string_view name) {
  if (auto topic = find(name)) return topic;
  std::lock_guard write(write_mutex_);
  if (auto topic = find(name)) return topic;  // created while we waited for the lock
  return create_locked(name, options_.default_partitions, {});
}

TopicResult<std::shared_ptr<const TopicInfo>> TopicRegistry::create_locked(std::string_view name, int32_t partitions,
                                                                           std::map<std::string, std::string> configs) {
  if (partitions == -1) partitions = options_.default_partitions;
  auto current = snapshot();
  if (auto bad = check_create(*current, name, partitions)) return std::unexpected(*bad);
  for (const auto& config : configs)
    if (config.first.size() > 0xFFFF)
      return std::unexpected(
          error(topic_error::kInvalidConfig, "config key '" + config.first.substr(0, 64) + "...' is over 64 KiB"));

  auto topic = std::make_shared<TopicInfo>();
  topic->name = std::string(name);
  for (;;) {
    auto id = random_topic_id();
    if (!id)
      return std::unexpected(error(topic_error::kUnknownServerError,
                                   std::string("getrandom for a topic id failed: ") + errno_text(errno)));
    if (!current->find(*id)) {
      topic->topic_id = *id;
      break;
    }
  }
  topic->queue_ids.resize(static_cast<size_t>(partitions));
  for (int32_t p = 0; p < partitions; ++p) topic->queue_ids[static_cast<size_t>(p)] = current->next_queue_id() + p;
  topic->configs = std::move(configs);
  topic->created_at_ms = wall_clock_ms();

  auto next = std::make_shared<TopicSnapshot>();
  next->topics_ = current->topics();
  next->topics_.push_back(topic);
  next->next_queue_id_ = current->next_queue_id() + static_cast<uint32_t>(partitions);
  next->index();
  if (auto failed = persist_and_publish(std::move(next))) return std::unexpected(*failed);
  return topic;
}

std::optional<TopicError> TopicRegistry::check_add_partitions(const TopicSnapshot& current, std::string_view name,
                                                              int32_t new_total) const {
  const TopicInfo* existing = current.find(name);
  if (!existing)
    return error(topic_error::kUnknownTopicOrPartition, "topic '" + std::string(name) + "' does not exist");
  const int32_t have = existing->partition_count();
  if (new_total <= have || new_total > options_.max_partitions_per_topic)
    return error(topic_error::kInvalidPartitions, "topic '" + std::string(name) + "' has " + std::to_string(have) +
                                                      " partitions; the new count must be above that and at most " +
                                                      std::to_string(options_.max_partitions_per_topic) + ", not " +
                                                      std::to_string(new_total));
  const int32_t added = new_total - have;
  if (uint64_t{current.next_queue_id()} + static_cast<uint64_t>(added) - 1 > options_.max_queue_id)
    return error(topic_error::kPolicyViolation, "no queue ids left for " + std::to_string(added) +
                                                    " more partitions: the engine's max_queue_id is " +
                                                    std::to_string(options_.max_queue_id));
  return std::nullopt;
}

std::optional<TopicError> TopicRegistry::validate_add_partitions(std::string_view name, int32_t new_total) const {
  return check_add_partitions(*snapshot(), name, new_total);
}

std::optional<TopicError> TopicRegistry::publish_replaced(const TopicSnapshot& current, const TopicInfo* existing,
                                                          std::shared_ptr<const TopicInfo> replacement,
                                                          uint32_t next_queue_id) {
  auto next = std::make_shared<TopicSnapshot>();
  for (const auto& t : current.topics()) next->topics_.push_back(t.get() == existing ? replacement : t);
  next->next_queue_id_ = next_queue_id;
  next->index();
  return persist_and_publish(std::move(next));
}

std::optional<TopicError> TopicRegistry::raise_next_queue_id(uint32_t floor) {
  std::lock_guard write(write_mutex_);
  auto current = snapshot();
  if (current->next_queue_id() >= floor) return std::nullopt;
  auto next = std::make_shared<TopicSnapshot>();
  next->topics_ = current->topics();
  next->next_queue_id_ = floor;
  next->index();
  return persist_and_publish(std::move(next));
}

TopicResult<bool> TopicRegistry::adopt(std::vector<TopicInfo> topics) {
  std::lock_guard write(write_mutex_);
  auto current = snapshot();
  std::sort(topics.begin(), topics.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  const auto& have = current->topics();
  const bool same =
      have.size() == topics.size() &&
      std::equal(have.begin(), have.end(), topics.begin(), [](const auto& h, const TopicInfo& t) {
        return h->name == t.name && h->topic_id == t.topic_id && h->queue_ids == t.queue_ids && h->configs == t.configs;
      });
  if (same) return false;
  auto next = std::make_shared<TopicSnapshot>();
  next->next_queue_id_ = current->next_queue_id();
  for (TopicInfo& t : topics) {
    for (uint32_t q : t.queue_ids) next->next_queue_id_ = std::max(next->next_queue_id_, q + 1);
    next->topics_.push_back(std::make_shared<const TopicInfo>(std::move(t)));
  }
  next->index();
  if (auto failed = persist_and_publish(std::move(next))) return std::unexpected(*failed);
  return true;
}

TopicResult<std::shared_ptr<const TopicInfo>> TopicRegistry::add_partitions(std::string_view name, int32_t new_total) {
  std::lock_guard write(write_mutex_);
  auto current = snapshot();
  if (auto bad = check_add_partitions(*current, name, new_total)) return std::unexpected(*bad);
  const TopicInfo* existing = current->find(name);
  const int32_t added = new_total - existing->partition_count();
  auto grown = std::make_shared<TopicInfo>(*existing);
  for (int32_t p = 0; p < added; ++p) grown->queue_ids.push_back(current->next_queue_id() + p);
  if (auto failed =
          publish_replaced(*current, existing, grown, current->next_queue_id() + static_cast<uint32_t>(added)))
    return std::unexpected(*failed);
  return grown;
}

TopicResult<std::shared_ptr<const TopicInfo>> TopicRegistry::set_configs(std::string_view name,
                                                                         std::map<std::string, std::string> configs) {
  std::lock_guard write(write_mutex_);
  auto current = snapshot();
  const TopicInfo* existing = current->find(name);
  if (!existing)
    return std::unexpected(
        error(topic_error::kUnknownTopicOrPartition, "topic '" + std::string(name) + "' does not exist"));
  auto changed = std::make_shared<TopicInfo>(*existing);
  changed->configs = std::move(configs);
  if (auto failed = publish_replaced(*current, existing, changed, current->next_queue_id()))
    return std::unexpected(*failed);
  return changed;
}

TopicResult<std::shared_ptr<const TopicInfo>> TopicRegistry::delete_topic(std::string_view name) {
  std::lock_guard write(write_mutex_);
  auto current = snapshot();
  std::shared_ptr<const TopicInfo> removed;
  auto next = std::make_shared<TopicSnapshot>();
  for (const auto& t : current->topics()) {
    if (t->name == name)
      removed = t;
    else
      next->topics_.push_back(t);
  }
  if (!removed)
    return std::unexpected(
        error(topic_error::kUnknownTopicOrPartition, "topic '" + std::string(name) + "' does not exist"));
  next->next_queue_id_ = current->next_queue_id();  // retired ids stay below the counter
  next->index();
  if (auto failed = persist_and_publish(std::move(next))) return std::unexpected(*failed);
  return removed;
}

std::optional<TopicError> TopicRegistry::persist_and_publish(std::shared_ptr<TopicSnapshot> next) {
  TopicsFile file;
  file.next_queue_id = next->next_queue_id_;
  file.topics.reserve(next->topics_.size());
  for (const auto& t : next->topics_) file.topics.push_back(*t);
  const std::vector<std::byte> bytes = encode_topics_file(file);
  if (auto s = io::write_file_atomically(path_, bytes); !s)
    return error(topic_error::kUnknownServerError, "could not save the topics file: " + s.error().message);
  std::unique_lock lock(current_mutex_);
  current_ = std::move(next);
  return std::nullopt;
}

}  // namespace ringmq::broker::kafka
