#include "tuning/block_device.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "tuning/kernel_value.h"

namespace ringmq::tuning {
namespace {

// True if `path` is `mount_point` or lies below it, comparing whole components.
bool lies_under(const std::string& path, const std::string& mount_point) {
  if (mount_point == "/") return true;
  if (!path.starts_with(mount_point)) return false;
  return path.size() == mount_point.size() || path[mount_point.size()] == '/';
}

// Finds the sysfs directory of a block device by name: "/sys/block/vda" for a disk (also dm-N
// and mdN), "/sys/block/vda/vda1" for a partition. Empty if there is none.
std::string find_block_entry(const SystemRoot& root, const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos) return {};
  if (root.is_directory("/sys/block/" + name)) return "/sys/block/" + name;
  auto disks = root.list_directory("/sys/block");
  if (!disks) return {};
  for (const auto& disk : *disks)
    if (root.exists("/sys/block/" + disk + "/" + name + "/partition")) return "/sys/block/" + disk + "/" + name;
  return {};
}

std::string name_by_device_number(const SystemRoot& root, const std::string& number) {
  auto disks = root.list_directory("/sys/block");
  if (!disks) return {};
  auto matches = [&](const std::string& dir) {
    auto dev = root.read_file(dir + "/dev");
    return dev && trim(*dev) == number;
  };
  for (const auto& disk : *disks) {
    const std::string dir = "/sys/block/" + disk;
    if (matches(dir)) return disk;
    auto children = root.list_directory(dir);
    if (!children) continue;
    for (const auto& child : *children)
      if (root.exists(dir + "/" + child + "/partition") && matches(dir + "/" + child)) return child;
  }
  return {};
}

// "/dev/vda1" -> "vda1"; "/dev/mapper/vg-data" -> the dm-N whose dm/name is "vg-data".
std::string name_by_source(const SystemRoot& root, const std::string& source) {
  const std::string mapper = "/dev/mapper/";
  if (source.starts_with(mapper)) {
    const std::string wanted = source.substr(mapper.size());
    auto disks = root.list_directory("/sys/block");
    if (!disks) return {};
    for (const auto& disk : *disks) {
      auto name = root.read_file("/sys/block/" + disk + "/dm/name");
      if (name && trim(*name) == wanted) return disk;
    }
    return {};
  }
  if (!source.starts_with("/dev/")) return {};
  std::string name = source.substr(source.rfind('/') + 1);
  return find_block_entry(root, name).empty() ? std::string() : name;
}

// Adds the whole disks under block device `name` to `disks`. `depth` stops a cycle in a
// corrupt fake tree; real stacks (dm on md on partitions) are a few levels deep.
void collect_disks(const SystemRoot& root, const std::string& name, int depth, std::set<std::string>& disks) {
  if (depth > 8) return;
  const std::string entry = find_block_entry(root, name);
  if (entry.empty()) return;
  if (entry.rfind('/') != std::string("/sys/block").size()) {  // a partition: its parent is the disk
    std::string parent = entry.substr(std::string("/sys/block/").size());
    parent = parent.substr(0, parent.find('/'));
    collect_disks(root, parent, depth + 1, disks);
    return;
  }
  auto slaves = root.list_directory(entry + "/slaves");
  if (slaves && !slaves->empty()) {
    for (const auto& slave : *slaves) collect_disks(root, slave, depth + 1, disks);
    return;
  }
  disks.insert(name);
}

}  // namespace

std::string decode_octal_escapes(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    auto is_octal = [](char c) { return c >= '0' && c <= '7'; };
    if (text[i] == '\\' && i + 3 < text.size() && is_octal(text[i + 1]) && is_octal(text[i + 2]) &&
        is_octal(text[i + 3])) {
      out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0'));
      i += 3;
      continue;
    }
    out += text[i];
  }
  return out;
}

std::vector<MountEntry> parse_mountinfo(std::string_view text) {
  // Format (proc(5)): id parent major:minor root mount-point options [optional...] - type source super-options
  std::vector<MountEntry> mounts;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::vector<std::string> parts;
    for (std::string field; fields >> field;) parts.push_back(field);
    auto separator = std::find(parts.begin(), parts.end(), "-");
    if (parts.size() < 7 || separator == parts.end() || parts.end() - separator < 3 || separator - parts.begin() < 6)
      continue;
    MountEntry entry;
    entry.device_number = parts[2];
    entry.mount_point = decode_octal_escapes(parts[4]);
    entry.fs_type = *(separator + 1);
    entry.source = decode_octal_escapes(*(separator + 2));
    mounts.push_back(std::move(entry));
  }
  return mounts;
}

Result<DataDeviceMap> map_data_directory(const SystemRoot& root, const std::string& data_directory) {
  auto text = root.read_file("/proc/self/mountinfo");
  if (!text) return std::unexpected(text.error());
  DataDeviceMap map;
  map.data_directory = root.canonical_host_path(data_directory);
  const auto mounts = parse_mountinfo(*text);
  const MountEntry* best = nullptr;
  for (const auto& mount : mounts)
    if (lies_under(map.data_directory, mount.mount_point) &&
        (best == nullptr || mount.mount_point.size() >= best->mount_point.size()))
      best = &mount;
  if (best == nullptr)
    return make_error(ErrorCode::kNotFound, "no mount in /proc/self/mountinfo holds " + map.data_directory);
  map.mount = *best;

  map.mounted_device = name_by_device_number(root, best->device_number);
  if (map.mounted_device.empty()) map.mounted_device = name_by_source(root, best->source);
  if (map.mounted_device.empty()) {
    map.note = map.data_directory + " is on " + best->fs_type + " (" + best->source + ", " + best->device_number +
               "), which is not a block device in /sys/block";
    return map;
  }
  std::set<std::string> disks;
  collect_disks(root, map.mounted_device, 0, disks);
  map.disks.assign(disks.begin(), disks.end());
  if (map.disks.empty()) map.note = "no whole disk found under " + map.mounted_device + " in /sys/block";
  return map;
}

}  // namespace ringmq::tuning
