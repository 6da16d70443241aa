// Whether this process may lock the memory a write mode needs: RLIMIT_MEMLOCK against the
// budget, unless the process has CAP_IPC_LOCK (root usually does). Checked at open so a
// misconfigured host fails at start-up with the setting to change, not at the first roll.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace ringmq::engine {

struct MemlockAllowance {
  uint64_t rlimit_bytes = 0;  // UINT64_MAX for unlimited
  bool has_cap_ipc_lock = false;
};

MemlockAllowance current_memlock_allowance();
// Ok, or kInvalidArgument with a message naming RLIMIT_MEMLOCK, `ulimit -l` and LimitMEMLOCK=.
Status check_memlock_allowance(uint64_t required_bytes, const MemlockAllowance& allowance);

}  // namespace ringmq::engine
