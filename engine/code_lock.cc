#include "engine/code_lock.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/byte_size.h"
#include "common/errno_text.h"

namespace ringmq::engine {

Result<CodeLockReport> lock_code_pages(const std::string& maps_path) {
  std::ifstream maps(maps_path);
  if (!maps) return make_error(ErrorCode::kIo, "cannot read " + maps_path);
  CodeLockReport report;
  std::string line;
  while (std::getline(maps, line)) {
    // start-end perms offset dev inode path
    std::istringstream fields(line);
    std::string range, perms, offset, dev, inode, path;
    fields >> range >> perms >> offset >> dev >> inode;
    std::getline(fields >> std::ws, path);
    // Private mappings of files only: shared ones are data (segment files), anonymous ones
    // are never reclaimed without swap, "[vdso]" and the like are the kernel's.
    if (perms.size() < 4 || perms[3] != 'p' || path.empty() || path[0] != '/') continue;
    if (perms[0] != 'r' && perms[2] != 'x') continue;  // guard pages (---p)
    const size_t dash = range.find('-');
    if (dash == std::string::npos) continue;
    const uint64_t start = std::stoull(range.substr(0, dash), nullptr, 16);
    const uint64_t end = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (end <= start) continue;
    // The raw system call: ASan's interceptor turns mlock() into a no-op.
    if (::syscall(SYS_mlock, reinterpret_cast<void*>(start), end - start) != 0) {
      const int err = errno;
      return make_error(ErrorCode::kIo, "mlock of " + path + " (" + format_bytes(end - start) + ") failed: " +
                                            errno_text(err) + " after " + format_bytes(report.locked_bytes) +
                                            " of code; raise RLIMIT_MEMLOCK (ulimit -l, LimitMEMLOCK=)");
    }
    report.locked_bytes += end - start;
    ++report.mappings;
  }
  return report;
}

Result<CodeLockReport> lock_code_pages_if_unbudgeted(const MemlockAllowance& allowance, const std::string& maps_path) {
  if (!allowance.has_cap_ipc_lock && allowance.rlimit_bytes != UINT64_MAX)
    return make_error(ErrorCode::kUnsupported, "RLIMIT_MEMLOCK is " + format_bytes(allowance.rlimit_bytes) +
                                                   " and kept for the engine's segments; with CAP_IPC_LOCK or an "
                                                   "unlimited limit (LimitMEMLOCK=infinity) code is locked too");
  return lock_code_pages(maps_path);
}

}  // namespace ringmq::engine
