#include "perf/memory_pressure.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "common/byte_size.h"
#include "io/aligned_buffer.h"
#include "perf/proc_stats.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace ringmq::perf {
namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kGiB = 1ull << 30;
constexpr size_t kChurnReadBytes = 1 << 20;
constexpr size_t kChurnWriteBytes = 8 << 20;

// The memory cgroup files of this process, if it is in a cgroup with a limit.
struct CgroupMemoryFiles {
  std::string limit, usage;
};

CgroupMemoryFiles find_cgroup_memory_files() {
  const std::string text = read_text_file("/proc/self/cgroup");
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    const size_t a = line.find(':');
    const size_t b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    const std::string path = line.substr(b + 1);
    if (controllers.find("memory") != std::string::npos) {
      const std::string dir = "/sys/fs/cgroup/memory" + path;
      if (!read_text_file(dir + "/memory.limit_in_bytes").empty())
        return {dir + "/memory.limit_in_bytes", dir + "/memory.usage_in_bytes"};
    }
    if (controllers.empty()) {
      for (const std::string root : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        const std::string dir = root + path;
        if (!read_text_file(dir + "/memory.max").empty()) return {dir + "/memory.max", dir + "/memory.current"};
      }
    }
  }
  return {};
}

uint64_t read_number(const std::string& path, uint64_t if_none) {
  const std::string text = read_text_file(path);
  if (text.empty() || text.starts_with("max")) return if_none;
  return std::strtoull(text.c_str(), nullptr, 10);
}

}  // namespace

uint64_t MemoryPressure::default_safety_margin(uint64_t total_bytes) {
  return std::max<uint64_t>(3 * kGiB / 2, total_bytes / 10);
}

uint64_t MemoryPressure::system_available_bytes() {
  static const CgroupMemoryFiles cgroup = find_cgroup_memory_files();
  const MemInfo mem = read_meminfo();
  uint64_t available = mem.available;
  if (!cgroup.limit.empty()) {
    const uint64_t limit = read_number(cgroup.limit, UINT64_MAX);
    if (limit < mem.total) {
      const uint64_t usage = read_number(cgroup.usage, 0);
      available = std::min(available, limit > usage ? limit - usage : 0);
    }
  }
  return available;
}

MemoryPressure::MemoryPressure(const PressureOptions& options, AvailableFn available)
    : options_(options), available_(std::move(available)) {}

Result<std::unique_ptr<MemoryPressure>> MemoryPressure::create(const PressureOptions& options, AvailableFn available) {
  if (!available) available = &MemoryPressure::system_available_bytes;
  std::unique_ptr<MemoryPressure> p(new MemoryPressure(options, std::move(available)));
  const MemInfo mem = read_meminfo();
  p->margin_ = options.safety_margin_bytes ? options.safety_margin_bytes : default_safety_margin(mem.total);
  if (options.hog_chunk_bytes < kMiB) return make_error(ErrorCode::kInvalidArgument, "hog chunk must be >= 1 MiB");
  if (options.hog && options.hog_bytes == 0 && options.leave_available_bytes < p->margin_)
    return make_error(ErrorCode::kInvalidArgument,
                      "memory pressure would leave " + format_bytes(options.leave_available_bytes) +
                          " available, below the safety margin of " + format_bytes(p->margin_) +
                          "; leave more (--pressure-leave) or lower the margin (--pressure-margin)");
  p->fixed_hog_target_ = options.hog_bytes;
  p->hysteresis_ =
      options.hysteresis_bytes ? options.hysteresis_bytes : std::max<uint64_t>(256 * kMiB, 2 * options.hog_chunk_bytes);
  p->report_.safety_margin_bytes = p->margin_;
  p->report_.target_available_bytes = options.hog ? (options.hog_bytes ? 0 : options.leave_available_bytes) : 0;
  p->report_.min_available_bytes = p->available_();
  if (!options.hog) p->hog_settled_ = true;
  if (options.churn) {
    uint64_t size = options.churn_file_bytes;
    if (size == 0) {
      const uint64_t left = options.hog
                                ? (options.hog_bytes ? p->available_() - std::min(p->available_(), options.hog_bytes)
                                                     : options.leave_available_bytes)
                                : p->available_();
      size = std::max<uint64_t>(kGiB, left / 2 * 3);
    }
    size = (size + kChurnWriteBytes - 1) / kChurnWriteBytes * kChurnWriteBytes;
    struct statvfs fs {};
    if (::statvfs(options.churn_dir.c_str(), &fs) != 0)
      return errno_error("statvfs of the churn directory " + options.churn_dir, errno);
    const uint64_t free_disk = uint64_t(fs.f_bavail) * fs.f_frsize;
    if (free_disk < size + kGiB)
      return make_error(ErrorCode::kDiskFull, "the churn file needs " + format_bytes(size) + " in " +
                                                  options.churn_dir + " plus 1 GiB to spare, but only " +
                                                  format_bytes(free_disk) +
                                                  " are free; use --pressure-dir or --pressure-churn-file");
    p->churn_size_ = size;
    p->report_.churn_file_bytes = size;
  }
  return p;
}

MemoryPressure::~MemoryPressure() { stop(); }

Status MemoryPressure::start() {
  churn_started_ns_ = monotonic_ns();
  if (options_.hog || options_.reclaim_pulse_bytes) hog_thread_.start("rmqj-hog", [this] { control_round(); });
  if (options_.churn) churn_thread_.start("rmqj-churn", [this] { churn_round(); });
  return {};
}

bool MemoryPressure::established() const {
  if (churn_failed_.load() || stopped_.load() || !hog_settled_.load()) return false;
  if (!options_.churn) return true;
  // The cache is full once the churn has read what was free when the hog settled.
  uint64_t target = fill_target_.load();
  if (target == 0) {
    target = std::max<uint64_t>(1, std::min(churn_size_, read_meminfo().free));
    fill_target_.store(target);
  }
  return churned_bytes() >= target;
}

bool MemoryPressure::wait_until_established(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (churn_failed_.load() || stopped_.load()) return false;
    if (established()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

bool MemoryPressure::wait_until_settled(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  uint64_t last = hog_bytes();
  int steady = 0;
  while (std::chrono::steady_clock::now() < deadline && !stopped_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const uint64_t now = hog_bytes();
    steady = now == last ? steady + 1 : 0;
    last = now;
    if (steady >= 3) return true;
  }
  return false;
}

uint64_t MemoryPressure::hold(uint64_t bytes) {
  std::lock_guard lock(mutex_);
  held_ = true;
  const uint64_t before = hog_bytes_.load();
  const uint64_t keep = before > bytes ? before - bytes : 0;
  // Free in whole chunks, rounding the amount up.
  while (!chunks_.empty() && hog_bytes_.load() > keep) {
    auto [addr, size] = chunks_.back();
    ::munmap(addr, size);
    chunks_.pop_back();
    hog_bytes_.fetch_sub(size);
  }
  return before - hog_bytes_.load();
}

void MemoryPressure::resume() {
  std::lock_guard lock(mutex_);
  held_ = false;
}

void MemoryPressure::stop() {
  if (stopped_.exchange(true)) return;
  hog_thread_.stop();
  churn_thread_.stop();
  std::lock_guard lock(mutex_);
  report_.hog_bytes_at_stop = hog_bytes_.load();
  for (auto [addr, size] : chunks_) ::munmap(addr, size);
  chunks_.clear();
  hog_bytes_.store(0);
  churn_fd_.reset();  // the file has no name: closing it frees its blocks
  report_.churn_bytes_read = churned_bytes_.load();
}

PressureReport MemoryPressure::report() const {
  std::lock_guard lock(mutex_);
  PressureReport r = report_;
  r.churn_bytes_read = churned_bytes_.load();
  if (!stopped_.load()) r.hog_bytes_at_stop = hog_bytes_.load();
  return r;
}

bool MemoryPressure::grow_chunk(uint64_t bytes) {
  void* addr = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (addr == MAP_FAILED) return false;
  if (::madvise(addr, bytes, MADV_POPULATE_WRITE) != 0) {
    if (errno != EINVAL) {  // ENOMEM and friends: give it back rather than push harder
      ::munmap(addr, bytes);
      return false;
    }
    for (uint64_t at = 0; at < bytes; at += 4096) static_cast<volatile char*>(addr)[at] = 1;
  }
  std::lock_guard lock(mutex_);
  chunks_.emplace_back(addr, bytes);
  hog_bytes_.fetch_add(bytes);
  report_.hog_peak_bytes = std::max(report_.hog_peak_bytes, hog_bytes_.load());
  return true;
}

void MemoryPressure::shrink_to(uint64_t bytes) {
  std::lock_guard lock(mutex_);
  bool shrank = false;
  while (!chunks_.empty() && hog_bytes_.load() > bytes) {
    auto [addr, size] = chunks_.back();
    ::munmap(addr, size);
    chunks_.pop_back();
    hog_bytes_.fetch_sub(size);
    shrank = true;
  }
  if (shrank) ++report_.safety_shrinks;
}

void MemoryPressure::control_round() {
  const uint64_t chunk = options_.hog_chunk_bytes;
  if (options_.hog) {
    uint64_t available = available_();
    {
      std::lock_guard lock(mutex_);
      report_.min_available_bytes = std::min(report_.min_available_bytes, available);
    }
    // Release first: below the margin always; in leave mode also once MemAvailable drifted
    // more than the hysteresis below the target. Grow only when it is that far above.
    const uint64_t leave = options_.leave_available_bytes;
    const uint64_t floor = fixed_hog_target_ ? margin_ : std::max(margin_, leave - std::min(leave, hysteresis_));
    const uint64_t want = fixed_hog_target_ ? margin_ : std::max(margin_, leave);
    const uint64_t grow_above = fixed_hog_target_ ? want + chunk : want + std::max(chunk, hysteresis_);
    if (available < floor) {
      const uint64_t missing = want - available;
      const uint64_t hog = hog_bytes_.load();
      shrink_to(hog > missing ? hog - missing : 0);
    } else {
      bool held;
      {
        std::lock_guard lock(mutex_);
        held = held_;
      }
      // Grow a chunk at a time, re-reading what is available after each, at most 1 GiB a round.
      for (int i = 0; !held && i < 16 && !hog_thread_.stopping(); ++i) {
        const uint64_t hog = hog_bytes_.load();
        const bool room = available >= grow_above;
        const bool wanted = fixed_hog_target_ ? hog + chunk <= fixed_hog_target_ : true;
        if (!room || !wanted) {
          hog_settled_.store(true);
          break;
        }
        if (!grow_chunk(chunk)) {
          hog_settled_.store(true);
          break;
        }
        available = available_();
      }
    }
  }
  if (options_.reclaim_pulse_bytes) {
    const uint64_t now = monotonic_ns();
    if (now - last_pulse_ns_ >= uint64_t{options_.reclaim_pulse_interval_ms} * 1'000'000) {
      last_pulse_ns_ = now;
      pulse_reclaim();
    }
  }
  hog_thread_.sleep_for(std::chrono::milliseconds(options_.control_interval_ms));
}

void MemoryPressure::pulse_reclaim() {
  std::vector<std::string> nodes;
  if (DIR* d = ::opendir("/sys/devices/system/node")) {
    while (dirent* e = ::readdir(d))
      if (std::strncmp(e->d_name, "node", 4) == 0 && e->d_name[4] >= '0' && e->d_name[4] <= '9')
        nodes.push_back(std::string("/sys/devices/system/node/") + e->d_name + "/reclaim");
    ::closedir(d);
  }
  bool any = false;
  for (const auto& path : nodes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) continue;
    const std::string amount = std::to_string(options_.reclaim_pulse_bytes / nodes.size());
    // EAGAIN: less than asked could be reclaimed; the pulse still happened.
    if (::write(fd, amount.data(), amount.size()) >= 0 || errno == EAGAIN) any = true;
    ::close(fd);
  }
  std::lock_guard lock(mutex_);
  if (any) {
    ++report_.reclaim_pulses;
  } else if (report_.reclaim_pulses == 0 && report_.warnings.empty()) {
    report_.warnings.push_back(
        "proactive node reclaim (/sys/devices/system/node/node*/reclaim) is not available: "
        "it needs Linux 6.16+ and root");
  }
}

Status MemoryPressure::make_churn_file() {
  int fd = ::open(options_.churn_dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  std::string how = "O_TMPFILE";
  if (fd < 0) {
    std::string pattern = options_.churn_dir + "/ringmq-jitter-churn-XXXXXX";
    fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0) return errno_error("creating a churn file in " + options_.churn_dir, errno);
    ::unlink(pattern.c_str());  // nameless from here on: it goes when the fd closes
    how = "unlinked temp file";
  }
  churn_fd_.reset(fd);
  // Written with O_DIRECT where allowed, so that making the file does not itself fill the
  // page cache with dirty pages; buffered (and dropped from the cache) otherwise.
  const int flags = ::fcntl(fd, F_GETFL);
  bool direct = ::fcntl(fd, F_SETFL, flags | O_DIRECT) == 0;
  auto buffer = io::AlignedBuffer::allocate(kChurnWriteBytes);
  if (!buffer) return std::unexpected(buffer.error());
  for (size_t i = 0; i < buffer->size(); ++i) buffer->data()[i] = static_cast<std::byte>((i * 131) & 0xFF);
  for (uint64_t at = 0; at < churn_size_ && !churn_thread_.stopping();) {
    const ssize_t n = ::pwrite(fd, buffer->data(), kChurnWriteBytes, static_cast<off_t>(at));
    if (n < 0 && errno == EINVAL && direct) {
      direct = false;
      ::fcntl(fd, F_SETFL, flags);
      continue;
    }
    if (n < 0) return errno_error("writing the churn file in " + options_.churn_dir, errno);
    at += static_cast<uint64_t>(n);
    if (!direct && at % (256 * kMiB) == 0) {
      ::fdatasync(fd);
      ::posix_fadvise(fd, 0, static_cast<off_t>(at), POSIX_FADV_DONTNEED);
    }
  }
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::fcntl(fd, F_SETFL, flags);  // read it through the page cache: that is the point
  std::lock_guard lock(mutex_);
  report_.churn_file_note = how + (direct ? ", written with O_DIRECT" : ", written buffered");
  return {};
}

void MemoryPressure::churn_round() {
  if (!churn_fd_.valid()) {
    if (churn_failed_.load()) {
      churn_thread_.sleep_for(std::chrono::milliseconds(1000));
      return;
    }
    if (auto s = make_churn_file(); !s) {
      std::lock_guard lock(mutex_);
      report_.warnings.push_back("page-cache churn stopped: " + s.error().message);
      churn_failed_.store(true);
      churn_fd_.reset();
      return;
    }
    churn_buffer_.resize(kChurnReadBytes);
    churn_started_ns_ = monotonic_ns();
  }
  for (int i = 0; i < 16 && !churn_thread_.stopping(); ++i) {
    const ssize_t n =
        ::pread(churn_fd_.get(), churn_buffer_.data(), kChurnReadBytes, static_cast<off_t>(churn_offset_));
    if (n <= 0) {
      churn_offset_ = 0;  // end of file (or a read error): start the next pass
      if (n < 0) {
        churn_thread_.sleep_for(std::chrono::milliseconds(100));
        return;
      }
      continue;
    }
    churn_offset_ += static_cast<uint64_t>(n);
    if (churn_offset_ >= churn_size_) churn_offset_ = 0;
    churned_bytes_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }
  if (options_.churn_rate_bytes_per_s) {
    // Ahead of the rate: sleep until the bytes read are due.
    const double due_s = static_cast<double>(churned_bytes()) / static_cast<double>(options_.churn_rate_bytes_per_s);
    const double elapsed_s = static_cast<double>(monotonic_ns() - churn_started_ns_) / 1e9;
    if (due_s > elapsed_s)
      churn_thread_.sleep_for(std::chrono::milliseconds(static_cast<int64_t>((due_s - elapsed_s) * 1000) + 1));
  }
}

}  // namespace ringmq::perf
