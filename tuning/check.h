// Reading one item off a host: the value in force in each of its files, compared with the
// recommendation. Used by check_host (host_check.h); exposed for apply, which re-reads an
// item just before writing it.
#pragma once

#include "tuning/host_check.h"
#include "tuning/item.h"
#include "tuning/limits_config.h"
#include "tuning/system_root.h"

namespace ringmq::tuning {

// `limits` are the configured limits of the broker's user (read once per check).
CheckResult check_item(const SystemRoot& root, const ItemSpec& item, const ConfiguredLimits& limits,
                       const std::optional<RunningLimits>& running_limits);

// True if `current` is acceptable for `item` under its Compare rule.
bool value_is_acceptable(const ItemSpec& item, const std::string& current);

// "1", ">= 262144", "<= 64", "unlimited", "(report only)".
std::string display_recommended(const ItemSpec& item);

}  // namespace ringmq::tuning
