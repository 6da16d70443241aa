// Which block devices hold the data directory. Under any root this reads
// <root>/proc/self/mountinfo to find the mount that holds the directory (the longest mount
// point that is a prefix of it; the last such line wins, as an over-mount hides what is
// under it), then finds the device in <root>/sys/block by its major:minor number (or, for
// file systems such as btrfs that report an anonymous 0:N, by the mount source /dev/NAME or
// /dev/mapper/NAME), and walks down to the whole disks whose queue/ settings matter:
//   vda1 (a partition: /sys/block/vda/vda1 exists)  -> vda
//   dm-0 (LVM, dm-crypt: /sys/block/dm-0/slaves/*)  -> each slave, recursively -> nvme0n1 ...
//   md0  (software RAID: /sys/block/md0/slaves/*)   -> every member disk
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "tuning/system_root.h"

namespace ringmq::tuning {

// One line of /proc/self/mountinfo, the fields ringmq-tune uses.
struct MountEntry {
  std::string device_number;  // "major:minor", e.g. "254:1"
  std::string mount_point;    // octal escapes (\040 for a space) decoded
  std::string fs_type;        // "ext4", "xfs", "tmpfs", "overlay"
  std::string source;         // "/dev/vda1", "/dev/mapper/vg-data", "tmpfs"
};

// Lines that do not have the documented shape are skipped.
std::vector<MountEntry> parse_mountinfo(std::string_view text);
// A mountinfo field with its \ooo octal escapes (space, tab, newline, backslash) decoded.
std::string decode_octal_escapes(std::string_view text);

// The result of mapping a data directory to disks.
struct DataDeviceMap {
  std::string data_directory;      // as resolved (canonical on this machine)
  MountEntry mount;                // the mount that holds it
  std::string mounted_device;      // the block device named by the mount ("vda1", "dm-0"), or ""
  std::vector<std::string> disks;  // whole disks to tune ("vda"), sorted; empty if none
  std::string note;                // why `disks` is empty, for the report
};

// kNotFound if mountinfo is missing or no mount covers the directory; otherwise a map whose
// `disks` may be empty (tmpfs, overlay, NFS), with `note` saying why.
Result<DataDeviceMap> map_data_directory(const SystemRoot& root, const std::string& data_directory);

}  // namespace ringmq::tuning
