// FaultProbe against pages we fault in ourselves: N new anonymous pages are N minor faults,
// in every backend; with the perf ring each fault is pinned on the operation that took it.
#include "perf/fault_probe.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "tests/common/require.h"
#include "tests/common/temp_dir.h"

namespace ringmq::perf {
namespace {

constexpr size_t kPage = 4096;

// Anonymous memory in 4 KiB pages (no THP), not yet touched.
class FreshPages {
 public:
  explicit FreshPages(size_t pages) : bytes_(pages * kPage) {
    addr_ = static_cast<char*>(::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (addr_ == MAP_FAILED) addr_ = nullptr;
    if (addr_) ::madvise(addr_, bytes_, MADV_NOHUGEPAGE);
  }
  ~FreshPages() {
    if (addr_) ::munmap(addr_, bytes_);
  }
  void touch(size_t page) { static_cast<volatile char*>(addr_)[page * kPage] = 1; }
  bool ok() const { return addr_ != nullptr; }

 private:
  char* addr_ = nullptr;
  size_t bytes_;
};

// Opens `backend` or skips the test when this machine does not allow it.
#define OPEN_OR_SKIP(probe, backend)                                         \
  auto probe##_opened = FaultProbe::open(backend);                           \
  RINGMQ_REQUIRE_CAPABILITY(probe##_opened, probe##_opened.error().message); \
  FaultProbe probe = std::move(*probe##_opened)

void expect_about_n_minor_faults(FaultBackend backend) {
  OPEN_OR_SKIP(probe, backend);
  constexpr size_t kPages = 2000;
  FreshPages pages(kPages);
  ASSERT_TRUE(pages.ok());
  const ThreadEventCounts before = probe.totals();
  for (size_t i = 0; i < kPages; ++i) pages.touch(i);
  const ThreadEventCounts after = probe.totals();
  const uint64_t minor = after.minor_faults - before.minor_faults;
  EXPECT_GE(minor, kPages) << fault_backend_name(probe.backend());
  EXPECT_LE(minor, kPages + kPages / 20 + 10) << fault_backend_name(probe.backend());
  EXPECT_EQ(after.major_faults, before.major_faults);
}

TEST(FaultProbe, TouchingNNewPagesCountsAboutNMinorFaultsWithThePerfRing) {
  expect_about_n_minor_faults(FaultBackend::kPerfRing);
}

TEST(FaultProbe, TouchingNNewPagesCountsAboutNMinorFaultsWithPerfCounters) {
  expect_about_n_minor_faults(FaultBackend::kPerfCount);
}

TEST(FaultProbe, TouchingNNewPagesCountsAboutNMinorFaultsWithGetrusage) {
  expect_about_n_minor_faults(FaultBackend::kRusage);
}

TEST(FaultProbe, AutoPicksAWorkingBackend) {
  std::string why_not;
  auto probe = FaultProbe::open(FaultBackend::kAuto, &why_not);
  ASSERT_TRUE(probe) << probe.error().message;
  EXPECT_NE(probe->backend(), FaultBackend::kAuto);
}

TEST(FaultProbe, TheRingPinsEachFaultOnTheOperationThatTookIt) {
  OPEN_OR_SKIP(probe, FaultBackend::kPerfRing);
  FreshPages pages(400);
  ASSERT_TRUE(pages.ok());
  size_t next_page = 0;
  uint64_t seen_by_sink = 0;
  auto sink = [&](ThreadEvent e, uint64_t) { seen_by_sink += e != ThreadEvent::kContextSwitch; };
  for (int op = 0; op < 120; ++op) {
    const uint32_t want = op % 4 == 3 ? 0 : op % 4;  // 0, 1, 2, 0, 0, 1, 2, 0, ...
    const uint64_t mark = probe.mark();
    for (uint32_t k = 0; k < want; ++k) pages.touch(next_page++);
    OpEvents ev;
    if (probe.changed_since(mark)) ev = probe.take(mark, sink);
    ASSERT_EQ(ev.minor_faults, want) << "operation " << op;
    ASSERT_EQ(ev.major_faults, 0u);
  }
  EXPECT_GE(seen_by_sink, next_page);
  EXPECT_EQ(probe.lost_samples(), 0u);
}

TEST(FaultProbe, TheRingKeepsUpWhenDrainedEveryBatch) {
  OPEN_OR_SKIP(probe, FaultBackend::kPerfRing);
  constexpr size_t kPages = 20'000;  // more samples than the ring holds at once
  FreshPages pages(kPages);
  ASSERT_TRUE(pages.ok());
  uint64_t faults = 0;
  auto sink = [&](ThreadEvent e, uint64_t) { faults += e == ThreadEvent::kMinorFault; };
  for (size_t i = 0; i < kPages; ++i) {
    pages.touch(i);
    if (i % 256 == 0) probe.drain_if_needed(sink);
  }
  probe.take(UINT64_MAX, sink);
  EXPECT_EQ(probe.lost_samples(), 0u);
  EXPECT_GE(faults, kPages);
  EXPECT_LE(faults, probe.totals().minor_faults);
}

TEST(FaultProbe, PagesReadBackFromDiskAreMajorFaults) {
  OPEN_OR_SKIP(probe, FaultBackend::kPerfRing);
  ringmq::test::TempDir dir;
  struct statfs fs {};
  ASSERT_EQ(::statfs(dir.path().c_str(), &fs), 0);
  RINGMQ_REQUIRE_CAPABILITY(fs.f_type != TMPFS_MAGIC,
                            "a TMPDIR on disk, not tmpfs, whose pages can leave memory (set TMPDIR)");
  const std::string path = dir.path() + "/pages";
  constexpr size_t kPages = 64;
  {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0600);
    ASSERT_GE(fd, 0);
    std::string data(kPages * kPage, 'x');
    ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    ASSERT_EQ(::fsync(fd), 0);
    ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);  // clean pages: dropped
    ::close(fd);
  }
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  void* map = ::mmap(nullptr, kPages * kPage, PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  ::madvise(map, kPages * kPage, MADV_RANDOM);  // no read-ahead: one read per page
  const ThreadEventCounts before = probe.totals();
  for (size_t i = 0; i < kPages; ++i) (void)static_cast<volatile char*>(map)[i * kPage];
  const ThreadEventCounts after = probe.totals();
  ::munmap(map, kPages * kPage);
  ::close(fd);
  EXPECT_GE(after.major_faults - before.major_faults, 1u);
}

TEST(FaultProbe, ASleepingOperationShowsAContextSwitch) {
  OPEN_OR_SKIP(probe, FaultBackend::kPerfRing);
  RINGMQ_REQUIRE_CAPABILITY(probe.sees_context_switches(),
                            "kernel-mode perf events for context switches (lower kernel.perf_event_paranoid)");
  const uint64_t mark = probe.mark();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  OpEvents ev;
  if (probe.changed_since(mark)) ev = probe.take(mark, [](ThreadEvent, uint64_t) {});
  EXPECT_GE(ev.context_switches, 1u);
}

TEST(FaultProbe, BatchBackendsReportWhatHappenedSinceTheLastPoll) {
  OPEN_OR_SKIP(probe, FaultBackend::kRusage);
  FreshPages pages(300);
  ASSERT_TRUE(pages.ok());
  (void)probe.poll();
  for (size_t i = 0; i < 300; ++i) pages.touch(i);
  const OpEvents batch = probe.poll();
  EXPECT_GE(batch.minor_faults, 300u);
  EXPECT_FALSE(probe.per_operation());
}

}  // namespace
}  // namespace ringmq::perf
