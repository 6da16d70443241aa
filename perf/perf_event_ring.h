// PerfEventRing: the calling thread's page faults and context switches as perf_event_open
// software events, each occurrence written by the kernel as a timestamped sample into one
// mmap'ed ring. Reading the ring's head is a plain load from shared memory, so a writer can
// tell whether an operation took a fault by comparing the head before and after it -- no
// system call per operation. Exact totals come from separate counting events (sampling
// events can be throttled by kernel.perf_event_max_sample_rate; counting events cannot).
//
// Owns its file descriptors and the mapping. Must be created and used on the thread it
// measures (perf_event_open(pid = 0) binds to the calling thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "io/unique_fd.h"

struct perf_event_mmap_page;

namespace ringmq::perf {

enum class ThreadEvent : uint8_t { kMinorFault = 0, kMajorFault = 1, kContextSwitch = 2 };
constexpr int kThreadEventKinds = 3;
const char* thread_event_name(ThreadEvent event);

struct ThreadEventCounts {
  uint64_t minor_faults = 0;
  uint64_t major_faults = 0;
  uint64_t context_switches = 0;
  uint64_t& operator[](ThreadEvent e) {
    return e == ThreadEvent::kMinorFault   ? minor_faults
           : e == ThreadEvent::kMajorFault ? major_faults
                                           : context_switches;
  }
  ThreadEventCounts operator-(const ThreadEventCounts& o) const {
    return {minor_faults - o.minor_faults, major_faults - o.major_faults, context_switches - o.context_switches};
  }
  ThreadEventCounts& operator+=(const ThreadEventCounts& o) {
    minor_faults += o.minor_faults;
    major_faults += o.major_faults;
    context_switches += o.context_switches;
    return *this;
  }
  uint64_t faults() const { return minor_faults + major_faults; }
};

// Opens the events on a copy of the calling thread. `exclude_kernel` restricts them to
// user-mode events (needed with kernel.perf_event_paranoid >= 2 without CAP_PERFMON; faults
// of the writer's stores are user mode either way, context switches are then not seen).
struct PerfEventRingOptions {
  size_t ring_pages = 64;  // data pages (power of two); 32-byte samples, so 8192 per 64 pages
  bool exclude_kernel = false;
  bool context_switches = true;
};

class PerfEventRing {
 public:
  static Result<PerfEventRing> open(const PerfEventRingOptions& options);
  PerfEventRing(PerfEventRing&& other) noexcept;
  PerfEventRing& operator=(PerfEventRing&& other) noexcept;
  PerfEventRing(const PerfEventRing&) = delete;
  PerfEventRing& operator=(const PerfEventRing&) = delete;
  ~PerfEventRing();

  // Position of the kernel's write head: compare two to see whether samples arrived between.
  uint64_t head() const { return __atomic_load_n(head_ptr_, __ATOMIC_ACQUIRE); }
  uint64_t tail() const { return tail_; }
  size_t capacity_bytes() const { return data_size_; }

  // Hands every record in [tail, up_to) to `on_sample(event, time_ns, address, position)`
  // (time on CLOCK_MONOTONIC; position is the record's offset in the ring, comparable with
  // head() values) and frees that space for the kernel.
  template <typename Fn>
  void consume(uint64_t up_to, Fn&& on_sample) {
    while (tail_ < up_to) {
      Record r = read_record(tail_);
      if (r.kind == Record::kSample && r.event >= 0)
        on_sample(static_cast<ThreadEvent>(r.event), r.time_ns, r.address, tail_);
      else if (r.kind == Record::kLost)
        lost_ += r.lost;
      else if (r.kind == Record::kThrottle)
        ++throttled_;
      tail_ += r.size;
    }
    release_tail();
  }

  // Exact totals from the counting events (one read() each).
  ThreadEventCounts read_counts() const;
  uint64_t lost_samples() const { return lost_; }
  uint64_t throttle_events() const { return throttled_; }
  bool sees_context_switches() const { return counting_[2].valid(); }
  bool excludes_kernel() const { return exclude_kernel_; }

 private:
  struct Record {
    enum Kind { kSample, kLost, kThrottle, kOther } kind = kOther;
    uint16_t size = 8;
    int event = -1;
    uint64_t time_ns = 0;
    uint64_t address = 0;
    uint64_t lost = 0;
  };
  PerfEventRing() = default;
  Record read_record(uint64_t position) const;
  void copy_out(uint64_t position, void* out, size_t bytes) const;
  void release_tail();
  void unmap();

  io::UniqueFd sampling_[kThreadEventKinds];
  io::UniqueFd counting_[kThreadEventKinds];
  uint64_t ids_[kThreadEventKinds] = {~0ull, ~0ull, ~0ull};
  perf_event_mmap_page* meta_ = nullptr;
  const uint64_t* head_ptr_ = nullptr;
  std::byte* data_ = nullptr;
  size_t data_size_ = 0;
  size_t mapped_bytes_ = 0;
  uint64_t tail_ = 0;
  uint64_t lost_ = 0;
  uint64_t throttled_ = 0;
  bool exclude_kernel_ = false;
};

// A counting-only set of the same events (no ring): one read() per event per call.
class PerfEventCounters {
 public:
  static Result<PerfEventCounters> open(bool exclude_kernel);
  ThreadEventCounts read_counts() const;
  bool sees_context_switches() const { return fds_[2].valid(); }

 private:
  io::UniqueFd fds_[kThreadEventKinds];
};

}  // namespace ringmq::perf
