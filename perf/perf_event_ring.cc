#include "perf/perf_event_ring.h"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/errno_text.h"

namespace ringmq::perf {
namespace {

constexpr uint64_t kSwConfig[kThreadEventKinds] = {PERF_COUNT_SW_PAGE_FAULTS_MIN, PERF_COUNT_SW_PAGE_FAULTS_MAJ,
                                                   PERF_COUNT_SW_CONTEXT_SWITCHES};

perf_event_attr base_attr(ThreadEvent event, bool exclude_kernel) {
  perf_event_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = kSwConfig[static_cast<int>(event)];
  attr.exclude_kernel = exclude_kernel ? 1 : 0;
  attr.exclude_hv = 1;
  return attr;
}

int perf_event_open(perf_event_attr& attr, int group_fd) {
  // pid 0, cpu -1: the calling thread, on whichever CPU it runs.
  return static_cast<int>(::syscall(SYS_perf_event_open, &attr, 0, -1, group_fd, PERF_FLAG_FD_CLOEXEC));
}

std::unexpected<Error> open_error(ThreadEvent event, int err) {
  std::string advice;
  if (err == EACCES || err == EPERM)
    advice =
        "; perf events are not allowed here (kernel.perf_event_paranoid, seccomp or a container): "
        "run as root, lower kernel.perf_event_paranoid, or use --fault-backend rusage";
  if (err == ENOENT || err == ENOSYS) advice = "; this kernel has no perf software events";
  return make_error(ErrorCode::kUnsupported,
                    std::string("perf_event_open(") + thread_event_name(event) + "): " + errno_text(err) + advice);
}

uint64_t read_counter(const io::UniqueFd& fd) {
  if (!fd.valid()) return 0;
  uint64_t value = 0;
  if (::read(fd.get(), &value, sizeof value) != sizeof value) return 0;
  return value;
}

}  // namespace

const char* thread_event_name(ThreadEvent event) {
  switch (event) {
    case ThreadEvent::kMinorFault:
      return "minor-faults";
    case ThreadEvent::kMajorFault:
      return "major-faults";
    case ThreadEvent::kContextSwitch:
      return "context-switches";
  }
  return "?";
}

Result<PerfEventRing> PerfEventRing::open(const PerfEventRingOptions& options) {
  PerfEventRing ring;
  ring.exclude_kernel_ = options.exclude_kernel;
  const int kinds = options.context_switches && !options.exclude_kernel ? kThreadEventKinds : 2;
  for (int k = 0; k < kinds; ++k) {
    const auto event = static_cast<ThreadEvent>(k);
    perf_event_attr count_attr = base_attr(event, options.exclude_kernel);
    int fd = perf_event_open(count_attr, -1);
    if (fd < 0) return open_error(event, errno);
    ring.counting_[k].reset(fd);

    perf_event_attr attr = base_attr(event, options.exclude_kernel);
    attr.sample_period = 1;  // every fault / switch is a sample
    attr.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR;
    attr.use_clockid = 1;
    attr.clockid = CLOCK_MONOTONIC;  // the clock the latencies are measured with
    // Nobody poll()s the ring: ask for a wake-up only when it is nearly full.
    attr.watermark = 1;
    attr.wakeup_watermark = static_cast<uint32_t>(options.ring_pages * 4096 / 2);
    fd = perf_event_open(attr, -1);
    if (fd < 0) return open_error(event, errno);
    ring.sampling_[k].reset(fd);
    if (::ioctl(fd, PERF_EVENT_IOC_ID, &ring.ids_[k]) != 0) return open_error(event, errno);
  }

  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t pages = 1;
  while (pages < options.ring_pages) pages <<= 1;
  ring.mapped_bytes_ = (pages + 1) * page;
  void* addr = ::mmap(nullptr, ring.mapped_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, ring.sampling_[0].get(), 0);
  if (addr == MAP_FAILED)
    return make_error(ErrorCode::kUnsupported,
                      std::string("mmap of the perf sample ring (") + std::to_string(ring.mapped_bytes_) +
                          " bytes): " + errno_text(errno) + " (kernel.perf_event_mlock_kb too low?)");
  ring.meta_ = static_cast<perf_event_mmap_page*>(addr);
  ring.head_ptr_ = reinterpret_cast<const uint64_t*>(&ring.meta_->data_head);
  const size_t data_offset = ring.meta_->data_offset ? ring.meta_->data_offset : page;
  ring.data_size_ = ring.meta_->data_size ? ring.meta_->data_size : pages * page;
  ring.data_ = static_cast<std::byte*>(addr) + data_offset;
  ring.tail_ = ring.meta_->data_tail;
  // The other events write their samples into the first one's ring.
  for (int k = 1; k < kinds; ++k)
    if (::ioctl(ring.sampling_[k].get(), PERF_EVENT_IOC_SET_OUTPUT, ring.sampling_[0].get()) != 0)
      return open_error(static_cast<ThreadEvent>(k), errno);
  return ring;
}

PerfEventRing::PerfEventRing(PerfEventRing&& other) noexcept { *this = std::move(other); }

PerfEventRing& PerfEventRing::operator=(PerfEventRing&& other) noexcept {
  if (this == &other) return *this;
  unmap();
  for (int k = 0; k < kThreadEventKinds; ++k) {
    sampling_[k] = std::move(other.sampling_[k]);
    counting_[k] = std::move(other.counting_[k]);
    ids_[k] = other.ids_[k];
  }
  meta_ = std::exchange(other.meta_, nullptr);
  head_ptr_ = std::exchange(other.head_ptr_, nullptr);
  data_ = std::exchange(other.data_, nullptr);
  data_size_ = std::exchange(other.data_size_, 0);
  mapped_bytes_ = std::exchange(other.mapped_bytes_, 0);
  tail_ = other.tail_;
  lost_ = other.lost_;
  throttled_ = other.throttled_;
  exclude_kernel_ = other.exclude_kernel_;
  return *this;
}

PerfEventRing::~PerfEventRing() { unmap(); }

void PerfEventRing::unmap() {
  // The mapping goes before the fds (the destructor closes them after this).
  if (meta_) ::munmap(meta_, mapped_bytes_);
  meta_ = nullptr;
}

void PerfEventRing::copy_out(uint64_t position, void* out, size_t bytes) const {
  const size_t offset = static_cast<size_t>(position & (data_size_ - 1));
  const size_t first = std::min(bytes, data_size_ - offset);
  std::memcpy(out, data_ + offset, first);
  if (first < bytes) std::memcpy(static_cast<std::byte*>(out) + first, data_, bytes - first);
}

PerfEventRing::Record PerfEventRing::read_record(uint64_t position) const {
  perf_event_header header;
  copy_out(position, &header, sizeof header);
  Record r;
  r.size = header.size < sizeof header ? sizeof header : header.size;
  uint64_t body[3] = {0, 0, 0};
  copy_out(position + sizeof header, body, std::min<size_t>(sizeof body, r.size - sizeof header));
  switch (header.type) {
    case PERF_RECORD_SAMPLE:  // PERF_SAMPLE_IDENTIFIER, TIME, ADDR, in that order
      r.kind = Record::kSample;
      for (int k = 0; k < kThreadEventKinds; ++k)
        if (ids_[k] == body[0]) r.event = k;
      r.time_ns = body[1];
      r.address = body[2];
      break;
    case PERF_RECORD_LOST:  // id, lost
      r.kind = Record::kLost;
      r.lost = body[1];
      break;
    case PERF_RECORD_THROTTLE:
      r.kind = Record::kThrottle;
      break;
    default:
      break;
  }
  return r;
}

void PerfEventRing::release_tail() {
  // Everything read from the records happens before the kernel may overwrite them.
  __atomic_store_n(&meta_->data_tail, tail_, __ATOMIC_RELEASE);
}

ThreadEventCounts PerfEventRing::read_counts() const {
  return {read_counter(counting_[0]), read_counter(counting_[1]), read_counter(counting_[2])};
}

Result<PerfEventCounters> PerfEventCounters::open(bool exclude_kernel) {
  PerfEventCounters counters;
  const int kinds = exclude_kernel ? 2 : kThreadEventKinds;
  for (int k = 0; k < kinds; ++k) {
    perf_event_attr attr = base_attr(static_cast<ThreadEvent>(k), exclude_kernel);
    int fd = perf_event_open(attr, -1);
    if (fd < 0) return open_error(static_cast<ThreadEvent>(k), errno);
    counters.fds_[k].reset(fd);
  }
  return counters;
}

ThreadEventCounts PerfEventCounters::read_counts() const {
  return {read_counter(fds_[0]), read_counter(fds_[1]), read_counter(fds_[2])};
}

}  // namespace ringmq::perf
