#include "engine/message_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "engine/checkpoint.h"
#include "engine/dispatcher.h"
#include "engine/flusher.h"
#include "engine/queue_indexes.h"
#include "engine/retention.h"
#include "engine/segment_allocator.h"

namespace ringmq::engine {
namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string OpenReport::summary() const {
  std::string s = previous_run_crashed ? "recovered after a crash" : "clean start";
  s += ": commit log [" + std::to_string(commit_log.log_start_offset) + ", " + std::to_string(commit_log.end_offset) +
       "), scanned " + std::to_string(commit_log.records_scanned) + " records from " +
       std::to_string(commit_log.scanned_from);
  if (!had_checkpoint) s += ", no checkpoint";
  if (commit_log.truncated) s += ", torn tail cut (" + commit_log.truncation_reason + ")";
  if (index_rebuilt) s += ", indexes rebuilt from the commit log";
  return s;
}

MessageStore::MessageStore(const EngineConfig& config, std::shared_ptr<FileSystem> fs)
    : config_(config),
      fs_(fs ? std::move(fs) : real_file_system()),
      commit_log_dir_(config.data_dir + "/commitlog"),
      index_dir_(config.data_dir + "/index"),
      checkpoint_path_(config.data_dir + "/checkpoint"),
      abort_path_(config.data_dir + "/abort") {}

Result<std::unique_ptr<MessageStore>> MessageStore::open(const EngineConfig& config, std::shared_ptr<FileSystem> fs) {
  try {
    config.validate();
  } catch (const std::invalid_argument& e) {
    return make_error(ErrorCode::kInvalidArgument, e.what());
  }
  std::unique_ptr<MessageStore> store(new MessageStore(config, std::move(fs)));
  auto writer = make_segment_writer(store->config_, store->fs_);
  if (!writer) return std::unexpected(writer.error());
  store->writer_ = std::move(*writer);
  store->configured_write_mode_ = config.write_mode;
  store->config_.write_mode = store->writer_->mode();  // after a fallback, the mode in use
  if (auto s = store->recover(); !s) return std::unexpected(s.error());
  spdlog::info("store {} open ({} mode: {}; {} flush): {}", config.data_dir, write_mode_name(store->config_.write_mode),
               store->writer_->describe(), flush_mode_name(config.flush_mode), store->report_.summary());
  return store;
}

Status MessageStore::recover() {
  for (const auto& dir : {config_.data_dir, commit_log_dir_, index_dir_})
    if (auto s = fs_->make_directories(dir); !s) return s;
  report_.previous_run_crashed = fs_->exists(abort_path_);
  const std::optional<Checkpoint> checkpoint = load_checkpoint();
  report_.had_checkpoint = checkpoint.has_value();
  if (auto s = open_commit_log(checkpoint); !s) return s;
  if (auto s = open_indexes(checkpoint); !s) return s;
  if (auto s = mark_open(); !s) return s;
  return start_threads(checkpoint);
}

std::optional<Checkpoint> MessageStore::load_checkpoint() {
  auto c = read_checkpoint(*fs_, checkpoint_path_);
  if (c) return *c;
  if (c.error().code != ErrorCode::kNotFound)
    spdlog::warn("{}; recovering from a full scan of the commit log", c.error().message);
  return std::nullopt;
}

Status MessageStore::open_commit_log(const std::optional<Checkpoint>& checkpoint) {
  allocator_ = std::make_unique<SegmentAllocator>(config_, commit_log_dir_, fs_, *writer_);
  log_ = std::make_unique<CommitLog>(config_, commit_log_dir_, fs_, *allocator_, *writer_);
  auto recovered = log_->recover(checkpoint ? checkpoint->flushed_offset : 0);
  if (!recovered) return std::unexpected(recovered.error());
  report_.commit_log = *recovered;
  return {};
}

Status MessageStore::open_indexes(const std::optional<Checkpoint>& checkpoint) {
  const uint64_t end = report_.commit_log.end_offset;
  indexes_ = std::make_unique<QueueIndexes>(fs_, index_dir_, config_.index_entries_per_file);
  if (auto s = indexes_->load(end); !s) return s;
  dispatcher_ = std::make_unique<Dispatcher>(*log_, *indexes_);
  if (auto s = rebuild_indexes_if_needed(checkpoint, end); !s) return s;
  if (auto s = dispatcher_->trim_indexes(LogPosition(log_->log_start_offset())); !s) return s;
  indexes_->for_each([&](ConsumeQueue& q) { log_->seed_next_queue_offset(q.queue_id(), q.next_offset().value()); });
  return {};
}

// From here on a crash must be detected at the next open.
Status MessageStore::mark_open() {
  {
    auto marker = fs_->open(abort_path_, O_WRONLY | O_CREAT);
    if (!marker) return std::unexpected(marker.error());
  }
  return fs_->sync_directory(config_.data_dir);
}

Status MessageStore::start_threads(const std::optional<Checkpoint>& checkpoint) {
  const uint64_t end = report_.commit_log.end_offset;
  flusher_ = std::make_unique<GroupCommitFlusher>(config_, *log_, *writer_);
  // What was read back after a process crash may still be only in the page cache: make it
  // durable before anything new is acknowledged.
  flusher_->start(checkpoint ? std::min(checkpoint->flushed_offset, end) : log_->log_start_offset());
  if (auto s = flusher_->flush_all(); !s) return s;
  if (auto s = this->checkpoint(); !s) return s;
  allocator_->start();
  dispatcher_->start([this] {
    if (config_.placement.pin_thread) config_.placement.pin_thread("dispatcher");
  });
  retention_ = std::make_unique<RetentionService>(config_, *fs_, *log_, *dispatcher_);
  retention_->start();
  // On a thread of its own, not the flusher's: a checkpoint flushes every index file and
  // fsyncs, several milliseconds during which sync waiters (acks=all) would otherwise wait.
  checkpointer_.start(
      "rmq-checkpoint",
      [this] {
        checkpointer_.sleep_for(std::chrono::milliseconds(config_.checkpoint_interval_ms));
        if (checkpointer_.stopping()) return;
        if (auto s = this->checkpoint(); !s) spdlog::error("checkpoint not advanced: {}", s.error().message);
      },
      [this] {  // housekeeping: placed like retention
        if (config_.placement.pin_thread) config_.placement.pin_thread("retention");
      });
  return {};
}

Status MessageStore::rebuild_indexes_if_needed(const std::optional<Checkpoint>& checkpoint, uint64_t end) {
  const uint64_t log_start = log_->log_start_offset();
  bool rebuild = !checkpoint;
  if (checkpoint) {
    for (const auto& [queue_id, next] : checkpoint->queue_next_offsets) {
      const ConsumeQueue* q = indexes_->find(queue_id);
      if (!q || q->next_offset() < QueueOffset(next)) {
        spdlog::warn("index of queue {} ends before offset {} recorded in the checkpoint; rebuilding indexes", queue_id,
                     next);
        rebuild = true;
      }
    }
  }
  uint64_t from = rebuild ? log_start : std::max(log_start, std::min(checkpoint->dispatched_offset, end));
  auto s = dispatcher_->dispatch_range(from, end, rebuild);
  if (!s && s.error().code == ErrorCode::kCorrupt) {
    // Entries are missing in the middle of some index: start every index again from the log.
    spdlog::warn("{}; rebuilding all indexes from the commit log", s.error().message);
    Status reset;
    indexes_->for_each([&](ConsumeQueue& q) {
      if (auto r = q.reset(); !r && reset) reset = r;
    });
    if (!reset) return reset;
    rebuild = true;
    s = dispatcher_->dispatch_range(log_start, end, true);
  }
  report_.index_rebuilt = rebuild && end > log_start;
  return s;
}

Status MessageStore::checkpoint() {
  // One at a time (the checkpoint thread and close). Order matters: snapshot the indexes
  // first, then make the log durable past that point, then the index files, and only then
  // record it. A checkpoint never claims more than is on disk.
  std::lock_guard lock(checkpoint_mutex_);
  DispatchSnapshot snap = dispatcher_->snapshot();
  if (auto s = flusher_->flush_all(); !s) return s;
  Status index_flush;
  indexes_->for_each([&](ConsumeQueue& q) {
    if (auto s = q.flush(); !s && index_flush) index_flush = s;
  });
  if (!index_flush) return make_error(index_flush.error().code, "index flush: " + index_flush.error().message);
  Checkpoint c;
  c.flushed_offset = flusher_->flushed_offset();
  c.dispatched_offset = std::min(snap.offset, c.flushed_offset);
  c.log_start_offset = log_->log_start_offset();
  c.written_at_ms = now_ms();
  c.queue_next_offsets = std::move(snap.next_offsets);
  if (auto s = write_checkpoint(*fs_, checkpoint_path_, c); !s)
    return make_error(s.error().code, "checkpoint write: " + s.error().message);
  return {};
}

MessageStore::~MessageStore() {
  if (auto s = close(); !s) spdlog::error("closing store {}: {}", config_.data_dir, s.error().message);
}

Status MessageStore::close() {
  if (closed_.exchange(true)) return {};
  log_waiters_.wake_all();
  checkpointer_.stop();
  if (retention_) retention_->stop();
  if (flusher_) flusher_->stop();
  if (dispatcher_) {
    dispatcher_->stop();
    if (auto s = dispatcher_->dispatch_range(dispatcher_->dispatched_offset(), log_->written_offset(), false); !s)
      return s;
  }
  if (allocator_) allocator_->stop();
  if (!flusher_) return {};
  if (auto failure = flusher_->failure()) return std::unexpected(*failure);
  if (auto s = flusher_->flush_all(); !s) return s;
  // Without a checkpoint of this run, the next open must not trust the old one as a clean
  // stop: keep the abort marker so that it scans.
  if (auto s = checkpoint(); !s) return s;
  if (auto s = fs_->remove(abort_path_); !s) return s;
  return fs_->sync_directory(config_.data_dir);
}

Result<AppendResult> MessageStore::append(const AppendRequest& request) {
  return append(request, config_.flush_mode == FlushMode::kSync);
}

Result<AppendResult> MessageStore::append(const AppendRequest& request, bool wait_for_flush) {
  if (closed_.load(std::memory_order_acquire)) return make_error(ErrorCode::kClosed, "store is closed");
  if (auto failure = flusher_->failure()) return std::unexpected(*failure);
  auto result = log_->append(request);
  if (!result) return result;
  dispatcher_->notify();
  log_waiters_.notify();
  if (wait_for_flush) {
    if (auto s = flusher_->wait_flushed(result->end_offset.value()); !s) return std::unexpected(s.error());
  } else {
    flusher_->note_written(result->end_offset.value());
  }
  return result;
}

bool MessageStore::wait_for_log_beyond(uint64_t offset, std::chrono::milliseconds timeout) const {
  if (closed_.load(std::memory_order_acquire)) return false;
  return log_waiters_.wait_beyond(offset, timeout, [this] { return log_->written_offset(); });
}

Result<ReplicatedAppend> MessageStore::append_replicated(uint64_t at, std::span<const std::byte> bytes) {
  if (closed_.load(std::memory_order_acquire)) return make_error(ErrorCode::kClosed, "store is closed");
  if (auto failure = flusher_->failure()) return std::unexpected(*failure);
  const uint64_t before = log_->written_offset();
  auto appended = log_->append_replicated(at, bytes);
  const uint64_t after = log_->written_offset();
  if (after != before) {  // also when a later slot was refused: what was published is the log's
    dispatcher_->notify();
    log_waiters_.notify();
    flusher_->note_written(after);
  }
  return appended;
}

Status MessageStore::read(uint32_t queue_id, QueueOffset offset, uint64_t max_bytes, ReadBatch& out) const {
  out.clear();
  const ConsumeQueue* queue = indexes_->find(queue_id);
  if (!queue) return make_error(ErrorCode::kNotFound, "queue " + std::to_string(queue_id) + " has no records");
  out.start_offset = queue->start_offset();
  out.next_offset = queue->next_offset();
  if (offset == out.next_offset) return {};
  auto n = queue->find(offset);
  if (!n) return std::unexpected(n.error());
  const uint64_t count = queue->entry_count();
  uint64_t bytes = 0;
  std::shared_ptr<MappedSegment> segment;
  std::span<const std::byte> segment_bytes;
  for (uint64_t i = *n; i < count; ++i) {
    const IndexEntry e = queue->entry(i);
    const uint64_t at = e.commit_log_offset.value();
    if (!segment || at < segment->base_offset() || at >= segment->end_offset()) {
      segment = log_->segment_containing(at);
      if (!segment) {
        if (!out.batches.empty()) break;
        return make_error(ErrorCode::kOutOfRange, "offset " + to_string(offset) + " of queue " +
                                                      std::to_string(queue_id) + " was removed by retention");
      }
      segment_bytes = segment->read_from(0);
      out.pins_.push_back(segment);
    }
    auto slot = decode_slot(segment_bytes.subspan(at - segment->base_offset()), at, config_.verify_crc_on_read);
    Error bad;
    if (!slot)
      bad = slot.error();
    else if (slot->kind != SlotKind::kRecord || slot->record.fields.queue_id != queue_id ||
             QueueOffset(slot->record.fields.queue_offset) != e.base_offset)
      bad = Error{ErrorCode::kCorrupt, "index entry " + std::to_string(i) + " of queue " + std::to_string(queue_id) +
                                           " does not match the commit log at " + std::to_string(at)};
    if (!bad.message.empty()) {
      if (!out.batches.empty()) break;  // serve what is good; the next read reports the error
      spdlog::error("read of queue {} at offset {}: {}", queue_id, offset.value(), bad.message);
      return std::unexpected(bad);
    }
    const RecordView& r = slot->record;
    if (!out.batches.empty() && bytes + r.payload.size() > max_bytes) break;
    out.batches.push_back({r.payload, QueueOffset(r.fields.queue_offset), r.fields.record_count,
                           r.fields.max_timestamp_ms, r.fields.store_timestamp_ms, e.commit_log_offset});
    bytes += r.payload.size();
    if (bytes >= max_bytes) break;
  }
  return {};
}

std::optional<QueueRange> MessageStore::queue_range(uint32_t queue_id) const {
  const ConsumeQueue* queue = indexes_->find(queue_id);
  if (!queue) return std::nullopt;
  return QueueRange{queue->start_offset(), queue->next_offset()};
}

Result<QueueOffset> MessageStore::offset_for_timestamp(uint32_t queue_id, int64_t timestamp_ms) const {
  const ConsumeQueue* queue = indexes_->find(queue_id);
  if (!queue) return make_error(ErrorCode::kNotFound, "queue " + std::to_string(queue_id) + " has no records");
  auto n = queue->find_by_timestamp(timestamp_ms);
  if (!n) return queue->next_offset();
  return std::max(queue->entry(*n).base_offset, queue->start_offset());
}

Result<QueueOffset> MessageStore::delete_records_before(uint32_t queue_id, QueueOffset offset) {
  ConsumeQueue* queue = indexes_->find(queue_id);
  if (!queue) return make_error(ErrorCode::kNotFound, "queue " + std::to_string(queue_id) + " has no records");
  if (auto s = queue->advance_start(offset); !s) return std::unexpected(s.error());
  return queue->start_offset();
}

Result<QueueOffset> MessageStore::offset_keeping_bytes(uint32_t queue_id, uint64_t bytes) const {
  const ConsumeQueue* queue = indexes_->find(queue_id);
  if (!queue) return make_error(ErrorCode::kNotFound, "queue " + std::to_string(queue_id) + " has no records");
  const uint64_t first = queue->first_entry(), count = queue->entry_count();
  uint64_t kept = 0, n = count;
  while (n > first) {
    const IndexEntry e = queue->entry(n - 1);
    if (kept + e.size > bytes) break;
    kept += e.size;
    --n;
  }
  if (n == first) return queue->start_offset();
  return n == count ? queue->next_offset() : queue->entry(n).base_offset;
}

Result<uint64_t> MessageStore::queue_bytes(uint32_t queue_id) const {
  const ConsumeQueue* queue = indexes_->find(queue_id);
  if (!queue) return make_error(ErrorCode::kNotFound, "queue " + std::to_string(queue_id) + " has no records");
  uint64_t bytes = 0;
  for (uint64_t n = queue->first_entry(), count = queue->entry_count(); n < count; ++n) bytes += queue->entry(n).size;
  return bytes;
}

std::optional<LogPosition> MessageStore::queue_start_position(uint32_t queue_id) const {
  const ConsumeQueue* queue = indexes_->find(queue_id);
  if (!queue || queue->empty()) return std::nullopt;
  return queue->entry(queue->first_entry()).commit_log_offset;
}

void MessageStore::set_retention_floor(LogPosition position) { retention_->set_floor(position.value()); }

Result<std::optional<QueueOffset>> MessageStore::offset_of_max_timestamp(uint32_t queue_id) const {
  const ConsumeQueue* queue = indexes_->find(queue_id);
  if (!queue) return make_error(ErrorCode::kNotFound, "queue " + std::to_string(queue_id) + " has no records");
  auto n = queue->find_max_timestamp();
  if (!n) return std::optional<QueueOffset>();
  return std::optional<QueueOffset>(std::max(queue->entry(*n).base_offset, queue->start_offset()));
}

Status MessageStore::flush() { return flusher_->flush_all(); }

void MessageStore::set_index_listener(std::function<void()> listener) {
  dispatcher_->set_listener(std::move(listener));
}

void MessageStore::when_indexed(LogPosition end_offset, std::function<void(Status)> done) {
  dispatcher_->when_dispatched(end_offset.value(), std::move(done));
}

void MessageStore::when_durable(LogPosition end_offset, std::function<void(Status)> done) {
  flusher_->when_flushed(end_offset.value(), std::move(done));
}

Status MessageStore::enforce_retention(int64_t now) {
  auto round = retention_->run_once(now);
  if (!round) return std::unexpected(round.error());
  return {};
}

LogPosition MessageStore::written_offset() const { return LogPosition(log_->written_offset()); }
LogPosition MessageStore::flushed_offset() const { return LogPosition(flusher_->flushed_offset()); }
LogPosition MessageStore::log_start_offset() const { return LogPosition(log_->log_start_offset()); }
uint64_t MessageStore::locked_bytes() const { return writer_->locked_bytes(); }
WriteMode MessageStore::write_mode() const { return writer_->mode(); }
SegmentWriter::PoolUsage MessageStore::pool_usage() const { return writer_->pool_usage(); }
bool MessageStore::disk_full() const { return log_->disk_full(); }

std::optional<Error> MessageStore::flush_failure() const { return flusher_ ? flusher_->failure() : std::nullopt; }

uint64_t MessageStore::dispatcher_wakeups() const { return dispatcher_->wakeups(); }
uint64_t MessageStore::flush_count() const { return flusher_->flush_count(); }
uint64_t MessageStore::write_behind_count() const { return flusher_->write_behind_count(); }

}  // namespace ringmq::engine
