#include "broker/kafka/offset_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

#include "broker/kafka/topic_registry_types.h"
#include "io/file.h"

namespace ringmq::broker::kafka {

static_assert(kOffsetsQueueId < kFirstTopicQueueId, "queue 0 is reserved for committed offsets");

namespace {

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

constexpr size_t kMaxNameBytes = 0xFFFF;  // strings carry a u16 length
constexpr uint64_t kReplayReadBytes = 1 << 20;

}  // namespace

std::string OffsetRecoveryReport::summary() const {
  return "replayed " + std::to_string(records) + " offsets records (" + std::to_string(commits) + " commits, " +
         std::to_string(tombstones) + " tombstones) from queue offset " + std::to_string(replayed_from) +
         (used_snapshot ? " (snapshot)" : "") + ": " + std::to_string(live_offsets) + " committed offsets";
}

OffsetStore::OffsetStore(engine::MessageStore& store, OffsetStoreOptions options)
    : store_(store), options_(options), snapshot_path_(store.config().data_dir + "/offsets_snapshot") {}

OffsetStore::~OffsetStore() {
  std::unique_lock lock(write_mutex_);
  write_cv_.wait(lock, [&] { return in_flight_ == 0; });
}

Result<std::unique_ptr<OffsetStore>> OffsetStore::recover(engine::MessageStore& store, OffsetStoreOptions options) {
  std::unique_ptr<OffsetStore> offsets(new OffsetStore(store, options));
  if (auto s = offsets->replay(); !s) return std::unexpected(s.error());
  spdlog::info("committed offsets: {}", offsets->report_.summary());
  return offsets;
}

Status OffsetStore::reload() {
  {
    std::unique_lock lock(map_mutex_);
    groups_.clear();
  }
  if (auto s = replay(); !s) return s;
  spdlog::info("committed offsets reloaded: {}", report_.summary());
  return {};
}

// --- start-up ---

Status OffsetStore::replay() {
  auto range = store_.queue_range(kOffsetsQueueId);
  if (!range || range->start_offset == range->next_offset) return {};
  const uint64_t start = range->start_offset.value(), next = range->next_offset.value();
  uint64_t from = start;
  bool from_snapshot = false;
  if (io::path_exists(snapshot_path_)) {
    auto bytes = io::read_whole_file(snapshot_path_);
    auto pointer = bytes ? decode_offsets_snapshot(*bytes) : Result<uint64_t>(std::unexpected(bytes.error()));
    if (!pointer) {
      spdlog::warn("ignoring {} ({}); replaying committed offsets from the start of queue 0", snapshot_path_,
                   pointer.error().message);
    } else if (*pointer < start || *pointer >= next) {
      spdlog::warn("{} points at queue offset {}, outside [{}, {}); replaying from the start of queue 0",
                   snapshot_path_, *pointer, start, next);
    } else {
      from = *pointer;
      from_snapshot = true;
    }
  }
  report_ = {};
  report_.replayed_from = from;
  report_.used_snapshot = from_snapshot;

  engine::ReadBatch batch;
  uint64_t offset = from;
  bool first = true;
  while (offset < next) {
    auto s = store_.read(kOffsetsQueueId, engine::QueueOffset(offset), kReplayReadBytes, batch);
    if (!s && s.error().code == ErrorCode::kOutOfRange) {
      // Retention removed the oldest records while we read: carry on from the new start.
      auto now = store_.queue_range(kOffsetsQueueId);
      if (now && offset < now->start_offset.value()) {
        offset = now->start_offset.value();
        continue;
      }
    }
    if (!s)
      return make_error(s.error().code, "reading committed offsets from queue 0 at offset " + std::to_string(offset) +
                                            ": " + s.error().message);
    if (batch.batches.empty()) break;
    std::unique_lock lock(map_mutex_);
    for (const engine::StoredBatch& b : batch.batches) {
      auto record = decode_offsets_record(b.payload);
      if (!record)
        return make_error(ErrorCode::kCorrupt, "committed-offsets record at queue 0 offset " +
                                                   engine::to_string(b.base_offset) + " (commit-log offset " +
                                                   engine::to_string(b.commit_log_offset) +
                                                   "): " + record.error().message);
      if (first && report_.used_snapshot && record->kind != OffsetsRecordKind::kSnapshotBegin) {
        // The pointer does not lead to a snapshot (a restored or hand-copied data dir): the
        // safe answer is the whole queue.
        spdlog::warn("{} does not point at a snapshot record; replaying from the start of queue 0", snapshot_path_);
        lock.unlock();
        groups_.clear();
        if (auto removed = io::remove_file(snapshot_path_); !removed) return removed;
        return replay();
      }
      first = false;
      const Location at{b.base_offset.value(), b.commit_log_offset.value(), b.store_timestamp_ms};
      switch (record->kind) {
        case OffsetsRecordKind::kCommit:
          apply_commit(*record, at);
          ++report_.commits;
          break;
        case OffsetsRecordKind::kDeleteTopic:
          apply_delete_topic(record->topic, at.version);
          ++report_.tombstones;
          break;
        case OffsetsRecordKind::kDeleteGroup:
          apply_delete_group(record->group, at.version);
          ++report_.tombstones;
          break;
        case OffsetsRecordKind::kDeleteOffsets:
          apply_delete_offsets(*record, at.version);
          ++report_.tombstones;
          break;
        case OffsetsRecordKind::kSnapshotBegin:
          break;
      }
      ++report_.records;
      offset = (b.base_offset + b.record_count).value();
    }
  }
  {
    std::unique_lock lock(map_mutex_);
    // Replay is sequential: tombstone markers only matter for concurrent writers.
    deleted_topics_.clear();
    deleted_groups_.clear();
    deleted_partitions_.clear();
  }
  records_since_snapshot_ = report_.records;
  report_.live_offsets = live_offset_count();
  return {};
}

// --- writes ---

Result<OffsetsRecord> OffsetStore::build_commit(std::string_view group, std::span<const OffsetCommit> offsets) const {
  if (group.size() > kMaxNameBytes)
    return make_error(ErrorCode::kInvalidArgument,
                      "group id is " + std::to_string(group.size()) + " bytes, over 64 KiB");
  OffsetsRecord record;
  record.kind = OffsetsRecordKind::kCommit;
  record.group = std::string(group);
  record.offsets.reserve(offsets.size());
  const int64_t now = wall_clock_ms();
  for (const OffsetCommit& o : offsets) {
    if (o.topic.size() > kMaxNameBytes)
      return make_error(ErrorCode::kInvalidArgument,
                        "topic name is " + std::to_string(o.topic.size()) + " bytes, over 64 KiB");
    if (o.metadata.size() > options_.max_metadata_bytes)
      return make_error(ErrorCode::kInvalidArgument, "metadata of " + o.topic + "/" + std::to_string(o.partition) +
                                                         " is " + std::to_string(o.metadata.size()) +
                                                         " bytes, over max_metadata_bytes (" +
                                                         std::to_string(options_.max_metadata_bytes) + ")");
    record.offsets.push_back({o.topic, o.partition, o.offset, o.leader_epoch, now, o.metadata});
  }
  return record;
}

Result<OffsetStore::Location> OffsetStore::append(const OffsetsRecord& record) {
  const std::vector<std::byte> bytes = encode_offsets_record(record);
  if (bytes.size() > store_.config().max_record_bytes)
    return make_error(ErrorCode::kTooLarge, "offsets record of " + std::to_string(bytes.size()) +
                                                " bytes is above the engine's max_record_bytes (" +
                                                std::to_string(store_.config().max_record_bytes) + ")");
  auto r = store_.append({kOffsetsQueueId, bytes, 1, -1}, /*wait_for_flush=*/true);
  {
    std::lock_guard lock(write_mutex_);
    ++records_since_snapshot_;
  }
  if (!r) return std::unexpected(r.error());
  return Location{r->queue_offset.value(), r->commit_log_offset.value(), r->store_timestamp_ms};
}

Status OffsetStore::commit(std::string_view group, std::span<const OffsetCommit> offsets) {
  if (offsets.empty()) return {};
  auto record = build_commit(group, offsets);
  if (!record) return std::unexpected(record.error());
  begin_write();
  auto at = append(*record);
  if (at) {
    std::unique_lock lock(map_mutex_);
    apply_commit(*record, *at);
  }
  end_write();
  if (!at) return std::unexpected(at.error());
  return {};
}

void OffsetStore::commit_async(std::string_view group, std::span<const OffsetCommit> offsets,
                               std::function<void(Status)> done) {
  if (offsets.empty()) return done({});
  auto record = build_commit(group, offsets);
  if (!record) return done(std::unexpected(record.error()));
  auto shared = std::make_shared<OffsetsRecord>(std::move(*record));
  const std::vector<std::byte> bytes = encode_offsets_record(*shared);
  if (bytes.size() > store_.config().max_record_bytes)
    return done(make_error(ErrorCode::kTooLarge, "offsets record of " + std::to_string(bytes.size()) +
                                                     " bytes is above the engine's max_record_bytes (" +
                                                     std::to_string(store_.config().max_record_bytes) + ")"));
  begin_write();
  auto r = store_.append({kOffsetsQueueId, bytes, 1, -1}, /*wait_for_flush=*/false);
  {
    std::lock_guard lock(write_mutex_);
    ++records_since_snapshot_;
  }
  if (!r) {
    end_write();
    return done(std::unexpected(r.error()));
  }
  const Location at{r->queue_offset.value(), r->commit_log_offset.value(), r->store_timestamp_ms};
  store_.when_durable(r->end_offset, [this, shared, at, done = std::move(done)](Status durable) {
    if (durable) {
      std::unique_lock lock(map_mutex_);
      apply_commit(*shared, at);
    }
    end_write();
    done(std::move(durable));
  });
}

Status OffsetStore::delete_topic(std::string_view topic) {
  if (topic.size() > kMaxNameBytes) return make_error(ErrorCode::kInvalidArgument, "topic name over 64 KiB");
  OffsetsRecord record;
  record.kind = OffsetsRecordKind::kDeleteTopic;
  record.topic = std::string(topic);
  begin_write();
  auto at = append(record);
  if (at) {
    std::unique_lock lock(map_mutex_);
    apply_delete_topic(topic, at->version);
  }
  end_write();
  if (!at) return std::unexpected(at.error());
  return {};
}

Status OffsetStore::delete_group(std::string_view group) {
  if (group.size() > kMaxNameBytes) return make_error(ErrorCode::kInvalidArgument, "group id over 64 KiB");
  OffsetsRecord record;
  record.kind = OffsetsRecordKind::kDeleteGroup;
  record.group = std::string(group);
  begin_write();
  auto at = append(record);
  if (at) {
    std::unique_lock lock(map_mutex_);
    apply_delete_group(group, at->version);
  }
  end_write();
  if (!at) return std::unexpected(at.error());
  return {};
}

Status OffsetStore::delete_offsets(std::string_view group, std::span<const TopicPartitionName> partitions) {
  if (partitions.empty()) return {};
  if (group.size() > kMaxNameBytes) return make_error(ErrorCode::kInvalidArgument, "group id over 64 KiB");
  OffsetsRecord record;
  record.kind = OffsetsRecordKind::kDeleteOffsets;
  record.group = std::string(group);
  for (const TopicPartitionName& p : partitions) {
    if (p.topic.size() > kMaxNameBytes) return make_error(ErrorCode::kInvalidArgument, "topic name over 64 KiB");
    record.offsets.push_back({.topic = p.topic, .partition = p.partition});
  }
  begin_write();
  auto at = append(record);
  if (at) {
    std::unique_lock lock(map_mutex_);
    apply_delete_offsets(record, at->version);
  }
  end_write();
  if (!at) return std::unexpected(at.error());
  return {};
}

void OffsetStore::begin_write() {
  std::unique_lock lock(write_mutex_);
  write_cv_.wait(lock, [&] { return !rewriting_; });
  ++in_flight_;
}

void OffsetStore::end_write() {
  std::unique_lock map_lock(map_mutex_);
  std::lock_guard lock(write_mutex_);
  if (--in_flight_ == 0) {
    // Every record appended so far is applied; later ones sort after every tombstone.
    deleted_topics_.clear();
    deleted_groups_.clear();
    deleted_partitions_.clear();
  }
  write_cv_.notify_all();
}

// --- the map ---

namespace {

// One string per (group, topic, partition); NUL cannot end a group id or topic name early
// because both are length-checked names, and the partition is last.
std::string partition_marker_key(std::string_view group, std::string_view topic, int32_t partition) {
  std::string key;
  key.reserve(group.size() + topic.size() + 16);
  key.append(group).push_back('\0');
  key.append(topic).push_back('\0');
  key.append(std::to_string(partition));
  return key;
}

}  // namespace

void OffsetStore::apply_commit(const OffsetsRecord& record, const Location& at) {
  if (auto g = deleted_groups_.find(record.group); g != deleted_groups_.end() && g->second > at.version) return;
  Topics* topics = nullptr;
  for (const StoredOffset& o : record.offsets) {
    if (auto t = deleted_topics_.find(o.topic); t != deleted_topics_.end() && t->second > at.version) continue;
    if (!deleted_partitions_.empty()) {
      auto p = deleted_partitions_.find(partition_marker_key(record.group, o.topic, o.partition));
      if (p != deleted_partitions_.end() && p->second > at.version) continue;
    }
    if (!topics) topics = &groups_[record.group];
    Partitions& partitions = (*topics)[o.topic];
    auto [it, inserted] = partitions.try_emplace(o.partition);
    if (!inserted && it->second.at.version > at.version) continue;  // a newer record got there first
    it->second.value = {o.offset, o.leader_epoch, o.metadata, o.commit_timestamp_ms};
    it->second.at = at;
  }
}

void OffsetStore::apply_delete_topic(std::string_view topic, uint64_t version) {
  auto [marker, inserted] = deleted_topics_.try_emplace(std::string(topic), version);
  if (!inserted) marker->second = std::max(marker->second, version);
  for (auto g = groups_.begin(); g != groups_.end();) {
    if (auto t = g->second.find(topic); t != g->second.end()) {
      std::erase_if(t->second, [&](const auto& p) { return p.second.at.version < version; });
      if (t->second.empty()) g->second.erase(t);
    }
    g = g->second.empty() ? groups_.erase(g) : std::next(g);
  }
}

void OffsetStore::apply_delete_group(std::string_view group, uint64_t version) {
  auto [marker, inserted] = deleted_groups_.try_emplace(std::string(group), version);
  if (!inserted) marker->second = std::max(marker->second, version);
  auto g = groups_.find(group);
  if (g == groups_.end()) return;
  for (auto t = g->second.begin(); t != g->second.end();) {
    std::erase_if(t->second, [&](const auto& p) { return p.second.at.version < version; });
    t = t->second.empty() ? g->second.erase(t) : std::next(t);
  }
  if (g->second.empty()) groups_.erase(g);
}

void OffsetStore::apply_delete_offsets(const OffsetsRecord& record, uint64_t version) {
  auto g = groups_.find(record.group);
  for (const StoredOffset& o : record.offsets) {
    auto [marker, inserted] =
        deleted_partitions_.try_emplace(partition_marker_key(record.group, o.topic, o.partition), version);
    if (!inserted) marker->second = std::max(marker->second, version);
    if (g == groups_.end()) continue;
    auto t = g->second.find(o.topic);
    if (t == g->second.end()) continue;
    if (auto p = t->second.find(o.partition); p != t->second.end() && p->second.at.version < version)
      t->second.erase(p);
    if (t->second.empty()) g->second.erase(t);
  }
  if (g != groups_.end() && g->second.empty()) groups_.erase(g);
}

// --- reads ---

CommittedOffset OffsetStore::fetch(std::string_view group, std::string_view topic, int32_t partition) const {
  std::shared_lock lock(map_mutex_);
  auto g = groups_.find(group);
  if (g == groups_.end()) return {};
  auto t = g->second.find(topic);
  if (t == g->second.end()) return {};
  auto p = t->second.find(partition);
  return p == t->second.end() ? CommittedOffset{} : p->second.value;
}

std::vector<PartitionOffset> OffsetStore::fetch_all(std::string_view group,
                                                    std::optional<std::string_view> topic) const {
  std::vector<PartitionOffset> out;
  std::shared_lock lock(map_mutex_);
  auto g = groups_.find(group);
  if (g == groups_.end()) return out;
  for (const auto& [name, partitions] : g->second) {
    if (topic && name != *topic) continue;
    for (const auto& [partition, slot] : partitions) out.push_back({name, partition, slot.value});
  }
  return out;
}

bool OffsetStore::has_group(std::string_view group) const {
  std::shared_lock lock(map_mutex_);
  return groups_.find(group) != groups_.end();
}

std::vector<std::string> OffsetStore::groups() const {
  std::vector<std::string> out;
  std::shared_lock lock(map_mutex_);
  for (const auto& [name, unused_topics] : groups_) out.push_back(name);
  return out;
}

uint64_t OffsetStore::live_offset_count() const {
  std::shared_lock lock(map_mutex_);
  uint64_t n = 0;
  for (const auto& [group, topics] : groups_)
    for (const auto& [topic, partitions] : topics) n += partitions.size();
  return n;
}

// --- restatement ---

Result<bool> OffsetStore::maintain(int64_t now_ms) {
  const engine::EngineConfig& config = store_.config();
  bool due = false;
  {
    std::shared_lock lock(map_mutex_);
    uint64_t oldest_position = std::numeric_limits<uint64_t>::max();
    int64_t oldest_time = std::numeric_limits<int64_t>::max();
    for (const auto& [group, topics] : groups_)
      for (const auto& [topic, partitions] : topics)
        for (const auto& [partition, slot] : partitions) {
          oldest_position = std::min(oldest_position, slot.at.commit_log_offset);
          oldest_time = std::min(oldest_time, slot.at.store_timestamp_ms);
        }
    if (oldest_position != std::numeric_limits<uint64_t>::max()) {
      // Retention deletes a segment once the record after it is older than retention_ms, or
      // while the log is above retention_bytes; halfway there is early enough for a caller
      // that comes back every few seconds.
      if (oldest_time < now_ms - static_cast<int64_t>(config.retention_ms / 2)) due = true;
      const uint64_t written = store_.written_offset().value();
      if (config.retention_bytes && written > oldest_position && written - oldest_position > config.retention_bytes / 2)
        due = true;
    }
  }
  {
    std::lock_guard lock(write_mutex_);
    if (records_since_snapshot_ >= options_.rewrite_after_records) due = true;
  }
  if (!due) return false;
  if (auto s = rewrite_live_offsets(); !s) return std::unexpected(s.error());
  return true;
}

Status OffsetStore::rewrite_live_offsets() {
  {
    std::unique_lock lock(write_mutex_);
    write_cv_.wait(lock, [&] { return !rewriting_; });
    rewriting_ = true;  // new writers wait from here
    write_cv_.wait(lock, [&] { return in_flight_ == 0; });
  }
  struct Done {
    OffsetStore* self;
    ~Done() {
      std::lock_guard lock(self->write_mutex_);
      self->rewriting_ = false;
      self->write_cv_.notify_all();
    }
  } done{this};

  // Every record appended so far is applied and no new one can start: the map is the state.
  std::vector<OffsetsRecord> records;
  uint64_t live = 0;
  {
    const uint64_t limit = options_.rewrite_record_bytes
                               ? options_.rewrite_record_bytes
                               : std::min<uint64_t>(store_.config().max_record_bytes, 1 << 20);
    std::shared_lock lock(map_mutex_);
    for (const auto& [group, topics] : groups_) {
      OffsetsRecord record;
      record.kind = OffsetsRecordKind::kCommit;
      record.group = group;
      size_t bytes = encoded_commit_prefix_size(group);
      for (const auto& [topic, partitions] : topics)
        for (const auto& [partition, slot] : partitions) {
          StoredOffset o{topic,
                         partition,
                         slot.value.offset,
                         slot.value.leader_epoch,
                         slot.value.commit_timestamp_ms,
                         slot.value.metadata};
          const size_t size = encoded_offset_size(o);
          if (!record.offsets.empty() && bytes + size > limit) {
            records.push_back(record);
            record.offsets.clear();
            bytes = encoded_commit_prefix_size(group);
          }
          bytes += size;
          record.offsets.push_back(std::move(o));
          ++live;
        }
      records.push_back(std::move(record));
    }
  }
  OffsetsRecord begin;
  begin.kind = OffsetsRecordKind::kSnapshotBegin;
  begin.live_entry_count = live;
  auto start = append(begin);
  if (!start) return std::unexpected(start.error());
  std::vector<Location> written;
  written.reserve(records.size());
  for (const OffsetsRecord& record : records) {
    auto at = append(record);
    if (!at) return std::unexpected(at.error());
    written.push_back(*at);
  }
  {
    // Same values, new homes: maintain() measures retention from these records now.
    std::unique_lock lock(map_mutex_);
    for (size_t i = 0; i < records.size(); ++i) apply_commit(records[i], written[i]);
  }
  if (auto s = io::write_file_atomically(snapshot_path_, encode_offsets_snapshot(start->version)); !s) return s;
  std::lock_guard lock(write_mutex_);
  records_since_snapshot_ = 0;
  return {};
}

}  // namespace ringmq::broker::kafka
