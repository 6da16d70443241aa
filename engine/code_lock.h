// Keeps the process's own code resident. Under memory pressure the kernel reclaims clean
// file-backed pages, including the executable's and the shared libraries' text; the next call
// into such a page is a major fault (a disk read, milliseconds) on whatever thread runs it,
// the append path included. Locking the private file mappings (text, read-only data) once at
// start-up removes that; the data files and the pool are not touched here.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "engine/memlock_check.h"

namespace ringmq::engine {

struct CodeLockReport {
  uint64_t locked_bytes = 0;
  uint32_t mappings = 0;
};

// Locks every private file-backed mapping listed in `maps_path` (the process's own
// /proc/self/maps by default). Fails with the mapping and errno if one cannot be locked
// (RLIMIT_MEMLOCK without CAP_IPC_LOCK); what was locked before stays locked.
Result<CodeLockReport> lock_code_pages(const std::string& maps_path = "/proc/self/maps");

// The same, but only where locked memory is not budgeted: with CAP_IPC_LOCK or an unlimited
// RLIMIT_MEMLOCK. Under a finite limit the allowance is kept for the engine's segments and pool
// (tens of MiB of code would eat into it), and kUnsupported says so.
Result<CodeLockReport> lock_code_pages_if_unbudgeted(const MemlockAllowance& allowance,
                                                     const std::string& maps_path = "/proc/self/maps");

}  // namespace ringmq::engine
