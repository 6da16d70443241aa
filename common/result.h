// Errors as values. Every fallible call on the hot path returns Result<T>: either the value
// or an Error whose code a front end can map to a protocol error and whose message a human
// can act on (it names the file, the offset, the setting to change). Exceptions are kept for
// start-up and configuration only.
#pragma once

#include <cerrno>
#include <expected>
#include <string>
#include <utility>

#include "common/errno_text.h"

namespace ringmq {

enum class ErrorCode {
  kOk = 0,
  kIo,               // a system call failed; the message carries errno's text
  kCorrupt,          // stored bytes failed a magic / size / CRC check
  kInvalidArgument,  // the caller asked for something impossible
  kOutOfRange,       // an offset outside [start, end] of a queue or log
  kNotFound,         // no such queue, file or entry
  kDiskFull,         // the data directory is above its high-water mark or ENOSPC
  kBusy,             // back pressure: a bounded wait ran out; retriable
  kTimeout,          // a flush did not cover the request in time; retriable
  kTooLarge,         // a record larger than a segment or a configured limit
  kClosed,           // the store is shutting down
  kUnsupported,      // the kernel or file system lacks a feature
};

// Short, stable name of a code for logs and metrics labels.
const char* error_code_name(ErrorCode code);

// An error: a code for machines, a message for people.
struct Error {
  ErrorCode code = ErrorCode::kIo;
  std::string message;

  bool retriable() const { return code == ErrorCode::kBusy || code == ErrorCode::kTimeout; }
  std::string to_string() const { return std::string(error_code_name(code)) + ": " + message; }
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> make_error(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

// An kIo error from errno, e.g. errno_error("fdatasync " + path, errno). ENOSPC and EDQUOT
// become kDiskFull so callers can tell a full disk from a broken one.
inline std::unexpected<Error> errno_error(const std::string& what, int err) {
  ErrorCode code = (err == ENOSPC || err == EDQUOT) ? ErrorCode::kDiskFull : ErrorCode::kIo;
  return make_error(code, what + ": " + errno_text(err));
}

inline const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kIo:
      return "io_error";
    case ErrorCode::kCorrupt:
      return "corrupt";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kOutOfRange:
      return "out_of_range";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kDiskFull:
      return "disk_full";
    case ErrorCode::kBusy:
      return "busy";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kTooLarge:
      return "too_large";
    case ErrorCode::kClosed:
      return "closed";
    case ErrorCode::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

}  // namespace ringmq
