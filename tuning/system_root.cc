#include "tuning/system_root.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <span>

#include "common/errno_text.h"
#include "io/file.h"
#include "tuning/mount_option.h"

namespace ringmq::tuning {
namespace fs = std::filesystem;

namespace {

std::unexpected<Error> file_error(const std::string& what, const std::string& path, int err) {
  if (err == ENOENT) return make_error(ErrorCode::kNotFound, what + " " + path + ": " + errno_text(err));
  return errno_error(what + " " + path, err);
}

bool has_selection(const std::string& text) {
  auto open = text.find('[');
  return open != std::string::npos && text.find(']', open) != std::string::npos;
}

}  // namespace

SystemRoot::SystemRoot(std::string root_dir) : root_dir_(std::move(root_dir)) {
  while (root_dir_.size() > 1 && root_dir_.back() == '/') root_dir_.pop_back();
  if (root_dir_.empty()) root_dir_ = "/";
}

std::string SystemRoot::real_path(const std::string& host_path) const {
  if (is_this_machine()) return host_path;
  return root_dir_ + (host_path.starts_with('/') ? "" : "/") + host_path;
}

std::string SystemRoot::canonical_host_path(const std::string& host_path) const {
  fs::path path = fs::path(host_path.starts_with('/') ? host_path : "/" + host_path);
  if (is_this_machine()) {
    std::error_code ec;
    auto canonical = fs::weakly_canonical(path, ec);
    if (!ec) return canonical.string();
  }
  std::string normal = path.lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

Result<std::string> SystemRoot::read_file(const std::string& host_path) const {
  if (auto option = parse_mount_option_path(host_path)) {  // not a file: see mount_option.h
    auto mountinfo = read_file("/proc/self/mountinfo");
    if (!mountinfo) return std::unexpected(mountinfo.error());
    auto value = read_mount_option(*mountinfo, *option);
    if (!value) return std::unexpected(value.error());
    return *value + "\n";
  }
  const std::string path = real_path(host_path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return file_error("open", path, errno);
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return file_error("read", path, err);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

bool SystemRoot::exists(const std::string& host_path) const {
  if (parse_mount_option_path(host_path)) return read_file(host_path).has_value();
  return ::access(real_path(host_path).c_str(), F_OK) == 0;
}

bool SystemRoot::is_directory(const std::string& host_path) const {
  struct stat st {};
  return ::stat(real_path(host_path).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool SystemRoot::is_writable(const std::string& host_path) const {
  if (auto option = parse_mount_option_path(host_path)) {
    if (option->kind == "type") return false;
    // Remounting needs CAP_SYS_ADMIN; in a fake tree it is a rewrite of mountinfo.
    return is_this_machine() ? ::geteuid() == 0 : is_writable("/proc/self/mountinfo");
  }
  return ::access(real_path(host_path).c_str(), W_OK) == 0;
}

Result<std::vector<std::string>> SystemRoot::list_directory(const std::string& host_path) const {
  const std::string path = real_path(host_path);
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory)
      return make_error(ErrorCode::kNotFound, "list " + path + ": " + ec.message());
    return make_error(ErrorCode::kIo, "list " + path + ": " + ec.message());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status SystemRoot::write_kernel_value(const std::string& host_path, const std::string& value) {
  if (auto option = parse_mount_option_path(host_path)) {
    if (is_this_machine()) return remount_with(*option, value);
    auto mountinfo = read_file("/proc/self/mountinfo");
    if (!mountinfo) return std::unexpected(mountinfo.error());
    auto rewritten = rewrite_mount_option(*mountinfo, *option, value);
    if (!rewritten) return std::unexpected(rewritten.error());
    return write_config_file("/proc/self/mountinfo", *rewritten);
  }
  const std::string path = real_path(host_path);
  std::string text = value + "\n";
  if (!is_this_machine()) {
    auto old = read_file(host_path);
    if (!old) return std::unexpected(old.error());
    if (has_selection(*old)) text = select_in_list(*old, value);
  }
  // No O_CREAT: a kernel knob that is absent is a fact to report, not a file to make.
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return file_error("write", path, errno);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;  // sysfs rejects a value it does not accept here, e.g. EINVAL
      ::close(fd);
      return file_error("write '" + value + "' to", path, err);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return file_error("close", path, errno);
  return {};
}

Status SystemRoot::write_config_file(const std::string& host_path, const std::string& contents) {
  return io::write_file_atomically(real_path(host_path), std::as_bytes(std::span(contents)));
}

Status SystemRoot::remove_file(const std::string& host_path) {
  const std::string path = real_path(host_path);
  if (::unlink(path.c_str()) != 0) return file_error("unlink", path, errno);
  return {};
}

Result<std::vector<std::string>> SystemRoot::create_directories(const std::string& host_path) {
  std::vector<std::string> created;
  std::string prefix;
  for (const auto& part : fs::path(canonical_host_path(host_path))) {
    if (part == "/") continue;
    prefix += "/" + part.string();
    if (is_directory(prefix)) continue;
    const std::string path = real_path(prefix);
    if (::mkdir(path.c_str(), 0755) != 0) return file_error("mkdir", path, errno);
    created.push_back(prefix);
  }
  return created;
}

Status SystemRoot::remove_empty_directory(const std::string& host_path) {
  const std::string path = real_path(host_path);
  if (::rmdir(path.c_str()) != 0) return file_error("rmdir", path, errno);
  return {};
}

std::string select_in_list(const std::string& list_text, const std::string& value) {
  bool listed = false;
  std::string out;
  size_t i = 0;
  while (i < list_text.size()) {
    if (std::isspace(static_cast<unsigned char>(list_text[i]))) {
      out += list_text[i++];
      continue;
    }
    size_t end = i;
    while (end < list_text.size() && !std::isspace(static_cast<unsigned char>(list_text[end]))) ++end;
    std::string word = list_text.substr(i, end - i);
    if (word.size() >= 2 && word.front() == '[' && word.back() == ']') word = word.substr(1, word.size() - 2);
    if (word == value) {
      listed = true;
      out += "[" + word + "]";
    } else {
      out += word;
    }
    i = end;
  }
  return listed ? out : list_text;
}

}  // namespace ringmq::tuning
