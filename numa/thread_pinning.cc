#include "numa/thread_pinning.h"

#include <sched.h>

#include <cerrno>
#include <memory>

#include "common/errno_text.h"
#include "numa/bitmap.h"
#include "numa/cpu_list.h"

namespace ringmq::numa {

namespace {

// A dynamically sized cpu_set_t, so machines with more than CPU_SETSIZE (1024) CPUs work.
struct CpuSet {
  explicit CpuSet(size_t cpus) : bytes(CPU_ALLOC_SIZE(cpus)), set(CPU_ALLOC(cpus), &free_set) {
    if (set) CPU_ZERO_S(bytes, set.get());
  }
  static void free_set(cpu_set_t* s) { CPU_FREE(s); }
  size_t bytes;
  std::unique_ptr<cpu_set_t, void (*)(cpu_set_t*)> set;
};

}  // namespace

Status pin_current_thread(const Topology& topology, unsigned pu) {
  std::string what = "pin thread to CPU " + std::to_string(pu);
  if (!topology.is_this_system()) {
    return make_error(ErrorCode::kInvalidArgument,
                      what + ": the topology comes from " + topology.source() + ", not from this system");
  }
  if (hwloc_get_pu_obj_by_os_index(topology.raw(), pu) == nullptr) {
    return make_error(ErrorCode::kInvalidArgument,
                      what + ": this process may only use CPUs " + format_cpu_list(topology.pus()));
  }
  Bitmap cpuset = Bitmap::from_indexes(std::span<const unsigned>(&pu, 1));
  if (hwloc_set_cpubind(topology.raw(), cpuset.get(), HWLOC_CPUBIND_THREAD) == 0) return {};
  int hwloc_errno = errno;

  // hwloc can fail where the raw call works (an old kernel interface, a seccomp filter on
  // a call hwloc prefers); sched_setaffinity with pid 0 binds only the calling thread.
  CpuSet fallback(pu + 1);
  if (!fallback.set) return errno_error(what + ": CPU_ALLOC", ENOMEM);
  CPU_SET_S(pu, fallback.bytes, fallback.set.get());
  if (::sched_setaffinity(0, fallback.bytes, fallback.set.get()) == 0) return {};
  int sched_errno = errno;
  return make_error(ErrorCode::kIo, what + ": hwloc_set_cpubind: " + errno_text(hwloc_errno) +
                                        "; sched_setaffinity: " + errno_text(sched_errno));
}

Status pin_current_thread(const Topology& topology, const PlacementPlan& plan, std::string_view role) {
  std::optional<unsigned> pu = plan.pu_of(role);
  if (!pu) {
    return make_error(ErrorCode::kNotFound, "thread role \"" + std::string(role) + "\" is not in the placement plan");
  }
  auto pinned = pin_current_thread(topology, *pu);
  if (!pinned) return make_error(pinned.error().code, std::string(role) + ": " + pinned.error().message);
  return {};
}

Result<std::vector<unsigned>> current_thread_cpus() {
  // The kernel refuses (EINVAL) a mask smaller than its own; grow until it fits.
  for (size_t cpus = 1024; cpus <= (1u << 20); cpus *= 2) {
    CpuSet mask(cpus);
    if (!mask.set) return errno_error("sched_getaffinity: CPU_ALLOC", ENOMEM);
    if (::sched_getaffinity(0, mask.bytes, mask.set.get()) == 0) {
      std::vector<unsigned> result;
      for (size_t cpu = 0; cpu < cpus; ++cpu) {
        if (CPU_ISSET_S(cpu, mask.bytes, mask.set.get())) result.push_back(static_cast<unsigned>(cpu));
      }
      return result;
    }
    if (errno != EINVAL) return errno_error("sched_getaffinity", errno);
  }
  return errno_error("sched_getaffinity", EINVAL);
}

}  // namespace ringmq::numa
