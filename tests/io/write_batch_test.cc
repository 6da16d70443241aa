#include "io/write_batch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "io/aligned_buffer.h"
#include "io/direct_file.h"
#include "io/file.h"
#include "io/ring.h"
#include "tests/common/temp_dir.h"
#include "tests/io/child_process.h"

namespace ringmq::io {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::byte> pattern(size_t bytes, unsigned seed = 1) {
  std::vector<std::byte> data(bytes);
  for (size_t i = 0; i < bytes; ++i) data[i] = static_cast<std::byte>((i * 31 + seed * 7 + i / 4096) & 0xff);
  return data;
}

std::vector<std::byte> read_file(const std::string& path) {
  auto data = read_whole_file(path);
  return data ? *data : std::vector<std::byte>{};
}

Result<Ring> ring_for_test() { return Ring::create({.sq_entries = 8}); }

TEST(WriteAll, WritesTheWholeRangeFromARegisteredBuffer) {
  test::TempDir dir;
  const std::string path = dir.path() + "/seg";
  auto fd = open_file(path, O_RDWR | O_CREAT);
  auto ring = ring_for_test();
  auto buffer = AlignedBuffer::allocate(1 << 20);
  ASSERT_TRUE(fd && ring && buffer);
  const auto data = pattern(buffer->size());
  std::memcpy(buffer->data(), data.data(), data.size());
  const iovec iov = buffer->as_iovec();
  ASSERT_TRUE(ring->register_buffers({&iov, 1}));

  auto outcome = write_all(*ring, {FileRef::fd(fd->get()), {}, path}, {buffer->bytes(), 0, 0});
  ASSERT_TRUE(outcome.ok()) << outcome.status.error().to_string();
  EXPECT_EQ(outcome.bytes_written, data.size());
  EXPECT_EQ(outcome.stats.writes_submitted, 1u);
  EXPECT_EQ(outcome.stats.rounds, 1u);
  EXPECT_EQ(outcome.stats.syncs_submitted, 0u);
  EXPECT_EQ(read_file(path), data);
}

TEST(WriteAll, LinksTheDatasyncToALoneWriteInOneRound) {
  test::TempDir dir;
  const std::string path = dir.path() + "/seg";
  auto fd = open_file(path, O_RDWR | O_CREAT);
  auto ring = ring_for_test();
  ASSERT_TRUE(fd && ring);
  const auto data = pattern(64 << 10);
  auto outcome = write_all(*ring, {FileRef::fd(fd->get()), {}, path}, {data, 4096}, SyncAfter::kDatasync);
  ASSERT_TRUE(outcome.ok()) << outcome.status.error().to_string();
  EXPECT_EQ(outcome.bytes_written, data.size());
  EXPECT_EQ(outcome.stats.syncs_submitted, 1u);
  EXPECT_EQ(outcome.stats.rounds, 1u);
  EXPECT_LE(ring->stats().submit_calls, 1u);  // write and fdatasync in one io_uring_enter
  const auto on_disk = read_file(path);
  ASSERT_EQ(on_disk.size(), 4096 + data.size());
  EXPECT_TRUE(std::equal(data.begin(), data.end(), on_disk.begin() + 4096));
}

TEST(WriteAll, FinishesAfterShortWritesOnAPipe) {
  // A pipe holds 64 KiB: a 1 MiB write completes short, a pipe's worth at a time, while the
  // reader drains it.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  std::vector<std::byte> received;
  std::thread reader([&] {
    std::byte chunk[4096];
    ssize_t got;
    while ((got = ::read(read_end.get(), chunk, sizeof chunk)) > 0) received.insert(received.end(), chunk, chunk + got);
  });
  auto ring = ring_for_test();
  ASSERT_TRUE(ring);
  const auto data = pattern(1 << 20);
  auto outcome = write_all(*ring, {FileRef::fd(write_end.get()), {}, "pipe"}, {data, kCurrentPosition});
  write_end.reset();
  reader.join();
  ASSERT_TRUE(outcome.ok()) << outcome.status.error().to_string();
  EXPECT_EQ(outcome.bytes_written, data.size());
  EXPECT_GT(outcome.stats.short_writes, 0u);
  EXPECT_EQ(received, data);
}

// Fault injection through Ring::inject_faults: a script of results that replace the results
// of the next completions with a matching tag (kAnyWrite: any chunk's write).
constexpr uint64_t kAnyWrite = ~uint64_t{0};
struct Fault {
  uint64_t tag;
  int result;
};
struct FaultScript {
  std::vector<Fault> faults;
  size_t next = 0;
  static void apply(void* context, Completion& completion) {
    auto& script = *static_cast<FaultScript*>(context);
    if (script.next == script.faults.size()) return;
    const Fault& fault = script.faults[script.next];
    const bool is_write = completion.tag != kWriteBatchSyncTag;
    if (fault.tag == completion.tag || (fault.tag == kAnyWrite && is_write)) {
      // A shortened result must stay within what the kernel reported written.
      completion.result = fault.result > 0 ? std::min(fault.result, completion.result) : fault.result;
      ++script.next;
    }
  }
};

struct FaultyFile {
  test::TempDir dir;
  std::string path = dir.path() + "/seg";
  Result<UniqueFd> fd = open_file(path, O_RDWR | O_CREAT);
  Result<Ring> ring = ring_for_test();
  FaultScript script;
  explicit FaultyFile(std::vector<Fault> faults) {
    script.faults = std::move(faults);
    if (ring) ring->inject_faults(&FaultScript::apply, &script);
  }
  WriteTarget target() const { return {FileRef::fd(fd->get()), {}, path}; }
};

TEST(WriteAll, RetriesEagainEintrAndZeroByteResultsThenFinishes) {
  FaultyFile file({{kAnyWrite, -EAGAIN}, {kAnyWrite, -EINTR}, {kAnyWrite, 0}});
  ASSERT_TRUE(file.fd && file.ring);
  const auto data = pattern(64 << 10);
  auto outcome = write_all(*file.ring, file.target(), {data, 0});
  ASSERT_TRUE(outcome.ok()) << outcome.status.error().to_string();
  EXPECT_EQ(outcome.stats.retries, 3u);
  EXPECT_EQ(outcome.stats.writes_submitted, 4u);
  EXPECT_EQ(outcome.bytes_written, data.size());
  EXPECT_EQ(read_file(file.path), data);
}

TEST(WriteAll, ResubmitsTheRestAfterEachShortWrite) {
  FaultyFile file({{kAnyWrite, 1000}, {kAnyWrite, 5000}, {kWriteBatchSyncTag, -ECANCELED}});
  ASSERT_TRUE(file.fd && file.ring);
  const auto data = pattern(64 << 10);
  auto outcome = write_all(*file.ring, file.target(), {data, 100}, SyncAfter::kDatasync);
  ASSERT_TRUE(outcome.ok()) << outcome.status.error().to_string();
  EXPECT_EQ(outcome.stats.short_writes, 2u);
  EXPECT_EQ(outcome.stats.writes_submitted, 3u);
  EXPECT_EQ(outcome.stats.rounds, 3u);
  EXPECT_EQ(outcome.stats.syncs_submitted, 3u);  // the sync of a short round does not count
  EXPECT_EQ(outcome.bytes_written, data.size());
  const auto on_disk = read_file(file.path);
  ASSERT_EQ(on_disk.size(), 100 + data.size());
  EXPECT_TRUE(std::equal(data.begin(), data.end(), on_disk.begin() + 100));
}

TEST(WriteAll, GivesUpAfterMaxRetriesWithoutProgress) {
  FaultyFile file(std::vector<Fault>(10, Fault{kAnyWrite, -EAGAIN}));
  ASSERT_TRUE(file.fd && file.ring);
  const auto data = pattern(4096);
  auto outcome = write_all(*file.ring, file.target(), {data, 0}, SyncAfter::kNone, {.max_retries = 3});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status.error().code, ErrorCode::kIo);
  EXPECT_TRUE(contains(outcome.status.error().message, "no progress after 3 retries; last result: EAGAIN"))
      << outcome.status.error().message;
  EXPECT_EQ(outcome.stats.writes_submitted, 4u);
}

TEST(WriteAll, FailedDatasyncIsReportedAndNeverRetried) {
  FaultyFile file({{kWriteBatchSyncTag, -EIO}});
  ASSERT_TRUE(file.fd && file.ring);
  const auto data = pattern(4096);
  auto outcome = write_all(*file.ring, file.target(), {data, 0}, SyncAfter::kDatasync);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status.error().code, ErrorCode::kIo);
  EXPECT_TRUE(contains(outcome.status.error().message, "fdatasync " + file.path)) << outcome.status.error().message;
  EXPECT_TRUE(contains(outcome.status.error().message, "EIO")) << outcome.status.error().message;
  EXPECT_EQ(outcome.stats.syncs_submitted, 1u);
  EXPECT_EQ(outcome.bytes_written, data.size());
}

TEST(WriteAll, ShortODirectWriteLeavingAMisalignedRestIsReported) {
  test::TempDir dir;
  auto file = DirectFile::open(dir.path() + "/seg", {.direct = DirectIo::kRequire});
  auto ring = ring_for_test();
  auto buffer = AlignedBuffer::allocate(8192);
  ASSERT_TRUE(file && ring && buffer) << (file ? "" : file.error().to_string());
  FaultScript script{{{kAnyWrite, 100}}};
  ring->inject_faults(&FaultScript::apply, &script);
  const WriteTarget target{FileRef::fd(file->fd()), file->alignment(), file->path()};
  auto outcome = write_all(*ring, target, {buffer->bytes(), 0});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(outcome.status.error().message, "after a short write")) << outcome.status.error().message;
  EXPECT_EQ(outcome.bytes_written, 100u);
}

TEST(WriteAll, ShortWriteAtTheFileSizeLimitIsResubmittedThenReportsEfbig) {
  test::TempDir dir;
  const std::string path = dir.path() + "/seg";
  constexpr uint64_t kLimit = 100 << 10;
  auto child = test::run_in_child([&]() -> std::string {
    // Past RLIMIT_FSIZE the kernel writes up to the limit (a short write), then fails the
    // next write with EFBIG; SIGXFSZ would kill the process, so it is ignored.
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{kLimit, kLimit};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return "setrlimit(RLIMIT_FSIZE) failed";
    auto fd = open_file(path, O_RDWR | O_CREAT);
    auto ring = ring_for_test();
    if (!fd || !ring) return "set-up failed";
    const auto data = pattern(256 << 10);
    auto outcome = write_all(*ring, {FileRef::fd(fd->get()), {}, path}, {data, 0});
    if (outcome.ok()) return "write past RLIMIT_FSIZE succeeded";
    const std::string& message = outcome.status.error().message;
    if (!contains(message, "EFBIG")) return "error does not name EFBIG: " + message;
    if (outcome.bytes_written != kLimit) return "bytes written " + std::to_string(outcome.bytes_written);
    if (outcome.stats.short_writes < 1) return "no short write seen";
    if (!contains(message, std::to_string(kLimit) + " bytes written"))
      return "message lacks the bytes written: " + message;
    auto size = file_size(fd->get(), path);
    if (!size || *size != kLimit) return "file size is not the limit";
    return "";
  });
  EXPECT_TRUE(child.passed()) << child.message;
}

TEST(WriteAll, ReportsDiskFullWithTheBytesThatFitOnAFullTmpfs) {
  test::TempDir dir;
  auto child = test::run_in_child([&]() -> std::string {
    // A private mount namespace: the 1 MiB tmpfs exists only for this child.
    if (::unshare(CLONE_NEWNS) != 0)
      return std::string("unshare(CLONE_NEWNS) failed (the suite needs root): ") + std::strerror(errno);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return "making / private failed";
    if (::mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=1m") != 0)
      return std::string("mounting a tmpfs failed (the suite needs root): ") + std::strerror(errno);
    const std::string path = dir.path() + "/seg";
    auto fd = open_file(path, O_RDWR | O_CREAT);
    auto ring = ring_for_test();
    auto buffer = AlignedBuffer::allocate(2 << 20);
    if (!fd || !ring || !buffer) return "set-up failed";
    std::memset(buffer->data(), 'x', buffer->size());
    const iovec iov = buffer->as_iovec();
    if (!ring->register_buffers({&iov, 1})) return "register_buffers failed";
    // Linked to a datasync: the chain breaks on the short write and again on ENOSPC, and
    // the error reported must be the write's, not the cancelled sync's.
    auto outcome = write_all(*ring, {FileRef::fd(fd->get()), {}, path}, {buffer->bytes(), 0, 0}, SyncAfter::kDatasync);
    if (outcome.ok()) return "2 MiB fit a 1 MiB tmpfs";
    const Error& error = outcome.status.error();
    if (error.code != ErrorCode::kDiskFull) return "not kDiskFull: " + error.to_string();
    if (!contains(error.message, "ENOSPC")) return "error does not name ENOSPC: " + error.message;
    if (outcome.bytes_written == 0 || outcome.bytes_written > (1u << 20))
      return "bytes written " + std::to_string(outcome.bytes_written);
    auto size = file_size(fd->get(), path);
    if (!size || *size != outcome.bytes_written) return "file size differs from the bytes reported written";
    std::printf("tmpfs full after %llu bytes, %llu short writes\n",
                static_cast<unsigned long long>(outcome.bytes_written),
                static_cast<unsigned long long>(outcome.stats.short_writes));
    std::fflush(stdout);  // the child leaves with _exit, which does not flush
    return "";
  });
  EXPECT_TRUE(child.passed()) << child.message;
}

TEST(WriteAll, ToAClosedFdReportsEbadf) {
  test::TempDir dir;
  const std::string path = dir.path() + "/seg";
  auto fd = open_file(path, O_RDWR | O_CREAT);
  auto ring = ring_for_test();
  ASSERT_TRUE(fd && ring);
  const int closed = fd->release();
  ::close(closed);
  const auto data = pattern(4096);
  auto outcome = write_all(*ring, {FileRef::fd(closed), {}, path}, {data, 0});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status.error().code, ErrorCode::kIo);
  EXPECT_TRUE(contains(outcome.status.error().message, "EBADF")) << outcome.status.error().message;
  EXPECT_TRUE(contains(outcome.status.error().message, path)) << outcome.status.error().message;
  EXPECT_EQ(outcome.bytes_written, 0u);
}

TEST(WriteAll, LinkedDatasyncCancelledByAFailedWriteReportsTheWriteError) {
  test::TempDir dir;
  const std::string path = dir.path() + "/seg";
  ASSERT_TRUE(write_file_atomically(path, {}));
  auto fd = open_file(path, O_RDONLY);  // writes fail with EBADF; an fdatasync alone would succeed
  auto ring = ring_for_test();
  ASSERT_TRUE(fd && ring);
  const auto data = pattern(4096);
  auto outcome = write_all(*ring, {FileRef::fd(fd->get()), {}, path}, {data, 0}, SyncAfter::kDatasync);
  ASSERT_FALSE(outcome.ok());
  const std::string& message = outcome.status.error().message;
  EXPECT_TRUE(contains(message, "write of 4096 bytes")) << message;
  EXPECT_TRUE(contains(message, "EBADF")) << message;
  EXPECT_FALSE(contains(message, "ECANCELED")) << message;
  EXPECT_EQ(outcome.stats.syncs_submitted, 1u);
}

TEST(WriteAll, RejectsAMisalignedODirectLengthBeforeSubmission) {
  test::TempDir dir;
  auto file = DirectFile::open(dir.path() + "/seg", {.direct = DirectIo::kRequire});
  auto ring = ring_for_test();
  auto buffer = AlignedBuffer::allocate(8192);
  ASSERT_TRUE(file && ring && buffer) << (file ? "" : file.error().to_string());
  const WriteTarget target{FileRef::fd(file->fd()), file->alignment(), file->path()};
  auto outcome = write_all(*ring, target, {buffer->bytes().first(4096 + 100), 0});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(outcome.status.error().message, "length 4196 is not a multiple of"))
      << outcome.status.error().message;
  EXPECT_TRUE(contains(outcome.status.error().message, file->path())) << outcome.status.error().message;
  EXPECT_EQ(outcome.stats.writes_submitted, 0u);
  EXPECT_EQ(ring->stats().submit_calls, 0u);
  EXPECT_EQ(*file->size(), 0u);
}

TEST(WriteAll, WritesAnODirectFileFromRegisteredAlignedBuffers) {
  test::TempDir dir;
  auto file = DirectFile::open(dir.path() + "/seg", {.direct = DirectIo::kRequire});
  auto ring = ring_for_test();
  auto buffer = AlignedBuffer::allocate(2 << 20, {.lock = true});
  ASSERT_TRUE(file && ring && buffer) << (file ? "" : file.error().to_string());
  ASSERT_TRUE(file->allocate(0, 1 << 20));
  const auto out = buffer->bytes().first(1 << 20);
  const auto in = buffer->bytes().last(1 << 20);
  const auto data = pattern(out.size(), 3);
  std::memcpy(out.data(), data.data(), data.size());
  const iovec iov = buffer->as_iovec();
  ASSERT_TRUE(ring->register_buffers({&iov, 1}));
  const int fds[] = {file->fd()};
  ASSERT_TRUE(ring->register_files(fds));

  const WriteTarget target{FileRef::registered(0), file->alignment(), file->path()};
  auto outcome = write_all(*ring, target, {out, 0, 0}, SyncAfter::kDatasync);
  ASSERT_TRUE(outcome.ok()) << outcome.status.error().to_string();
  EXPECT_EQ(outcome.bytes_written, out.size());

  ASSERT_TRUE(ring->prepare_read_fixed(FileRef::registered(0), in, 0, 0, 1));
  Completion completion[1];
  auto got = ring->wait(completion, 1);
  ASSERT_TRUE(got) << got.error().to_string();
  ASSERT_EQ(completion[0].result, static_cast<int>(in.size())) << completion_error(completion[0], "read").to_string();
  EXPECT_EQ(std::memcmp(in.data(), data.data(), data.size()), 0);
}

TEST(WriteBatch, WritesManyChunksInParallelThenOneDatasync) {
  test::TempDir dir;
  const std::string path = dir.path() + "/seg";
  auto fd = open_file(path, O_RDWR | O_CREAT);
  // More chunks than the CQ holds: the batch reaps as it goes.
  auto ring = Ring::create({.sq_entries = 8, .cq_entries = 16});
  ASSERT_TRUE(fd && ring);
  constexpr size_t kChunks = 40, kBytes = 4096;
  const auto data = pattern(kChunks * kBytes, 5);
  WriteBatch batch(kChunks);
  for (size_t i = 0; i < kChunks; ++i) {
    const size_t k = kChunks - 1 - i;  // back to front: order must not matter
    ASSERT_TRUE(batch.add({std::span(data).subspan(k * kBytes, kBytes), k * kBytes}));
  }
  auto outcome = batch.run(*ring, {FileRef::fd(fd->get()), {}, path}, SyncAfter::kDatasync);
  ASSERT_TRUE(outcome.ok()) << outcome.status.error().to_string();
  EXPECT_EQ(outcome.bytes_written, data.size());
  EXPECT_EQ(outcome.stats.writes_submitted, kChunks);
  EXPECT_EQ(outcome.stats.syncs_submitted, 1u);
  EXPECT_EQ(outcome.stats.rounds, 1u);
  for (size_t i = 0; i < kChunks; ++i) EXPECT_EQ(batch.bytes_written(i), kBytes);
  EXPECT_EQ(read_file(path), data);
  EXPECT_EQ(ring->outstanding(), 0u);
}

TEST(WriteBatch, RefusesToRunOnARingWithOtherOperationsOutstanding) {
  test::TempDir dir;
  auto fd = open_file(dir.path() + "/seg", O_RDWR | O_CREAT);
  auto ring = ring_for_test();
  ASSERT_TRUE(fd && ring);
  ASSERT_TRUE(ring->prepare_nop(1));
  const auto data = pattern(10);
  WriteBatch batch(1);
  ASSERT_TRUE(batch.add({data, 0}));
  auto outcome = batch.run(*ring, {FileRef::fd(fd->get()), {}, "seg"});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(outcome.status.error().message, "idle ring")) << outcome.status.error().message;
}

TEST(WriteBatch, AddBeyondCapacityIsRejected) {
  const auto data = pattern(10);
  WriteBatch batch(2);
  EXPECT_TRUE(batch.add({data, 0}));
  EXPECT_TRUE(batch.add({data, 10}));
  auto full = batch.add({data, 20});
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, ErrorCode::kInvalidArgument);
  batch.clear();
  EXPECT_EQ(batch.size(), 0u);
  EXPECT_TRUE(batch.add({data, 0}));
}

}  // namespace
}  // namespace ringmq::io
