#include "tests/engine/fault_injecting_file_system.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace ringmq::engine::test {

const char* file_op_name(FileOp op) {
  switch (op) {
    case FileOp::kOpen:
      return "open";
    case FileOp::kAllocate:
      return "fallocate";
    case FileOp::kZeroRange:
      return "fallocate(ZERO_RANGE)";
    case FileOp::kWrite:
      return "pwrite";
    case FileOp::kRead:
      return "pread";
    case FileOp::kDatasync:
      return "fdatasync";
    case FileOp::kMap:
      return "mmap";
    case FileOp::kSyncMapping:
      return "msync";
    case FileOp::kListDirectory:
      return "list directory";
    case FileOp::kMakeDirectories:
      return "create directory";
    case FileOp::kRename:
      return "rename";
    case FileOp::kRemove:
      return "unlink";
    case FileOp::kSyncDirectory:
      return "fsync directory";
    case FileOp::kRingWrite:
      return "io_uring write";
    case FileOp::kRingDatasync:
      return "io_uring fdatasync";
  }
  return "?";
}

void FaultInjectingFileSystem::fail(FileOp op, int err, uint32_t nth, std::string path_part, bool sticky) {
  std::lock_guard lock(mutex_);
  rules_.push_back({op, err, std::max<uint32_t>(nth, 1), std::move(path_part), sticky, UINT64_MAX});
}

void FaultInjectingFileSystem::tear_write(FileOp op, uint64_t bytes, int err, uint32_t nth, std::string path_part) {
  std::lock_guard lock(mutex_);
  rules_.push_back({op, err, std::max<uint32_t>(nth, 1), std::move(path_part), false, bytes});
}

void FaultInjectingFileSystem::clear_faults() {
  std::lock_guard lock(mutex_);
  rules_.clear();
}

uint64_t FaultInjectingFileSystem::calls(FileOp op) const {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(op);
  return it == calls_.end() ? 0 : it->second;
}

uint64_t FaultInjectingFileSystem::faults_injected() const {
  std::lock_guard lock(mutex_);
  return faults_injected_;
}

std::optional<FaultInjectingFileSystem::Rule> FaultInjectingFileSystem::check(FileOp op, const std::string& path) {
  std::lock_guard lock(mutex_);
  ++calls_[op];
  if (power_cut_) return Rule{op, EIO, 1, "", true, UINT64_MAX};
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (it->op != op || path.find(it->path_part) == std::string::npos) continue;
    if (it->countdown > 1) {
      --it->countdown;
      continue;
    }
    Rule fired = *it;
    if (!it->sticky) rules_.erase(it);
    ++faults_injected_;
    return fired;
  }
  return std::nullopt;
}

std::unexpected<Error> FaultInjectingFileSystem::injected(FileOp op, const std::string& path, int err) {
  return errno_error(std::string(file_op_name(op)) + " " + path + " (injected)", err);
}

void FaultInjectingFileSystem::track_existing(const std::string& path) {
  if (files_.count(path)) return;
  DurableFile file;
  if (base_->exists(path)) {
    auto content = read_whole_file(*base_, path);
    file.name_durable = true;
    if (content) file.content = std::move(*content);
  }
  files_.emplace(path, std::move(file));
}

void FaultInjectingFileSystem::capture_content(const std::string& path) {
  auto content = read_whole_file(*base_, path);
  if (!content) return;
  track_existing(path);
  files_[path].content = std::move(*content);
}

void FaultInjectingFileSystem::cut_power() {
  std::lock_guard lock(mutex_);
  power_cut_ = true;
}

void FaultInjectingFileSystem::restore_after_power_cut() {
  std::lock_guard lock(mutex_);
  for (const auto& [path, file] : files_) {
    if (!file.name_durable) {
      (void)base_->remove(path);
      continue;
    }
    auto fd = base_->open(path, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd) continue;
    (void)base_->write(fd->get(), path, file.content, 0);
    (void)base_->datasync(fd->get(), path);
  }
  pending_names_.clear();
  rules_.clear();
  power_cut_ = false;
}

Result<io::UniqueFd> FaultInjectingFileSystem::open(const std::string& path, int flags, unsigned mode) {
  if (auto rule = check(FileOp::kOpen, path)) return injected(FileOp::kOpen, path, rule->err);
  {
    std::lock_guard lock(mutex_);
    const bool created = (flags & O_CREAT) && !base_->exists(path);
    track_existing(path);
    if (created) pending_names_[parent_directory(path)].push_back({NameChange::kCreate, path, path});
  }
  return base_->open(path, flags, mode);
}

Result<uint64_t> FaultInjectingFileSystem::file_size(int fd, const std::string& path) {
  if (auto rule = check(FileOp::kRead, path)) return injected(FileOp::kRead, path, rule->err);
  return base_->file_size(fd, path);
}

Status FaultInjectingFileSystem::allocate(int fd, const std::string& path, uint64_t bytes) {
  if (auto rule = check(FileOp::kAllocate, path)) return injected(FileOp::kAllocate, path, rule->err);
  return base_->allocate(fd, path, bytes);
}

Status FaultInjectingFileSystem::zero_range(int fd, const std::string& path, uint64_t offset, uint64_t bytes) {
  if (auto rule = check(FileOp::kZeroRange, path)) return injected(FileOp::kZeroRange, path, rule->err);
  return base_->zero_range(fd, path, offset, bytes);
}

Status FaultInjectingFileSystem::write(int fd, const std::string& path, std::span<const std::byte> data,
                                       uint64_t offset) {
  if (auto rule = check(FileOp::kWrite, path)) {
    if (rule->tear_bytes != UINT64_MAX)
      (void)base_->write(fd, path, data.first(std::min<uint64_t>(rule->tear_bytes, data.size())), offset);
    return injected(FileOp::kWrite, path, rule->err);
  }
  return base_->write(fd, path, data, offset);
}

Result<size_t> FaultInjectingFileSystem::read(int fd, const std::string& path, std::span<std::byte> out,
                                              uint64_t offset) {
  if (auto rule = check(FileOp::kRead, path)) return injected(FileOp::kRead, path, rule->err);
  return base_->read(fd, path, out, offset);
}

Status FaultInjectingFileSystem::datasync(int fd, const std::string& path) {
  if (auto rule = check(FileOp::kDatasync, path)) return injected(FileOp::kDatasync, path, rule->err);
  if (auto s = base_->datasync(fd, path); !s) return s;
  std::lock_guard lock(mutex_);
  capture_content(path);
  return {};
}

Result<std::byte*> FaultInjectingFileSystem::map(int fd, const std::string& path, uint64_t bytes) {
  if (auto rule = check(FileOp::kMap, path)) return injected(FileOp::kMap, path, rule->err);
  return base_->map(fd, path, bytes);
}

Status FaultInjectingFileSystem::sync_mapping(const std::string& path, std::byte* mapping, uint64_t from, uint64_t to) {
  if (auto rule = check(FileOp::kSyncMapping, path)) return injected(FileOp::kSyncMapping, path, rule->err);
  if (auto s = base_->sync_mapping(path, mapping, from, to); !s) return s;
  if (to <= from) return {};
  std::lock_guard lock(mutex_);
  track_existing(path);
  DurableFile& file = files_[path];
  // msync makes the file's size durable too (it is a ranged fdatasync); only the range's
  // bytes, from the page holding `from`, are the mapping's now.
  auto fd = base_->open(path, O_RDONLY);
  if (fd) {
    if (auto size = base_->file_size(fd->get(), path)) file.content.resize(*size);
  }
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t start = from / page * page;
  const uint64_t end = std::min<uint64_t>(to, file.content.size());
  if (start < end) std::memcpy(file.content.data() + start, mapping + start, end - start);
  return {};
}

Result<std::vector<std::string>> FaultInjectingFileSystem::list_directory(const std::string& dir) {
  if (auto rule = check(FileOp::kListDirectory, dir)) return injected(FileOp::kListDirectory, dir, rule->err);
  return base_->list_directory(dir);
}

Status FaultInjectingFileSystem::make_directories(const std::string& path) {
  if (auto rule = check(FileOp::kMakeDirectories, path)) return injected(FileOp::kMakeDirectories, path, rule->err);
  return base_->make_directories(path);
}

Status FaultInjectingFileSystem::rename(const std::string& from, const std::string& to) {
  if (auto rule = check(FileOp::kRename, from)) return injected(FileOp::kRename, from, rule->err);
  {
    std::lock_guard lock(mutex_);
    track_existing(from);
    track_existing(to);
  }
  if (auto s = base_->rename(from, to); !s) return s;
  std::lock_guard lock(mutex_);
  pending_names_[parent_directory(from)].push_back({NameChange::kRename, from, to});
  return {};
}

Status FaultInjectingFileSystem::remove(const std::string& path) {
  if (auto rule = check(FileOp::kRemove, path)) return injected(FileOp::kRemove, path, rule->err);
  {
    std::lock_guard lock(mutex_);
    track_existing(path);
  }
  if (auto s = base_->remove(path); !s) return s;
  std::lock_guard lock(mutex_);
  pending_names_[parent_directory(path)].push_back({NameChange::kRemove, path, path});
  return {};
}

Status FaultInjectingFileSystem::sync_directory(const std::string& dir) {
  if (auto rule = check(FileOp::kSyncDirectory, dir)) return injected(FileOp::kSyncDirectory, dir, rule->err);
  if (auto s = base_->sync_directory(dir); !s) return s;
  std::lock_guard lock(mutex_);
  for (const PendingName& change : pending_names_[dir]) {
    switch (change.change) {
      case NameChange::kCreate:
        files_[change.to].name_durable = true;
        break;
      case NameChange::kRemove:
        files_[change.from] = DurableFile{};
        break;
      case NameChange::kRename:
        files_[change.to] = DurableFile{true, files_[change.from].content};
        files_[change.from] = DurableFile{};
        break;
    }
  }
  pending_names_.erase(dir);
  return {};
}

Result<io::DirectFile> FaultInjectingFileSystem::open_direct(const std::string& path) {
  if (auto rule = check(FileOp::kOpen, path)) return injected(FileOp::kOpen, path, rule->err);
  {
    std::lock_guard lock(mutex_);
    track_existing(path);
  }
  return base_->open_direct(path);
}

io::WriteOutcome FaultInjectingFileSystem::write_through_ring(io::Ring& ring, const io::WriteTarget& target,
                                                              io::WriteBatch& chunks) {
  const std::string path(target.name);
  auto rule = check(FileOp::kRingWrite, path);
  if (!rule) return base_->write_through_ring(ring, target, chunks);
  if (rule->tear_bytes != UINT64_MAX) {
    // The first tear_bytes of the batch land (keep it a multiple of the direct I/O block).
    io::WriteBatch partial(chunks.size());
    uint64_t left = rule->tear_bytes;
    for (const io::WriteChunk& c : chunks.chunks()) {
      if (left == 0) break;
      const uint64_t n = std::min<uint64_t>(left, c.data.size());
      (void)partial.add({c.data.first(n), c.offset, c.buffer_index});
      left -= n;
    }
    if (partial.size() > 0) (void)base_->write_through_ring(ring, target, partial);
  }
  io::WriteOutcome outcome;
  outcome.status = injected(FileOp::kRingWrite, path, rule->err);
  return outcome;
}

Status FaultInjectingFileSystem::datasync_through_ring(io::Ring& ring, std::span<const RingSyncTarget> files,
                                                       std::span<bool> synced) {
  std::vector<RingSyncTarget> pass;
  std::vector<size_t> pass_index;
  Status result;
  for (size_t i = 0; i < files.size(); ++i) {
    synced[i] = false;
    if (auto rule = check(FileOp::kRingDatasync, *files[i].path)) {
      if (result) result = injected(FileOp::kRingDatasync, *files[i].path, rule->err);
      continue;
    }
    pass.push_back(files[i]);
    pass_index.push_back(i);
  }
  std::unique_ptr<bool[]> pass_synced(new bool[pass.size() + 1]);
  auto s = base_->datasync_through_ring(ring, pass, std::span<bool>(pass_synced.get(), pass.size()));
  if (!s && result) result = s;
  std::lock_guard lock(mutex_);
  for (size_t k = 0; k < pass.size(); ++k) {
    synced[pass_index[k]] = pass_synced[k];
    if (pass_synced[k]) capture_content(*pass[k].path);
  }
  return result;
}

}  // namespace ringmq::engine::test
