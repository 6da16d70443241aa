#include "tuning/limits_config.h"

#include <algorithm>
#include <sstream>

#include "common/byte_size.h"
#include "tuning/kernel_value.h"

namespace ringmq::tuning {
namespace {

// Groups `user` belongs to: its primary group from /etc/passwd and every /etc/group line
// that lists it.
std::vector<std::string> groups_of(const SystemRoot& root, const std::string& user, bool& user_known) {
  std::vector<std::string> groups;
  std::string primary_gid;
  if (auto passwd = root.read_file("/etc/passwd")) {
    std::istringstream lines(*passwd);
    for (std::string line; std::getline(lines, line);) {
      std::vector<std::string> fields;
      std::istringstream parts(line);
      for (std::string field; std::getline(parts, field, ':');) fields.push_back(field);
      if (fields.size() >= 4 && fields[0] == user) {
        primary_gid = fields[3];
        user_known = true;
      }
    }
  }
  if (auto group = root.read_file("/etc/group")) {
    std::istringstream lines(*group);
    for (std::string line; std::getline(lines, line);) {
      std::vector<std::string> fields;
      std::istringstream parts(line);
      for (std::string field; std::getline(parts, field, ':');) fields.push_back(field);
      if (fields.size() < 3) continue;
      bool member = !primary_gid.empty() && fields[2] == primary_gid;
      if (fields.size() >= 4) {
        std::istringstream members(fields[3]);
        for (std::string name; std::getline(members, name, ',');) member = member || trim(name) == user;
      }
      if (member) groups.push_back(fields[0]);
    }
  }
  return groups;
}

// Precedence of a limits.conf domain for `user`: 3 user, 2 group, 1 "*", 0 no match.
int domain_rank(const std::string& domain, const std::string& user, const std::vector<std::string>& groups) {
  if (domain == user) return 3;
  if (user == "root") return 0;  // pam_limits applies only literal "root" entries to root
  if (domain.starts_with('@')) {
    for (const auto& group : groups)
      if (domain.substr(1) == group) return 2;
    return 0;
  }
  return domain == "*" ? 1 : 0;
}

struct RankedSide {
  int rank = 0;
  std::optional<LimitValue> value;
  std::string source;
};

void read_limits_file(const SystemRoot& root, const std::string& path, const std::string& user,
                      const std::vector<std::string>& groups, RankedSide sides[2][2]) {
  auto text = root.read_file(path);
  if (!text) return;
  std::istringstream lines(*text);
  int line_number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    std::string domain, type, item, value;
    if (!(fields >> domain >> type >> item >> value)) continue;
    int limit = item == "memlock" ? 0 : item == "nofile" ? 1 : -1;
    int rank = domain_rank(domain, user, groups);
    auto parsed = parse_limits_conf_value(value);
    if (limit < 0 || rank == 0 || !parsed) continue;
    for (int side = 0; side < 2; ++side) {  // 0 soft, 1 hard
      bool applies = type == "-" || (side == 0 && type == "soft") || (side == 1 && type == "hard");
      if (applies && rank >= sides[limit][side].rank)
        sides[limit][side] = {rank, parsed, path + ":" + std::to_string(line_number)};
    }
  }
}

ConfiguredLimits read_pam_limits(const SystemRoot& root, const std::string& user) {
  ConfiguredLimits limits;
  auto groups = groups_of(root, user, limits.user_known);
  RankedSide sides[2][2];
  read_limits_file(root, "/etc/security/limits.conf", user, groups, sides);
  if (auto names = root.list_directory("/etc/security/limits.d"))
    for (const auto& name : *names)
      if (name.ends_with(".conf")) read_limits_file(root, "/etc/security/limits.d/" + name, user, groups, sides);
  ConfiguredLimit* targets[2] = {&limits.memlock, &limits.nofile};
  for (int limit = 0; limit < 2; ++limit) {
    targets[limit]->soft = sides[limit][0].value;
    targets[limit]->hard = sides[limit][1].value;
    targets[limit]->source = !sides[limit][0].source.empty() ? sides[limit][0].source : sides[limit][1].source;
  }
  return limits;
}

void read_unit_file(const SystemRoot& root, const std::string& path, ConfiguredLimits& limits) {
  auto text = root.read_file(path);
  if (!text) return;
  std::istringstream lines(*text);
  int line_number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++line_number;
    line = trim(line);
    auto equals = line.find('=');
    if (equals == std::string::npos) continue;
    const std::string key = trim(line.substr(0, equals));
    const std::string value = trim(line.substr(equals + 1));
    LimitName name;
    if (key == "LimitMEMLOCK")
      name = LimitName::kMemlock;
    else if (key == "LimitNOFILE")
      name = LimitName::kNofile;
    else
      continue;
    // "soft:hard" or one value for both.
    auto colon = value.find(':');
    auto soft = parse_systemd_limit_value(name, value.substr(0, colon));
    auto hard = colon == std::string::npos ? soft : parse_systemd_limit_value(name, value.substr(colon + 1));
    if (!soft || !hard) continue;
    ConfiguredLimit& target = name == LimitName::kMemlock ? limits.memlock : limits.nofile;
    target = {soft, hard, path + ":" + std::to_string(line_number)};
  }
}

ConfiguredLimits read_unit_limits(const SystemRoot& root, const std::string& unit_path, const std::string& unit) {
  ConfiguredLimits limits;
  limits.from_systemd_unit = true;
  limits.unit_path = unit_path;
  read_unit_file(root, unit_path, limits);
  // Drop-ins are applied in file-name order across all directories; a name in a more
  // important directory hides the same name in a less important one.
  std::vector<std::pair<std::string, std::string>> drop_ins;  // (name, path)
  for (const auto& dir : systemd_unit_directories()) {
    auto names = root.list_directory(dir + "/" + unit + ".d");
    if (!names) continue;
    for (const auto& name : *names) {
      if (!name.ends_with(".conf")) continue;
      bool hidden = false;
      for (const auto& seen : drop_ins) hidden = hidden || seen.first == name;
      if (!hidden) drop_ins.emplace_back(name, dir + "/" + unit + ".d/" + name);
    }
  }
  std::sort(drop_ins.begin(), drop_ins.end());
  for (const auto& drop_in : drop_ins) read_unit_file(root, drop_in.second, limits);
  return limits;
}

}  // namespace

std::string format_limit(LimitName name, const LimitValue& value) {
  if (value.unlimited) return "unlimited";
  return std::to_string(value.amount) + (name == LimitName::kMemlock ? " KiB" : "");
}

std::optional<LimitValue> parse_limits_conf_value(std::string_view text) {
  std::string value = trim(text);
  if (value == "unlimited" || value == "infinity" || value == "-1") return LimitValue::infinite();
  auto number = parse_integer(value);
  if (!number || *number < 0) return std::nullopt;
  return LimitValue::of(static_cast<uint64_t>(*number));
}

std::optional<LimitValue> parse_systemd_limit_value(LimitName name, std::string_view text) {
  std::string value = trim(text);
  if (value == "infinity") return LimitValue::infinite();
  auto bytes = parse_byte_size(value);  // systemd's K, M, G, T are binary too
  if (!bytes) return std::nullopt;
  uint64_t amount = *bytes;
  if (name == LimitName::kMemlock) amount /= 1024;  // systemd counts bytes, limits.conf KiB
  return LimitValue::of(amount);
}

std::vector<std::string> systemd_unit_directories() {
  return {"/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"};
}

ConfiguredLimits read_configured_limits(const SystemRoot& root, const std::string& user,
                                        const std::string& systemd_unit) {
  ConfiguredLimits limits = read_pam_limits(root, user);
  if (!systemd_unit.empty())
    for (const auto& dir : systemd_unit_directories())
      if (root.exists(dir + "/" + systemd_unit)) {
        ConfiguredLimits from_unit = read_unit_limits(root, dir + "/" + systemd_unit, systemd_unit);
        from_unit.user_known = limits.user_known;
        return from_unit;
      }
  return limits;
}

}  // namespace ringmq::tuning
