// Thin, errno-checked wrappers over the file system calls the engine needs. Each returns a
// Result whose message names the path and the call, so a failure deep in recovery still
// tells the operator which file to look at.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "io/unique_fd.h"

namespace ringmq::io {

Result<UniqueFd> open_file(const std::string& path, int flags, unsigned mode = 0644);
Result<uint64_t> file_size(int fd, const std::string& path);
// Reserves [0, bytes) on disk so later writes cannot fail with ENOSPC. Falls back to
// ftruncate where the file system lacks fallocate (tmpfs before 3.5, some FUSE mounts).
Status allocate_file(int fd, const std::string& path, uint64_t bytes);
Status truncate_file(int fd, const std::string& path, uint64_t bytes);
Status pwrite_all(int fd, const std::string& path, std::span<const std::byte> data, uint64_t offset);
Result<size_t> pread_full(int fd, const std::string& path, std::span<std::byte> out, uint64_t offset);
Status datasync(int fd, const std::string& path);
// fsync of a directory, so that a create, rename or unlink inside it is durable.
Status sync_directory(const std::string& dir);
// Writes `data` to `path` atomically: temp file, fdatasync, rename, directory fsync. `mode`
// applies to a new file (0600 for secrets: the temp file is never readable by others).
Status write_file_atomically(const std::string& path, std::span<const std::byte> data, unsigned mode = 0644);
Result<std::vector<std::byte>> read_whole_file(const std::string& path);
Status make_directories(const std::string& path);
Status remove_file(const std::string& path);
bool path_exists(const std::string& path);
// Bytes free for an unprivileged writer and total bytes of the file system holding `path`.
struct DiskUsage {
  uint64_t available_bytes = 0;
  uint64_t total_bytes = 0;
};
Result<DiskUsage> disk_usage(const std::string& path);

}  // namespace ringmq::io
