#include "io/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace ringmq::io {

Result<UniqueFd> open_file(const std::string& path, int flags, unsigned mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return errno_error("open " + path, errno);
  return UniqueFd(fd);
}

Result<uint64_t> file_size(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_error("fstat " + path, errno);
  return static_cast<uint64_t>(st.st_size);
}

Status allocate_file(int fd, const std::string& path, uint64_t bytes) {
  int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes));
  if (rc == 0) return {};
  if (rc == EOPNOTSUPP || rc == EINVAL) return truncate_file(fd, path, bytes);
  return errno_error("fallocate " + std::to_string(bytes) + " bytes for " + path, rc);
}

Status truncate_file(int fd, const std::string& path, uint64_t bytes) {
  if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0)
    return errno_error("ftruncate " + path + " to " + std::to_string(bytes), errno);
  return {};
}

Status pwrite_all(int fd, const std::string& path, std::span<const std::byte> data, uint64_t offset) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("pwrite " + path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<size_t> pread_full(int fd, const std::string& path, std::span<std::byte> out, uint64_t offset) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("pread " + path, errno);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Status datasync(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return errno_error("fdatasync " + path, errno);
  return {};
}

Status sync_directory(const std::string& dir) {
  auto fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) return std::unexpected(fd.error());
  if (::fsync(fd->get()) != 0) return errno_error("fsync directory " + dir, errno);
  return {};
}

Status write_file_atomically(const std::string& path, std::span<const std::byte> data, unsigned mode) {
  const std::string temp = path + ".tmp";
  {
    // A temp file left by a crash may have another mode: start from a new one.
    ::unlink(temp.c_str());
    auto fd = open_file(temp, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL, mode);
    if (!fd) return std::unexpected(fd.error());
    if (auto s = pwrite_all(fd->get(), temp, data, 0); !s) return s;
    if (auto s = datasync(fd->get(), temp); !s) return s;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return errno_error("rename " + temp, errno);
  return sync_directory(std::filesystem::path(path).parent_path().string());
}

Result<std::vector<std::byte>> read_whole_file(const std::string& path) {
  auto fd = open_file(path, O_RDONLY);
  if (!fd) return std::unexpected(fd.error());
  auto size = file_size(fd->get(), path);
  if (!size) return std::unexpected(size.error());
  std::vector<std::byte> data(*size);
  auto n = pread_full(fd->get(), path, data, 0);
  if (!n) return std::unexpected(n.error());
  data.resize(*n);
  return data;
}

Status make_directories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return make_error(ErrorCode::kIo, "create directory " + path + ": " + ec.message());
  return {};
}

Status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_error("unlink " + path, errno);
  return {};
}

bool path_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Result<DiskUsage> disk_usage(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return errno_error("statvfs " + path, errno);
  return DiskUsage{static_cast<uint64_t>(st.f_bavail) * st.f_frsize, static_cast<uint64_t>(st.f_blocks) * st.f_frsize};
}

}  // namespace ringmq::io
