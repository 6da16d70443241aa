#include "tuning/check.h"

#include <algorithm>
#include <map>

#include "tuning/kernel_value.h"

namespace ringmq::tuning {
namespace {

// "performance" if every file agrees, else "mixed: powersave x6, performance x2".
std::string summarize(const std::vector<TargetState>& targets) {
  if (targets.empty()) return "";
  std::vector<std::pair<std::string, int>> counts;
  for (const auto& target : targets) {
    auto found = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == target.current; });
    if (found == counts.end())
      counts.emplace_back(target.current, 1);
    else
      ++found->second;
  }
  if (counts.size() == 1) return counts.front().first;
  std::string text = "mixed:";
  for (size_t i = 0; i < counts.size(); ++i)
    text += (i ? ", " : " ") + counts[i].first + " x" + std::to_string(counts[i].second);
  return text;
}

CheckResult check_limit(const ItemSpec& item, const ConfiguredLimits& limits,
                        const std::optional<RunningLimits>& running_limits, CheckResult result) {
  const LimitName name = *item.limit;
  const ConfiguredLimit& configured = limits.get(name);
  const LimitValue wanted = parse_limits_conf_value(item.recommended).value_or(LimitValue::infinite());
  if (configured.soft) {
    result.current = format_limit(name, *configured.soft);
    if (configured.hard && *configured.hard != *configured.soft)
      result.current += " (hard " + format_limit(name, *configured.hard) + ")";
    result.note = "set in " + configured.source;
  } else {
    result.current = "not set";
    result.note = limits.from_systemd_unit
                      ? "not set by " + limits.unit_path + " or its drop-ins: systemd's default applies"
                      : "no limits.conf entry for the user: the system default applies";
  }
  if (!limits.user_known && !limits.from_systemd_unit) result.note += " (the user does not exist here yet)";
  const bool configured_ok =
      configured.soft && configured.soft->at_least(wanted) && (!configured.hard || configured.hard->at_least(wanted));
  if (!configured_ok) {
    result.status = ItemStatus::kDiffers;
    return result;
  }
  if (running_limits) {
    const LimitValue& running = name == LimitName::kMemlock ? running_limits->memlock : running_limits->nofile;
    if (!running.at_least(wanted)) {
      result.status = ItemStatus::kNeedsRestart;
      result.note = "configured in " + configured.source + ", but this process runs with " +
                    format_limit(name, running) + ": restart the service (or log in again) to pick it up";
      return result;
    }
  }
  result.status = ItemStatus::kOk;
  return result;
}

}  // namespace

bool value_is_acceptable(const ItemSpec& item, const std::string& current) {
  switch (item.compare) {
    case Compare::kReportOnly:
      return true;
    case Compare::kAtLeast:
    case Compare::kAtMost: {
      auto have = parse_integer(current), want = parse_integer(item.recommended);
      if (!have || !want) return current == item.recommended;
      return item.compare == Compare::kAtLeast ? *have >= *want : *have <= *want;
    }
    case Compare::kEqual: {
      auto have = parse_integer(current), want = parse_integer(item.recommended);
      if (have && want) return *have == *want;
      return current == item.recommended;
    }
  }
  return false;
}

std::string display_recommended(const ItemSpec& item) {
  if (item.compare == Compare::kReportOnly) return "(report only)";
  if (!item.unsupported_reason.empty() && item.recommended.empty()) return "-";
  if (item.limit) return item.recommended == "unlimited" ? "unlimited" : ">= " + item.recommended;
  if (item.compare == Compare::kAtLeast) return ">= " + item.recommended;
  if (item.compare == Compare::kAtMost) return "<= " + item.recommended;
  return item.recommended;
}

CheckResult check_item(const SystemRoot& root, const ItemSpec& item, const ConfiguredLimits& limits,
                       const std::optional<RunningLimits>& running_limits) {
  CheckResult result;
  result.item = item;
  result.recommended = display_recommended(item);
  result.status = ItemStatus::kUnsupported;
  if (!item.unsupported_reason.empty()) {
    result.note = item.unsupported_reason;
    return result;
  }
  if (item.limit) return check_limit(item, limits, running_limits, std::move(result));
  if (item.paths.empty()) {
    result.note = "no file holds this setting here";
    return result;
  }
  auto first = root.read_file(item.paths.front());
  if (!first) {
    result.note = first.error().code == ErrorCode::kNotFound
                      ? "not exposed by this kernel: " + item.paths.front() + " does not exist"
                      : "cannot read: " + first.error().message;
    return result;
  }
  std::vector<std::string> choices;
  if (!item.choices_path.empty()) {
    if (auto listed = root.read_file(item.choices_path)) choices = listed_values(*listed);
  } else if (first->find('[') != std::string::npos) {
    choices = listed_values(*first);
  }
  for (const auto& path : item.paths) {
    auto text = path == item.paths.front() ? first : root.read_file(path);
    if (!text) continue;  // a CPU that went offline between listing and reading
    TargetState target{path, selected_value(*text), false};
    target.differs = !value_is_acceptable(item, target.current);
    result.targets.push_back(std::move(target));
  }
  result.current = summarize(result.targets);
  if (item.compare == Compare::kEqual && !choices.empty() &&
      std::find(choices.begin(), choices.end(), item.recommended) == choices.end()) {
    std::string offered;
    for (const auto& choice : choices) offered += (offered.empty() ? "" : " ") + choice;
    result.note = "'" + item.recommended + "' is not offered here (offers: " + offered + ")";
    return result;
  }
  bool differs =
      std::any_of(result.targets.begin(), result.targets.end(), [](const TargetState& t) { return t.differs; });
  result.status = differs ? ItemStatus::kDiffers : ItemStatus::kOk;
  return result;
}

}  // namespace ringmq::tuning
