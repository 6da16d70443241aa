// RealFileSystem: the FileSystem the engine uses in production, the system calls themselves.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "engine/file_system.h"

namespace ringmq::engine {
namespace {

class RealFileSystem final : public FileSystem {
 public:
  Result<io::UniqueFd> open(const std::string& path, int flags, unsigned mode) override {
    return io::open_file(path, flags, mode);
  }
  Result<uint64_t> file_size(int fd, const std::string& path) override { return io::file_size(fd, path); }
  Status allocate(int fd, const std::string& path, uint64_t bytes) override {
    return io::allocate_file(fd, path, bytes);
  }
  Status zero_range(int fd, const std::string& path, uint64_t offset, uint64_t bytes) override {
    if (::fallocate(fd, FALLOC_FL_ZERO_RANGE, static_cast<off_t>(offset), static_cast<off_t>(bytes)) == 0) return {};
    if (errno == EOPNOTSUPP) return make_error(ErrorCode::kUnsupported, "fallocate(ZERO_RANGE) " + path);
    return errno_error("fallocate(ZERO_RANGE) " + path, errno);
  }
  Status write(int fd, const std::string& path, std::span<const std::byte> data, uint64_t offset) override {
    return io::pwrite_all(fd, path, data, offset);
  }
  Result<size_t> read(int fd, const std::string& path, std::span<std::byte> out, uint64_t offset) override {
    return io::pread_full(fd, path, out, offset);
  }
  Status datasync(int fd, const std::string& path) override { return io::datasync(fd, path); }

  Result<std::byte*> map(int fd, const std::string& path, uint64_t bytes) override {
    void* addr = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED) return errno_error("mmap " + std::to_string(bytes) + " bytes of " + path, errno);
    return static_cast<std::byte*>(addr);
  }
  void unmap(std::byte* mapping, uint64_t bytes) override { ::munmap(mapping, bytes); }
  Status sync_mapping(const std::string& path, std::byte* mapping, uint64_t from, uint64_t to) override {
    if (to <= from) return {};
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    const uint64_t start = from / page * page;  // msync wants a page-aligned address
    if (::msync(mapping + start, to - start, MS_SYNC) != 0) return errno_error("msync " + path, errno);
    return {};
  }

  Result<std::vector<std::string>> list_directory(const std::string& dir) override {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) names.push_back(entry.path().filename());
    if (ec) return make_error(ErrorCode::kIo, "list " + dir + ": " + ec.message());
    std::sort(names.begin(), names.end());
    return names;
  }
  Status make_directories(const std::string& path) override { return io::make_directories(path); }
  Status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return errno_error("rename " + from + " to " + to, errno);
    return {};
  }
  Status remove(const std::string& path) override { return io::remove_file(path); }
  Status sync_directory(const std::string& dir) override { return io::sync_directory(dir); }
  bool exists(const std::string& path) override { return io::path_exists(path); }
  Result<io::DiskUsage> disk_usage(const std::string& path) override { return io::disk_usage(path); }

  Result<io::DirectFile> open_direct(const std::string& path) override {
    io::DirectFileOptions options;
    options.flags = O_RDWR;
    return io::DirectFile::open(path, options);
  }
  io::WriteOutcome write_through_ring(io::Ring& ring, const io::WriteTarget& target, io::WriteBatch& chunks) override {
    return chunks.run(ring, target);
  }
  Status datasync_through_ring(io::Ring& ring, std::span<const RingSyncTarget> files, std::span<bool> synced) override {
    size_t pending = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      synced[i] = false;
      if (auto s = ring.prepare_fsync(io::FileRef::fd(files[i].fd), io::SyncKind::kData, i); !s) return s;
      ++pending;
    }
    io::Completion completions[16];
    Status result;
    while (pending > 0) {
      const size_t want = std::min<size_t>(pending, std::size(completions));
      auto reaped = ring.wait(std::span(completions).first(want), want);
      if (!reaped) return std::unexpected(reaped.error());
      for (size_t k = 0; k < *reaped; ++k) {
        const io::Completion& c = completions[k];
        if (c.ok())
          synced[c.tag] = true;
        else if (result)
          result = std::unexpected(io::completion_error(c, "fdatasync " + *files[c.tag].path));
      }
      pending -= *reaped;
    }
    return result;
  }
};

}  // namespace

std::shared_ptr<FileSystem> real_file_system() {
  static const std::shared_ptr<FileSystem> instance = std::make_shared<RealFileSystem>();
  return instance;
}

std::string parent_directory(const std::string& path) { return std::filesystem::path(path).parent_path().string(); }

Status write_file_atomically(FileSystem& fs, const std::string& path, std::span<const std::byte> data) {
  const std::string temp = path + ".tmp";
  {
    auto fd = fs.open(temp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd) return std::unexpected(fd.error());
    if (auto s = fs.write(fd->get(), temp, data, 0); !s) return s;
    if (auto s = fs.datasync(fd->get(), temp); !s) return s;
  }
  if (auto s = fs.rename(temp, path); !s) return s;
  return fs.sync_directory(parent_directory(path));
}

Result<std::vector<std::byte>> read_whole_file(FileSystem& fs, const std::string& path) {
  auto fd = fs.open(path, O_RDONLY);
  if (!fd) return std::unexpected(fd.error());
  auto size = fs.file_size(fd->get(), path);
  if (!size) return std::unexpected(size.error());
  std::vector<std::byte> data(*size);
  auto n = fs.read(fd->get(), path, data, 0);
  if (!n) return std::unexpected(n.error());
  data.resize(*n);
  return data;
}

}  // namespace ringmq::engine
