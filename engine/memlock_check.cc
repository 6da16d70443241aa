#include "engine/memlock_check.h"

#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/byte_size.h"

namespace ringmq::engine {

MemlockAllowance current_memlock_allowance() {
  MemlockAllowance a;
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_MEMLOCK, &rl) == 0)
    a.rlimit_bytes = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(rl.rlim_cur);
  // capget directly: libcap is not worth a dependency for one bit.
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) == 0) a.has_cap_ipc_lock = (data[0].effective >> CAP_IPC_LOCK) & 1;
  return a;
}

Status check_memlock_allowance(uint64_t required_bytes, const MemlockAllowance& a) {
  if (a.has_cap_ipc_lock || a.rlimit_bytes >= required_bytes) return {};
  return make_error(ErrorCode::kInvalidArgument,
                    "mmap-locked mode needs " + format_bytes(required_bytes) +
                        " of locked memory (mlock_budget_bytes) but RLIMIT_MEMLOCK is " + format_bytes(a.rlimit_bytes) +
                        "; raise it with `ulimit -l unlimited`, LimitMEMLOCK=infinity in the systemd unit or a "
                        "memlock line in /etc/security/limits.d, or lower segment_bytes / use write_mode = \"mmap\"");
}

}  // namespace ringmq::engine
