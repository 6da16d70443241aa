#include "tuning/host_check.h"

#include <sys/resource.h>

#include "tuning/catalogue.h"
#include "tuning/check.h"

namespace ringmq::tuning {
namespace {

LimitValue from_rlimit(rlim_t value, uint64_t divisor) {
  if (value == RLIM_INFINITY) return LimitValue::infinite();
  return LimitValue::of(static_cast<uint64_t>(value) / divisor);
}

}  // namespace

RunningLimits limits_of_this_process() {
  RunningLimits limits;
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_MEMLOCK, &rl) == 0) limits.memlock = from_rlimit(rl.rlim_cur, 1024);
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) limits.nofile = from_rlimit(rl.rlim_cur, 1);
  return limits;
}

Result<std::vector<CheckResult>> check_host(const CheckOptions& options) {
  SystemRoot root(options.root_dir);
  return check_host(root, options);
}

Result<std::vector<CheckResult>> check_host(const SystemRoot& root, const CheckOptions& options) {
  if (!root.is_directory("/"))
    return make_error(ErrorCode::kNotFound, "root directory " + root.root_dir() + " does not exist");
  const ConfiguredLimits limits = read_configured_limits(root, options.broker_user, options.systemd_unit);
  std::vector<CheckResult> results;
  for (const auto& item : build_catalogue(root, options))
    results.push_back(check_item(root, item, limits, options.running_limits));
  return results;
}

std::vector<std::string> warning_lines(const std::vector<CheckResult>& results, Profile profile) {
  std::vector<std::string> lines;
  for (const auto& result : results) {
    if (result.status == ItemStatus::kDiffers) {
      const bool file_only = result.item.limit.has_value();
      lines.push_back(result.item.id + " is " + (result.current.empty() ? "unset" : result.current) + ", " +
                      std::string(profile_name(profile)) + " profile recommends " + result.recommended + ": " +
                      result.item.why + " (fix: ringmq-tune apply" + (file_only ? " --persist" : "") + ")");
    } else if (result.status == ItemStatus::kNeedsRestart) {
      lines.push_back(result.item.id + " needs a restart: " + result.note);
    }
  }
  return lines;
}

}  // namespace ringmq::tuning
