// What memlock and nofile limits the broker's user gets, read from the files that set them.
// A service started by systemd takes its limits from the unit (LimitMEMLOCK=, LimitNOFILE=)
// and ignores /etc/security/limits.d entirely; a broker started from a login shell gets
// pam_limits' values. So if the broker's unit file exists the unit is the source, otherwise
// /etc/security/limits.conf and limits.d/*.conf are.
// These limits cannot be changed for a running process from outside it: the files only take
// effect at the next login or service (re)start, which the report says in so many words.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuning/system_root.h"

namespace ringmq::tuning {

enum class LimitName { kMemlock, kNofile };

// One resource limit. memlock counts KiB (as limits.conf does), nofile counts descriptors.
struct LimitValue {
  bool unlimited = false;
  uint64_t amount = 0;  // ignored when unlimited

  static LimitValue infinite() { return {true, 0}; }
  static LimitValue of(uint64_t amount) { return {false, amount}; }
  bool at_least(const LimitValue& wanted) const { return unlimited || (!wanted.unlimited && amount >= wanted.amount); }
  bool operator==(const LimitValue&) const = default;
};

// "unlimited", "8192 KiB" for memlock, "1048576" for nofile.
std::string format_limit(LimitName name, const LimitValue& value);
// A limits.conf value: "unlimited", "infinity" or "-1", or a decimal count.
std::optional<LimitValue> parse_limits_conf_value(std::string_view text);
// A systemd LimitX= value for one side: "infinity", or a count with an optional K/M/G/T
// suffix (powers of 1024). memlock is given in bytes there and is returned in KiB.
std::optional<LimitValue> parse_systemd_limit_value(LimitName name, std::string_view text);

// A limit as configured: the soft value the process starts with and the hard ceiling.
// nullopt means no file sets it, so the system default (often 8 MiB / 1024) applies.
struct ConfiguredLimit {
  std::optional<LimitValue> soft;
  std::optional<LimitValue> hard;
  std::string source;  // "/etc/security/limits.d/90-ringmq.conf:2", or "" if unset
};

// Both limits of the broker as configured, and where they come from.
struct ConfiguredLimits {
  bool user_known = false;         // the user has a line in /etc/passwd
  bool from_systemd_unit = false;  // true if the broker's unit file exists
  std::string unit_path;           // that file, if so
  ConfiguredLimit memlock;
  ConfiguredLimit nofile;
  const ConfiguredLimit& get(LimitName name) const { return name == LimitName::kMemlock ? memlock : nofile; }
};

// The paths systemd searches for a unit and its drop-ins, most important first.
std::vector<std::string> systemd_unit_directories();

// Reads the limits `user` (or `systemd_unit`, if that unit file exists) would start with.
// pam_limits' rules: an entry for the user beats one for a @group it belongs to, which beats
// "*"; among equals the later line (limits.conf, then limits.d/*.conf by name) wins; group and
// "*" entries do not apply to root.
ConfiguredLimits read_configured_limits(const SystemRoot& root, const std::string& user,
                                        const std::string& systemd_unit);

}  // namespace ringmq::tuning
