// The files `apply --persist` writes so the profile survives a reboot, one per mechanism:
//
//   /etc/sysctl.d/90-ringmq.conf            "vm.swappiness = 1"            read by systemd-sysctl at boot
//   /etc/udev/rules.d/60-ringmq-block.rules  one rule per disk, ATTR{queue/...}="..." in catalogue
//                                            order (scheduler before nr_requests, which it resets)
//   /etc/tmpfiles.d/ringmq.conf              "w /sys/... - - - - value"     THP, CPU, clocksource
//   /etc/security/limits.d/90-ringmq.conf   "ringmq - memlock unlimited"    read by pam_limits at login
//   /etc/systemd/system/<unit>.d/90-ringmq-tune.conf  [Service] LimitMEMLOCK=...  instead of the
//                                            limits.d file when the broker's unit exists
//
// Every kernel item that is supported here is written with the value it will have after
// apply (the recommended one, or the current one where that is already acceptable, so an
// "at least" item is never lowered at boot). Limits are written only where they differ: they
// already live in a file when they are right. A file with nothing to say is not written.
#pragma once

#include <string>
#include <vector>

#include "tuning/host_check.h"
#include "tuning/item.h"

namespace ringmq::tuning {

inline constexpr const char* kSysctlFile = "/etc/sysctl.d/90-ringmq.conf";
inline constexpr const char* kUdevRuleFile = "/etc/udev/rules.d/60-ringmq-block.rules";
inline constexpr const char* kTmpfilesFile = "/etc/tmpfiles.d/ringmq.conf";
inline constexpr const char* kLimitsFile = "/etc/security/limits.d/90-ringmq.conf";

// One file apply --persist writes: its host path and full contents.
struct PersistFile {
  std::string path;
  std::string contents;
  std::vector<std::string> item_ids;  // the items it carries, for the report
};

// `limits_from_systemd_unit`: the broker's unit exists, so limits go into a drop-in for it.
std::vector<PersistFile> persistence_files(const std::vector<CheckResult>& results, const CheckOptions& options,
                                           bool limits_from_systemd_unit);

// The drop-in path for `unit`: /etc/systemd/system/<unit>.d/90-ringmq-tune.conf.
std::string systemd_drop_in_path(const std::string& unit);

}  // namespace ringmq::tuning
