// FileSystem: the storage engine's one door to the file system. Every file operation the
// engine makes (segment and index files, their mappings and syncs, the checkpoint, the
// abort marker, directory listings, and the pool committer's io_uring writes and syncs)
// goes through it, as LevelDB's Env does. Production uses the real one
// (real_file_system()); tests substitute one that fails the Nth call of a kind, tears a
// write, or loses what was never made durable, so the engine's durability promises ("a
// failed flush sticks", "no ack for data whose flush failed") are tested, not just written.
//
// Contract for implementations: thread-safe; every error names the call and the path, and
// ENOSPC / EDQUOT come back as kDiskFull (errno_error does that). Writes are whole or fail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "io/direct_file.h"
#include "io/file.h"
#include "io/ring.h"
#include "io/unique_fd.h"
#include "io/write_batch.h"

namespace ringmq::engine {

// One file for FileSystem::datasync_through_ring.
struct RingSyncTarget {
  int fd = -1;
  const std::string* path = nullptr;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Files (open adds O_CLOEXEC).
  virtual Result<io::UniqueFd> open(const std::string& path, int flags, unsigned mode = 0644) = 0;
  virtual Result<uint64_t> file_size(int fd, const std::string& path) = 0;
  // Reserves [0, bytes) so later writes cannot fail with ENOSPC (ftruncate where the file
  // system has no fallocate).
  virtual Status allocate(int fd, const std::string& path, uint64_t bytes) = 0;
  // fallocate(FALLOC_FL_ZERO_RANGE): zeroes without data I/O; kUnsupported where missing.
  virtual Status zero_range(int fd, const std::string& path, uint64_t offset, uint64_t bytes) = 0;
  virtual Status write(int fd, const std::string& path, std::span<const std::byte> data, uint64_t offset) = 0;
  // Bytes read (fewer than asked only at the end of the file).
  virtual Result<size_t> read(int fd, const std::string& path, std::span<std::byte> out, uint64_t offset) = 0;
  virtual Status datasync(int fd, const std::string& path) = 0;

  // Shared read-write mappings of a whole file (from file offset 0).
  virtual Result<std::byte*> map(int fd, const std::string& path, uint64_t bytes) = 0;
  virtual void unmap(std::byte* mapping, uint64_t bytes) = 0;
  // msync(MS_SYNC) of [from, to) of a mapping of `path`: makes just that range durable.
  virtual Status sync_mapping(const std::string& path, std::byte* mapping, uint64_t from, uint64_t to) = 0;

  // Directories and names.
  virtual Result<std::vector<std::string>> list_directory(const std::string& dir) = 0;  // names, no "." / ".."
  virtual Status make_directories(const std::string& path) = 0;
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  virtual Status remove(const std::string& path) = 0;  // a missing file is not an error
  // fsync of a directory, so that a create, rename or unlink inside it is durable.
  virtual Status sync_directory(const std::string& dir) = 0;
  virtual bool exists(const std::string& path) = 0;
  virtual Result<io::DiskUsage> disk_usage(const std::string& path) = 0;

  // The pool committer's path: a file opened for direct I/O where allowed, written from
  // registered buffers through an io_uring ring and synced through it.
  virtual Result<io::DirectFile> open_direct(const std::string& path) = 0;
  // Runs `chunks` (io::WriteBatch semantics: whole or an error) against `target` on `ring`.
  virtual io::WriteOutcome write_through_ring(io::Ring& ring, const io::WriteTarget& target,
                                              io::WriteBatch& chunks) = 0;
  // fdatasyncs every file in `files` through `ring`, all in flight at once; `synced[i]` says
  // whether files[i] is durable now. A failed sync is never retried (the kernel may have
  // dropped the pages); the first error is returned.
  virtual Status datasync_through_ring(io::Ring& ring, std::span<const RingSyncTarget> files,
                                       std::span<bool> synced) = 0;
};

// The production file system: the system calls, unchanged. One instance for the process.
std::shared_ptr<FileSystem> real_file_system();

// Helpers built only on FileSystem calls, so faults injected there reach them too.
// Writes `data` to `path` atomically: temp file, write, fdatasync, rename, directory fsync.
// On failure the old file is untouched (the temp file may be left; the next write replaces it).
Status write_file_atomically(FileSystem& fs, const std::string& path, std::span<const std::byte> data);
Result<std::vector<std::byte>> read_whole_file(FileSystem& fs, const std::string& path);
std::string parent_directory(const std::string& path);

}  // namespace ringmq::engine
