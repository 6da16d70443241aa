// Keeps the process's own code resident. Under memory pressure the kernel reclaims clean
// file-backed pages, including the executable's and the shared libraries' text; the next call
// into such a page is a major fault (a disk read, milliseconds) on whatever thread runs it,
// the append path included. Locking the private file mappings (text, read-only data) once at
// start-up removes that; the data files and the pool are not touched here.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace ringmq::engine {

struct CodeLockReport {
  uint64_t locked_bytes = 0;
  uint32_t mappings = 0;
};

// Locks every private file-backed mapping listed in `maps_path` (the process's own
// /proc/self/maps by default). Fails with the mapping and errno if one cannot be locked
// (RLIMIT_MEMLOCK without CAP_IPC_LOCK); what was locked before stays locked.
Result<CodeLockReport> lock_code_pages(const std::string& maps_path = "/proc/self/maps");

}  // namespace ringmq::engine
