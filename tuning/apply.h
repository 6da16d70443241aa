// apply: bring a host to a profile. Only items that differ are written; the old value of
// every file it touches is recorded in the state file before the write (state_file.h), so
// `rollback` can undo exactly this. With `persist` it also writes the boot-time files of
// persist.h. With `dry_run` it reports what it would do and writes nothing at all.
// An item it may not write (not root, read-only sysfs) is reported with the reason and left
// as it was; the rest are still applied.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "tuning/host_check.h"
#include "tuning/state_file.h"
#include "tuning/system_root.h"

namespace ringmq::tuning {

// How apply runs.
struct ApplyOptions {
  bool dry_run = false;
  bool persist = false;
  std::string state_path = kDefaultStatePath;  // a host path, so under --root for a fake tree
};

enum class ChangeOutcome {
  kSet,           // written and in force now
  kWouldSet,      // dry run
  kFailed,        // could not be written; `detail` says why
  kNeedsPersist,  // a limit: only a file can set it, and --persist was not given
  kNeedsRestart,  // a limit written to its file: in force at the next login / service restart
};

// One item apply changed or tried to change.
struct ItemChange {
  std::string id;
  std::string from;
  std::string to;
  ChangeOutcome outcome = ChangeOutcome::kSet;
  std::string detail;
};

// One persistence file apply wrote or tried to write.
struct FileChange {
  std::string path;
  ChangeOutcome outcome = ChangeOutcome::kSet;  // kSet = written
  std::string detail;                           // "created", "replaced", or the error
  std::vector<std::string> item_ids;
};

// Everything apply did or would do, for the table, the JSON and the exit status.
struct ApplyReport {
  Profile profile = Profile::kLatency;
  bool dry_run = false;
  std::vector<ItemChange> items;
  std::vector<FileChange> files;
  size_t already_ok = 0;   // items that needed no change
  size_t unsupported = 0;  // items this host does not expose
  std::string state_path;
  bool state_written = false;

  // True if nothing failed (items needing --persist or a restart are not failures).
  bool succeeded() const;
};

// Fails as a whole (and changes nothing) only if the existing state file is unreadable or
// corrupt, or the state file cannot be written before the first change.
Result<ApplyReport> apply_profile(SystemRoot& root, const CheckOptions& options, const ApplyOptions& apply_options);

std::string_view change_outcome_name(ChangeOutcome outcome);

}  // namespace ringmq::tuning
