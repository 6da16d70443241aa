// ringmq-tune: check, apply and roll back the kernel settings the RingMQ engine depends on.
//   ringmq-tune check    [--profile latency|throughput] [--json] [--verbose]
//   ringmq-tune apply    [--dry-run] [--persist]
//   ringmq-tune rollback [--dry-run]
// Common: --root DIR (a fake /proc, /sys, /etc tree), --data-dir, --user, --unit, --state.
// Exit status: 0 done (check: nothing differs); 1 check found items that differ;
// 2 usage or fatal error; 3 apply or rollback could not do everything it should.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "tuning/apply.h"
#include "tuning/host_check.h"
#include "tuning/report.h"
#include "tuning/rollback.h"

namespace {

using namespace ringmq::tuning;

constexpr int kExitOk = 0;
constexpr int kExitDiffers = 1;
constexpr int kExitError = 2;
constexpr int kExitIncomplete = 3;

struct CommandLine {
  std::string profile = "latency";
  std::string root = "/";
  std::string data_directory = CheckOptions{}.data_directory;
  std::string user = CheckOptions{}.broker_user;
  std::string unit = CheckOptions{}.systemd_unit;
  std::string state_path = kDefaultStatePath;
  bool json = false;
  bool verbose = false;
  bool dry_run = false;
  bool persist = false;
};

void add_common_options(CLI::App* command, CommandLine& line) {
  command->add_option("--profile", line.profile, "Tuning profile")
      ->check(CLI::IsMember({"latency", "throughput"}))
      ->capture_default_str();
  command->add_option("--root", line.root, "Root of the /proc, /sys and /etc tree to use (a fake tree for tests)")
      ->capture_default_str();
  command->add_option("--data-dir", line.data_directory, "The broker's data directory; its disks get the storage items")
      ->capture_default_str();
  command->add_option("--user", line.user, "The user the broker runs as (for limits.d)")->capture_default_str();
  command->add_option("--unit", line.unit, "The broker's systemd unit (its limits win if it exists)")
      ->capture_default_str();
  command->add_option("--state", line.state_path, "State file recording what apply changed (a path under --root)")
      ->capture_default_str();
  command->add_flag("--json", line.json, "Print one JSON document instead of a table");
}

CheckOptions check_options(const CommandLine& line) {
  CheckOptions options;
  options.root_dir = line.root == "/" ? "/" : std::filesystem::absolute(line.root).lexically_normal().string();
  options.profile = parse_profile(line.profile).value_or(Profile::kLatency);
  options.data_directory = line.data_directory;
  options.broker_user = line.user;
  options.systemd_unit = line.unit;
  return options;
}

int run_check(const CommandLine& line) {
  const CheckOptions options = check_options(line);
  auto results = check_host(options);
  if (!results) {
    std::cerr << "ringmq-tune: " << results.error().to_string() << "\n";
    return kExitError;
  }
  std::cout << (line.json ? format_check_json(*results, options) : format_check_table(*results, options, line.verbose));
  bool differs = std::any_of(results->begin(), results->end(), [](const CheckResult& r) {
    return r.status == ItemStatus::kDiffers || r.status == ItemStatus::kNeedsRestart;
  });
  return differs ? kExitDiffers : kExitOk;
}

int run_apply(const CommandLine& line) {
  const CheckOptions options = check_options(line);
  SystemRoot root(options.root_dir);
  auto report = apply_profile(root, options, {line.dry_run, line.persist, line.state_path});
  if (!report) {
    std::cerr << "ringmq-tune apply: " << report.error().to_string() << "\n";
    return kExitError;
  }
  std::cout << (line.json ? format_apply_json(*report) : format_apply_table(*report));
  return report->succeeded() ? kExitOk : kExitIncomplete;
}

int run_rollback(const CommandLine& line) {
  const CheckOptions options = check_options(line);
  SystemRoot root(options.root_dir);
  auto report = rollback(root, {line.dry_run, line.state_path});
  if (!report) {
    std::cerr << "ringmq-tune rollback: " << report.error().to_string() << "\n";
    return kExitError;
  }
  std::cout << (line.json ? format_rollback_json(*report) : format_rollback_table(*report));
  return report->succeeded() ? kExitOk : kExitIncomplete;
}

}  // namespace

static int run_main(int argc, char** argv) {
  CLI::App app{
      "ringmq-tune: check, apply and roll back the kernel settings the RingMQ engine depends on.\n"
      "Exit status: 0 done (check: nothing differs), 1 check found differences, 2 error, "
      "3 apply/rollback incomplete."};
  app.require_subcommand(1);
  CommandLine line;
  CLI::App* check = app.add_subcommand("check", "Show each item's current and recommended value (read-only)");
  add_common_options(check, line);
  check->add_flag("--verbose,-v", line.verbose, "Show why each value is recommended");
  CLI::App* apply = app.add_subcommand("apply", "Change what differs, recording old values for rollback");
  add_common_options(apply, line);
  apply->add_flag("--dry-run", line.dry_run, "Show what would change; change nothing");
  apply->add_flag("--persist", line.persist, "Also write sysctl.d, udev, tmpfiles.d and limits files for boot");
  CLI::App* undo = app.add_subcommand("rollback", "Restore what apply recorded and remove the files it added");
  add_common_options(undo, line);
  undo->add_flag("--dry-run", line.dry_run, "Show what would be restored; change nothing");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitError;
  }
  if (check->parsed()) return run_check(line);
  if (apply->parsed()) return run_apply(line);
  return run_rollback(line);
}

// Exceptions are for start-up and configuration errors; none may end the program through
// std::terminate (an abort and a core dump instead of a message).
int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "ringmq-tune: " << e.what() << "\n";
    return 2;
  }
}
