#include "engine/segment_allocator.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace ringmq::engine {

SegmentAllocator::SegmentAllocator(const EngineConfig& config, std::string directory, std::shared_ptr<FileSystem> fs,
                                   SegmentWriter& writer)
    : config_(config), directory_(std::move(directory)), fs_(std::move(fs)), writer_(writer) {}

SegmentAllocator::~SegmentAllocator() { stop(); }

void SegmentAllocator::start() {
  thread_.start(
      "rmq-allocator", [this] { run_once(); },
      [this] {
        if (config_.placement.pin_thread) config_.placement.pin_thread("allocator");
      });
  writer_.start();
}

void SegmentAllocator::stop() {
  writer_.stop();  // first: a prepare() waiting for pool memory gives up
  thread_.stop();
}

Result<std::shared_ptr<MappedSegment>> SegmentAllocator::prepare_now(uint64_t base_offset, bool existing) {
  const std::string path = directory_ + "/" + segment_file_name(base_offset);
  auto segment = existing ? MappedSegment::open_existing(fs_, path, base_offset, config_.segment_bytes)
                          : MappedSegment::create(fs_, path, base_offset, config_.segment_bytes);
  if (!segment) return segment;
  // A new file's name must be durable before records in it are acknowledged as durable:
  // without this a power cut could lose the whole segment along with its synced data.
  if (!existing)
    if (auto s = fs_->sync_directory(directory_); !s) return std::unexpected(s.error());
  if (auto s = writer_.prepare(*segment, existing); !s) return std::unexpected(s.error());
  return segment;
}

void SegmentAllocator::request(uint64_t base_offset) {
  {
    std::lock_guard lock(mutex_);
    while (!ready_.empty() && ready_.front()->base_offset() < base_offset) ready_.pop_front();
    if (!ready_.empty() && ready_.front()->base_offset() != base_offset) ready_.clear();  // not contiguous
    wanted_ = base_offset;
    failure_.reset();
  }
  thread_.wake();
}

Result<std::shared_ptr<MappedSegment>> SegmentAllocator::take(uint64_t base_offset, std::chrono::milliseconds timeout) {
  request(base_offset);
  std::unique_lock lock(mutex_);
  auto front_ready = [&] { return !ready_.empty() && ready_.front()->base_offset() == base_offset; };
  ready_cv_.wait_for(lock, timeout, [&] { return front_ready() || failure_.has_value() || thread_.stopping(); });
  if (!front_ready()) {
    if (failure_) {
      Error e = *failure_;
      failure_.reset();
      return std::unexpected(e);
    }
    return make_error(ErrorCode::kBusy, "the next commit-log segment (offset " + std::to_string(base_offset) +
                                            ") was not ready within " + std::to_string(timeout.count()) +
                                            " ms; the disk is slower than the producers");
  }
  auto segment = std::move(ready_.front());
  ready_.pop_front();
  wanted_ = segment->end_offset();
  return segment;
}

void SegmentAllocator::retire(std::shared_ptr<MappedSegment> segment) {
  {
    std::lock_guard lock(mutex_);
    retired_.push_back(std::move(segment));
  }
  thread_.wake();
}

void SegmentAllocator::run_once() {
  std::optional<uint64_t> next;
  std::vector<std::shared_ptr<MappedSegment>> retired;
  {
    std::lock_guard lock(mutex_);
    retired.swap(retired_);
    if (wanted_ && !failure_ && ready_.size() < config_.segments_ahead)
      next = ready_.empty() ? *wanted_ : ready_.back()->end_offset();
  }
  for (auto& segment : retired) writer_.retire(*segment);
  if (!next) {
    thread_.sleep_for(std::chrono::milliseconds(1000));
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  auto segment = prepare_now(*next, false);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (took > std::chrono::milliseconds(500))
    spdlog::warn("preparing commit-log segment at offset {} took {} ms", *next, took.count());
  {
    std::lock_guard lock(mutex_);
    const uint64_t expected = ready_.empty() ? wanted_.value_or(*next) : ready_.back()->end_offset();
    if (expected == *next) {  // still what is wanted (the writer may have moved on meanwhile)
      if (segment) {
        ready_.push_back(std::move(*segment));
      } else {
        failure_ = segment.error();
        // Busy is back pressure (the pool is full until the disk catches up), retried by the
        // writer; anything else is a real failure.
        spdlog::log(segment.error().code == ErrorCode::kBusy ? spdlog::level::warn : spdlog::level::err,
                    "preparing commit-log segment at offset {} failed: {}", *next, segment.error().message);
      }
    }
  }
  ready_cv_.notify_all();
}

}  // namespace ringmq::engine
