#include "io/detail/errno_text.h"

#include <string.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/byte_size.h"

namespace ringmq::io::detail {

std::unexpected<Error> named_errno_error(const std::string& what, int err) {
  const ErrorCode code = (err == ENOSPC || err == EDQUOT) ? ErrorCode::kDiskFull : ErrorCode::kIo;
  return make_error(code, what + ": " + errno_text(err) + " (" + errno_name(err) + ")");
}

std::string memlock_advice() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_MEMLOCK, &limit) != 0) {
    return "RLIMIT_MEMLOCK could not be read; raise it with `ulimit -l` or `LimitMEMLOCK=` in the "
           "systemd unit";
  }
  auto text = [](rlim_t value) { return value == RLIM_INFINITY ? std::string("unlimited") : format_bytes(value); };
  return "RLIMIT_MEMLOCK is " + text(limit.rlim_cur) + " (hard limit " + text(limit.rlim_max) +
         "); raise it with `ulimit -l` or `LimitMEMLOCK=` in the systemd unit";
}

}  // namespace ringmq::io::detail

namespace ringmq::io::detail {

std::unexpected<Error> io_uring_setup_error(int err) {
  const std::string failed = "io_uring_setup failed: " + errno_text(err) + " (" + errno_name(err) + ")";
  switch (err) {
    case ENOSYS:
      return make_error(ErrorCode::kUnsupported, failed + "; the kernel is built without CONFIG_IO_URING");
    case EPERM: {
      std::string disabled = "?";
      if (FILE* f = std::fopen("/proc/sys/kernel/io_uring_disabled", "r")) {
        char text[16] = {};
        if (std::fgets(text, sizeof text, f)) disabled.assign(text, strcspn(text, "\n"));
        std::fclose(f);
      }
      return make_error(ErrorCode::kUnsupported,
                        failed + "; io_uring is refused by sysctl kernel.io_uring_disabled (now " + disabled +
                            ") or by a seccomp profile (container runtimes' default profiles block it)");
    }
    case ENOMEM:
      return make_error(ErrorCode::kIo, failed +
                                            "; on kernels before 5.12 the rings count against the "
                                            "locked-memory limit: " +
                                            memlock_advice());
    default:
      return named_errno_error("io_uring_setup", err);
  }
}

}  // namespace ringmq::io::detail
