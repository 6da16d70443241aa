// The catalogue: which items a profile checks on a given host, in the order apply must write
// them. Reads the host only to learn its shape (RAM, the disks under the data directory and
// whether they spin, the CPUs and their idle states); values are read later, by check_item.
#pragma once

#include <vector>

#include "tuning/host_check.h"
#include "tuning/item.h"
#include "tuning/system_root.h"

namespace ringmq::tuning {

std::vector<ItemSpec> build_catalogue(const SystemRoot& root, const CheckOptions& options);

// vm.min_free_kbytes for a machine with `mem_total_kib` of RAM: a share of RAM, clamped.
int64_t recommended_min_free_kbytes(const ProfileValues& values, int64_t mem_total_kib);

}  // namespace ringmq::tuning
