// WriteBatch and write_all: write whole ranges to one file through a Ring, whatever the kernel
// does on the way. A short write is resubmitted from where it stopped; -EAGAIN, -EINTR and
// zero-byte results are retried (bounded, with back-off); -ENOSPC becomes kDiskFull; an
// optional fdatasync runs once every byte has landed. The engine's committer uses it to move
// filled pool ranges (registered buffers, WRITE_FIXED) into a segment file.
//
// Each call runs to completion on a ring with no other operation outstanding (so that every
// completion it reaps is its own), and allocates nothing: WriteBatch reserves its capacity
// up front.
//
// With SyncAfter::kDatasync a lone write is linked to its fdatasync (IOSQE_IO_LINK: one
// syscall, and the sync never runs after a failed or short write); several writes go out
// unlinked, so they run in parallel, with the fdatasync marked IOSQE_IO_DRAIN behind them.
// The sync counts only in a round whose writes all completed in full; otherwise the rest is
// written and another sync issued. A failed fdatasync is never retried: after an I/O error
// the kernel may have dropped the dirty pages, and a second fdatasync could report success
// for data that never reached the disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "io/direct_file.h"
#include "io/ring.h"

namespace ringmq::io {

// Tags a run uses: each chunk's write is tagged with the chunk's index, the fdatasync with this.
inline constexpr uint64_t kWriteBatchSyncTag = kReservedTag - 2;

// Where to write: one file, its direct I/O alignment, and its name for error messages.
struct WriteTarget {
  FileRef file;
  IoAlignment alignment;  // DirectFile::alignment(); {1, 1} (the default) for buffered files
  std::string_view name;  // usually the path
};

struct WriteChunk {
  std::span<const std::byte> data;
  uint64_t offset = 0;    // or kCurrentPosition (pipes, sockets): then not advanced on a short write
  int buffer_index = -1;  // registered buffer holding `data` (WRITE_FIXED), or -1 for plain WRITE
};

enum class SyncAfter { kNone, kDatasync };

struct WritePolicy {
  unsigned max_retries = 64;       // consecutive results without progress before giving up
  unsigned first_backoff_us = 20;  // sleep before a retry round; doubles each time...
  unsigned max_backoff_us = 1000;  // ...up to this
};

struct WriteStats {
  uint64_t writes_submitted = 0;
  uint64_t short_writes = 0;  // completions with 0 < result < bytes asked
  uint64_t retries = 0;       // -EAGAIN / -EINTR / zero-byte results retried
  uint64_t syncs_submitted = 0;
  uint64_t rounds = 0;  // submit-and-reap rounds; 1 when nothing went wrong
};

struct WriteOutcome {
  uint64_t bytes_written = 0;  // bytes the kernel reported written, summed over the chunks
  Status status;               // the first error; success once every byte (and the sync) is done
  WriteStats stats;
  bool ok() const { return status.has_value(); }
};

namespace detail {
// Per-chunk progress, kept by the caller so that the run allocates nothing.
struct ChunkProgress {
  uint64_t written = 0;
  uint32_t asked = 0;    // bytes of the write in flight
  uint32_t retries = 0;  // consecutive results without progress
};
WriteOutcome run_writes(Ring& ring, const WriteTarget& target, std::span<const WriteChunk> chunks,
                        std::span<ChunkProgress> progress, SyncAfter sync, const WritePolicy& policy);
}  // namespace detail

// Writes one chunk in full (see the file comment).
WriteOutcome write_all(Ring& ring, const WriteTarget& target, const WriteChunk& chunk,
                       SyncAfter sync = SyncAfter::kNone, const WritePolicy& policy = {});

// Several chunks of one file written in one go, with at most one fdatasync after them.
// Reusable: clear() and add() again.
class WriteBatch {
 public:
  explicit WriteBatch(size_t capacity);

  // kInvalidArgument when the batch is full (capacity is fixed so that add never allocates).
  Status add(const WriteChunk& chunk);
  void clear();
  size_t size() const { return chunks_.size(); }
  size_t capacity() const { return chunks_.capacity(); }
  std::span<const WriteChunk> chunks() const { return chunks_; }

  WriteOutcome run(Ring& ring, const WriteTarget& target, SyncAfter sync = SyncAfter::kNone,
                   const WritePolicy& policy = {});
  // Bytes of chunk `index` written by the last run().
  uint64_t bytes_written(size_t index) const { return progress_[index].written; }

 private:
  std::vector<WriteChunk> chunks_;
  std::vector<detail::ChunkProgress> progress_;
};

}  // namespace ringmq::io
