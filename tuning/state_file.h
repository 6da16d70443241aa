// The state file: what `apply` changed, so that `rollback` can put back exactly what was
// there. Written before each change (write-ahead) and replaced atomically, so a crash in the
// middle of apply leaves a file that rolls back everything that may have changed.
//
// Format (text, one record a line, fields separated by one TAB):
//   line 1      "ringmq-tune-state" TAB "1"                       magic and version
//   "profile"   TAB <name>                                        profile of the first apply
//   "value"     TAB <kernel file> TAB <old value>                 write <old value> back
//   "directory" TAB <dir>                                         created; remove if empty
//   "created"   TAB <file>                                        created; remove it
//   "replaced"  TAB <file> TAB <old contents>                     existed; write contents back
// Lines starting with '#' are comments. Paths are host paths ("/proc/sys/vm/swappiness").
// In every field '%', TAB, LF, CR and other control bytes are written as %XX (two upper-case
// hex digits), so a field never holds a separator and any file contents survive the trip.
// Records keep the order of the changes; rollback depends on it (see rollback.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "tuning/system_root.h"

namespace ringmq::tuning {

inline constexpr const char* kDefaultStatePath = "/var/lib/ringmq-tune/state";

enum class RecordKind { kKernelValue, kCreatedDirectory, kCreatedFile, kReplacedFile };

// One change apply made; see the format table above for each kind.
struct StateRecord {
  RecordKind kind = RecordKind::kKernelValue;
  std::string path;
  std::string old_value;  // old kernel value, or old file contents for kReplacedFile
  bool operator==(const StateRecord&) const = default;
};

// The whole state file: every change since the first apply that was not rolled back.
struct TuningState {
  std::string profile;
  std::vector<StateRecord> records;
  bool operator==(const TuningState&) const = default;

  // The record that already covers `path`, if any: apply keeps the oldest value of a path,
  // so applying twice still rolls back to the state before the first apply.
  const StateRecord* find(const std::string& path) const;
};

std::string encode_state(const TuningState& state);
// kCorrupt naming the line, for a file that does not follow the format above.
Result<TuningState> decode_state(std::string_view text);

// nullopt if there is no state file (nothing to roll back).
Result<std::optional<TuningState>> load_state(const SystemRoot& root, const std::string& path);
Status save_state(SystemRoot& root, const std::string& path, const TuningState& state);

std::string_view record_kind_name(RecordKind kind);

}  // namespace ringmq::tuning
