// limit_locked_memory: makes the calling process an ordinary user as far as locked memory goes,
// for the tests of a missing memlock allowance. Root locks without limit through CAP_IPC_LOCK,
// so that is dropped (effective, permitted and inheritable) and RLIMIT_MEMLOCK set to `bytes`.
// Process-wide and irreversible: call it only in a forked child (tests/io/child_process.h).
#pragma once

#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace ringmq::test {

// "" on success, else what failed.
inline std::string limit_locked_memory(uint64_t bytes) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return "capget failed";
  const uint32_t bit = 1u << (CAP_IPC_LOCK % 32);
  data[CAP_IPC_LOCK / 32].effective &= ~bit;
  data[CAP_IPC_LOCK / 32].permitted &= ~bit;
  data[CAP_IPC_LOCK / 32].inheritable &= ~bit;
  if (::syscall(SYS_capset, &header, data) != 0) return "cannot drop CAP_IPC_LOCK";
  const rlimit limit{bytes, bytes};
  if (::setrlimit(RLIMIT_MEMLOCK, &limit) != 0) return "setrlimit(RLIMIT_MEMLOCK) failed";
  return "";
}

}  // namespace ringmq::test
