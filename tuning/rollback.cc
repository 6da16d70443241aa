#include "tuning/rollback.h"

#include <algorithm>

namespace ringmq::tuning {
namespace {

RollbackStep undo(SystemRoot& root, const StateRecord& record, bool dry_run) {
  RollbackStep step{record, dry_run ? StepOutcome::kWouldDo : StepOutcome::kDone, ""};
  Status status;
  switch (record.kind) {
    case RecordKind::kKernelValue:
      step.detail = (dry_run ? "would restore " : "restored ") + record.old_value;
      if (!dry_run) status = root.write_kernel_value(record.path, record.old_value);
      break;
    case RecordKind::kCreatedFile:
      step.detail = dry_run ? "would remove" : "removed";
      if (!dry_run) {
        status = root.remove_file(record.path);
        if (!status && status.error().code == ErrorCode::kNotFound) {
          status = {};  // already gone: the goal is reached
          step.detail = "already gone";
        }
      }
      break;
    case RecordKind::kReplacedFile:
      step.detail = dry_run ? "would restore its old contents" : "restored its old contents";
      if (!dry_run) status = root.write_config_file(record.path, record.old_value);
      break;
    case RecordKind::kCreatedDirectory:
      step.detail = dry_run ? "would remove if empty" : "removed";
      if (!dry_run) {
        status = root.remove_empty_directory(record.path);
        if (!status && status.error().code == ErrorCode::kNotFound) {
          status = {};
          step.detail = "already gone";
        } else if (!status && root.is_directory(record.path)) {
          step.outcome = StepOutcome::kLeft;
          step.detail = "left in place: " + status.error().message;
          return step;
        }
      }
      break;
  }
  if (!status) {
    step.outcome = StepOutcome::kFailed;
    step.detail = status.error().message;
  }
  return step;
}

}  // namespace

bool RollbackReport::succeeded() const {
  return std::none_of(steps.begin(), steps.end(),
                      [](const RollbackStep& s) { return s.outcome == StepOutcome::kFailed; });
}

std::string_view step_outcome_name(StepOutcome outcome) {
  switch (outcome) {
    case StepOutcome::kDone:
      return "done";
    case StepOutcome::kWouldDo:
      return "would do";
    case StepOutcome::kFailed:
      return "failed";
    case StepOutcome::kLeft:
      return "left";
  }
  return "unknown";
}

Result<RollbackReport> rollback(SystemRoot& root, const RollbackOptions& options) {
  RollbackReport report;
  report.dry_run = options.dry_run;
  report.state_path = options.state_path;
  auto loaded = load_state(root, options.state_path);
  if (!loaded) return std::unexpected(loaded.error());
  if (!*loaded) return report;
  report.state_found = true;
  const TuningState& state = **loaded;
  report.profile = state.profile;

  TuningState remaining{state.profile, {}};
  auto run = [&](const StateRecord& record) {
    RollbackStep step = undo(root, record, options.dry_run);
    if (step.outcome == StepOutcome::kFailed) remaining.records.push_back(record);
    report.steps.push_back(std::move(step));
  };
  for (const auto& record : state.records)
    if (record.kind == RecordKind::kKernelValue) run(record);
  for (const auto& record : state.records)
    if (record.kind == RecordKind::kCreatedFile || record.kind == RecordKind::kReplacedFile) run(record);
  if (options.dry_run) {
    for (auto it = state.records.rbegin(); it != state.records.rend(); ++it)
      if (it->kind == RecordKind::kCreatedDirectory) run(*it);
    return report;
  }
  if (!remaining.records.empty()) {
    // Keep what failed, and every directory (they may hold the failed files and the state).
    for (const auto& record : state.records)
      if (record.kind == RecordKind::kCreatedDirectory) remaining.records.push_back(record);
    if (auto saved = save_state(root, options.state_path, remaining); !saved)
      report.steps.push_back({{RecordKind::kCreatedFile, options.state_path, ""},
                              StepOutcome::kFailed,
                              "could not record what is left to undo: " + saved.error().message});
    return report;
  }
  if (auto removed = root.remove_file(options.state_path); !removed) {
    report.steps.push_back({{RecordKind::kCreatedFile, options.state_path, ""},
                            StepOutcome::kFailed,
                            "could not remove the state file: " + removed.error().message});
    return report;
  }
  for (auto it = state.records.rbegin(); it != state.records.rend(); ++it)
    if (it->kind == RecordKind::kCreatedDirectory) run(*it);
  return report;
}

}  // namespace ringmq::tuning
