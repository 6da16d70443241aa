// FaultProbe: counts the page faults (minor, major) and context switches of the thread that
// opened it, and tells which operations took them. Three backends, best first:
//
//   perf-ring   perf_event_open software events sampled into an mmap'ed ring (PerfEventRing).
//               Per operation: two loads of the ring head, no system call; the kernel adds
//               roughly half a microsecond to each fault or switch it records. Exact.
//   perf-count  counting perf events only (the ring could not be mapped): one read() per
//               event every poll (every batch of operations), so faults are known per batch
//               and pinned on the batch's slow operations. Exact totals.
//   rusage      getrusage(RUSAGE_THREAD) every poll, where perf events are not allowed.
//               Per batch like perf-count; totals are exact (the kernel counts every fault
//               in the task), context switches are voluntary + involuntary.
//
// Open it on the thread to be measured; use it only there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"
#include "perf/perf_event_ring.h"

namespace ringmq::perf {

enum class FaultBackend { kAuto, kPerfRing, kPerfCount, kRusage };
const char* fault_backend_name(FaultBackend backend);
std::optional<FaultBackend> parse_fault_backend(const std::string& name);

// What one operation (or one poll) took.
struct OpEvents {
  uint32_t minor_faults = 0;
  uint32_t major_faults = 0;
  uint32_t context_switches = 0;
  uint64_t first_fault_address = 0;  // perf-ring: the address of the operation's first fault
  bool any() const { return minor_faults | major_faults | context_switches; }
};

class FaultProbe {
 public:
  // `wanted` kAuto tries perf-ring, then perf-count, then rusage; `why_not` (if given) gets
  // the reasons the better backends were not available.
  static Result<FaultProbe> open(FaultBackend wanted, std::string* why_not = nullptr);

  FaultBackend backend() const { return backend_; }
  bool per_operation() const { return ring_.has_value(); }
  bool sees_context_switches() const;

  // perf-ring: a position to compare against after the operation. 0 for the others.
  uint64_t mark() const { return ring_ ? ring_->head() : 0; }
  bool changed_since(uint64_t mark) const { return ring_ && ring_->head() != mark; }

  // perf-ring: consumes every record up to the head, handing each to
  // `sink(ThreadEvent, time_ns)`; those recorded at or after `op_mark` are also counted in
  // the result (the operation's own). Cheap when nothing happened.
  template <typename Sink>
  OpEvents take(uint64_t op_mark, Sink&& sink) {
    OpEvents op;
    if (!ring_) return op;
    ring_->consume(ring_->head(), [&](ThreadEvent e, uint64_t time_ns, uint64_t address, uint64_t position) {
      sink(e, time_ns);
      if (position < op_mark) return;
      if (e == ThreadEvent::kContextSwitch) {
        ++op.context_switches;
        return;
      }
      if (op.minor_faults + op.major_faults == 0) op.first_fault_address = address;
      if (e == ThreadEvent::kMinorFault)
        ++op.minor_faults;
      else
        ++op.major_faults;
    });
    return op;
  }
  // perf-ring: drains the ring if it is more than half full (call every batch).
  template <typename Sink>
  void drain_if_needed(Sink&& sink) {
    if (ring_ && ring_->head() - ring_->tail() > ring_->capacity_bytes() / 2) take(UINT64_MAX, sink);
  }

  // perf-count / rusage: the events since the previous poll (one read() or getrusage).
  OpEvents poll();
  // Cumulative totals since open (exact for every backend).
  ThreadEventCounts totals() const;
  // perf-ring: samples the kernel dropped or throttled (attribution then undercounts).
  uint64_t lost_samples() const { return ring_ ? ring_->lost_samples() : 0; }
  uint64_t throttle_events() const { return ring_ ? ring_->throttle_events() : 0; }

 private:
  FaultProbe() = default;
  ThreadEventCounts raw_counts() const;

  FaultBackend backend_ = FaultBackend::kRusage;
  std::optional<PerfEventRing> ring_;
  std::optional<PerfEventCounters> counters_;
  ThreadEventCounts base_;       // raw counts at open
  ThreadEventCounts last_poll_;  // raw counts at the last poll()
};

// The calling thread's getrusage(RUSAGE_THREAD) as event counts (context switches =
// voluntary + involuntary).
ThreadEventCounts thread_rusage_counts();

}  // namespace ringmq::perf
