#include "engine/consume_queue.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "common/crc32c.h"
#include "common/little_endian.h"

namespace ringmq::engine {
namespace {

IndexEntry load_entry(const std::byte* p) {
  IndexEntry e;
  e.commit_log_offset = LogPosition(load_le<uint64_t>(p));
  e.size = load_le<uint32_t>(p + 8);
  e.record_count = load_le<uint32_t>(p + 12);
  e.base_offset = QueueOffset(load_le<uint64_t>(p + 16));
  e.max_timestamp_ms = load_le<int64_t>(p + 24);
  return e;
}

void store_entry(std::byte* p, const IndexEntry& e) {
  store_le<uint64_t>(p, e.commit_log_offset.value());
  store_le<uint32_t>(p + 8, e.size);
  store_le<uint32_t>(p + 12, e.record_count);
  store_le<uint64_t>(p + 16, e.base_offset.value());
  store_le<int64_t>(p + 24, e.max_timestamp_ms);
}

bool all_zero(const std::byte* p) {
  static constexpr std::byte kZeros[kIndexEntrySize] = {};
  return std::memcmp(p, kZeros, kIndexEntrySize) == 0;
}

constexpr const char* kStartFileName = "start_offset";

// The DeleteRecords start of a queue, 0 if it never had one.
Result<uint64_t> read_start_file(FileSystem& fs, const std::string& path) {
  if (!fs.exists(path)) return uint64_t{0};
  auto fd = fs.open(path, O_RDONLY);
  if (!fd) return std::unexpected(fd.error());
  std::byte bytes[12];
  auto n = fs.read(fd->get(), path, bytes, 0);
  if (!n) return std::unexpected(n.error());
  if (*n != sizeof bytes || load_le<uint32_t>(bytes + 8) != crc32c(std::span(bytes, 8)))
    return make_error(ErrorCode::kCorrupt, path + " is damaged (size or CRC): the queue's start is unknown");
  return load_le<uint64_t>(bytes);
}

// Replaces the start file atomically: temp file, fdatasync, rename, directory fsync.
Status write_start_file(FileSystem& fs, const std::string& directory, uint64_t offset) {
  std::byte bytes[12];
  store_le<uint64_t>(bytes, offset);
  store_le<uint32_t>(bytes + 8, crc32c(std::span(bytes, 8)));
  const std::string path = directory + "/" + kStartFileName, temp = path + ".tmp";
  auto fd = fs.open(temp, O_CREAT | O_TRUNC | O_WRONLY);
  if (!fd) return std::unexpected(fd.error());
  if (auto s = fs.write(fd->get(), temp, bytes, 0); !s) return s;
  if (auto s = fs.datasync(fd->get(), temp); !s) return s;
  if (auto s = fs.rename(temp, path); !s) return s;
  return fs.sync_directory(directory);
}

}  // namespace

Result<std::shared_ptr<MappedSegment>> ConsumeQueue::add_file(uint64_t first_entry, bool existing) {
  const std::string path = directory_ + "/" + segment_file_name(first_entry);
  const uint64_t bytes = uint64_t{entries_per_file_} * kIndexEntrySize;
  auto file = existing ? MappedSegment::open_existing(fs_, path, first_entry, bytes)
                       : MappedSegment::create(fs_, path, first_entry, bytes);
  if (!file) return file;
  std::unique_lock lock(files_mutex_);
  files_.push_back(*file);
  return file;
}

std::shared_ptr<MappedSegment> ConsumeQueue::file_for(uint64_t n) const {
  std::shared_lock lock(files_mutex_);
  if (files_.empty() || n < files_.front()->base_offset()) return nullptr;
  const size_t index = (n - files_.front()->base_offset()) / entries_per_file_;
  return index < files_.size() ? files_[index] : nullptr;
}

Result<std::unique_ptr<ConsumeQueue>> ConsumeQueue::open(std::shared_ptr<FileSystem> fs, const std::string& directory,
                                                         uint32_t queue_id, uint32_t entries_per_file,
                                                         uint64_t log_end) {
  if (auto s = fs->make_directories(directory); !s) return std::unexpected(s.error());
  auto names = fs->list_directory(directory);
  if (!names) return std::unexpected(names.error());
  std::unique_ptr<ConsumeQueue> queue(new ConsumeQueue(std::move(fs), directory, queue_id, entries_per_file));

  std::vector<uint64_t> firsts;
  for (const auto& name : *names)
    if (auto first = parse_segment_file_name(name)) firsts.push_back(*first);
  std::sort(firsts.begin(), firsts.end());

  // Load the longest valid prefix: contiguous files of the right size, entries that continue
  // each other and point inside the commit log.
  std::string stop_reason;
  uint64_t n = firsts.empty() ? 0 : firsts.front();
  std::optional<IndexEntry> previous;
  size_t loaded_files = 0;
  for (uint64_t first : firsts) {
    if (first % entries_per_file != 0 || first != n) {
      stop_reason = "index file " + segment_file_name(n) + " is missing";
      break;
    }
    auto file = queue->add_file(first, true);
    if (!file) {
      stop_reason = file.error().message;
      break;
    }
    ++loaded_files;
    bool stopped = false;
    for (uint32_t slot = 0; slot < entries_per_file; ++slot, ++n) {
      const std::byte* p = (*file)->data() + uint64_t{slot} * kIndexEntrySize;
      if (all_zero(p)) {
        stopped = true;
        break;
      }
      IndexEntry e = load_entry(p);
      const bool valid =
          e.size >= 64 && e.record_count > 0 && e.commit_log_offset.value() + e.size <= log_end &&
          (!previous || (e.base_offset == previous->end_offset() && e.commit_log_offset > previous->commit_log_offset));
      if (!valid) {
        stop_reason = "entry " + std::to_string(n) + " does not continue the index (torn or beyond the log end)";
        stopped = true;
        break;
      }
      if (!previous) queue->start_offset_.store(e.base_offset.value());
      queue->note_timestamp(n, e.max_timestamp_ms);
      previous = e;
    }
    if (stopped) break;
  }
  queue->first_entry_.store(firsts.empty() ? 0 : firsts.front());
  queue->entry_count_.store(n);
  queue->flushed_entries_ = n;
  if (previous) {
    queue->next_offset_.store(previous->end_offset().value());
  }

  // Clear what follows the valid prefix: the rest of its file and any later files.
  if (!stop_reason.empty())
    spdlog::warn("index of queue {}: {}; rebuilding it from the commit log", queue_id, stop_reason);
  {
    std::unique_lock lock(queue->files_mutex_);
    while (queue->files_.size() > 1 &&
           queue->files_.back()->base_offset() > (n == 0 ? 0 : (n - 1)) / entries_per_file * entries_per_file) {
      if (auto s = queue->files_.back()->remove_file(); !s) return std::unexpected(s.error());
      queue->files_.pop_back();
    }
  }
  for (size_t i = loaded_files; i < firsts.size(); ++i) {
    if (auto s = queue->fs_->remove(directory + "/" + segment_file_name(firsts[i])); !s)
      return std::unexpected(s.error());
  }
  auto deleted_before = read_start_file(*queue->fs_, directory + "/" + kStartFileName);
  if (!deleted_before) return std::unexpected(deleted_before.error());
  if (*deleted_before > 0) {
    queue->deleted_before_.store(*deleted_before);
    if (*deleted_before > queue->start_offset().value())
      queue->move_start_to(std::min(*deleted_before, queue->next_offset().value()));
  }
  if (auto file = queue->file_for(n)) {
    if (auto s = file->zero_from((n - file->base_offset()) * kIndexEntrySize); !s) return std::unexpected(s.error());
  }
  return queue;
}

ConsumeQueue::~ConsumeQueue() = default;

Status ConsumeQueue::append(const IndexEntry& entry) {
  const uint64_t n = entry_count_.load(std::memory_order_relaxed);
  if (n > 0 && entry.base_offset.value() != next_offset_.load(std::memory_order_relaxed))
    return make_error(ErrorCode::kInvalidArgument, "queue " + std::to_string(queue_id_) + ": entry at offset " +
                                                       to_string(entry.base_offset) +
                                                       " does not continue the index at " + to_string(next_offset()));
  auto file = file_for(n);
  if (!file) {
    auto created = add_file(n / entries_per_file_ * entries_per_file_, false);
    if (!created) return std::unexpected(created.error());
    file = *created;
  }
  store_entry(file->data() + (n - file->base_offset()) * kIndexEntrySize, entry);
  note_timestamp(n, entry.max_timestamp_ms);
  if (n == 0 || n == first_entry_.load(std::memory_order_relaxed)) {
    // The first entry of a queue (new, emptied, or rebuilt after reset()): DeleteRecords'
    // start still holds.
    const uint64_t floor = deleted_before_.load(std::memory_order_acquire);
    if (floor >= entry.end_offset().value()) {
      first_entry_.store(n + 1, std::memory_order_release);
      start_offset_.store(entry.end_offset().value(), std::memory_order_release);
    } else {
      if (n == 0) first_entry_.store(0, std::memory_order_release);
      start_offset_.store(std::max(entry.base_offset.value(), floor), std::memory_order_release);
    }
  }
  next_offset_.store(entry.end_offset().value(), std::memory_order_release);
  entry_count_.store(n + 1, std::memory_order_release);
  return {};
}

IndexEntry ConsumeQueue::entry(uint64_t n) const {
  auto file = file_for(n);
  if (!file) return {};
  return load_entry(file->data() + (n - file->base_offset()) * kIndexEntrySize);
}

Result<uint64_t> ConsumeQueue::find(QueueOffset logical_offset) const {
  const QueueOffset start = start_offset(), next = next_offset();
  if (logical_offset < start || logical_offset >= next || empty())
    return make_error(ErrorCode::kOutOfRange, "offset " + to_string(logical_offset) + " is outside queue " +
                                                  std::to_string(queue_id_) + "'s range [" + to_string(start) + ", " +
                                                  to_string(next) + ")");
  // Last entry whose base offset is <= logical_offset.
  uint64_t lo = first_entry(), hi = entry_count();  // answer in [lo, hi)
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (entry(mid).base_offset <= logical_offset)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

void ConsumeQueue::note_timestamp(uint64_t n, int64_t max_timestamp_ms) {
  const uint64_t block = n / kTimestampBlockEntries;
  std::lock_guard lock(blocks_mutex_);
  if (block_max_timestamp_.empty()) first_block_ = block;
  while (first_block_ + block_max_timestamp_.size() <= block)
    block_max_timestamp_.push_back(std::numeric_limits<int64_t>::min());
  int64_t& max = block_max_timestamp_[block - first_block_];
  max = std::max(max, max_timestamp_ms);
}

std::optional<uint64_t> ConsumeQueue::next_block_reaching(uint64_t block, int64_t timestamp_ms) const {
  std::lock_guard lock(blocks_mutex_);
  for (uint64_t b = std::max(block, first_block_); b < first_block_ + block_max_timestamp_.size(); ++b) {
    if (block_max_timestamp_[b - first_block_] >= timestamp_ms) return b;
  }
  return std::nullopt;
}

std::optional<uint64_t> ConsumeQueue::find_by_timestamp(int64_t timestamp_ms) const {
  const uint64_t first = first_entry(), count = entry_count();
  for (uint64_t block = first / kTimestampBlockEntries;;) {
    auto reaching = next_block_reaching(block, timestamp_ms);
    if (!reaching) return std::nullopt;
    // The block's maximum may come from trimmed entries or ones not yet published: scan the
    // live part and go on to the next block if nothing there is late enough.
    const uint64_t from = std::max(first, *reaching * kTimestampBlockEntries);
    const uint64_t to = std::min(count, (*reaching + 1) * kTimestampBlockEntries);
    for (uint64_t n = from; n < to; ++n) {
      if (entry(n).max_timestamp_ms >= timestamp_ms) return n;
    }
    if (to >= count) return std::nullopt;
    block = *reaching + 1;
  }
}

std::optional<uint64_t> ConsumeQueue::find_max_timestamp() const {
  const uint64_t first = first_entry(), count = entry_count();
  if (first >= count) return std::nullopt;
  std::optional<uint64_t> best;
  int64_t best_timestamp = std::numeric_limits<int64_t>::min();
  auto scan = [&](uint64_t block) {
    const uint64_t to = std::min(count, (block + 1) * kTimestampBlockEntries);
    for (uint64_t n = std::max(first, block * kTimestampBlockEntries); n < to; ++n) {
      const int64_t t = entry(n).max_timestamp_ms;
      if (!best || t > best_timestamp) best = n, best_timestamp = t;
    }
  };
  // The first block may be partly trimmed: scan it; later blocks only where their maximum
  // beats what was found (a copy of the maxima, so no entry is read under the lock).
  const uint64_t first_block = first / kTimestampBlockEntries;
  scan(first_block);
  std::vector<int64_t> maxima;
  uint64_t maxima_first = 0;
  {
    std::lock_guard lock(blocks_mutex_);
    maxima.assign(block_max_timestamp_.begin(), block_max_timestamp_.end());
    maxima_first = first_block_;
  }
  for (uint64_t b = std::max(first_block + 1, maxima_first); b < maxima_first + maxima.size(); ++b) {
    if (b * kTimestampBlockEntries >= count) break;
    if (maxima[b - maxima_first] > best_timestamp) scan(b);
  }
  return best;
}

Status ConsumeQueue::flush() {
  const uint64_t count = entry_count();
  uint64_t n = flushed_entries_;
  while (n < count) {
    auto file = file_for(n);
    if (!file) break;
    const uint64_t end = std::min(count, file->base_offset() + entries_per_file_);
    if (auto s =
            file->flush((n - file->base_offset()) * kIndexEntrySize, (end - file->base_offset()) * kIndexEntrySize);
        !s)
      return s;
    n = end;
  }
  flushed_entries_ = count;
  return {};
}

void ConsumeQueue::move_start_to(uint64_t offset) {
  uint64_t first = first_entry();
  const uint64_t count = entry_count();
  while (first < count && entry(first).end_offset().value() <= offset) ++first;
  start_offset_.store(offset, std::memory_order_release);
  first_entry_.store(first, std::memory_order_release);
}

Status ConsumeQueue::advance_start(QueueOffset offset) {
  std::lock_guard lock(start_mutex_);
  const QueueOffset next = next_offset();
  if (offset > next)
    return make_error(ErrorCode::kOutOfRange, "offset " + to_string(offset) + " is past the end of queue " +
                                                  std::to_string(queue_id_) + " (" + to_string(next) + ")");
  if (offset <= start_offset()) return {};
  if (auto s = write_start_file(*fs_, directory_, offset.value()); !s) return s;
  deleted_before_.store(offset.value(), std::memory_order_release);
  move_start_to(offset.value());
  return {};
}

Status ConsumeQueue::trim_before(LogPosition log_start) {
  std::lock_guard start_lock(start_mutex_);
  uint64_t first = first_entry();
  const uint64_t count = entry_count();
  while (first < count && entry(first).commit_log_offset < log_start) ++first;
  if (first != first_entry()) {
    const uint64_t trimmed_start = (first < count ? entry(first).base_offset : next_offset()).value();
    start_offset_.store(std::max(trimmed_start, deleted_before_.load(std::memory_order_acquire)),
                        std::memory_order_release);
    first_entry_.store(first, std::memory_order_release);
  }
  // Files and timestamp blocks wholly below the first entry go, whether retention or
  // DeleteRecords (advance_start) moved it.
  first = first_entry();
  {
    std::lock_guard blocks(blocks_mutex_);
    while (!block_max_timestamp_.empty() && (first_block_ + 1) * kTimestampBlockEntries <= first) {
      block_max_timestamp_.pop_front();
      ++first_block_;
    }
  }
  // Delete whole files before the one holding `first` (the file holding the last entry stays,
  // so an emptied queue still knows its next offset after a restart).
  std::unique_lock lock(files_mutex_);
  const uint64_t keep_from = std::min(first, count == 0 ? 0 : count - 1) / entries_per_file_ * entries_per_file_;
  while (files_.size() > 1 && files_.front()->base_offset() < keep_from) {
    if (auto s = files_.front()->remove_file(); !s) return s;
    files_.erase(files_.begin());
  }
  return {};
}

Status ConsumeQueue::reset() {
  std::unique_lock lock(files_mutex_);
  for (auto& file : files_)
    if (auto s = file->remove_file(); !s) return s;
  files_.clear();
  {
    std::lock_guard blocks(blocks_mutex_);
    block_max_timestamp_.clear();
    first_block_ = 0;
  }
  first_entry_.store(0);
  entry_count_.store(0);
  start_offset_.store(0);
  next_offset_.store(0);
  flushed_entries_ = 0;
  return {};
}

}  // namespace ringmq::engine
