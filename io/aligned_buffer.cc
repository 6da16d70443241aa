#include "io/aligned_buffer.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <utility>

#include "common/byte_size.h"
#include "io/detail/errno_text.h"

namespace ringmq::io {
namespace {

// mlock/munlock as system calls: AddressSanitizer's interceptors turn the libc calls into
// no-ops, which would leave sanitizer builds believing in locks they do not hold.
int lock_range(void* data, size_t bytes) { return static_cast<int>(::syscall(SYS_mlock, data, bytes)); }
int unlock_range(void* data, size_t bytes) { return static_cast<int>(::syscall(SYS_munlock, data, bytes)); }

size_t round_up(size_t value, size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

void* map_anonymous(size_t bytes, int extra_flags) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

// Transparent huge pages only back 2 MiB-aligned ranges, and mmap promises only 4 KiB
// alignment: map 2 MiB more than needed and trim the unaligned head and the tail.
void* map_huge_aligned(size_t bytes, int extra_flags) {
  const size_t padded = bytes + AlignedBuffer::kHugePageBytes;
  auto* raw = static_cast<std::byte*>(map_anonymous(padded, extra_flags));
  if (raw == nullptr) return nullptr;
  const auto address = reinterpret_cast<uintptr_t>(raw);
  const size_t head = round_up(address, AlignedBuffer::kHugePageBytes) - address;
  if (head > 0) ::munmap(raw, head);
  const size_t tail = padded - head - bytes;
  if (tail > 0) ::munmap(raw + head + bytes, tail);
  return raw + head;
}

}  // namespace

const char* page_backing_name(PageBacking backing) {
  switch (backing) {
    case PageBacking::kNormal:
      return "4 KiB pages";
    case PageBacking::kTransparentHuge:
      return "transparent huge pages";
    case PageBacking::kHugetlb:
      return "hugetlbfs pages";
  }
  return "unknown";
}

Result<AlignedBuffer> AlignedBuffer::allocate(size_t bytes, const AlignedBufferOptions& options) {
  if (bytes == 0) return make_error(ErrorCode::kInvalidArgument, "aligned buffer of 0 bytes requested");
  const size_t size = round_up(bytes, kAlignment);
  const int populate = options.populate ? MAP_POPULATE : 0;

  void* data = nullptr;
  size_t mapped = size;
  PageBacking backing = PageBacking::kNormal;
  int map_errno = 0;
  if (options.huge_pages == HugePages::kPreferred) {
    mapped = round_up(size, kHugePageBytes);
    // MAP_HUGETLB fails with ENOMEM unless vm.nr_hugepages reserved enough pages: fall back.
    data = map_anonymous(mapped, MAP_HUGETLB | populate);
    if (data != nullptr) {
      backing = PageBacking::kHugetlb;
    } else {
      data = map_huge_aligned(mapped, populate);
      map_errno = errno;
      // madvise fails with EINVAL when THP is compiled out or "never": keep 4 KiB pages.
      if (data != nullptr && ::madvise(data, mapped, MADV_HUGEPAGE) == 0) backing = PageBacking::kTransparentHuge;
    }
  } else {
    data = map_anonymous(mapped, populate);
    map_errno = errno;
  }
  if (data == nullptr) {
    return detail::named_errno_error("mmap of a " + format_bytes(mapped) + " aligned buffer", map_errno);
  }

  AlignedBuffer buffer(static_cast<std::byte*>(data), size, mapped, backing);
  if (options.lock) {
    if (auto locked = buffer.lock(); !locked) return std::unexpected(locked.error());
  }
  return buffer;
}

AlignedBuffer::AlignedBuffer(AlignedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_bytes_(std::exchange(other.mapped_bytes_, 0)),
      backing_(other.backing_),
      locked_(std::exchange(other.locked_, false)) {}

AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_bytes_ = std::exchange(other.mapped_bytes_, 0);
    backing_ = other.backing_;
    locked_ = std::exchange(other.locked_, false);
  }
  return *this;
}

AlignedBuffer::~AlignedBuffer() { release(); }

void AlignedBuffer::release() {
  // munmap drops the lock with the mapping; an error here could only mean a bad pointer.
  if (data_ != nullptr) ::munmap(data_, mapped_bytes_);
  data_ = nullptr;
  size_ = mapped_bytes_ = 0;
  locked_ = false;
}

Status AlignedBuffer::lock() {
  if (data_ == nullptr) return make_error(ErrorCode::kInvalidArgument, "mlock of an empty aligned buffer");
  if (locked_) return {};
  if (lock_range(data_, mapped_bytes_) != 0) {
    const int err = errno;
    // ENOMEM (over the limit) and EPERM (limit 0, no CAP_IPC_LOCK) both mean: raise the limit.
    return make_error(ErrorCode::kIo, "mlock of " + format_bytes(mapped_bytes_) + " failed: " + errno_text(err) + " (" +
                                          errno_name(err) + "); " + detail::memlock_advice());
  }
  locked_ = true;
  return {};
}

Status AlignedBuffer::unlock() {
  if (!locked_) return {};
  if (unlock_range(data_, mapped_bytes_) != 0) return detail::named_errno_error("munlock", errno);
  locked_ = false;
  return {};
}

}  // namespace ringmq::io
