#include "io/write_batch.h"

#include <algorithm>
#include <cerrno>
#include <optional>
#include <thread>

#include "io/detail/errno_text.h"

namespace ringmq::io {
namespace {

constexpr uint64_t kSyncTag = kWriteBatchSyncTag;

std::string at_offset(uint64_t offset) {
  return offset == kCurrentPosition ? std::string("at the current position") : "at offset " + std::to_string(offset);
}

// One run over a batch: rounds of "submit every unfinished chunk (plus the sync), reap all".
class WriteRun {
 public:
  WriteRun(Ring& ring, const WriteTarget& target, std::span<const WriteChunk> chunks,
           std::span<detail::ChunkProgress> progress, SyncAfter sync, const WritePolicy& policy)
      : ring_(ring), target_(target), chunks_(chunks), progress_(progress), sync_(sync), policy_(policy) {}

  WriteOutcome run() {
    if (ring_.outstanding() != 0) {
      return finish(
          Error{ErrorCode::kInvalidArgument, "writing " + std::string(target_.name) + " needs an idle ring; " +
                                                 std::to_string(ring_.outstanding()) + " operations are outstanding"});
    }
    for (size_t i = 0; i < chunks_.size(); ++i) {
      progress_[i] = {};
      if (chunks_[i].offset == kCurrentPosition && target_.alignment.required()) {
        return finish(Error{ErrorCode::kInvalidArgument,
                            "O_DIRECT write to " + std::string(target_.name) + " needs an explicit offset"});
      }
      // Everything is checked before anything is submitted: a bad chunk leaves the file untouched.
      if (auto aligned = check_alignment(i); !aligned) return finish(aligned.error());
    }
    bool synced = sync_ == SyncAfter::kNone;
    unsigned sync_retries = 0;
    unsigned backoff_us = policy_.first_backoff_us;
    while (!error_) {
      size_t unfinished = 0;
      for (size_t i = 0; i < chunks_.size(); ++i) unfinished += remaining(i) > 0 ? 1 : 0;
      if (unfinished == 0 && synced) break;

      ++stats_.rounds;
      round_clean_ = true;
      round_stalled_ = false;
      sync_result_.reset();
      const bool sync_now = !synced;
      const bool link = sync_now && unfinished == 1;
      for (size_t i = 0; i < chunks_.size() && !error_; ++i) {
        if (remaining(i) > 0) submit_write(i, link);
      }
      if (sync_now && !error_) submit_sync(link, unfinished > 0);
      if (!error_) {
        if (auto submitted = ring_.submit(); !submitted) error_ = submitted.error();
      }
      reap_all();
      if (error_) break;

      if (sync_now && sync_result_.has_value()) {
        const int result = *sync_result_;
        if (result == 0 && round_clean_) {
          synced = true;
        } else if (result == -EAGAIN || result == -EINTR) {
          ++stats_.retries;
          round_stalled_ = true;
          if (++sync_retries > policy_.max_retries) error_ = sync_error(result);
        } else if (result < 0 && (result != -ECANCELED || round_clean_)) {
          // -ECANCELED after a short or failed write is the broken link: the write's own
          // result says what to do. After writes that all completed, it is an error itself.
          error_ = sync_error(result);
        }
      }
      if (round_stalled_ && !error_) {
        // Back off only when a round made no progress somewhere: a short write just goes on.
        std::this_thread::sleep_for(std::chrono::microseconds(backoff_us));
        backoff_us = std::min(backoff_us * 2, policy_.max_backoff_us);
      } else {
        backoff_us = policy_.first_backoff_us;
      }
    }
    return finish(std::move(error_));
  }

 private:
  uint64_t remaining(size_t i) const { return chunks_[i].data.size() - progress_[i].written; }

  uint64_t offset_of(size_t i) const {
    return chunks_[i].offset == kCurrentPosition ? kCurrentPosition : chunks_[i].offset + progress_[i].written;
  }

  Status check_alignment(size_t i) const {
    if (!target_.alignment.required()) return {};
    auto aligned = target_.alignment.check(offset_of(i), remaining(i), chunks_[i].data.data() + progress_[i].written);
    if (aligned) return {};
    const std::string context = progress_[i].written == 0 ? "" : "after a short write, ";
    return make_error(ErrorCode::kInvalidArgument,
                      "O_DIRECT write to " + std::string(target_.name) + ": " + context + aligned.error().message);
  }

  // Keeps the CQ from overflowing: with a full CQ's worth in flight, reap before adding more.
  void make_cq_room(unsigned needed) {
    while (!error_ && ring_.outstanding() + needed > ring_.cq_entries()) {
      auto reaped = ring_.wait(completions_, 1);
      if (!reaped) {
        error_ = reaped.error();
        return;
      }
      for (size_t k = 0; k < *reaped; ++k) handle(completions_[k]);
    }
  }

  void submit_write(size_t i, bool link) {
    if (auto aligned = check_alignment(i); !aligned) {
      error_ = aligned.error();
      return;
    }
    make_cq_room(link ? 2 : 1);
    if (error_) return;
    if (link) {
      if (auto room = ring_.reserve(2); !room) {
        error_ = room.error();
        return;
      }
    }
    const WriteChunk& chunk = chunks_[i];
    const size_t bytes = static_cast<size_t>(std::min<uint64_t>(remaining(i), kMaxIoBytes));
    const auto data = chunk.data.subspan(progress_[i].written, bytes);
    const SqeFlags flags{.link_next = link};
    Status prepared = chunk.buffer_index >= 0
                          ? ring_.prepare_write_fixed(target_.file, data, offset_of(i),
                                                      static_cast<unsigned>(chunk.buffer_index), i, flags)
                          : ring_.prepare_write(target_.file, data, offset_of(i), i, flags);
    if (!prepared) {
      error_ = prepared.error();
      return;
    }
    progress_[i].asked = static_cast<uint32_t>(bytes);
    ++stats_.writes_submitted;
  }

  void submit_sync(bool linked, bool after_writes) {
    if (!linked) make_cq_room(1);
    if (error_) return;
    // Linked: the ring holds the room reserved with the write. Several writes: DRAIN waits
    // for all of them (they run in parallel, where a chain would serialise them).
    Status prepared =
        ring_.prepare_fsync(target_.file, SyncKind::kData, kSyncTag, SqeFlags{.drain = !linked && after_writes});
    if (!prepared) {
      error_ = prepared.error();
      return;
    }
    ++stats_.syncs_submitted;
  }

  void reap_all() {
    while (ring_.outstanding() > 0) {
      auto reaped = ring_.wait(completions_, 1);
      if (!reaped) {
        if (!error_) error_ = reaped.error();
        return;  // the ring is broken; its owner must discard it
      }
      for (size_t k = 0; k < *reaped; ++k) handle(completions_[k]);
    }
  }

  void handle(const Completion& completion) {
    if (completion.tag == kSyncTag) {
      sync_result_ = completion.result;
      return;
    }
    const size_t i = completion.tag;
    if (i >= chunks_.size()) return;  // cannot happen on an idle ring; ignore rather than crash
    detail::ChunkProgress& progress = progress_[i];
    const int result = completion.result;
    if (result > 0) {
      progress.written += static_cast<uint64_t>(result);
      progress.retries = 0;
      if (static_cast<uint32_t>(result) < progress.asked) {
        ++stats_.short_writes;  // the rest goes in the next round
        round_clean_ = false;
      }
      return;
    }
    round_clean_ = false;
    if (result == 0 || result == -EAGAIN || result == -EINTR) {
      ++stats_.retries;
      round_stalled_ = true;
      if (++progress.retries > policy_.max_retries && !error_) {
        error_ = Error{ErrorCode::kIo,
                       write_context(i) + ": no progress after " + std::to_string(policy_.max_retries) +
                           " retries; last result: " + (result == 0 ? std::string("0 bytes") : errno_name(-result))};
      }
      return;
    }
    if (!error_) error_ = completion_error(completion, write_context(i));
  }

  std::string write_context(size_t i) const {
    return "write of " + std::to_string(remaining(i)) + " bytes to " + std::string(target_.name) + " " +
           at_offset(offset_of(i));
  }

  Error sync_error(int result) const {
    return completion_error(Completion{kSyncTag, result, 0}, "fdatasync " + std::string(target_.name));
  }

  WriteOutcome finish(std::optional<Error> error) {
    WriteOutcome outcome;
    for (size_t i = 0; i < chunks_.size(); ++i) outcome.bytes_written += progress_[i].written;
    outcome.stats = stats_;
    if (error) {
      error->message += " (" + std::to_string(outcome.bytes_written) + " bytes written)";
      outcome.status = std::unexpected(std::move(*error));
    }
    return outcome;
  }

  Ring& ring_;
  const WriteTarget& target_;
  std::span<const WriteChunk> chunks_;
  std::span<detail::ChunkProgress> progress_;
  SyncAfter sync_;
  const WritePolicy& policy_;
  WriteStats stats_;
  std::optional<Error> error_;
  bool round_clean_ = true;         // every write of this round completed in full
  bool round_stalled_ = false;      // some operation of this round made no progress
  std::optional<int> sync_result_;  // the fdatasync's result in this round
  Completion completions_[32];
};

}  // namespace

namespace detail {

WriteOutcome run_writes(Ring& ring, const WriteTarget& target, std::span<const WriteChunk> chunks,
                        std::span<ChunkProgress> progress, SyncAfter sync, const WritePolicy& policy) {
  return WriteRun(ring, target, chunks, progress, sync, policy).run();
}

}  // namespace detail

WriteOutcome write_all(Ring& ring, const WriteTarget& target, const WriteChunk& chunk, SyncAfter sync,
                       const WritePolicy& policy) {
  detail::ChunkProgress progress;
  return detail::run_writes(ring, target, std::span(&chunk, 1), std::span(&progress, 1), sync, policy);
}

WriteBatch::WriteBatch(size_t capacity) {
  chunks_.reserve(capacity);
  progress_.reserve(capacity);
}

Status WriteBatch::add(const WriteChunk& chunk) {
  if (chunks_.size() == chunks_.capacity()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "write batch is full (" + std::to_string(chunks_.capacity()) + " chunks)");
  }
  chunks_.push_back(chunk);
  progress_.emplace_back();
  return {};
}

void WriteBatch::clear() {
  chunks_.clear();
  progress_.clear();
}

WriteOutcome WriteBatch::run(Ring& ring, const WriteTarget& target, SyncAfter sync, const WritePolicy& policy) {
  return detail::run_writes(ring, target, chunks_, progress_, sync, policy);
}

}  // namespace ringmq::io
