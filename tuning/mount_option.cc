#include "tuning/mount_option.h"

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <vector>

#include "tuning/block_device.h"

extern char** environ;

namespace ringmq::tuning {
namespace {

constexpr std::string_view kAtimeWords[] = {"noatime", "relatime", "strictatime"};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(1, separator) : "") + parts[i];
  return out;
}

// One mountinfo line split into fields; `separator` is the index of "-".
struct Line {
  std::vector<std::string> fields;
  size_t separator = 0;
  std::string& mount_options() { return fields[5]; }
  std::string& super_options() { return fields[separator + 3]; }
  const std::string& fs_type() const { return fields[separator + 1]; }
};

std::optional<Line> parse_line(const std::string& text) {
  Line line;
  std::istringstream in(text);
  for (std::string field; in >> field;) line.fields.push_back(field);
  auto dash = std::find(line.fields.begin(), line.fields.end(), "-");
  if (dash == line.fields.end()) return std::nullopt;
  line.separator = static_cast<size_t>(dash - line.fields.begin());
  if (line.separator < 6 || line.fields.size() < line.separator + 4) return std::nullopt;
  return line;
}

// Index of the last line for the mount point, or nullopt.
std::optional<size_t> find_line(const std::vector<std::string>& lines, const std::string& mount_point) {
  std::optional<size_t> found;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto line = parse_line(lines[i]);
    if (line && decode_octal_escapes(line->fields[4]) == mount_point) found = i;
  }
  return found;
}

bool has_word(const std::string& options, std::string_view word) {
  const auto words = split(options, ',');
  return std::find(words.begin(), words.end(), word) != words.end();
}

}  // namespace

std::string mount_option_path(const std::string& kind, const std::string& mount_point) {
  return std::string(kMountOptionPrefix) + kind + ":" + mount_point;
}

std::optional<MountOptionPath> parse_mount_option_path(std::string_view path) {
  if (!path.starts_with(kMountOptionPrefix)) return std::nullopt;
  path.remove_prefix(kMountOptionPrefix.size());
  const auto colon = path.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= path.size()) return std::nullopt;
  return MountOptionPath{std::string(path.substr(0, colon)), std::string(path.substr(colon + 1))};
}

Result<std::string> read_mount_option(std::string_view mountinfo, const MountOptionPath& option) {
  const auto lines = split(std::string(mountinfo), '\n');
  const auto index = find_line(lines, option.mount_point);
  if (!index) return make_error(ErrorCode::kNotFound, "no mount at " + option.mount_point + " in mountinfo");
  Line line = *parse_line(lines[*index]);
  if (option.kind == "type") return line.fs_type();
  if (option.kind == "lazytime")
    return std::string(has_word(line.super_options(), "lazytime") || has_word(line.mount_options(), "lazytime")
                           ? "lazytime"
                           : "nolazytime");
  if (option.kind == "atime") {
    for (std::string_view word : {"noatime", "relatime"})
      if (has_word(line.mount_options(), word)) return std::string(word);
    return std::string("strictatime");
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown mount option kind '" + option.kind + "'");
}

Result<std::string> rewrite_mount_option(std::string_view mountinfo, const MountOptionPath& option,
                                         const std::string& value) {
  auto lines = split(std::string(mountinfo), '\n');
  const auto index = find_line(lines, option.mount_point);
  if (!index) return make_error(ErrorCode::kNotFound, "no mount at " + option.mount_point + " in mountinfo");
  Line line = *parse_line(lines[*index]);
  if (option.kind == "atime") {
    if (std::find(std::begin(kAtimeWords), std::end(kAtimeWords), value) == std::end(kAtimeWords))
      return make_error(ErrorCode::kInvalidArgument, "atime takes noatime, relatime or strictatime, not " + value);
    auto words = split(line.mount_options(), ',');
    auto old = std::find_if(words.begin(), words.end(),
                            [](const std::string& w) { return w == "noatime" || w == "relatime"; });
    if (value == "strictatime") {  // the kernel shows no word for it
      if (old != words.end()) words.erase(old);
    } else if (old != words.end()) {
      *old = value;
    } else {
      words.push_back(value);
    }
    line.mount_options() = join(words, ',');
  } else if (option.kind == "lazytime") {
    if (value != "lazytime" && value != "nolazytime")
      return make_error(ErrorCode::kInvalidArgument, "lazytime takes lazytime or nolazytime, not " + value);
    auto words = split(line.super_options(), ',');
    std::erase(words, std::string("lazytime"));
    if (value == "lazytime") words.push_back("lazytime");
    line.super_options() = join(words, ',');
  } else {
    return make_error(ErrorCode::kInvalidArgument, "mount option '" + option.kind + "' cannot be changed");
  }
  lines[*index] = join(line.fields, ' ');
  std::string text = join(lines, '\n');
  if (mountinfo.ends_with('\n')) text += '\n';
  return text;
}

Status remount_with(const MountOptionPath& option, const std::string& value) {
  if (option.kind != "atime" && option.kind != "lazytime")
    return make_error(ErrorCode::kInvalidArgument, "mount option '" + option.kind + "' cannot be changed");
  const std::string options = "remount," + value;
  const char* argv[] = {"mount", "-o", options.c_str(), option.mount_point.c_str(), nullptr};
  pid_t pid = 0;
  if (int err = ::posix_spawnp(&pid, "mount", nullptr, nullptr, const_cast<char* const*>(argv), environ); err != 0)
    return make_error(ErrorCode::kIo, "cannot run mount(8): " + std::string(std::strerror(err)));
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return make_error(ErrorCode::kIo, "mount -o " + options + " " + option.mount_point + " failed (exit " +
                                          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  return {};
}

}  // namespace ringmq::tuning
