// AlignedBuffer: anonymous memory mapped with mmap, aligned to at least 4096 bytes, for
// O_DIRECT I/O and io_uring registered buffers (the engine's transient pool is built from
// them). Optionally backed by huge pages and locked in RAM. Owns the mapping (and the lock:
// unmapping unlocks); move-only.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <span>

#include "common/result.h"

namespace ringmq::io {

enum class HugePages {
  kNo,         // 4 KiB pages
  kPreferred,  // hugetlbfs pages if some are reserved (vm.nr_hugepages), else transparent huge
               // pages (madvise), else 4 KiB pages; backing() says which was used
};

// What actually backs a buffer.
enum class PageBacking {
  kNormal,           // 4 KiB pages
  kTransparentHuge,  // madvise(MADV_HUGEPAGE) accepted; the kernel may still use 4 KiB pages
  kHugetlb,          // reserved 2 MiB hugetlbfs pages (MAP_HUGETLB)
};
const char* page_backing_name(PageBacking backing);

struct AlignedBufferOptions {
  HugePages huge_pages = HugePages::kNo;
  bool lock = false;      // mlock the buffer (this also faults every page in)
  bool populate = false;  // fault every page in at allocation (MAP_POPULATE)
};

class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 4096;
  static constexpr size_t kHugePageBytes = size_t{2} << 20;  // x86-64 PMD size

  // A buffer of at least `bytes` (rounded up to 4096), zero-filled. A failed lock is an error
  // (the mapping is released) whose message names RLIMIT_MEMLOCK and how to raise it.
  static Result<AlignedBuffer> allocate(size_t bytes, const AlignedBufferOptions& options = {});

  AlignedBuffer() = default;
  AlignedBuffer(AlignedBuffer&& other) noexcept;
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer();

  std::byte* data() const { return data_; }
  size_t size() const { return size_; }  // usable bytes: the request rounded up to 4096
  bool empty() const { return size_ == 0; }
  std::span<std::byte> bytes() const { return {data_, size_}; }
  iovec as_iovec() const { return {data_, size_}; }  // for Ring::register_buffers
  PageBacking backing() const { return backing_; }
  bool locked() const { return locked_; }

  // mlock / munlock the whole buffer. lock() failing leaves the buffer usable but unlocked.
  Status lock();
  Status unlock();

 private:
  AlignedBuffer(std::byte* data, size_t size, size_t mapped_bytes, PageBacking backing)
      : data_(data), size_(size), mapped_bytes_(mapped_bytes), backing_(backing) {}
  void release();

  std::byte* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_bytes_ = 0;  // length of the mapping: size_ rounded up to the page size used
  PageBacking backing_ = PageBacking::kNormal;
  bool locked_ = false;
};

}  // namespace ringmq::io
