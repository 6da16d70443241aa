#include "tuning/apply.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

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

// One run of apply_profile. Its steps share what the check found and what was planned and
// recorded so far, so they are methods of one object; run() calls each once, in order.
class ApplyRun {
 public:
  ApplyRun(SystemRoot& root, const CheckOptions& options, const ApplyOptions& apply_options,
           const std::vector<CheckResult>& results);

  Result<ApplyReport> run();

 private:
  void remember_values_before();
  const PersistFile* file_for(const std::string& item_id) const;
  void plan_changes();
  void plan_limit(ItemChange& change) const;
  void plan_kernel_item(size_t result_index, ItemChange& change);
  void report_files_would_write();
  Status record_before_writing();
  void add_record(StateRecord record);
  void record_planned_kernel_values();
  void record_persistence_files();
  void write_kernel_values();
  size_t write_item(PlannedItem planned, const CheckResult& fresh);
  void write_persistence_files();
  void fail_items_set_by(const PersistFile& file, const std::string& why);
  void save_final_state();

  SystemRoot& root_;
  const CheckOptions& options_;
  const ApplyOptions& apply_options_;
  const std::vector<CheckResult>& results_;
  const ConfiguredLimits limits_;
  ApplyReport report_;

  std::map<std::string, std::string> before_;  // every value as it was before this apply
  std::vector<PersistFile> files_;
  std::vector<PlannedItem> plan_;
  std::set<std::string> refused_paths_;  // differing files this process may not write
  TuningState state_;
  std::set<std::string> new_paths_;  // records added by this run
  std::vector<bool> file_readable_;  // per files_: its old contents are recorded
  std::set<std::string> written_;
};

ApplyRun::ApplyRun(SystemRoot& root, const CheckOptions& options, const ApplyOptions& apply_options,
                   const std::vector<CheckResult>& results)
    : root_(root),
      options_(options),
      apply_options_(apply_options),
      results_(results),
      limits_(read_configured_limits(root, options.broker_user, options.systemd_unit)) {
  report_.profile = options.profile;
  report_.dry_run = apply_options.dry_run;
  report_.state_path = apply_options.state_path;
}

Result<ApplyReport> ApplyRun::run() {
  remember_values_before();
  if (apply_options_.persist) files_ = persistence_files(results_, options_, limits_.from_systemd_unit);
  plan_changes();
  if (apply_options_.dry_run) {
    report_files_would_write();
    return std::move(report_);
  }
  if (plan_.empty() && files_.empty()) return std::move(report_);
  if (auto recorded = record_before_writing(); !recorded) return std::unexpected(recorded.error());
  write_kernel_values();
  write_persistence_files();
  save_final_state();
  return std::move(report_);
}

// Every value as it was before this apply; rollback restores these. Files an item's write
// resets are read too, since they are recorded before that write.
void ApplyRun::remember_values_before() {
  for (const auto& result : results_)
    for (const auto& target : result.targets) before_[target.path] = target.current;
  for (const auto& result : results_)
    for (const auto& path : result.item.reset_by_write)
      if (!before_.contains(path))
        if (auto text = root_.read_file(path)) before_[path] = selected_value(*text);
}

const PersistFile* ApplyRun::file_for(const std::string& item_id) const {
  for (const auto& file : files_)
    if (std::find(file.item_ids.begin(), file.item_ids.end(), item_id) != file.item_ids.end()) return &file;
  return nullptr;
}

// Plan: what differs, and which of it this process may write. Every item that differs gets
// its entry in report_.items here; only those with a file this process may write join plan_.
void ApplyRun::plan_changes() {
  for (size_t i = 0; i < results_.size(); ++i) {
    const CheckResult& result = results_[i];
    if (result.status == ItemStatus::kUnsupported) {
      ++report_.unsupported;
      continue;
    }
    if (result.status == ItemStatus::kOk) {
      ++report_.already_ok;
      continue;
    }
    ItemChange change{result.item.id, result.current, result.item.recommended, ChangeOutcome::kSet, ""};
    if (result.status == ItemStatus::kNeedsRestart) {
      change.outcome = ChangeOutcome::kNeedsRestart;
      change.detail = result.note;
    } else if (result.item.limit) {
      plan_limit(change);
    } else {
      plan_kernel_item(i, change);
    }
    report_.items.push_back(std::move(change));
  }
}

// A limit is not written at run time: only its persistence file sets it, for the next login
// or service restart.
void ApplyRun::plan_limit(ItemChange& change) const {
  if (const PersistFile* file = file_for(change.id)) {
    change.outcome = apply_options_.dry_run ? ChangeOutcome::kWouldSet : ChangeOutcome::kNeedsRestart;
    change.detail = (apply_options_.dry_run ? "would write " : "written to ") + file->path +
                    "; in force at the next login or service restart";
  } else {
    change.outcome = ChangeOutcome::kNeedsPersist;
    change.detail =
        "a limit of another process cannot be changed at run time; rerun with --persist to "
        "write " +
        (limits_.from_systemd_unit ? systemd_drop_in_path(options_.systemd_unit) : std::string(kLimitsFile));
  }
}

// An item with at least one differing file this process may write joins the plan (the files
// it may not write are reported later); an item with none fails now.
void ApplyRun::plan_kernel_item(size_t result_index, ItemChange& change) {
  const CheckResult& result = results_[result_index];
  PlannedItem planned{result_index, report_.items.size(), 0};
  size_t writable = 0;
  std::string first_refused;
  for (const auto& target : result.targets) {
    if (!target.differs) continue;
    if (root_.is_writable(target.path)) {
      ++writable;
    } else {
      refused_paths_.insert(target.path);
      if (planned.refused++ == 0) first_refused = target.path;
    }
  }
  if (writable == 0) {
    change.outcome = ChangeOutcome::kFailed;
    change.detail = "no permission to write " + root_.real_path(first_refused) +
                    (planned.refused > 1 ? " and " + std::to_string(planned.refused - 1) + " more" : "") +
                    (::geteuid() == 0 ? "" : " (run as root)");
    return;
  }
  change.outcome = apply_options_.dry_run ? ChangeOutcome::kWouldSet : ChangeOutcome::kSet;
  plan_.push_back(planned);
}

void ApplyRun::report_files_would_write() {
  for (const auto& file : files_)
    report_.files.push_back({file.path, ChangeOutcome::kWouldSet,
                             root_.exists(file.path) ? "would replace" : "would create", file.item_ids});
}

// Write-ahead: record every old value and file, and save the state file, before touching
// anything, so that rollback can undo whatever part of the writes then happens. Fails, with
// nothing changed, if the state file cannot be read or written.
Status ApplyRun::record_before_writing() {
  auto loaded = load_state(root_, apply_options_.state_path);
  if (!loaded) return make_error(loaded.error().code, loaded.error().message + "; nothing was changed");
  state_ = loaded->value_or(TuningState{std::string(profile_name(options_.profile)), {}});
  const std::string state_dir = parent_of(apply_options_.state_path);
  for (const auto& dir : missing_directories(root_, state_dir)) add_record({RecordKind::kCreatedDirectory, dir, ""});
  record_planned_kernel_values();
  record_persistence_files();
  if (auto created = root_.create_directories(state_dir); !created)
    return make_error(created.error().code,
                      "cannot create the state directory: " + created.error().message + "; nothing was changed");
  if (auto saved = save_state(root_, apply_options_.state_path, state_); !saved) {
    remove_new_directories(root_, state_, new_paths_);
    return make_error(saved.error().code,
                      "cannot write the state file: " + saved.error().message + "; nothing was changed");
  }
  report_.state_written = true;
  return {};
}

void ApplyRun::add_record(StateRecord record) {
  if (state_.find(record.path)) return;  // an earlier apply holds the older value: keep it
  new_paths_.insert(record.path);
  state_.records.push_back(std::move(record));
}

void ApplyRun::record_planned_kernel_values() {
  for (const auto& planned : plan_) {
    const CheckResult& result = results_[planned.result_index];
    for (const auto& target : result.targets)
      if (target.differs && !refused_paths_.contains(target.path))
        add_record({RecordKind::kKernelValue, target.path, before_[target.path]});
    for (const auto& path : result.item.reset_by_write)
      if (before_.contains(path)) add_record({RecordKind::kKernelValue, path, before_[path]});
  }
}

void ApplyRun::record_persistence_files() {
  file_readable_.assign(files_.size(), true);
  for (size_t i = 0; i < files_.size(); ++i) {
    for (const auto& dir : missing_directories(root_, parent_of(files_[i].path)))
      add_record({RecordKind::kCreatedDirectory, dir, ""});
    if (!root_.exists(files_[i].path)) {
      add_record({RecordKind::kCreatedFile, files_[i].path, ""});
    } else if (auto old = root_.read_file(files_[i].path)) {
      add_record({RecordKind::kReplacedFile, files_[i].path, *old});
    } else {
      file_readable_[i] = false;  // cannot keep its old contents, so do not replace it
      report_.files.push_back({files_[i].path, ChangeOutcome::kFailed,
                               "cannot keep its old contents: " + old.error().message, files_[i].item_ids});
    }
  }
}

// Kernel values, in catalogue order. Each item is re-read just before it is written: an
// earlier write may have moved it (a scheduler switch resets nr_requests), and an item that
// was fine before apply but was moved that way is set again too.
void ApplyRun::write_kernel_values() {
  std::set<std::string> moved;                 // files reset by a write of this run
  std::map<size_t, size_t> planned_by_result;  // result index -> index in `plan_`
  for (size_t p = 0; p < plan_.size(); ++p) planned_by_result[plan_[p].result_index] = p;
  for (size_t i = 0; i < results_.size(); ++i) {
    const CheckResult& result = results_[i];
    auto planned_it = planned_by_result.find(i);
    const bool was_moved = std::any_of(result.targets.begin(), result.targets.end(),
                                       [&](const TargetState& t) { return moved.contains(t.path); });
    if (planned_it == planned_by_result.end() && !was_moved) continue;
    CheckResult fresh = check_item(root_, result.item, limits_, options_.running_limits);
    if (planned_it == planned_by_result.end()) {
      if (fresh.status != ItemStatus::kDiffers) continue;
      ItemChange change{result.item.id, fresh.current, result.item.recommended, ChangeOutcome::kSet,
                        "the kernel reset it when an earlier item was written; set again"};
      report_.items.push_back(std::move(change));
      plan_.push_back(PlannedItem{i, report_.items.size() - 1, 0});
      planned_it = planned_by_result.emplace(i, plan_.size() - 1).first;
    }
    if (write_item(plan_[planned_it->second], fresh) > 0)
      moved.insert(result.item.reset_by_write.begin(), result.item.reset_by_write.end());
  }
}

// Writes the differing files of one planned item, as `fresh` found them. A file the
// write-ahead record does not hold (moved since) is recorded and saved first: a value that
// is not recorded is not written. Returns how many files were written; if any failed, the
// item's entry in report_.items says how many and why.
size_t ApplyRun::write_item(PlannedItem planned, const CheckResult& fresh) {
  const CheckResult& result = results_[planned.result_index];
  size_t done = 0, failed = planned.refused;
  std::string error;
  for (const auto& target : fresh.targets) {
    if (!target.differs || refused_paths_.contains(target.path)) continue;
    if (!state_.find(target.path)) {
      add_record({RecordKind::kKernelValue, target.path,
                  before_.contains(target.path) ? before_[target.path] : target.current});
      if (auto saved = save_state(root_, apply_options_.state_path, state_); !saved) {
        ++failed;
        if (error.empty()) error = "not recorded, so not written: " + saved.error().message;
        continue;
      }
    }
    if (auto status = root_.write_kernel_value(target.path, result.item.recommended)) {
      written_.insert(target.path);
      ++done;
    } else {
      ++failed;
      if (error.empty()) error = status.error().message;
    }
  }
  if (planned.refused > 0 && error.empty()) error = "no permission to write some of its files";
  if (failed > 0) {
    ItemChange& change = report_.items[planned.change_index];
    change.outcome = ChangeOutcome::kFailed;
    change.detail =
        (done > 0 ? "set " + std::to_string(done) + " of " + std::to_string(done + failed) + " files; " : "") + error;
  }
  return done;
}

// Persistence files whose old contents are recorded.
void ApplyRun::write_persistence_files() {
  for (size_t i = 0; i < files_.size(); ++i) {
    if (!file_readable_[i]) continue;
    const PersistFile& file = files_[i];
    const StateRecord* record = state_.find(file.path);
    FileChange change{file.path, ChangeOutcome::kSet,
                      record && record->kind == RecordKind::kReplacedFile ? "replaced" : "created", file.item_ids};
    if (auto dirs = root_.create_directories(parent_of(file.path)); !dirs) {
      change = {file.path, ChangeOutcome::kFailed, dirs.error().message, file.item_ids};
    } else if (auto status = root_.write_config_file(file.path, file.contents); !status) {
      change = {file.path, ChangeOutcome::kFailed, status.error().message, file.item_ids};
    } else {
      written_.insert(file.path);
      if (file.path.starts_with("/etc/systemd/")) change.detail += "; run `systemctl daemon-reload`";
    }
    if (change.outcome == ChangeOutcome::kFailed) fail_items_set_by(file, change.detail);
    report_.files.push_back(std::move(change));
  }
}

// The limits a persistence file would have set, reported as waiting for a restart, will not
// be in force after it either.
void ApplyRun::fail_items_set_by(const PersistFile& file, const std::string& why) {
  for (auto& item : report_.items)
    if (item.outcome == ChangeOutcome::kNeedsRestart &&
        std::find(file.item_ids.begin(), file.item_ids.end(), item.id) != file.item_ids.end()) {
      item.outcome = ChangeOutcome::kFailed;
      item.detail = "could not write " + file.path + ": " + why;
    }
}

// Final state: forget this run's records of writes that did not happen, so that rollback
// leaves those files alone.
void ApplyRun::save_final_state() {
  std::set<std::string> keep = written_;
  for (const auto& planned : plan_) {
    const CheckResult& result = results_[planned.result_index];
    bool any_written = std::any_of(result.targets.begin(), result.targets.end(),
                                   [&](const TargetState& t) { return written_.contains(t.path); });
    if (any_written) keep.insert(result.item.reset_by_write.begin(), result.item.reset_by_write.end());
  }
  std::erase_if(state_.records, [&](const StateRecord& record) {
    return record.kind != RecordKind::kCreatedDirectory && new_paths_.contains(record.path) &&
           !keep.contains(record.path);
  });
  bool anything_recorded = std::any_of(state_.records.begin(), state_.records.end(),
                                       [](const StateRecord& r) { return r.kind != RecordKind::kCreatedDirectory; });
  if (!anything_recorded) {
    // Nothing changed after all (every write failed): leave no trace.
    (void)root_.remove_file(apply_options_.state_path);  // a failure leaves a harmless file
    remove_new_directories(root_, state_, new_paths_);
    report_.state_written = false;
    return;
  }
  if (auto saved = save_state(root_, apply_options_.state_path, state_); !saved)
    report_.files.push_back({apply_options_.state_path,
                             ChangeOutcome::kFailed,
                             "final update failed (the earlier, larger record stays and still "
                             "rolls back safely): " +
                                 saved.error().message,
                             {}});
}

}  // namespace

bool ApplyReport::succeeded() const {
  auto failed = [](const auto& change) { return change.outcome == ChangeOutcome::kFailed; };
  return std::none_of(items.begin(), items.end(), failed) && std::none_of(files.begin(), files.end(), failed);
}

std::string_view change_outcome_name(ChangeOutcome outcome) {
  switch (outcome) {
    case ChangeOutcome::kSet:
      return "set";
    case ChangeOutcome::kWouldSet:
      return "would set";
    case ChangeOutcome::kFailed:
      return "could not set";
    case ChangeOutcome::kNeedsPersist:
      return "needs --persist";
    case ChangeOutcome::kNeedsRestart:
      return "needs restart";
  }
  return "unknown";
}

Result<ApplyReport> apply_profile(SystemRoot& root, const CheckOptions& options, const ApplyOptions& apply_options) {
  auto checked = check_host(root, options);
  if (!checked) return std::unexpected(checked.error());
  return ApplyRun(root, options, apply_options, *checked).run();
}

}  // namespace ringmq::tuning
