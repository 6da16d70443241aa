// The public entry point of the tuning module: check this host (or a fake tree) against a
// profile. ringmq-tune's `check` prints the results; the broker calls the same function at
// start-up and logs one warning per item that needs attention, so the logic lives once:
//
//   #include "tuning/host_check.h"
//   ringmq::tuning::CheckOptions options;
//   options.data_directory = config.data_dir;              // the engine's data directory
//   options.broker_user = "ringmq";                        // who the broker runs as
//   options.running_limits = ringmq::tuning::limits_of_this_process();
//   if (auto results = ringmq::tuning::check_host(options)) {
//     for (const auto& line : ringmq::tuning::warning_lines(*results, options.profile))
//       spdlog::warn("{}", line);
//   } else {
//     spdlog::warn("host tuning check skipped: {}", results.error().to_string());
//   }
//
// check_host only reads files; it never needs root and never changes anything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "tuning/item.h"
#include "tuning/limits_config.h"
#include "tuning/profile.h"
#include "tuning/system_root.h"

namespace ringmq::tuning {

// The soft limits a running process has; memlock in KiB.
struct RunningLimits {
  LimitValue memlock;
  LimitValue nofile;
};

// getrlimit(RLIMIT_MEMLOCK / RLIMIT_NOFILE) of the calling process.
RunningLimits limits_of_this_process();

// What to check and for whom. Defaults fit the broker on this machine.
struct CheckOptions {
  std::string root_dir = "/";  // "/" for this machine; a fake tree's directory in tests
  Profile profile = Profile::kLatency;
  std::string data_directory = "/var/lib/ringmq";  // its disks get the storage items
  std::string broker_user = "ringmq";              // whose limits.d entries count
  std::string systemd_unit = "ringmq.service";     // if this unit exists, its limits count instead
  // The limits the broker is actually running with. When set, a limit that is configured
  // right but not yet in force is reported as "needs restart"; ringmq-tune leaves it unset
  // and reports what is configured.
  std::optional<RunningLimits> running_limits;
};

// Every item of the profile, in catalogue order (memory, storage, cpu, limits, io_uring,
// clocksource), each with its current value and status. Fails only if `root_dir` is not a
// directory; anything the host lacks shows up as "not supported here" with a note.
Result<std::vector<CheckResult>> check_host(const CheckOptions& options);
// The same, reading through `root` (whose root_dir overrides options.root_dir): the seam
// that apply and the tests use.
Result<std::vector<CheckResult>> check_host(const SystemRoot& root, const CheckOptions& options);

// One line per item that differs or needs a restart, e.g.
//   vm.swappiness is 60, latency profile recommends 1: <why> (fix: ringmq-tune apply)
// Items that are ok or not supported produce no line.
std::vector<std::string> warning_lines(const std::vector<CheckResult>& results, Profile profile);

}  // namespace ringmq::tuning
