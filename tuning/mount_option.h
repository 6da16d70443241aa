// Mount options of the file system that holds the data directory, as ringmq-tune items.
// They are not files, so each is addressed by a pseudo-path that SystemRoot understands:
//   "mount-option:atime:/var/lib/ringmq"     "noatime", "relatime" or "strictatime"
//   "mount-option:lazytime:/var/lib/ringmq"  "lazytime" or "nolazytime"
//   "mount-option:type:/var/lib/ringmq"      the file-system type (read only)
// Reading one parses <root>/proc/self/mountinfo; writing one remounts the file system with
// that option (`mount -o remount,VALUE MOUNTPOINT`) on this machine, and in a fake tree
// rewrites the mount's line the way the kernel would show it, so check, apply and rollback
// handle them like any kernel file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ringmq::tuning {

inline constexpr std::string_view kMountOptionPrefix = "mount-option:";

struct MountOptionPath {
  std::string kind;  // "atime", "lazytime", "type"
  std::string mount_point;
};

std::string mount_option_path(const std::string& kind, const std::string& mount_point);
std::optional<MountOptionPath> parse_mount_option_path(std::string_view path);

// The option's value for the mount at `mount_point` in mountinfo text (the last line for
// that mount point wins, as an over-mount hides what is under it). kNotFound if none.
Result<std::string> read_mount_option(std::string_view mountinfo, const MountOptionPath& option);
// The mountinfo text with that mount's line changed to carry `value` (atime options are
// per-mount options; lazytime is a super-block option), other lines untouched; kInvalidArgument
// for a value the kind does not take.
Result<std::string> rewrite_mount_option(std::string_view mountinfo, const MountOptionPath& option,
                                         const std::string& value);
// Remounts the file system at the mount point with the option, through mount(8).
Status remount_with(const MountOptionPath& option, const std::string& value);

}  // namespace ringmq::tuning
