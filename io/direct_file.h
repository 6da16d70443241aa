// DirectFile: a file opened for direct I/O (O_DIRECT) where the file system allows it, else
// buffered, with the alignment direct I/O needs on it. The pool write mode writes segment
// files through one so that committed bytes bypass the page cache. Owns the fd; move-only.
#pragma once

#include <fcntl.h>

#include <cstdint>
#include <string>

#include "common/result.h"
#include "io/unique_fd.h"

namespace ringmq::io {

// What direct I/O on one file requires. Buffered files need nothing ({1, 1}).
struct IoAlignment {
  uint32_t memory_bytes = 1;  // the buffer's address must be a multiple of this
  uint32_t offset_bytes = 1;  // the file offset and the length must be multiples of this

  bool required() const { return memory_bytes > 1 || offset_bytes > 1; }
  // kInvalidArgument naming the first rule broken, e.g. "length 1000 is not a multiple of 512".
  Status check(uint64_t offset, uint64_t length, const void* address) const;
};

enum class DirectIo {
  kPrefer,   // O_DIRECT where the file system allows it, else buffered (fallback_reason says why)
  kRequire,  // O_DIRECT or a kUnsupported error
  kOff,      // buffered
};

struct DirectFileOptions {
  int flags = O_RDWR | O_CREAT;  // open(2) flags; O_DIRECT and O_CLOEXEC are added as needed
  unsigned mode = 0644;
  DirectIo direct = DirectIo::kPrefer;
};

class DirectFile {
 public:
  static Result<DirectFile> open(const std::string& path, const DirectFileOptions& options = {});

  DirectFile() = default;
  DirectFile(DirectFile&&) noexcept = default;
  DirectFile& operator=(DirectFile&&) noexcept = default;

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  bool is_direct() const { return direct_; }
  // {1, 1} for a buffered file.
  const IoAlignment& alignment() const { return alignment_; }
  // Why the file is buffered ("" when direct), for the start-up log.
  const std::string& fallback_reason() const { return fallback_reason_; }

  Status check_aligned(uint64_t offset, uint64_t length, const void* address) const;
  // fallocate(2) of [offset, offset + length). Reserved blocks mean later writes cannot fail
  // with ENOSPC; with keep_size the file size stays as it is. kUnsupported where the file
  // system has no fallocate. (On ext4 the reserved extents are "unwritten": an O_DIRECT write
  // into them converts them, and only fdatasync makes that conversion durable.)
  Status allocate(uint64_t offset, uint64_t length, bool keep_size = false);
  Result<uint64_t> size() const;
  // Gives up ownership of the fd.
  UniqueFd release_fd() { return std::move(fd_); }

 private:
  UniqueFd fd_;
  std::string path_;
  bool direct_ = false;
  IoAlignment alignment_;
  std::string fallback_reason_;
};

// Direct I/O alignment for an open file: statx(STATX_DIOALIGN) on Linux 6.1+, else the
// logical block size of the device holding it (BLKSSZGET for a block device, sysfs for a
// file), else 4096, which satisfies every device with logical blocks up to 4 KiB. Returns
// kUnsupported when statx reports that the file cannot do direct I/O at all.
Result<IoAlignment> query_direct_io_alignment(int fd);

}  // namespace ringmq::io
