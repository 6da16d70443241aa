// Logging set-up: spdlog's default logger (which the engine logs through too) writing to stderr,
// as text or as JSON lines, at the configured level.
//
//   text: 2024-05-01T12:00:00.123Z info  [net-0] connection 7 from 127.0.0.1:5412 closed: ...
//   json:
//   {"ts":"2024-05-01T12:00:00.123Z","level":"info","thread":"net-0","msg":"...","peer":"127.0.0.1:5412"}
//
// Under systemd with stderr connected to the journal ($JOURNAL_STREAM names stderr's device and
// inode), text lines carry the journal's priority prefix instead of a timestamp and colours:
//   <6>[net-0] connection 7 from 127.0.0.1:5412 closed: ...
// so `journalctl -u ringmq -p warning` filters by level and timestamps are not doubled.
//
// Structured fields: every `key=value` token in a message (key of lower-case letters, digits,
// '_' and '.') also becomes a JSON field, so `spdlog::info("frame rejected peer={} bytes={}",
// ...)` is searchable by "peer" in a log pipeline, and reads naturally as text.
#pragma once

#include <string>

#include "broker/server/broker_config.h"

namespace ringmq::broker {

// Installs the default logger. Throws ConfigError for an unknown level (validate() catches
// that earlier). Safe to call again (tests, or after the config is loaded).
void setup_logging(const LogConfig& config);
// The same, with the journal's text form chosen by the caller (tests).
void setup_logging(const LogConfig& config, bool journal);
// Whether $JOURNAL_STREAM says stderr is the systemd journal.
bool stderr_is_journal();

// Names the calling thread for `top -H`, the profiler and the log's thread field (at most 15
// characters are kept by the kernel).
void set_thread_name(const std::string& name);

}  // namespace ringmq::broker
