// The Linux cpu-list format ("0-3,8,10-11"), as used by /sys, taskset -c and the numa.cpus
// setting: parsing with a message that points at the bad part, and formatting back.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ringmq::numa {

// Ascending, duplicates removed. Spaces around items are allowed; an empty list is an error
// (an empty setting means "choose for me" and should not reach the parser).
Result<std::vector<unsigned>> parse_cpu_list(std::string_view text);
// Collapses runs: {0,1,2,3,8} -> "0-3,8". The input need not be sorted.
std::string format_cpu_list(std::span<const unsigned> cpus);

}  // namespace ringmq::numa
