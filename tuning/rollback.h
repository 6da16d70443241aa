// rollback: undo what apply recorded in the state file, then remove the state file.
// Order: kernel values in the order they were recorded (the I/O scheduler before
// nr_requests, because restoring the scheduler resets nr_requests, which is then restored
// to its recorded value); then the persistence files (removed if apply created them, old
// contents written back if it replaced them); then the state file; then the directories apply
// created, innermost first, each only if empty. Anything that cannot be undone stays in the
// state file, so rollback can be run again once the cause is fixed.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "tuning/state_file.h"
#include "tuning/system_root.h"

namespace ringmq::tuning {

// How rollback runs.
struct RollbackOptions {
  bool dry_run = false;
  std::string state_path = kDefaultStatePath;
};

enum class StepOutcome {
  kDone,     // restored or removed
  kWouldDo,  // dry run
  kFailed,   // kept in the state file; `detail` says why
  kLeft,     // a directory someone else has put files into: left in place, not an error
};

// One record of the state file and what rollback did with it.
struct RollbackStep {
  StateRecord record;
  StepOutcome outcome = StepOutcome::kDone;
  std::string detail;  // "restored 60", "removed", or the error
};

// Everything rollback did or would do.
struct RollbackReport {
  bool state_found = false;  // false: nothing to roll back
  bool dry_run = false;
  std::string state_path;
  std::string profile;
  std::vector<RollbackStep> steps;
  bool succeeded() const;
};

// Fails as a whole only if the state file exists but cannot be read or parsed.
Result<RollbackReport> rollback(SystemRoot& root, const RollbackOptions& options);

std::string_view step_outcome_name(StepOutcome outcome);

}  // namespace ringmq::tuning
