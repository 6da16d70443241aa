#include "perf/fault_probe.h"

#include <sys/resource.h>

namespace ringmq::perf {

const char* fault_backend_name(FaultBackend backend) {
  switch (backend) {
    case FaultBackend::kAuto:
      return "auto";
    case FaultBackend::kPerfRing:
      return "perf-ring";
    case FaultBackend::kPerfCount:
      return "perf-count";
    case FaultBackend::kRusage:
      return "rusage";
  }
  return "?";
}

std::optional<FaultBackend> parse_fault_backend(const std::string& name) {
  for (auto b : {FaultBackend::kAuto, FaultBackend::kPerfRing, FaultBackend::kPerfCount, FaultBackend::kRusage})
    if (name == fault_backend_name(b)) return b;
  return std::nullopt;
}

ThreadEventCounts thread_rusage_counts() {
  rusage usage{};
  ::getrusage(RUSAGE_THREAD, &usage);
  return {static_cast<uint64_t>(usage.ru_minflt), static_cast<uint64_t>(usage.ru_majflt),
          static_cast<uint64_t>(usage.ru_nvcsw + usage.ru_nivcsw)};
}

Result<FaultProbe> FaultProbe::open(FaultBackend wanted, std::string* why_not) {
  FaultProbe probe;
  auto note = [&](const Error& e) {
    if (why_not) *why_not += (why_not->empty() ? "" : "; ") + e.message;
  };
  if (wanted == FaultBackend::kAuto || wanted == FaultBackend::kPerfRing) {
    // Kernel-mode events first (context switches need them), then user-mode only.
    for (bool exclude_kernel : {false, true}) {
      PerfEventRingOptions options;
      options.exclude_kernel = exclude_kernel;
      auto ring = PerfEventRing::open(options);
      if (ring) {
        probe.ring_.emplace(std::move(*ring));
        probe.backend_ = FaultBackend::kPerfRing;
        break;
      }
      if (exclude_kernel || wanted == FaultBackend::kPerfRing) note(ring.error());
    }
    if (!probe.ring_ && wanted == FaultBackend::kPerfRing)
      return make_error(ErrorCode::kUnsupported, why_not ? *why_not : "perf-ring backend unavailable");
  }
  if (!probe.ring_ && (wanted == FaultBackend::kAuto || wanted == FaultBackend::kPerfCount)) {
    for (bool exclude_kernel : {false, true}) {
      auto counters = PerfEventCounters::open(exclude_kernel);
      if (counters) {
        probe.counters_.emplace(std::move(*counters));
        probe.backend_ = FaultBackend::kPerfCount;
        break;
      }
      if (exclude_kernel) note(counters.error());
    }
    if (!probe.counters_ && wanted == FaultBackend::kPerfCount)
      return make_error(ErrorCode::kUnsupported, why_not ? *why_not : "perf-count backend unavailable");
  }
  if (!probe.ring_ && !probe.counters_) probe.backend_ = FaultBackend::kRusage;
  probe.base_ = probe.raw_counts();
  probe.last_poll_ = probe.base_;
  // Samples already in the ring were taken before the base was read (while the events were
  // being enabled); drop them so a sink never sees more faults than totals() reports.
  if (probe.ring_) probe.ring_->consume(probe.ring_->head(), [](ThreadEvent, uint64_t, uint64_t, uint64_t) {});
  return probe;
}

bool FaultProbe::sees_context_switches() const {
  if (ring_) return ring_->sees_context_switches();
  if (counters_) return counters_->sees_context_switches();
  return true;
}

ThreadEventCounts FaultProbe::raw_counts() const {
  if (ring_) return ring_->read_counts();
  if (counters_) return counters_->read_counts();
  return thread_rusage_counts();
}

ThreadEventCounts FaultProbe::totals() const { return raw_counts() - base_; }

OpEvents FaultProbe::poll() {
  if (ring_) return {};
  const ThreadEventCounts now = raw_counts();
  const ThreadEventCounts d = now - last_poll_;
  last_poll_ = now;
  return {static_cast<uint32_t>(d.minor_faults), static_cast<uint32_t>(d.major_faults),
          static_cast<uint32_t>(d.context_switches)};
}

}  // namespace ringmq::perf
