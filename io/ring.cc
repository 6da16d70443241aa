#include "io/ring.h"

#include <liburing.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "common/byte_size.h"
#include "io/detail/errno_text.h"

namespace ringmq::io {
namespace {

constexpr unsigned kMaxSqEntries = 32768;                  // IORING_MAX_ENTRIES
constexpr unsigned kMaxCqEntries = 65536;                  // IORING_MAX_CQ_ENTRIES
constexpr size_t kMaxRegisteredBuffers = 16384;            // IORING_MAX_REG_BUFFERS
constexpr size_t kMaxRegisteredBufferBytes = kMaxIoBytes;  // the kernel refuses more than 1 GiB each
constexpr unsigned kMaxBusyRetries = 10000;                // -EBUSY/-EAGAIN rounds before kBusy (>= 1 s)
constexpr auto kBusyBackoff = std::chrono::microseconds(100);
constexpr uint64_t kShutdownCancelTag = kReservedTag - 1;
constexpr auto kShutdownWait = std::chrono::seconds(5);

std::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

std::unexpected<Error> lost_completions_error() {
  return make_error(ErrorCode::kIo,
                    "io_uring dropped completions (EBADR): the kernel could not allocate room for a CQ "
                    "overflow, so the results of some operations are lost; discard this ring");
}

}  // namespace

Error completion_error(const Completion& completion, std::string_view what) {
  if (completion.result >= 0) {
    return Error{ErrorCode::kInvalidArgument,
                 std::string(what) + ": completion succeeded (result " + std::to_string(completion.result) + ")"};
  }
  return detail::named_errno_error(std::string(what), -completion.result).error();
}

// Everything a Ring owns, behind one pointer so that moving a Ring never moves the io_uring
// struct liburing handed pointers into.
struct Ring::State {
  io_uring ring{};
  bool ring_ready = false;
  RingProbe probe;
  std::vector<std::string> fallbacks;
  std::vector<iovec> buffers;  // registered buffers, kept to check fixed I/O ranges
  unsigned registered_files = 0;
  bool files_registered = false;
  // Completions taken out of the CQ to unblock a submit (-EBUSY), handed out by the next
  // wait()/peek() before newer ones. Capacity cq_entries, reserved at set-up.
  std::vector<Completion> stash;
  size_t stash_head = 0;
  unsigned outstanding = 0;
  io_uring_sqe* chain_tail = nullptr;  // last SQE of an open chain (prepared with link_next)
  bool sqpoll = false;
  bool sqpoll_nonfixed = true;
  bool fixed_ops = true;  // READ_FIXED / WRITE_FIXED present
  unsigned sq_entries = 0;
  unsigned cq_entries = 0;
  RingStats stats;
  FaultInjector fault = nullptr;
  void* fault_context = nullptr;

  ~State() {
    if (ring_ready) io_uring_queue_exit(&ring);
  }

  Status check_file(FileRef file) const {
    if (file.is_registered()) {
      if (!files_registered || static_cast<unsigned>(file.value()) >= registered_files) {
        return invalid("registered file index " + std::to_string(file.value()) + " out of range (" +
                       std::to_string(files_registered ? registered_files : 0) + " files registered)");
      }
      return {};
    }
    if (file.value() < 0) return invalid("negative fd " + std::to_string(file.value()));
    // SQPOLL before Linux 5.11: the SQ thread cannot look up the submitter's fds.
    if (sqpoll && !sqpoll_nonfixed) {
      return make_error(ErrorCode::kUnsupported,
                        "this kernel's SQPOLL (no IORING_FEAT_SQPOLL_NONFIXED, Linux < 5.11) accepts registered "
                        "files only: register fd " +
                            std::to_string(file.value()) + " and use FileRef::registered");
    }
    return {};
  }

  Status check_length(size_t bytes) const {
    if (bytes > kMaxIoBytes) {
      return invalid("I/O of " + format_bytes(bytes) + " exceeds the ring's limit of " + format_bytes(kMaxIoBytes) +
                     " per operation");
    }
    return {};
  }

  Status check_fixed_range(const void* data, size_t bytes, unsigned index) const {
    if (index >= buffers.size()) {
      return invalid("registered buffer index " + std::to_string(index) + " out of range (" +
                     std::to_string(buffers.size()) + " buffers registered)");
    }
    const auto begin = reinterpret_cast<uintptr_t>(buffers[index].iov_base);
    const auto end = begin + buffers[index].iov_len;
    const auto first = reinterpret_cast<uintptr_t>(data);
    if (first < begin || first > end || bytes > end - first) {
      return invalid("range of " + std::to_string(bytes) + " bytes at offset " +
                     std::to_string(static_cast<intptr_t>(first - begin)) + " lies outside registered buffer " +
                     std::to_string(index) + " (" + std::to_string(buffers[index].iov_len) + " bytes)");
    }
    return {};
  }

  // Ends an open chain at the last operation prepared, so that a failed prepare inside a
  // chain leaves the ring submittable; the caller got the error and knows the chain is short.
  void abandon_chain() {
    if (chain_tail != nullptr) chain_tail->flags &= static_cast<uint8_t>(~IOSQE_IO_LINK);
    chain_tail = nullptr;
  }

  // Validates, takes an SQE (submitting to make room if the SQ is full), lets `fill` prepare
  // it, then sets the flags and the tag. io_uring_prep_* clear sqe->flags, hence the order.
  template <typename Fill>
  Status prepare(const FileRef* file, uint64_t tag, SqeFlags flags, Status valid, Fill&& fill) {
    if (valid && tag == kReservedTag) valid = invalid("tag ~0 is reserved by liburing");
    if (valid && file != nullptr) valid = check_file(*file);
    Result<io_uring_sqe*> sqe = valid ? next_sqe() : Result<io_uring_sqe*>(std::unexpected(valid.error()));
    if (!sqe) {
      abandon_chain();
      return std::unexpected(sqe.error());
    }
    fill(*sqe);
    unsigned sqe_flags = 0;
    if (file != nullptr && file->is_registered()) sqe_flags |= IOSQE_FIXED_FILE;
    if (flags.link_next) sqe_flags |= IOSQE_IO_LINK;
    if (flags.drain) sqe_flags |= IOSQE_IO_DRAIN;
    io_uring_sqe_set_flags(*sqe, sqe_flags);
    io_uring_sqe_set_data64(*sqe, tag);
    ++outstanding;
    chain_tail = flags.link_next ? *sqe : nullptr;
    return {};
  }

  Result<io_uring_sqe*> next_sqe() {
    if (io_uring_sqe* sqe = io_uring_get_sqe(&ring)) return sqe;
    if (chain_tail != nullptr) {
      return invalid(
          "the submission queue filled up inside a linked chain and submitting now would split it; "
          "call reserve(n) before preparing a chain of n operations");
    }
    ++stats.sq_full_submits;
    if (auto room = make_room(1); !room) return std::unexpected(room.error());
    if (io_uring_sqe* sqe = io_uring_get_sqe(&ring)) return sqe;
    return make_error(ErrorCode::kBusy, "the submission queue is still full after submitting");
  }

  // Submits until `count` SQ entries are free. Without SQPOLL a successful submit empties the
  // SQ; with SQPOLL the kernel thread may not have consumed the entries yet, so sleep in the
  // kernel until it has (io_uring_sqring_wait).
  Status make_room(unsigned count) {
    for (unsigned attempt = 0; io_uring_sq_space_left(&ring) < count; ++attempt) {
      if (attempt >= kMaxBusyRetries) {
        return make_error(ErrorCode::kBusy,
                          "the kernel takes no submissions: " + std::to_string(io_uring_sq_ready(&ring)) +
                              " operations stuck in the submission queue");
      }
      if (auto submitted = submit_pending(); !submitted) return std::unexpected(submitted.error());
      if (io_uring_sq_space_left(&ring) >= count) break;
      if (sqpoll) {
        const int ret = io_uring_sqring_wait(&ring);
        if (ret < 0 && ret != -EINTR) return detail::named_errno_error("io_uring_sqring_wait", -ret);
      }
    }
    return {};
  }

  Result<unsigned> submit_pending() {
    for (unsigned attempt = 0;; ++attempt) {
      ++stats.submit_calls;
      const int ret = io_uring_submit(&ring);
      if (ret >= 0) return static_cast<unsigned>(ret);
      const int err = -ret;
      if (err == EINTR) continue;
      if (err == EBUSY || err == EAGAIN) {
        // EBUSY: completions overflowed the CQ (kept in the kernel's backlog thanks to
        // FEAT_NODROP) and this kernel takes no new work until they fit. EAGAIN: the kernel is
        // short of memory for requests. Either way: move completions aside, retry.
        ++stats.busy_retries;
        if (attempt >= kMaxBusyRetries) {
          return make_error(ErrorCode::kBusy, std::string("io_uring_submit kept failing with ") + errno_name(err) +
                                                  " after " + std::to_string(attempt) + " retries");
        }
        if (stash_completions() == 0) {
          if (stash.size() - stash_head >= cq_entries) {
            return make_error(ErrorCode::kBusy,
                              "the completion queue and its overflow are full: reap completions "
                              "(wait/peek) before submitting more");
          }
          std::this_thread::sleep_for(kBusyBackoff);  // nothing to move: let in-flight work finish
        }
        continue;
      }
      if (err == EBADR) return lost_completions_error();
      return detail::named_errno_error("io_uring_submit", err);
    }
  }

  // Moves completions from the CQ into the stash; returns how many.
  size_t stash_completions() {
    if (stash_head > 0 && stash.size() == stash.capacity()) {
      stash.erase(stash.begin(), stash.begin() + static_cast<ptrdiff_t>(stash_head));
      stash_head = 0;
    }
    size_t moved = 0;
    io_uring_cqe* cqe = nullptr;
    while (stash.size() < stash.capacity() && io_uring_peek_cqe(&ring, &cqe) == 0 && cqe != nullptr) {
      stash.push_back(Completion{cqe->user_data, cqe->res, cqe->flags});
      io_uring_cqe_seen(&ring, cqe);
      ++moved;
    }
    return moved;
  }

  // Copies completions from the CQ ring into `out`.
  size_t harvest(std::span<Completion> out) {
    size_t count = 0;
    io_uring_cqe* cqes[64];
    while (count < out.size()) {
      const auto want = static_cast<unsigned>(std::min(std::size(cqes), out.size() - count));
      const unsigned got = io_uring_peek_batch_cqe(&ring, cqes, want);
      if (got == 0) break;
      for (unsigned i = 0; i < got; ++i) out[count + i] = Completion{cqes[i]->user_data, cqes[i]->res, cqes[i]->flags};
      io_uring_cq_advance(&ring, got);
      count += got;
    }
    return count;
  }

  // Hands completions to the caller: the stash first (they are older), then the CQ.
  size_t deliver(std::span<Completion> out) {
    size_t count = 0;
    while (count < out.size() && stash_head < stash.size()) out[count++] = stash[stash_head++];
    if (stash_head == stash.size()) {
      stash.clear();
      stash_head = 0;
    }
    count += harvest(out.subspan(count));
    if (fault != nullptr) {
      for (size_t i = 0; i < count; ++i) fault(fault_context, out[i]);
    }
    outstanding -= static_cast<unsigned>(std::min<size_t>(count, outstanding));
    stats.completions += count;
    return count;
  }
};

Ring::Ring(std::unique_ptr<State> state) : state_(std::move(state)) {}
Ring::Ring(Ring&& other) noexcept = default;
Ring& Ring::operator=(Ring&& other) noexcept {
  if (this != &other) {
    drain_for_shutdown();
    state_ = std::move(other.state_);
  }
  return *this;
}
Ring::~Ring() { drain_for_shutdown(); }

Result<Ring> Ring::create(const RingOptions& options) {
  if (options.sq_entries == 0 || options.sq_entries > kMaxSqEntries)
    return invalid("sq_entries " + std::to_string(options.sq_entries) + " is outside [1, 32768]");
  if (options.cq_entries != 0 && (options.cq_entries < options.sq_entries || options.cq_entries > kMaxCqEntries)) {
    return invalid("cq_entries " + std::to_string(options.cq_entries) +
                   " must be 0 (default) or within [sq_entries, 65536]");
  }

  auto state = std::make_unique<State>();
  bool sqpoll = options.sqpoll;
  bool submit_all = true;
  io_uring_params params{};
  for (;;) {
    params = io_uring_params{};
    if (options.cq_entries != 0) {
      params.flags |= IORING_SETUP_CQSIZE;
      params.cq_entries = options.cq_entries;
    }
    // SUBMIT_ALL (5.18): an SQE that fails to start does not stop the rest of the batch.
    if (submit_all) params.flags |= IORING_SETUP_SUBMIT_ALL;
    if (sqpoll) {
      params.flags |= IORING_SETUP_SQPOLL;
      params.sq_thread_idle = options.sqpoll_idle_ms;
      if (options.sqpoll_cpu >= 0) {
        params.flags |= IORING_SETUP_SQ_AFF;
        params.sq_thread_cpu = static_cast<unsigned>(options.sqpoll_cpu);
      }
    }
    const int ret = io_uring_queue_init_params(options.sq_entries, &state->ring, &params);
    if (ret == 0) break;
    if (ret == -EINVAL && submit_all) {
      submit_all = false;
      continue;
    }
    if (sqpoll && (ret == -EPERM || ret == -EINVAL)) {
      state->fallbacks.push_back("SQPOLL refused by io_uring_setup (" + errno_name(-ret) +
                                 (options.sqpoll_cpu >= 0 ? ", CPU " + std::to_string(options.sqpoll_cpu) : "") +
                                 "): this ring submits with io_uring_enter instead");
      sqpoll = false;
      submit_all = true;
      continue;
    }
    return detail::io_uring_setup_error(-ret);
  }
  state->ring_ready = true;
  state->sqpoll = sqpoll;
  state->sq_entries = params.sq_entries;
  state->cq_entries = params.cq_entries;
  state->probe =
      RingProbe::from_ring(state->ring, params.features, options.sqpoll ? std::optional<bool>(sqpoll) : std::nullopt);
  if (auto required = state->probe.check_required(); !required) return std::unexpected(required.error());

  state->sqpoll_nonfixed = state->probe.has_feature(IORING_FEAT_SQPOLL_NONFIXED);
  state->fixed_ops = state->probe.has(IORING_OP_WRITE_FIXED) && state->probe.has(IORING_OP_READ_FIXED);
  if (sqpoll && !state->sqpoll_nonfixed)
    state->fallbacks.push_back("SQPOLL without IORING_FEAT_SQPOLL_NONFIXED (Linux < 5.11): registered files only");
  if (!state->fixed_ops)
    state->fallbacks.push_back("READ_FIXED/WRITE_FIXED missing: registered-buffer I/O uses plain READ/WRITE");
  if (!submit_all) {
    state->fallbacks.push_back(
        "IORING_SETUP_SUBMIT_ALL unsupported (Linux < 5.18): a batch stops at an operation "
        "that fails to start; the rest go with the next submit");
  }
  state->stash.reserve(state->cq_entries);
  return Ring(std::move(state));
}

const RingProbe& Ring::probe() const { return state_->probe; }
std::span<const std::string> Ring::fallbacks() const { return state_->fallbacks; }
bool Ring::sqpoll_active() const { return state_->sqpoll; }
unsigned Ring::sq_entries() const { return state_->sq_entries; }
unsigned Ring::cq_entries() const { return state_->cq_entries; }
unsigned Ring::outstanding() const { return state_->outstanding; }
unsigned Ring::unsubmitted() const { return io_uring_sq_ready(&state_->ring); }
const RingStats& Ring::stats() const { return state_->stats; }
void Ring::inject_faults(FaultInjector fault, void* context) {
  state_->fault = fault;
  state_->fault_context = context;
}

Status Ring::register_buffers(std::span<const iovec> buffers) {
  State& s = *state_;
  if (buffers.empty() || buffers.size() > kMaxRegisteredBuffers)
    return invalid("register " + std::to_string(buffers.size()) + " buffers: between 1 and 16384 allowed");
  if (!s.buffers.empty()) return invalid("buffers are already registered: unregister_buffers() first");
  if (s.outstanding != 0)
    return invalid("register_buffers with " + std::to_string(s.outstanding) + " operations outstanding");
  uint64_t total = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (buffers[i].iov_len == 0 || buffers[i].iov_len > kMaxRegisteredBufferBytes) {
      return invalid("registered buffer " + std::to_string(i) + " is " + format_bytes(buffers[i].iov_len) +
                     "; each must be between 1 byte and 1 GiB");
    }
    total += buffers[i].iov_len;
  }
  const int ret = io_uring_register_buffers(&s.ring, buffers.data(), static_cast<unsigned>(buffers.size()));
  if (ret < 0) {
    const int err = -ret;
    const std::string what = "registering " + std::to_string(buffers.size()) + " buffers (" + format_bytes(total) +
                             ") with io_uring failed: " + errno_text(err) + " (" + errno_name(err) + ")";
    if (err == ENOMEM) {
      return make_error(ErrorCode::kIo, what + "; registered buffers are pinned and count as locked memory: " +
                                            detail::memlock_advice());
    }
    if (err == EFAULT || err == EOPNOTSUPP) {
      return invalid(what + "; buffers must be anonymous or shmem memory (not a mapping of a regular file)");
    }
    return make_error(ErrorCode::kIo, what);
  }
  s.buffers.assign(buffers.begin(), buffers.end());
  return {};
}

Status Ring::unregister_buffers() {
  State& s = *state_;
  if (s.buffers.empty()) return {};
  if (s.outstanding != 0)
    return invalid("unregister_buffers with " + std::to_string(s.outstanding) + " operations outstanding");
  if (int ret = io_uring_unregister_buffers(&s.ring); ret < 0)
    return detail::named_errno_error("io_uring_unregister_buffers", -ret);
  s.buffers.clear();
  return {};
}

Status Ring::register_files(std::span<const int> fds) {
  State& s = *state_;
  if (fds.empty()) return invalid("register_files with no files");
  if (s.files_registered)
    return invalid("files are already registered: use update_registered_file or unregister_files");
  if (s.outstanding != 0)
    return invalid("register_files with " + std::to_string(s.outstanding) + " operations outstanding");
  const int ret = io_uring_register_files(&s.ring, fds.data(), static_cast<unsigned>(fds.size()));
  if (ret < 0)
    return detail::named_errno_error("registering " + std::to_string(fds.size()) + " files with io_uring", -ret);
  s.files_registered = true;
  s.registered_files = static_cast<unsigned>(fds.size());
  return {};
}

Status Ring::update_registered_file(unsigned index, int fd) {
  State& s = *state_;
  if (!s.files_registered || index >= s.registered_files) {
    return invalid("registered file index " + std::to_string(index) + " out of range (" +
                   std::to_string(s.files_registered ? s.registered_files : 0) + " files registered)");
  }
  const int ret = io_uring_register_files_update(&s.ring, index, &fd, 1);
  if (ret < 0) {
    return detail::named_errno_error(
        "updating registered file " + std::to_string(index) + " to fd " + std::to_string(fd), -ret);
  }
  return {};
}

Status Ring::unregister_files() {
  State& s = *state_;
  if (!s.files_registered) return {};
  if (s.outstanding != 0)
    return invalid("unregister_files with " + std::to_string(s.outstanding) + " operations outstanding");
  if (int ret = io_uring_unregister_files(&s.ring); ret < 0)
    return detail::named_errno_error("io_uring_unregister_files", -ret);
  s.files_registered = false;
  s.registered_files = 0;
  return {};
}

Status Ring::reserve(unsigned count) {
  State& s = *state_;
  if (count > s.sq_entries) {
    return invalid("a chain of " + std::to_string(count) + " operations cannot fit a submission queue of " +
                   std::to_string(s.sq_entries) + " entries");
  }
  if (io_uring_sq_space_left(&s.ring) >= count) return {};
  if (s.chain_tail != nullptr)
    return invalid(
        "reserve() inside a linked chain would split it: reserve before the chain's first "
        "operation");
  ++s.stats.sq_full_submits;
  return s.make_room(count);
}

Status Ring::prepare_write(FileRef file, std::span<const std::byte> data, uint64_t offset, uint64_t tag,
                           SqeFlags flags) {
  return state_->prepare(&file, tag, flags, state_->check_length(data.size()), [&](io_uring_sqe* sqe) {
    io_uring_prep_write(sqe, file.value(), data.data(), static_cast<unsigned>(data.size()), offset);
  });
}

Status Ring::prepare_write_fixed(FileRef file, std::span<const std::byte> data, uint64_t offset, unsigned buffer_index,
                                 uint64_t tag, SqeFlags flags) {
  State& s = *state_;
  Status valid = s.check_length(data.size());
  if (valid) valid = s.check_fixed_range(data.data(), data.size(), buffer_index);
  return s.prepare(&file, tag, flags, std::move(valid), [&](io_uring_sqe* sqe) {
    const auto bytes = static_cast<unsigned>(data.size());
    if (s.fixed_ops) {
      io_uring_prep_write_fixed(sqe, file.value(), data.data(), bytes, offset, static_cast<int>(buffer_index));
    } else {
      io_uring_prep_write(sqe, file.value(), data.data(), bytes, offset);
    }
  });
}

Status Ring::prepare_read(FileRef file, std::span<std::byte> out, uint64_t offset, uint64_t tag, SqeFlags flags) {
  return state_->prepare(&file, tag, flags, state_->check_length(out.size()), [&](io_uring_sqe* sqe) {
    io_uring_prep_read(sqe, file.value(), out.data(), static_cast<unsigned>(out.size()), offset);
  });
}

Status Ring::prepare_read_fixed(FileRef file, std::span<std::byte> out, uint64_t offset, unsigned buffer_index,
                                uint64_t tag, SqeFlags flags) {
  State& s = *state_;
  Status valid = s.check_length(out.size());
  if (valid) valid = s.check_fixed_range(out.data(), out.size(), buffer_index);
  return s.prepare(&file, tag, flags, std::move(valid), [&](io_uring_sqe* sqe) {
    const auto bytes = static_cast<unsigned>(out.size());
    if (s.fixed_ops) {
      io_uring_prep_read_fixed(sqe, file.value(), out.data(), bytes, offset, static_cast<int>(buffer_index));
    } else {
      io_uring_prep_read(sqe, file.value(), out.data(), bytes, offset);
    }
  });
}

Status Ring::prepare_fsync(FileRef file, SyncKind kind, uint64_t tag, SqeFlags flags) {
  return state_->prepare(&file, tag, flags, Status{}, [&](io_uring_sqe* sqe) {
    io_uring_prep_fsync(sqe, file.value(), kind == SyncKind::kData ? IORING_FSYNC_DATASYNC : 0);
  });
}

Status Ring::prepare_nop(uint64_t tag, SqeFlags flags) {
  return state_->prepare(nullptr, tag, flags, Status{}, [](io_uring_sqe* sqe) { io_uring_prep_nop(sqe); });
}

Result<unsigned> Ring::submit() {
  State& s = *state_;
  if (s.chain_tail != nullptr) {
    return invalid(
        "submit() inside a linked chain would split it: prepare the chain's last operation "
        "(without link_next) first");
  }
  return s.submit_pending();
}

Result<size_t> Ring::wait(std::span<Completion> out, size_t min_count) { return wait_until(out, min_count, nullptr); }

Result<size_t> Ring::wait_for(std::span<Completion> out, size_t min_count, std::chrono::milliseconds timeout) {
  if (!state_->probe.has_feature(IORING_FEAT_EXT_ARG)) {
    return make_error(ErrorCode::kUnsupported, "timed waits need IORING_FEAT_EXT_ARG (Linux 5.11)");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  return wait_until(out, min_count, &deadline);
}

size_t Ring::peek(std::span<Completion> out) { return state_->deliver(out); }

Result<size_t> Ring::wait_until(std::span<Completion> out, size_t min_count,
                                const std::chrono::steady_clock::time_point* deadline) {
  State& s = *state_;
  if (min_count > out.size()) {
    return invalid("wait for " + std::to_string(min_count) + " completions into an array of " +
                   std::to_string(out.size()));
  }
  if (min_count > s.outstanding) {
    return invalid("wait for " + std::to_string(min_count) + " completions with only " + std::to_string(s.outstanding) +
                   " operations outstanding would never return");
  }
  if (s.chain_tail != nullptr && min_count > 0) {
    return invalid("wait() inside a linked chain would split it: prepare the chain's last operation first");
  }
  size_t count = s.deliver(out);
  unsigned busy_rounds = 0;
  while (count < min_count) {
    // The kernel waits for at most a CQ's worth; the loop asks again for the rest.
    const auto want = static_cast<unsigned>(std::min<size_t>(min_count - count, s.cq_entries));
    io_uring_cqe* cqe = nullptr;
    int ret = 0;
    if (deadline != nullptr) {
      const auto left = *deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) break;
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      __kernel_timespec timeout{ns / 1'000'000'000, ns % 1'000'000'000};
      if (io_uring_sq_ready(&s.ring) > 0) ++s.stats.submit_calls;
      ret = io_uring_submit_and_wait_timeout(&s.ring, &cqe, want, &timeout, nullptr);
    } else if (io_uring_sq_ready(&s.ring) > 0) {
      ++s.stats.submit_calls;
      ret = io_uring_submit_and_wait(&s.ring, want);
    } else {
      ret = io_uring_wait_cqe_nr(&s.ring, &cqe, want);
    }
    if (ret < 0) {
      const int err = -ret;
      if (err == ETIME) {
        count += s.deliver(out.subspan(count));
        break;
      }
      if (err == EBUSY || err == EAGAIN) {
        // CQ backlog could not be flushed or kernel memory is short: reap what is there.
        ++s.stats.busy_retries;
        if (++busy_rounds > kMaxBusyRetries) {
          return make_error(ErrorCode::kBusy, "waiting for completions kept failing with " + errno_name(err));
        }
        if (io_uring_cq_ready(&s.ring) == 0) std::this_thread::sleep_for(kBusyBackoff);
      } else if (err == EBADR) {
        return lost_completions_error();
      } else if (err != EINTR) {
        return detail::named_errno_error("waiting for io_uring completions", err);
      }
    }
    count += s.deliver(out.subspan(count));
  }
  return count;
}

void Ring::drain_for_shutdown() {
  if (!state_ || !state_->ring_ready || state_->outstanding == 0) return;
  State& s = *state_;
  // A half-prepared chain runs as far as it was prepared.
  s.chain_tail = nullptr;
  // Cancel what can be cancelled (a read from an idle pipe would otherwise never end); disk
  // writes already started run to completion. The cancel follows the others in the SQ, so
  // it sees them all.
  if (s.probe.has(IORING_OP_ASYNC_CANCEL) && s.make_room(1)) {
    if (io_uring_sqe* sqe = io_uring_get_sqe(&s.ring)) {
      io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
      io_uring_sqe_set_data64(sqe, kShutdownCancelTag);
      ++s.outstanding;
    }
  }
  (void)s.submit_pending();
  Completion sink[64];
  const bool timed = s.probe.has_feature(IORING_FEAT_EXT_ARG);
  const auto deadline = std::chrono::steady_clock::now() + kShutdownWait;
  while (s.outstanding > 0) {
    auto reaped = wait_until(sink, 1, timed ? &deadline : nullptr);
    if (!reaped || *reaped == 0) break;  // gave up: io_uring_queue_exit still reclaims the requests
  }
}

}  // namespace ringmq::io
