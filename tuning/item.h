// The vocabulary of ringmq-tune: an ItemSpec is one setting the engine depends on (what file
// holds it, what the profile recommends and why); a CheckResult is that item as found on a
// host (current value, status). check, apply, the persistence writers, the reports and the
// broker's start-up warnings all work from these two structs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuning/limits_config.h"

namespace ringmq::tuning {

enum class Group { kMemory, kStorage, kCpu, kLimits, kIoUring, kClocksource };

enum class ItemStatus {
  kOk,           // the value in force is the recommended one (or better, for "at least" items)
  kDiffers,      // apply would change it
  kUnsupported,  // this kernel or machine does not expose it (old kernel, container, VM)
  // The configured value is right but the running broker still has the old one. Only the
  // limits get here: they are read when a session or service starts, so what it takes is a
  // re-login or a service restart. No item in the catalogue needs a full reboot.
  kNeedsRestart,
};

// How the current value is compared with the recommended one.
enum class Compare {
  kEqual,
  kAtLeast,     // a larger value is fine (vm.max_map_count)
  kAtMost,      // a smaller value is fine (nr_requests in the latency profile)
  kReportOnly,  // shown, never changed (the device's write cache mode)
};

// Which file `apply --persist` writes for an item so that it survives a reboot.
enum class PersistVia {
  kNone,
  kSysctlD,    // /etc/sysctl.d: "key = value"
  kUdevRule,   // /etc/udev/rules.d: ATTR{queue/...} for the disk, re-applied on every add/change
  kTmpfilesD,  // /etc/tmpfiles.d: "w /sys/... - - - - value" at boot (THP, CPU, clocksource)
  kLimits,     // /etc/security/limits.d, or a drop-in for the broker's systemd unit
};

// One setting the engine depends on, as the catalogue defines it for a profile and host.
struct ItemSpec {
  std::string id;  // stable name: "vm.swappiness", "block.vda.scheduler", "limits.memlock"
  Group group = Group::kMemory;
  std::string why;  // one sentence: why this value, for the engine
  // The kernel files that hold the setting, all set to the same value (the governor of each
  // CPU); empty for limits. A missing first file means the item is not supported here.
  std::vector<std::string> paths;
  // A file listing the accepted values when the value file does not bracket them itself
  // (scaling_available_governors, available_clocksource); empty otherwise.
  std::string choices_path;
  std::string recommended;  // for limits: "unlimited" or a number
  Compare compare = Compare::kEqual;
  PersistVia persist = PersistVia::kNone;
  std::string persist_key;  // sysctl key, udev attribute ("queue/scheduler"), limits item
  std::string device;       // the disk of a udev rule
  // Files whose value the kernel itself resets when this item is written: switching the I/O
  // scheduler resets queue/nr_requests. apply records their old values too, so rollback
  // restores them after restoring this item.
  std::vector<std::string> reset_by_write;
  std::optional<LimitName> limit;  // set for the limits items
  // Set by the catalogue when it already knows the item cannot be checked here (no block
  // device under the data directory, MemTotal unreadable); the reason is shown as the note.
  std::string unsupported_reason;
};

// One kernel file of an item as found.
struct TargetState {
  std::string path;
  std::string current;  // the value in force (bracketed word of a selector)
  bool differs = false;
};

// One item as found on a host: what check prints and what apply acts on.
struct CheckResult {
  ItemSpec item;
  std::string current;      // for display: the value, "mixed (...)", or "" if unreadable
  std::string recommended;  // for display: "1", ">= 262144", "<= 64", "unlimited"
  ItemStatus status = ItemStatus::kUnsupported;
  std::string note;  // why unsupported, where a limit comes from, ...
  std::vector<TargetState> targets;
};

std::string_view group_name(Group group);
// "ok", "differs", "not supported here", "needs restart".
std::string_view status_name(ItemStatus status);
// The same as status_name but one token, for JSON: "ok", "differs", "unsupported", "needs_restart".
std::string_view status_key(ItemStatus status);

}  // namespace ringmq::tuning
