#include "tuning/report.h"

#include "common/json_writer.h"
#include "common/text_table.h"

namespace ringmq::tuning {
namespace {

struct Counts {
  size_t ok = 0, differs = 0, unsupported = 0, needs_restart = 0;
};

Counts count(const std::vector<CheckResult>& results) {
  Counts counts;
  for (const auto& result : results) {
    switch (result.status) {
      case ItemStatus::kOk:
        ++counts.ok;
        break;
      case ItemStatus::kDiffers:
        ++counts.differs;
        break;
      case ItemStatus::kUnsupported:
        ++counts.unsupported;
        break;
      case ItemStatus::kNeedsRestart:
        ++counts.needs_restart;
        break;
    }
  }
  return counts;
}

std::string or_dash(const std::string& text) { return text.empty() ? "-" : text; }

}  // namespace

std::string format_check_table(const std::vector<CheckResult>& results, const CheckOptions& options, bool verbose) {
  std::string out = "ringmq-tune check: profile " + std::string(profile_name(options.profile)) + ", root " +
                    options.root_dir + ", data directory " + options.data_directory + ", broker user " +
                    options.broker_user + "\n\n";
  std::vector<std::vector<std::string>> rows = {{"GROUP", "ITEM", "CURRENT", "RECOMMENDED", "STATUS", "NOTE"}};
  std::vector<std::string> whys;  // per data row
  for (const auto& result : results) {
    rows.push_back({std::string(group_name(result.item.group)), result.item.id, or_dash(result.current),
                    result.recommended, std::string(status_name(result.status)), result.note});
    whys.push_back(result.item.why);
  }
  std::string table = format_table(rows);
  if (!verbose) {
    out += table;
  } else {
    size_t row = 0, start = 0;
    while (start < table.size()) {
      size_t end = table.find('\n', start);
      out += table.substr(start, end - start + 1);
      if (row > 0) out += "    why: " + whys[row - 1] + "\n";
      start = end + 1;
      ++row;
    }
  }
  const Counts counts = count(results);
  out += "\n" + std::to_string(counts.differs) + " differ, " + std::to_string(counts.ok) + " ok, " +
         std::to_string(counts.unsupported) + " not supported here";
  if (counts.needs_restart) out += ", " + std::to_string(counts.needs_restart) + " need a restart";
  out += ".";
  if (counts.differs) out += " `ringmq-tune apply` changes what differs (--dry-run to preview, --persist to keep it).";
  if (!verbose) out += " --verbose says why.";
  return out + "\n";
}

std::string format_check_json(const std::vector<CheckResult>& results, const CheckOptions& options) {
  const Counts counts = count(results);
  JsonWriter json;
  json.begin_object()
      .field("profile", profile_name(options.profile))
      .field("root", options.root_dir)
      .field("data_directory", options.data_directory)
      .field("broker_user", options.broker_user);
  json.begin_object("summary")
      .field("ok", counts.ok)
      .field("differs", counts.differs)
      .field("unsupported", counts.unsupported)
      .field("needs_restart", counts.needs_restart)
      .end_object();
  json.begin_array("items");
  for (const auto& result : results) {
    json.begin_object()
        .field("id", result.item.id)
        .field("group", group_name(result.item.group))
        .field("current", result.current)
        .field("recommended", result.recommended)
        .field("status", status_key(result.status))
        .field("why", result.item.why)
        .field("note", result.note);
    json.begin_array("files");
    for (const auto& path : result.item.paths) json.item(path);
    json.end_array().end_object();
  }
  json.end_array().end_object();
  return json.str();
}

std::string format_apply_table(const ApplyReport& report) {
  std::string out = std::string(report.dry_run ? "ringmq-tune apply --dry-run" : "ringmq-tune apply") + ": profile " +
                    std::string(profile_name(report.profile)) + "\n\n";
  if (report.items.empty() && report.files.empty()) {
    out += "Nothing to change.\n";
  } else {
    std::vector<std::vector<std::string>> rows = {{"ITEM", "FROM", "TO", "RESULT", "DETAIL"}};
    for (const auto& item : report.items)
      rows.push_back(
          {item.id, or_dash(item.from), item.to, std::string(change_outcome_name(item.outcome)), item.detail});
    for (const auto& file : report.files)
      rows.push_back({file.path, "", "",
                      file.outcome == ChangeOutcome::kSet        ? "written"
                      : file.outcome == ChangeOutcome::kWouldSet ? "would write"
                                                                 : "could not write",
                      file.detail});
    out += format_table(rows);
  }
  out += "\n" + std::to_string(report.already_ok) + " already ok, " + std::to_string(report.unsupported) +
         " not supported here.";
  if (report.state_written)
    out += " Old values recorded in " + report.state_path + "; `ringmq-tune rollback` restores them.";
  if (!report.succeeded()) out += " Some items could not be set (see RESULT).";
  return out + "\n";
}

std::string format_apply_json(const ApplyReport& report) {
  JsonWriter json;
  json.begin_object()
      .field("profile", profile_name(report.profile))
      .field("dry_run", report.dry_run)
      .field("succeeded", report.succeeded())
      .field("already_ok", report.already_ok)
      .field("unsupported", report.unsupported)
      .field("state_file", report.state_path)
      .field("state_written", report.state_written);
  json.begin_array("items");
  for (const auto& item : report.items)
    json.begin_object()
        .field("id", item.id)
        .field("from", item.from)
        .field("to", item.to)
        .field("outcome", change_outcome_name(item.outcome))
        .field("detail", item.detail)
        .end_object();
  json.end_array().begin_array("files");
  for (const auto& file : report.files) {
    json.begin_object()
        .field("path", file.path)
        .field("outcome", file.outcome == ChangeOutcome::kSet        ? "written"
                          : file.outcome == ChangeOutcome::kWouldSet ? "would write"
                                                                     : "could not write")
        .field("detail", file.detail);
    json.begin_array("items");
    for (const auto& id : file.item_ids) json.item(id);
    json.end_array().end_object();
  }
  json.end_array().end_object();
  return json.str();
}

std::string format_rollback_table(const RollbackReport& report) {
  std::string out = std::string(report.dry_run ? "ringmq-tune rollback --dry-run" : "ringmq-tune rollback") + "\n\n";
  if (!report.state_found) return out + "Nothing to roll back: no state file at " + report.state_path + ".\n";
  std::vector<std::vector<std::string>> rows = {{"WHAT", "PATH", "RESULT", "DETAIL"}};
  for (const auto& step : report.steps)
    rows.push_back({std::string(record_kind_name(step.record.kind)), step.record.path,
                    std::string(step_outcome_name(step.outcome)), step.detail});
  out += format_table(rows);
  if (!report.succeeded())
    out += "\nSome changes could not be undone; they stay in " + report.state_path + " for another try.\n";
  return out;
}

std::string format_rollback_json(const RollbackReport& report) {
  JsonWriter json;
  json.begin_object()
      .field("state_found", report.state_found)
      .field("dry_run", report.dry_run)
      .field("succeeded", report.succeeded())
      .field("state_file", report.state_path)
      .field("profile", report.profile);
  json.begin_array("steps");
  for (const auto& step : report.steps)
    json.begin_object()
        .field("kind", record_kind_name(step.record.kind))
        .field("path", step.record.path)
        .field("outcome", step_outcome_name(step.outcome))
        .field("detail", step.detail)
        .end_object();
  json.end_array().end_object();
  return json.str();
}

}  // namespace ringmq::tuning
