#include "io/direct_file.h"

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

#include "common/byte_size.h"
#include "io/detail/errno_text.h"

namespace ringmq::io {
namespace {

constexpr uint32_t kDefaultDirectIoAlignment = 4096;

bool multiple_of(uint64_t value, uint32_t alignment) { return value % alignment == 0; }

// Logical block size of the device that holds a file, from sysfs: a whole disk has
// queue/ directly under /sys/dev/block/MAJ:MIN, a partition under its parent.
uint32_t logical_block_size_from_sysfs(dev_t device) {
  const std::string base = "/sys/dev/block/" + std::to_string(major(device)) + ":" + std::to_string(minor(device));
  for (const char* suffix : {"/queue/logical_block_size", "/../queue/logical_block_size"}) {
    std::ifstream in(base + suffix);
    uint32_t size = 0;
    if (in >> size && size >= 512 && (size & (size - 1)) == 0) return size;
  }
  return 0;
}

}  // namespace

Status IoAlignment::check(uint64_t offset, uint64_t length, const void* address) const {
  const auto fail = [&](const std::string& rule) {
    return make_error(ErrorCode::kInvalidArgument, rule + " (direct I/O here needs offset and length in multiples of " +
                                                       std::to_string(offset_bytes) + " bytes and buffers aligned to " +
                                                       std::to_string(memory_bytes) + " bytes)");
  };
  if (!multiple_of(offset, offset_bytes))
    return fail("offset " + std::to_string(offset) + " is not a multiple of " + std::to_string(offset_bytes));
  if (!multiple_of(length, offset_bytes))
    return fail("length " + std::to_string(length) + " is not a multiple of " + std::to_string(offset_bytes));
  if (!multiple_of(reinterpret_cast<uintptr_t>(address), memory_bytes)) {
    char text[32];
    std::snprintf(text, sizeof text, "%p", address);
    return fail(std::string("buffer address ") + text + " is not aligned to " + std::to_string(memory_bytes));
  }
  return {};
}

Result<IoAlignment> query_direct_io_alignment(int fd) {
#ifdef STATX_DIOALIGN
  struct statx stx {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 && (stx.stx_mask & STATX_DIOALIGN)) {
    // Zero means the file system answered and the answer is "no direct I/O on this file".
    if (stx.stx_dio_offset_align == 0 || stx.stx_dio_mem_align == 0)
      return make_error(ErrorCode::kUnsupported, "statx reports no direct I/O support for this file");
    return IoAlignment{stx.stx_dio_mem_align, stx.stx_dio_offset_align};
  }
#endif
  struct stat st {};
  if (::fstat(fd, &st) != 0) return detail::named_errno_error("fstat", errno);
  uint32_t block = 0;
  if (S_ISBLK(st.st_mode)) {
    int size = 0;
    if (::ioctl(fd, BLKSSZGET, &size) == 0 && size > 0) block = static_cast<uint32_t>(size);
  } else {
    block = logical_block_size_from_sysfs(st.st_dev);
  }
  // Without statx, assume the memory alignment equals the block size: stricter than most
  // devices need (their DMA alignment is smaller) but never wrong.
  if (block == 0) block = kDefaultDirectIoAlignment;
  return IoAlignment{block, block};
}

Result<DirectFile> DirectFile::open(const std::string& path, const DirectFileOptions& options) {
  DirectFile file;
  file.path_ = path;
  const int flags = (options.flags & ~O_DIRECT) | O_CLOEXEC;

  if (options.direct != DirectIo::kOff) {
    int fd = ::open(path.c_str(), flags | O_DIRECT, options.mode);
    if (fd >= 0) {
      file.fd_.reset(fd);
      auto alignment = query_direct_io_alignment(fd);
      if (alignment) {
        file.direct_ = true;
        file.alignment_ = *alignment;
        return file;
      }
      file.fd_.reset();
      file.fallback_reason_ = "O_DIRECT open of " + path + " succeeded but " + alignment.error().message;
    } else if (errno == EINVAL) {
      // The file system has no direct I/O (FMODE_CAN_ODIRECT unset: procfs, ramfs, some FUSE).
      // Note: with O_CREAT the failed attempt may already have created the file, so a caller
      // passing O_EXCL can see EEXIST on the buffered retry.
      file.fallback_reason_ = "the file system holding " + path + " refuses O_DIRECT (EINVAL)";
    } else {
      return detail::named_errno_error("open " + path + " with O_DIRECT", errno);
    }
    if (options.direct == DirectIo::kRequire)
      return make_error(ErrorCode::kUnsupported, "direct I/O required but " + file.fallback_reason_);
  } else {
    file.fallback_reason_ = "direct I/O disabled by configuration";
  }

  int fd = ::open(path.c_str(), flags, options.mode);
  if (fd < 0) return detail::named_errno_error("open " + path, errno);
  file.fd_.reset(fd);
  return file;
}

Status DirectFile::check_aligned(uint64_t offset, uint64_t length, const void* address) const {
  auto status = alignment_.check(offset, length, address);
  if (!status) status.error().message = "O_DIRECT I/O on " + path_ + ": " + status.error().message;
  return status;
}

Status DirectFile::allocate(uint64_t offset, uint64_t length, bool keep_size) {
  const int mode = keep_size ? FALLOC_FL_KEEP_SIZE : 0;
  if (::fallocate(fd_.get(), mode, static_cast<off_t>(offset), static_cast<off_t>(length)) == 0) return {};
  const int err = errno;
  const std::string what =
      "fallocate " + format_bytes(length) + " at offset " + std::to_string(offset) + " of " + path_;
  if (err == EOPNOTSUPP) return make_error(ErrorCode::kUnsupported, what + ": the file system has no fallocate");
  return detail::named_errno_error(what, err);
}

Result<uint64_t> DirectFile::size() const {
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) return detail::named_errno_error("fstat " + path_, errno);
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace ringmq::io
