#include "tuning/apply.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <unistd.h>

#include "tuning/check.h"
#include "tuning/kernel_value.h"
#include "tuning/persist.h"

namespace ringmq::tuning {
namespace {

std::string parent_of(const std::string& path) { return std::filesystem::path(path).parent_path().string(); }

// The directories missing on the way to `dir`, outermost first.
std::vector<std::string> missing_directories(const SystemRoot& root, const std::string& dir) {
  std::vector<std::string> missing;
  std::string prefix;
  for (const auto& part : std::filesystem::path(root.canonical_host_path(dir))) {
    if (part == "/") continue;
    prefix += "/" + part.string();
    if (!root.is_directory(prefix)) missing.push_back(prefix);
  }
  return missing;
}

// An item to write: which result, which entry of report.items, and which of its files.
struct PlannedItem {
  size_t result_index = 0;
  size_t change_index = 0;
  size_t refused = 0;  // files it may not write (reported, skipped)
};

// Removes directories this run created, innermost first, ignoring ones that are not empty.
void remove_new_directories(SystemRoot& root, const TuningState& state, const std::set<std::string>& new_paths) {
  for (auto it = state.records.rbegin(); it != state.records.rend(); ++it)
    if (it->kind == RecordKind::kCreatedDirectory && new_paths.contains(it->path))
      (void)root.remove_empty_directory(it->path);  // best effort: a left-over empty directory is harmless
}

}  // namespace

bool ApplyReport::succeeded() const {
  auto failed = [](const auto& change) { return change.outcome == ChangeOutcome::kFailed; };
  return std::none_of(items.begin(), items.end(), failed) && std::none_of(files.begin(), files.end(), failed);
}

std::string_view change_outcome_name(ChangeOutcome outcome) {
  switch (outcome) {
    case ChangeOutcome::kSet: return "set";
    case ChangeOutcome::kWouldSet: return "would set";
    case ChangeOutcome::kFailed: return "could not set";
    case ChangeOutcome::kNeedsPersist: return "needs --persist";
    case ChangeOutcome::kNeedsRestart: return "needs restart";
  }
  return "unknown";
}

Result<ApplyReport> apply_profile(SystemRoot& root, const CheckOptions& options, const ApplyOptions& apply_options) {
  auto checked = check_host(root, options);
  if (!checked) return std::unexpected(checked.error());
  const std::vector<CheckResult>& results = *checked;
  const ConfiguredLimits limits = read_configured_limits(root, options.broker_user, options.systemd_unit);

  ApplyReport report;
  report.profile = options.profile;
  report.dry_run = apply_options.dry_run;
  report.state_path = apply_options.state_path;

  // Every value as it was before this apply; rollback restores these.
  std::map<std::string, std::string> before;
  for (const auto& result : results)
    for (const auto& target : result.targets) before[target.path] = target.current;
  for (const auto& result : results)
    for (const auto& path : result.item.reset_by_write)
      if (!before.contains(path))
        if (auto text = root.read_file(path)) before[path] = selected_value(*text);

  std::vector<PersistFile> files;
  if (apply_options.persist) files = persistence_files(results, options, limits.from_systemd_unit);
  auto file_for = [&](const std::string& id) -> const PersistFile* {
    for (const auto& file : files)
      if (std::find(file.item_ids.begin(), file.item_ids.end(), id) != file.item_ids.end()) return &file;
    return nullptr;
  };

  // Plan: what differs, and which of it this process may write.
  std::vector<PlannedItem> plan;
  std::set<std::string> refused_paths;
  for (size_t i = 0; i < results.size(); ++i) {
    const CheckResult& result = results[i];
    if (result.status == ItemStatus::kUnsupported) {
      ++report.unsupported;
      continue;
    }
    if (result.status == ItemStatus::kOk) {
      ++report.already_ok;
      continue;
    }
    ItemChange change{result.item.id, result.current, result.item.recommended, ChangeOutcome::kSet, ""};
    if (result.status == ItemStatus::kNeedsRestart) {
      change.outcome = ChangeOutcome::kNeedsRestart;
      change.detail = result.note;
      report.items.push_back(std::move(change));
      continue;
    }
    if (result.item.limit) {
      const PersistFile* file = file_for(result.item.id);
      if (file) {
        change.outcome = apply_options.dry_run ? ChangeOutcome::kWouldSet : ChangeOutcome::kNeedsRestart;
        change.detail = (apply_options.dry_run ? "would write " : "written to ") + file->path +
                        "; in force at the next login or service restart";
      } else {
        change.outcome = ChangeOutcome::kNeedsPersist;
        change.detail = "a limit of another process cannot be changed at run time; rerun with --persist to write " +
                        (limits.from_systemd_unit ? systemd_drop_in_path(options.systemd_unit) : std::string(kLimitsFile));
      }
      report.items.push_back(std::move(change));
      continue;
    }
    PlannedItem planned{i, report.items.size(), 0};
    size_t writable = 0;
    std::string first_refused;
    for (const auto& target : result.targets) {
      if (!target.differs) continue;
      if (root.is_writable(target.path)) {
        ++writable;
      } else {
        refused_paths.insert(target.path);
        if (planned.refused++ == 0) first_refused = target.path;
      }
    }
    if (writable == 0) {
      change.outcome = ChangeOutcome::kFailed;
      change.detail = "no permission to write " + root.real_path(first_refused) +
                      (planned.refused > 1 ? " and " + std::to_string(planned.refused - 1) + " more" : "") +
                      (::geteuid() == 0 ? "" : " (run as root)");
      report.items.push_back(std::move(change));
      continue;
    }
    change.outcome = apply_options.dry_run ? ChangeOutcome::kWouldSet : ChangeOutcome::kSet;
    report.items.push_back(std::move(change));
    plan.push_back(planned);
  }

  if (apply_options.dry_run) {
    for (const auto& file : files)
      report.files.push_back({file.path, ChangeOutcome::kWouldSet,
                              root.exists(file.path) ? "would replace" : "would create", file.item_ids});
    return report;
  }
  if (plan.empty() && files.empty()) return report;

  // Write-ahead: record every old value and file before touching anything.
  auto loaded = load_state(root, apply_options.state_path);
  if (!loaded) return make_error(loaded.error().code, loaded.error().message + "; nothing was changed");
  TuningState state = loaded->value_or(TuningState{std::string(profile_name(options.profile)), {}});
  std::set<std::string> new_paths;  // records added by this run
  auto add_record = [&](StateRecord record) {
    if (state.find(record.path)) return;  // an earlier apply holds the older value: keep it
    new_paths.insert(record.path);
    state.records.push_back(std::move(record));
  };
  const std::string state_dir = parent_of(apply_options.state_path);
  for (const auto& dir : missing_directories(root, state_dir)) add_record({RecordKind::kCreatedDirectory, dir, ""});
  for (const auto& planned : plan) {
    const CheckResult& result = results[planned.result_index];
    for (const auto& target : result.targets)
      if (target.differs && !refused_paths.contains(target.path))
        add_record({RecordKind::kKernelValue, target.path, before[target.path]});
    for (const auto& path : result.item.reset_by_write)
      if (before.contains(path)) add_record({RecordKind::kKernelValue, path, before[path]});
  }
  std::vector<bool> file_readable(files.size(), true);
  for (size_t i = 0; i < files.size(); ++i) {
    for (const auto& dir : missing_directories(root, parent_of(files[i].path)))
      add_record({RecordKind::kCreatedDirectory, dir, ""});
    if (!root.exists(files[i].path)) {
      add_record({RecordKind::kCreatedFile, files[i].path, ""});
    } else if (auto old = root.read_file(files[i].path)) {
      add_record({RecordKind::kReplacedFile, files[i].path, *old});
    } else {
      file_readable[i] = false;  // cannot keep its old contents, so do not replace it
      report.files.push_back({files[i].path, ChangeOutcome::kFailed,
                              "cannot keep its old contents: " + old.error().message, files[i].item_ids});
    }
  }
  if (auto created = root.create_directories(state_dir); !created)
    return make_error(created.error().code, "cannot create the state directory: " + created.error().message +
                                                "; nothing was changed");
  if (auto saved = save_state(root, apply_options.state_path, state); !saved) {
    remove_new_directories(root, state, new_paths);
    return make_error(saved.error().code, "cannot write the state file: " + saved.error().message +
                                              "; nothing was changed");
  }
  report.state_written = true;

  // Kernel values, in catalogue order. Each item is re-read just before it is written: an
  // earlier write may have moved it (a scheduler switch resets nr_requests), and an item that
  // was fine before apply but was moved that way is set again too.
  std::set<std::string> written, moved;
  std::map<size_t, size_t> planned_by_result;  // result index -> index in `plan`
  for (size_t p = 0; p < plan.size(); ++p) planned_by_result[plan[p].result_index] = p;
  for (size_t i = 0; i < results.size(); ++i) {
    const CheckResult& result = results[i];
    auto planned_it = planned_by_result.find(i);
    const bool was_moved = std::any_of(result.targets.begin(), result.targets.end(),
                                       [&](const TargetState& t) { return moved.contains(t.path); });
    if (planned_it == planned_by_result.end() && !was_moved) continue;
    CheckResult fresh = check_item(root, result.item, limits, options.running_limits);
    if (planned_it == planned_by_result.end()) {
      if (fresh.status != ItemStatus::kDiffers) continue;
      ItemChange change{result.item.id, fresh.current, result.item.recommended, ChangeOutcome::kSet,
                        "the kernel reset it when an earlier item was written; set again"};
      report.items.push_back(std::move(change));
      plan.push_back(PlannedItem{i, report.items.size() - 1, 0});
      planned_it = planned_by_result.emplace(i, plan.size() - 1).first;
    }
    const PlannedItem planned = plan[planned_it->second];
    size_t done = 0, failed = planned.refused;
    std::string error;
    for (const auto& target : fresh.targets) {
      if (!target.differs || refused_paths.contains(target.path)) continue;
      if (!state.find(target.path)) {  // moved by an earlier write: record it before changing it
        add_record({RecordKind::kKernelValue, target.path, before.contains(target.path) ? before[target.path] : target.current});
        if (auto saved = save_state(root, apply_options.state_path, state); !saved) {
          ++failed;
          if (error.empty()) error = "not recorded, so not written: " + saved.error().message;
          continue;
        }
      }
      if (auto status = root.write_kernel_value(target.path, result.item.recommended)) {
        written.insert(target.path);
        ++done;
      } else {
        ++failed;
        if (error.empty()) error = status.error().message;
      }
    }
    if (done > 0) moved.insert(result.item.reset_by_write.begin(), result.item.reset_by_write.end());
    if (planned.refused > 0 && error.empty()) error = "no permission to write some of its files";
    if (failed > 0) {
      ItemChange& change = report.items[planned.change_index];
      change.outcome = ChangeOutcome::kFailed;
      change.detail = (done > 0 ? "set " + std::to_string(done) + " of " + std::to_string(done + failed) + " files; " : "") + error;
    }
  }

  // Persistence files.
  for (size_t i = 0; i < files.size(); ++i) {
    if (!file_readable[i]) continue;
    const PersistFile& file = files[i];
    const StateRecord* record = state.find(file.path);
    FileChange change{file.path, ChangeOutcome::kSet,
                      record && record->kind == RecordKind::kReplacedFile ? "replaced" : "created", file.item_ids};
    if (auto dirs = root.create_directories(parent_of(file.path)); !dirs) {
      change = {file.path, ChangeOutcome::kFailed, dirs.error().message, file.item_ids};
    } else if (auto status = root.write_config_file(file.path, file.contents); !status) {
      change = {file.path, ChangeOutcome::kFailed, status.error().message, file.item_ids};
    } else {
      written.insert(file.path);
      if (file.path.starts_with("/etc/systemd/")) change.detail += "; run `systemctl daemon-reload`";
    }
    for (auto& item : report.items)
      if (item.outcome == ChangeOutcome::kNeedsRestart &&
          std::find(file.item_ids.begin(), file.item_ids.end(), item.id) != file.item_ids.end() &&
          change.outcome == ChangeOutcome::kFailed) {
        item.outcome = ChangeOutcome::kFailed;
        item.detail = "could not write " + file.path + ": " + change.detail;
      }
    report.files.push_back(std::move(change));
  }

  // Final state: forget this run's records of writes that did not happen.
  std::set<std::string> keep = written;
  for (const auto& planned : plan) {
    const CheckResult& result = results[planned.result_index];
    bool any_written = std::any_of(result.targets.begin(), result.targets.end(),
                                   [&](const TargetState& t) { return written.contains(t.path); });
    if (any_written) keep.insert(result.item.reset_by_write.begin(), result.item.reset_by_write.end());
  }
  std::erase_if(state.records, [&](const StateRecord& record) {
    return record.kind != RecordKind::kCreatedDirectory && new_paths.contains(record.path) && !keep.contains(record.path);
  });
  bool anything_recorded = std::any_of(state.records.begin(), state.records.end(), [](const StateRecord& r) {
    return r.kind != RecordKind::kCreatedDirectory;
  });
  if (!anything_recorded) {
    // Nothing changed after all (every write failed): leave no trace.
    (void)root.remove_file(apply_options.state_path);  // removing what we just wrote; a failure leaves a harmless file
    remove_new_directories(root, state, new_paths);
    report.state_written = false;
    return report;
  }
  if (auto saved = save_state(root, apply_options.state_path, state); !saved)
    report.files.push_back({apply_options.state_path, ChangeOutcome::kFailed,
                            "final update failed (the earlier, larger record stays and still rolls back safely): " +
                                saved.error().message,
                            {}});
  return report;
}

}  // namespace ringmq::tuning
