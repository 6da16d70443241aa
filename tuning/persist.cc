#include "tuning/persist.h"

#include <algorithm>

namespace ringmq::tuning {
namespace {

std::string header(const CheckOptions& options) {
  return "# Written by `ringmq-tune apply --persist` (profile " + std::string(profile_name(options.profile)) +
         ").\n# `ringmq-tune rollback` removes this file; edit the profile, not this file.\n";
}

// The value a kernel file will hold after apply: recommended if it differs, else as it is.
std::string value_after_apply(const TargetState& target, const ItemSpec& item) {
  return target.differs ? item.recommended : target.current;
}

bool persistable(const CheckResult& result) {
  return result.status == ItemStatus::kOk || result.status == ItemStatus::kDiffers;
}

}  // namespace

std::string systemd_drop_in_path(const std::string& unit) {
  return "/etc/systemd/system/" + unit + ".d/90-ringmq-tune.conf";
}

std::vector<PersistFile> persistence_files(const std::vector<CheckResult>& results, const CheckOptions& options,
                                           bool limits_from_systemd_unit) {
  PersistFile sysctl{kSysctlFile, header(options), {}};
  PersistFile udev{kUdevRuleFile, header(options), {}};
  PersistFile tmpfiles{kTmpfilesFile, header(options) + "# Type Path Mode User Group Age Argument\n", {}};
  PersistFile limits{limits_from_systemd_unit ? systemd_drop_in_path(options.systemd_unit) : kLimitsFile,
                     header(options) + (limits_from_systemd_unit ? "[Service]\n" : ""),
                     {}};
  size_t sysctl_base = sysctl.contents.size(), tmpfiles_base = tmpfiles.contents.size();
  size_t limits_base = limits.contents.size();
  // Disk -> its ATTR assignments in catalogue order; disks kept in first-seen order.
  std::vector<std::pair<std::string, std::string>> rules;

  for (const auto& result : results) {
    const ItemSpec& item = result.item;
    if (!persistable(result)) continue;
    switch (item.persist) {
      case PersistVia::kNone:
        break;
      case PersistVia::kSysctlD:
        if (result.targets.empty()) break;
        sysctl.contents += item.persist_key + " = " + value_after_apply(result.targets.front(), item) + "\n";
        sysctl.item_ids.push_back(item.id);
        break;
      case PersistVia::kTmpfilesD:
        for (const auto& target : result.targets)
          tmpfiles.contents += "w " + target.path + " - - - - " + value_after_apply(target, item) + "\n";
        if (!result.targets.empty()) tmpfiles.item_ids.push_back(item.id);
        break;
      case PersistVia::kUdevRule: {
        if (result.targets.empty()) break;
        auto rule = std::find_if(rules.begin(), rules.end(), [&](const auto& r) { return r.first == item.device; });
        if (rule == rules.end()) {
          rules.emplace_back(item.device, "");
          rule = rules.end() - 1;
        }
        rule->second += ", ATTR{" + item.persist_key + "}=\"" + value_after_apply(result.targets.front(), item) + "\"";
        udev.item_ids.push_back(item.id);
        break;
      }
      case PersistVia::kLimits: {
        if (result.status != ItemStatus::kDiffers || !item.limit) break;
        const bool unlimited = item.recommended == "unlimited";
        if (limits_from_systemd_unit) {
          std::string value = unlimited                           ? "infinity"
                              : item.limit == LimitName::kMemlock ? item.recommended + "K"
                                                                  : item.recommended;
          limits.contents += (item.limit == LimitName::kMemlock ? "LimitMEMLOCK=" : "LimitNOFILE=") + value + "\n";
        } else {
          limits.contents += options.broker_user + " - " + item.persist_key + " " + item.recommended + "\n";
        }
        limits.item_ids.push_back(item.id);
        break;
      }
    }
  }
  for (const auto& [disk, assignments] : rules)
    udev.contents += "ACTION==\"add|change\", SUBSYSTEM==\"block\", KERNEL==\"" + disk + "\"" + assignments + "\n";

  std::vector<PersistFile> files;
  if (sysctl.contents.size() > sysctl_base) files.push_back(std::move(sysctl));
  if (!rules.empty()) files.push_back(std::move(udev));
  if (tmpfiles.contents.size() > tmpfiles_base) files.push_back(std::move(tmpfiles));
  if (limits.contents.size() > limits_base) files.push_back(std::move(limits));
  return files;
}

}  // namespace ringmq::tuning
