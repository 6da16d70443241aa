// How ringmq-tune shows its results: a plain-text table for people, or one JSON document for
// scripts (--json). Pure functions from results to text; main.cc only prints them.
#pragma once

#include <string>
#include <vector>

#include "tuning/apply.h"
#include "tuning/host_check.h"
#include "tuning/rollback.h"

namespace ringmq::tuning {

// Columns GROUP ITEM CURRENT RECOMMENDED STATUS NOTE, then a summary line. `verbose` adds
// each item's "why" on the line under it.
std::string format_check_table(const std::vector<CheckResult>& results, const CheckOptions& options, bool verbose);
// {"profile", "root", "data_directory", "broker_user", "summary": {...}, "items": [{"id",
// "group", "current", "recommended", "status", "why", "note", "files": [...]}, ...]}
std::string format_check_json(const std::vector<CheckResult>& results, const CheckOptions& options);

std::string format_apply_table(const ApplyReport& report);
std::string format_apply_json(const ApplyReport& report);

std::string format_rollback_table(const RollbackReport& report);
std::string format_rollback_json(const RollbackReport& report);

}  // namespace ringmq::tuning
