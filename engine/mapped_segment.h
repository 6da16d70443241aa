// MappedSegment: one commit-log segment file, fixed size, mapped shared and read-write for
// its whole life. Owns the fd, the mapping and the mlock (all released in the destructor).
// Shared by shared_ptr: readers pin the segment they read from, so retention can unlink a
// file while a fetch still holds views into it. File calls go through the FileSystem it was
// made with (which it keeps alive: a reader's pin may outlive the store).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "common/result.h"
#include "engine/file_system.h"
#include "io/unique_fd.h"

namespace ringmq::engine {

class MappedSegment {
 public:
  // The page cache's largest folio for a mapped file (a PMD on x86-64; ext4 uses large folios
  // since Linux 6.16). Writeback cleans and write-protects whole folios, so code that must not
  // touch the folio the writer is in works at this granularity.
  static constexpr uint64_t kLargestFolioBytes = 2ull << 20;

  // Creates (or reuses) `path`, reserves `size` bytes with fallocate and maps it. A file
  // that could not be reserved is removed again.
  static Result<std::shared_ptr<MappedSegment>> create(std::shared_ptr<FileSystem> fs, const std::string& path,
                                                       uint64_t base_offset, uint64_t size);
  // Maps an existing file, which must be exactly `size` bytes.
  static Result<std::shared_ptr<MappedSegment>> open_existing(std::shared_ptr<FileSystem> fs, const std::string& path,
                                                              uint64_t base_offset, uint64_t size);
  ~MappedSegment();
  MappedSegment(const MappedSegment&) = delete;
  MappedSegment& operator=(const MappedSegment&) = delete;

  // Makes the pages of [from, to) present now. `writable` also runs the file system's
  // page_mkwrite for each page (MADV_POPULATE_WRITE), so a later store takes no fault at all;
  // without it (MADV_POPULATE_READ) pages are in the page cache and mapped but not dirtied.
  // Falls back to touching one byte per page on kernels before 5.14.
  Status prefault(uint64_t from, uint64_t to, bool writable);
  // Locks the whole mapping on fault (mlock2 MLOCK_ONFAULT): each page is locked as it is
  // populated, so prefault() both makes a page present and locks it. One call, made before the
  // segment is written to: mlock takes the process's mmap lock for writing, which stalls every
  // page fault of every thread, so it must not run window by window beside the writer. The
  // caller accounts for the budget (RLIMIT_MEMLOCK is charged for the whole mapping).
  // unlock() releases it.
  Status lock_on_fault();
  void unlock();
  bool locked() const { return locked_; }

  // Makes [from, to) (offsets within the segment) durable: msync(MS_SYNC) of just that range,
  // so pre-faulted pages beyond the write position are not written back (and write-protected).
  Status flush(uint64_t from, uint64_t to);
  // Zeroes [from, size) durably: recovery's truncation, so stale bytes cannot come back. Whole
  // pages are zeroed with fallocate(FALLOC_FL_ZERO_RANGE), which costs no data I/O.
  Status zero_from(uint64_t from);

  // The mapping itself (recovery, mmap write modes).
  std::byte* data() const { return data_; }
  std::span<const std::byte> mapped_bytes_from(uint64_t at) const { return {data_ + at, size_ - at}; }

  // What readers use: the bytes from `at` to the end of the segment. Views stay valid while
  // the segment is held (pinned by shared_ptr), whatever is mapped underneath: a pool chunk
  // mapped over part of the segment (map_window) holds the same bytes as the file once it is
  // unmapped again, so a view never has to pin the chunk.
  std::span<const std::byte> read_from(uint64_t at) const { return {data_ + at, size_ - at}; }

  // The pool write mode: maps `length` bytes of `memory_fd` (from `memory_offset`) over
  // [at, at + length) of the segment's mapping, with page tables filled, so appends there go
  // to locked memory instead of the page cache. `at` and `length` are page-aligned.
  Status map_window(uint64_t at, uint64_t length, int memory_fd, uint64_t memory_offset);
  // Maps the file back over [at, at + length); its bytes must already be in the file.
  Status unmap_window(uint64_t at, uint64_t length);
  uint64_t size() const { return size_; }
  uint64_t base_offset() const { return base_offset_; }
  uint64_t end_offset() const { return base_offset_ + size_; }
  const std::string& path() const { return path_; }

  // Unlinks the file now; the mapping stays valid until the last reference goes.
  Status remove_file();

 private:
  MappedSegment(std::shared_ptr<FileSystem> fs, std::string path, io::UniqueFd fd, std::byte* data, uint64_t base,
                uint64_t size)
      : fs_(std::move(fs)), path_(std::move(path)), fd_(std::move(fd)), data_(data), base_offset_(base), size_(size) {}
  static Result<std::shared_ptr<MappedSegment>> map(std::shared_ptr<FileSystem> fs, const std::string& path,
                                                    io::UniqueFd fd, uint64_t base, uint64_t size);

  std::shared_ptr<FileSystem> fs_;
  std::string path_;
  io::UniqueFd fd_;
  std::byte* data_;
  uint64_t base_offset_;
  uint64_t size_;
  bool locked_ = false;
};

// Segment file names: the 20-digit, zero-padded commit-log offset of the first byte.
std::string segment_file_name(uint64_t base_offset);
// The offset a segment file name stands for, or nullopt if it is not one.
std::optional<uint64_t> parse_segment_file_name(const std::string& name);

}  // namespace ringmq::engine
