// errno as words, for error messages. Unlike std::strerror, which may write a shared static
// buffer, both are safe to call from several threads at once.
#pragma once

#include <string>

namespace ringmq {

// "Bad file descriptor" for EBADF; "Unknown error 1234" for a value the C library does not know.
std::string errno_text(int err);
// "EBADF" for EBADF; "errno 1234" for a value the C library has no name for.
std::string errno_name(int err);

}  // namespace ringmq
