#include "engine/mapped_segment.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "io/detail/errno_text.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

namespace ringmq::engine {

Result<std::shared_ptr<MappedSegment>> MappedSegment::map(std::shared_ptr<FileSystem> fs, const std::string& path,
                                                          io::UniqueFd fd, uint64_t base, uint64_t size) {
  auto data = fs->map(fd.get(), path, size);
  if (!data) return std::unexpected(data.error());
  return std::shared_ptr<MappedSegment>(new MappedSegment(std::move(fs), path, std::move(fd), *data, base, size));
}

Result<std::shared_ptr<MappedSegment>> MappedSegment::create(std::shared_ptr<FileSystem> fs, const std::string& path,
                                                             uint64_t base, uint64_t size) {
  auto fd = fs->open(path, O_RDWR | O_CREAT);
  if (!fd) return std::unexpected(fd.error());
  if (auto s = fs->allocate(fd->get(), path, size); !s) {
    (void)fs->remove(path);  // a half-reserved segment must not look like a real one
    return std::unexpected(s.error());
  }
  return map(std::move(fs), path, std::move(*fd), base, size);
}

Result<std::shared_ptr<MappedSegment>> MappedSegment::open_existing(std::shared_ptr<FileSystem> fs,
                                                                    const std::string& path, uint64_t base,
                                                                    uint64_t size) {
  auto fd = fs->open(path, O_RDWR);
  if (!fd) return std::unexpected(fd.error());
  auto actual = fs->file_size(fd->get(), path);
  if (!actual) return std::unexpected(actual.error());
  if (*actual != size)
    return make_error(ErrorCode::kCorrupt, "segment " + path + " is " + std::to_string(*actual) +
                                               " bytes but segment_bytes is " + std::to_string(size));
  return map(std::move(fs), path, std::move(*fd), base, size);
}

MappedSegment::~MappedSegment() {
  unlock();
  fs_->unmap(data_, size_);
}

Status MappedSegment::prefault(uint64_t from, uint64_t to, bool writable) {
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  from = from / page * page;
  to = std::min(size_, (to + page - 1) / page * page);
  if (to <= from) return {};
  const int advice = writable ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
  if (::madvise(data_ + from, to - from, advice) == 0) return {};
  if (errno != EINVAL) return errno_error("madvise(MADV_POPULATE_*) " + path_, errno);
  // Older kernel: touch one byte per page. Each byte is read (and for writable, written back
  // unchanged), so this is safe on a segment that already holds records.
  for (uint64_t at = from; at < to; at += page) {
    auto* p = reinterpret_cast<volatile unsigned char*>(data_ + at);
    if (writable)
      *p = *p;
    else
      (void)*p;
  }
  return {};
}

Status MappedSegment::lock_on_fault() {
  // The raw system call: ASan's interceptor turns mlock() into a no-op.
  if (::syscall(SYS_mlock2, data_, size_, MLOCK_ONFAULT) != 0) {
    auto e = errno_error("mlock of " + std::to_string(size_ >> 20) + " MiB for " + path_, errno);
    e.error().message +=
        "; raise RLIMIT_MEMLOCK (`ulimit -l`, LimitMEMLOCK= in the systemd unit) or lower segment_bytes";
    return e;
  }
  locked_ = true;
  return {};
}

void MappedSegment::unlock() {
  if (locked_) ::syscall(SYS_munlock, data_, size_);
  locked_ = false;
}

Status MappedSegment::flush(uint64_t from, uint64_t to) { return fs_->sync_mapping(path_, data_, from, to); }

Status MappedSegment::zero_from(uint64_t from) {
  if (from >= size_) return {};
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t page_end = std::min(size_, (from + page - 1) / page * page);
  std::memset(data_ + from, 0, page_end - from);
  if (auto s = flush(from, page_end); !s) return s;
  if (page_end == size_) return {};
  if (auto s = fs_->zero_range(fd_.get(), path_, page_end, size_ - page_end); !s) {
    if (s.error().code != ErrorCode::kUnsupported) return s;
    std::memset(data_ + page_end, 0, size_ - page_end);  // file system without ZERO_RANGE
    return flush(page_end, size_);
  }
  return fs_->datasync(fd_.get(), path_);
}

Status MappedSegment::map_window(uint64_t at, uint64_t length, int memory_fd, uint64_t memory_offset) {
  // MAP_FIXED replaces the file's pages in that range atomically for every thread: a reader
  // sees the bytes either way. MAP_POPULATE fills the page tables now (shared memory needs no
  // write notification, so they are writable), so the first store into the window takes no
  // fault.
  void* at_address = data_ + at;
  void* mapped = ::mmap(at_address, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_POPULATE, memory_fd,
                        static_cast<off_t>(memory_offset));
  if (mapped == MAP_FAILED) return io::detail::named_errno_error("mapping a pool chunk over " + path_, errno);
  return {};
}

Status MappedSegment::unmap_window(uint64_t at, uint64_t length) {
  void* mapped =
      ::mmap(data_ + at, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd_.get(), static_cast<off_t>(at));
  if (mapped == MAP_FAILED) return io::detail::named_errno_error("mapping " + path_ + " back over a pool chunk", errno);
  return {};
}

Status MappedSegment::remove_file() { return fs_->remove(path_); }

std::string segment_file_name(uint64_t base_offset) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(base_offset));
  return name;
}

std::optional<uint64_t> parse_segment_file_name(const std::string& name) {
  if (name.size() != 20) return std::nullopt;
  uint64_t value = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

}  // namespace ringmq::engine
