// Ring: one io_uring instance (liburing), owned and driven by one thread — the engine's
// committer or flusher. Operations are prepared into the submission queue (SQ) with a 64-bit
// tag, handed to the kernel in batches by submit() (one io_uring_enter for many), and their
// results reaped from the completion queue (CQ) into a caller-provided array: nothing on the
// prepare / submit / reap path allocates. Move-only; not thread-safe.
//
// Invariants:
//  - every prepared operation yields exactly one Completion; outstanding() counts those not
//    yet returned by wait()/peek();
//  - memory passed to prepare_* stays valid and unchanged until its completion is reaped;
//  - a linked chain (SqeFlags::link_next) is never split over two submissions: when the SQ
//    is full, prepare_* submits and retries, except inside a chain, where it fails instead;
//    call reserve(n) before preparing a chain of n operations;
//  - a completion with result < 0 carries -errno; completion_error() turns it into an Error.
//
// Destruction: waits (bounded) for outstanding operations, cancelling what can be cancelled,
// then tears the ring down. Destroy a Ring before the buffers and files its operations use.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "io/ring_probe.h"

namespace ringmq::io {

struct RingOptions {
  // SQ size, rounded up to a power of two: the largest batch one syscall carries.
  unsigned sq_entries = 256;
  // CQ size; 0 = twice sq_entries (the kernel's default).
  unsigned cq_entries = 0;
  // A kernel thread polls the SQ, so submissions need no syscall while it is awake. liburing
  // wakes it (IORING_SQ_NEED_WAKEUP) inside submit(). Falls back to a plain ring, with a line
  // in fallbacks(), where SQPOLL is refused.
  bool sqpoll = false;
  unsigned sqpoll_idle_ms = 1000;  // the SQ thread sleeps after this long without work
  int sqpoll_cpu = -1;             // pin the SQ thread to this CPU; -1 leaves it to the scheduler
};

// The file an operation works on: a plain fd, or an index into the ring's registered files
// (IOSQE_FIXED_FILE: no fd lookup and reference count per operation).
class FileRef {
 public:
  static FileRef fd(int fd) { return FileRef(fd, false); }
  static FileRef registered(unsigned index) { return FileRef(static_cast<int>(index), true); }
  bool is_registered() const { return registered_; }
  int value() const { return value_; }  // the fd, or the registered index

 private:
  FileRef(int value, bool registered) : value_(value), registered_(registered) {}
  int value_;
  bool registered_;
};

// Per-operation SQE flags.
struct SqeFlags {
  bool link_next = false;  // IOSQE_IO_LINK: the next operation starts only after this one
                           // succeeds in full; if it fails or is short, the rest of the chain
                           // completes with -ECANCELED
  bool drain = false;      // IOSQE_IO_DRAIN: start only after every earlier operation completed
};

enum class SyncKind {
  kAll,   // fsync: data and all metadata
  kData,  // fdatasync: data and the metadata needed to read it back (size, extents)
};

// Offset meaning "the file's current position" (pipes, sockets, O_APPEND); needs FEAT_RW_CUR_POS.
inline constexpr uint64_t kCurrentPosition = ~uint64_t{0};
// The largest single read or write the ring accepts; write_all splits longer ranges. (The
// kernel caps one read/write at 2 GiB - 4 KiB anyway; 1 GiB keeps any O_DIRECT alignment.)
inline constexpr size_t kMaxIoBytes = size_t{1} << 30;
// liburing reserves this tag for its internal timeouts and swallows its completions.
inline constexpr uint64_t kReservedTag = ~uint64_t{0};

// One reaped completion.
struct Completion {
  uint64_t tag = 0;
  int32_t result = 0;  // >= 0: bytes transferred (or 0); < 0: -errno
  uint32_t flags = 0;  // IORING_CQE_F_*
  bool ok() const { return result >= 0; }
};

// The Error for a failed completion: "<what>: Bad file descriptor (EBADF)"; kDiskFull for ENOSPC.
Error completion_error(const Completion& completion, std::string_view what);

// Counters for metrics and tests; owned by the ring's thread.
struct RingStats {
  uint64_t submit_calls = 0;     // io_uring_submit calls (each at most one io_uring_enter)
  uint64_t sq_full_submits = 0;  // submits forced because prepare_* found the SQ full
  uint64_t busy_retries = 0;     // submits retried after -EBUSY / -EAGAIN
  uint64_t completions = 0;      // completions returned to the caller
};

class Ring {
 public:
  static Result<Ring> create(const RingOptions& options = {});

  Ring(Ring&& other) noexcept;
  Ring& operator=(Ring&& other) noexcept;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring();

  const RingProbe& probe() const;
  // One line per fallback taken at set-up ("SQPOLL refused (EPERM): ..."), for the start-up log.
  std::span<const std::string> fallbacks() const;
  bool sqpoll_active() const;
  unsigned sq_entries() const;
  unsigned cq_entries() const;

  // Registered buffers (fixed buffers): pinned once, so WRITE_FIXED / READ_FIXED skip the
  // per-operation page pinning. Each buffer at most 1 GiB of anonymous or shmem memory; at
  // most 16384 buffers. Without CAP_IPC_LOCK they count against RLIMIT_MEMLOCK. Only with no
  // operation outstanding.
  Status register_buffers(std::span<const iovec> buffers);
  Status unregister_buffers();
  // Registered files: entries may be -1 (an empty slot to fill with update_registered_file).
  // The ring holds its own reference: the caller may close its fds after registering.
  Status register_files(std::span<const int> fds);
  Status update_registered_file(unsigned index, int fd);  // e.g. the next segment on a roll
  Status unregister_files();

  // Makes room for `count` operations in the SQ without an intervening submit: submits what is
  // pending if needed. Call before preparing a linked chain of `count` operations.
  Status reserve(unsigned count);

  // Prepare one operation each. They fail (before anything reaches the kernel) on a bad
  // argument, and when the SQ is full and cannot be drained. Offsets may be kCurrentPosition.
  Status prepare_write(FileRef file, std::span<const std::byte> data, uint64_t offset, uint64_t tag,
                       SqeFlags flags = {});
  // `data` must lie inside registered buffer `buffer_index`.
  Status prepare_write_fixed(FileRef file, std::span<const std::byte> data, uint64_t offset, unsigned buffer_index,
                             uint64_t tag, SqeFlags flags = {});
  Status prepare_read(FileRef file, std::span<std::byte> out, uint64_t offset, uint64_t tag, SqeFlags flags = {});
  Status prepare_read_fixed(FileRef file, std::span<std::byte> out, uint64_t offset, unsigned buffer_index,
                            uint64_t tag, SqeFlags flags = {});
  Status prepare_fsync(FileRef file, SyncKind kind, uint64_t tag, SqeFlags flags = {});
  Status prepare_nop(uint64_t tag, SqeFlags flags = {});

  // Hands every prepared operation to the kernel in one io_uring_enter (none with SQPOLL while
  // its thread is awake). Returns how many the kernel took. Retries -EINTR; on -EBUSY/-EAGAIN
  // (CQ backlog or kernel memory short) moves completions aside and retries.
  Result<unsigned> submit();

  // Returns at least `min_count` completions (submitting what is pending first), and any more
  // already available, up to out.size(). min_count must not exceed outstanding().
  Result<size_t> wait(std::span<Completion> out, size_t min_count = 1);
  // As wait(), but returns what has arrived (possibly fewer than min_count) once `timeout`
  // has passed. kUnsupported without FEAT_EXT_ARG (Linux < 5.11).
  Result<size_t> wait_for(std::span<Completion> out, size_t min_count, std::chrono::milliseconds timeout);
  // Returns the completions already available, without waiting and without submitting.
  size_t peek(std::span<Completion> out);

  // Test seam for fault injection: every completion passes through `fault` before the caller
  // sees it and may be rewritten (-EIO for an fdatasync, -EAGAIN, a short count), so tests of
  // the ring's users reach error paths a healthy kernel never takes. nullptr turns it off.
  using FaultInjector = void (*)(void* context, Completion& completion);
  void inject_faults(FaultInjector fault, void* context);

  unsigned outstanding() const;  // prepared operations whose completion was not returned yet
  unsigned unsubmitted() const;  // prepared operations the kernel has not taken yet
  const RingStats& stats() const;

 private:
  struct State;
  explicit Ring(std::unique_ptr<State> state);
  Result<size_t> wait_until(std::span<Completion> out, size_t min_count,
                            const std::chrono::steady_clock::time_point* deadline);
  void drain_for_shutdown();

  std::unique_ptr<State> state_;  // null only in a moved-from Ring
};

}  // namespace ringmq::io
