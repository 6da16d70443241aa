// Error helpers shared by the io module: an errno error whose message carries both the text
// and the symbolic name ("Bad file descriptor (EBADF)"), and the advice for memlock failures.
// errno_text and errno_name themselves are in common/errno_text.h, format_bytes in
// common/byte_size.h.
#pragma once

#include <string>

#include "common/errno_text.h"
#include "common/result.h"

namespace ringmq::io::detail {

// As errno_error(what, err) — ENOSPC/EDQUOT map to kDiskFull, the rest to kIo — with the
// symbolic name appended: "<what>: Bad file descriptor (EBADF)".
std::unexpected<Error> named_errno_error(const std::string& what, int err);

// "RLIMIT_MEMLOCK is 8 MiB (hard limit 8 MiB); raise it with `ulimit -l` or `LimitMEMLOCK=`
// in the systemd unit" — appended to every mlock / buffer-registration failure.
std::string memlock_advice();

}  // namespace ringmq::io::detail

namespace ringmq::io::detail {

// The error for a failed io_uring_setup (liburing's -errno), with the usual cause spelled out:
// ENOSYS (no CONFIG_IO_URING), EPERM (sysctl kernel.io_uring_disabled or a seccomp profile),
// ENOMEM (before 5.12 the rings count against RLIMIT_MEMLOCK). kUnsupported where io_uring
// cannot be used at all, so the engine can fall back to an mmap write mode.
std::unexpected<Error> io_uring_setup_error(int err);

}  // namespace ringmq::io::detail
