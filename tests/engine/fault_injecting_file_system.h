// FaultInjectingFileSystem: a FileSystem for tests that passes every call to a real one and,
// on request, fails the Nth call of a kind with a chosen errno, tears a write (a prefix lands,
// then an error, as on a disk that fills up mid-write), or cuts the power: every later call
// fails, and restore_after_power_cut() then leaves each file exactly as it was last made
// durable (RocksDB's FaultInjectionTestFS, for this engine's calls).
//
// What counts as durable, per file: content and size as of its last successful fdatasync
// (plain or through the ring) or msync (that range only); its name as of the last fsync of
// its directory after it was created, renamed or removed. Files that existed before this
// object first saw them count as durable as they were. Directories themselves are not
// modelled (they are made once and synced by their parents' users).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/file_system.h"

namespace ringmq::engine::test {

enum class FileOp {
  kOpen,  // open and open_direct
  kAllocate,
  kZeroRange,
  kWrite,
  kRead,
  kDatasync,
  kMap,
  kSyncMapping,  // msync
  kListDirectory,
  kMakeDirectories,
  kRename,
  kRemove,
  kSyncDirectory,
  kRingWrite,     // the pool committer's io_uring writes
  kRingDatasync,  // the pool committer's io_uring fdatasyncs
};
const char* file_op_name(FileOp op);

class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(std::shared_ptr<FileSystem> base = real_file_system()) : base_(std::move(base)) {}

  // The `nth` call of `op` from now (1 = the next) on a path containing `path_part` fails
  // with `err`; with `sticky`, every matching call after it fails too.
  void fail(FileOp op, int err, uint32_t nth = 1, std::string path_part = "", bool sticky = false);
  // The `nth` kWrite or kRingWrite from now on a path containing `path_part` writes only its
  // first `bytes` bytes, then fails with `err`.
  void tear_write(FileOp op, uint64_t bytes, int err, uint32_t nth = 1, std::string path_part = "");
  void clear_faults();
  uint64_t calls(FileOp op) const;  // calls made so far, failed ones included
  uint64_t faults_injected() const;

  // From now on every call fails with EIO, as on a machine that lost power.
  void cut_power();
  // After the store is gone: every file touched is put back to what was durable (files whose
  // name was never made durable are removed), and calls work again.
  void restore_after_power_cut();

  Result<io::UniqueFd> open(const std::string& path, int flags, unsigned mode = 0644) override;
  Result<uint64_t> file_size(int fd, const std::string& path) override;
  Status allocate(int fd, const std::string& path, uint64_t bytes) override;
  Status zero_range(int fd, const std::string& path, uint64_t offset, uint64_t bytes) override;
  Status write(int fd, const std::string& path, std::span<const std::byte> data, uint64_t offset) override;
  Result<size_t> read(int fd, const std::string& path, std::span<std::byte> out, uint64_t offset) override;
  Status datasync(int fd, const std::string& path) override;
  Result<std::byte*> map(int fd, const std::string& path, uint64_t bytes) override;
  void unmap(std::byte* mapping, uint64_t bytes) override { base_->unmap(mapping, bytes); }
  Status sync_mapping(const std::string& path, std::byte* mapping, uint64_t from, uint64_t to) override;
  Result<std::vector<std::string>> list_directory(const std::string& dir) override;
  Status make_directories(const std::string& path) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Status sync_directory(const std::string& dir) override;
  bool exists(const std::string& path) override { return base_->exists(path); }
  Result<io::DiskUsage> disk_usage(const std::string& path) override { return base_->disk_usage(path); }
  Result<io::DirectFile> open_direct(const std::string& path) override;
  io::WriteOutcome write_through_ring(io::Ring& ring, const io::WriteTarget& target, io::WriteBatch& chunks) override;
  Status datasync_through_ring(io::Ring& ring, std::span<const RingSyncTarget> files, std::span<bool> synced) override;

 private:
  struct Rule {
    FileOp op;
    int err;
    uint32_t countdown;  // matching calls still to pass before it fires
    std::string path_part;
    bool sticky;
    uint64_t tear_bytes;  // UINT64_MAX: fail without writing
  };
  // The durable image of one file.
  struct DurableFile {
    bool name_durable = false;
    std::vector<std::byte> content;
  };
  enum class NameChange { kCreate, kRemove, kRename };
  struct PendingName {
    NameChange change;
    std::string from, to;
  };

  // Counts the call, and returns the rule that fires for it, if any (a copy).
  std::optional<Rule> check(FileOp op, const std::string& path);
  std::unexpected<Error> injected(FileOp op, const std::string& path, int err);
  // Starts tracking `path` as it is now (assumed durable) unless tracked already.
  void track_existing(const std::string& path);
  // Makes the current content of `path` (read back from the file) its durable content.
  void capture_content(const std::string& path);

  std::shared_ptr<FileSystem> base_;
  mutable std::mutex mutex_;
  std::vector<Rule> rules_;
  std::map<FileOp, uint64_t> calls_;
  uint64_t faults_injected_ = 0;
  bool power_cut_ = false;
  std::map<std::string, DurableFile> files_;
  std::map<std::string, std::vector<PendingName>> pending_names_;  // by directory
};

}  // namespace ringmq::engine::test
