#include "numa/device_discovery.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <vector>

namespace ringmq::numa {

namespace fs = std::filesystem;

namespace {

// Deeper than any real stack (dm-crypt on LVM on md on partitions is four).
constexpr int kMaxStackDepth = 8;

// A sysfs block directory is a partition when it holds a "partition" file; its disk is
// then the parent directory.
fs::path whole_disk_directory(const fs::path& device_dir) {
  std::error_code ec;
  if (fs::exists(device_dir / "partition", ec)) return device_dir.parent_path();
  return device_dir;
}

std::string disk_under(fs::path disk_dir) {
  for (int depth = 0; depth < kMaxStackDepth; ++depth) {
    std::error_code ec;
    std::vector<fs::path> slaves;
    for (const fs::directory_entry& entry : fs::directory_iterator(disk_dir / "slaves", ec)) {
      slaves.push_back(entry.path());
    }
    if (ec || slaves.empty()) break;
    std::sort(slaves.begin(), slaves.end());
    fs::path slave = fs::canonical(slaves.front(), ec);
    if (ec) break;
    disk_dir = whole_disk_directory(slave);
  }
  return disk_dir.filename().string();
}

}  // namespace

Result<std::string> block_device_of_device_number(unsigned major, unsigned minor, const std::string& sysfs_root) {
  std::string number = std::to_string(major) + ":" + std::to_string(minor);
  if (major == 0) {
    return make_error(ErrorCode::kNotFound, "device " + number +
                                                " is anonymous: the file system has no block device (tmpfs, "
                                                "overlayfs, NFS, a btrfs subvolume)");
  }
  fs::path link = fs::path(sysfs_root) / "dev" / "block" / number;
  std::error_code ec;
  fs::path device_dir = fs::canonical(link, ec);
  if (ec) {
    return make_error(ErrorCode::kNotFound,
                      "no block device " + number + " under " + link.parent_path().string() + ": " + ec.message());
  }
  return disk_under(whole_disk_directory(device_dir));
}

Result<std::string> block_device_of_path(const std::string& path, const std::string& sysfs_root) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_error("stat " + path, errno);
  auto disk = block_device_of_device_number(major(st.st_dev), minor(st.st_dev), sysfs_root);
  if (!disk) return make_error(disk.error().code, path + ": " + disk.error().message);
  return disk;
}

Result<std::string> network_interface_of_address(std::string_view address) {
  std::string text(address);
  in_addr v4{};
  in6_addr v6{};
  bool is_v4 = ::inet_pton(AF_INET, text.c_str(), &v4) == 1;
  bool is_v6 = !is_v4 && ::inet_pton(AF_INET6, text.c_str(), &v6) == 1;
  if (!is_v4 && !is_v6) {
    return make_error(ErrorCode::kInvalidArgument, "\"" + text + "\" is not an IPv4 or IPv6 address");
  }
  if ((is_v4 && v4.s_addr == htonl(INADDR_ANY)) || (is_v6 && IN6_IS_ADDR_UNSPECIFIED(&v6))) {
    return make_error(ErrorCode::kNotFound,
                      text + " listens on every interface, so no single NIC is local; name one in the config");
  }
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return errno_error("getifaddrs", errno);
  std::string found;
  for (ifaddrs* entry = list; entry != nullptr && found.empty(); entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_name == nullptr) continue;
    if (is_v4 && entry->ifa_addr->sa_family == AF_INET) {
      auto* in = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
      if (in->sin_addr.s_addr == v4.s_addr) found = entry->ifa_name;
    } else if (is_v6 && entry->ifa_addr->sa_family == AF_INET6) {
      auto* in6 = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr);
      if (std::memcmp(&in6->sin6_addr, &v6, sizeof(v6)) == 0) found = entry->ifa_name;
    }
  }
  ::freeifaddrs(list);
  if (found.empty()) return make_error(ErrorCode::kNotFound, "no interface has the address " + text);
  return found;
}

}  // namespace ringmq::numa
