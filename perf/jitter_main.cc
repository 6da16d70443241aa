// ringmq-jitter: the page-fault jitter profiler.
//
//   ringmq-jitter run    [--modes mmap,mmap-locked,pool] [--bytes 4G | --duration 60s] [--record-bytes 1024]
//                        [--rate N] [--producers 1] [--flush async|sync] [--pressure] [--json FILE] [--html FILE]
//   ringmq-jitter attach (--pid P | --metrics http://host:port/metrics) [--duration 60s] [--interval 1s]
//   ringmq-jitter pressure [--parts hog,churn] [--leave 4G | --hog 2G] [--duration 0]
//
// `run` drives the storage engine in-process, one write mode after another with the same
// workload, and reports each mode's latency percentiles, the writer's page faults and the
// system's reclaim activity; `--pressure` reproduces reclaim while it runs (the generator
// is a child process, `ringmq-jitter pressure --control`, unless --pressure-in-process). `attach`
// samples a running process's faults and the system counters over time. `pressure` runs the
// memory-pressure generator alone, so a broker or a peer can be measured under it.
// Exit status: 0 done; 1 a mode, the attach or the pressure failed; 2 usage; 130 interrupted.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <tuple>

#include "common/byte_size.h"
#include "engine/code_lock.h"
#include "engine/memlock_check.h"
#include "io/file.h"
#include "numa/cpu_list.h"
#include "perf/attach.h"
#include "perf/cli_values.h"
#include "perf/engine_log.h"
#include "perf/jitter_report.h"
#include "perf/jitter_workload.h"
#include "perf/memory_pressure.h"
#include "perf/pressure_process.h"
#include "perf/report_series.h"
#include "perf/system_sampler.h"

namespace {

using namespace ringmq;
using namespace ringmq::perf;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;

std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int) {
  g_interrupted.store(true);
  // A second signal ends the process at once: nothing is left behind (the hog is process
  // memory and the churn file has no name).
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  ::sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

std::string now_iso8601() {
  const std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&t));
  return buf;
}

std::string joined_command(int argc, char** argv) {
  std::string out = "ringmq-jitter";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool quote = a.find_first_of(" \t'\"$") != std::string::npos;
    out += " " + (quote ? "'" + a + "'" : a);
  }
  return out;
}

// The live line on stderr: rewritten in place on a terminal, a line every 10 s otherwise.
class ProgressLine {
 public:
  explicit ProgressLine(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO)) {}
  void show(const std::string& line) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      std::fflush(stderr);
      shown_ = true;
    } else if (now - last_ >= std::chrono::seconds(10)) {
      std::fprintf(stderr, "%s\n", line.c_str());
      last_ = now;
    }
  }
  void message(const std::string& line) {
    if (quiet_) return;
    end_line();
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  void end_line() {
    if (shown_) std::fprintf(stderr, "\n");
    shown_ = false;
  }

 private:
  bool quiet_, tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

std::string system_status(const SystemSampler& sampler, const PressureControl* pressure) {
  const auto [a, b] = sampler.last_two();
  const uint64_t ns = b.system.time_ns - a.system.time_ns;
  const VmCounters d = b.system.vm - a.system.vm;
  char buf[256];
  const double per_s = ns ? 1e9 / static_cast<double>(ns) : 0;
  std::snprintf(buf, sizeof buf, " | avail %s pgscan_direct/s %.0f allocstall/s %.0f psi-mem-full %.1f%%",
                format_bytes(b.system.mem.available).c_str(), static_cast<double>(d[VmCounter::kPgScanDirect]) * per_s,
                static_cast<double>(d[VmCounter::kAllocStall]) * per_s,
                ns ? static_cast<double>(b.system.memory_pressure.full_us - a.system.memory_pressure.full_us) /
                         (static_cast<double>(ns) / 1e3) * 100
                   : 0.0);
  std::string out = buf;
  if (pressure) out += " hog " + format_bytes(pressure->hog_bytes());
  return out;
}

bool write_output(const std::string& path, const std::string& text, std::string& error) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return true;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

struct RunArgs {
  std::string modes = "mmap,mmap-locked,pool";
  std::string record_bytes = "1024", bytes = "1G", duration, segment_bytes = "1G", warm_ahead = "64M",
              flush_dirty_bytes = "64K", retention_bytes = "0";
  std::string flush = "async", fault_backend = "auto", latency = "response";
  double spike_us = 100;
  bool pressure = false;
  bool pressure_in_process = false;  // run: the generator in this process instead of a child
  bool control = false;              // pressure: answer a parent's commands (pressure_process.h)
  std::string pressure_parts = "hog,churn";
  std::string pressure_leave = "4G", pressure_hog = "0", pressure_churn_file = "0", pressure_churn_rate = "0",
              pressure_pulse = "16M", pressure_margin = "0", pressure_dir, pressure_timeout = "180s";
  std::string writer_cpus, helper_cpus;
  std::string json, html;
  bool quiet = false;
  bool no_lock_code = false;
};

// The pressure generator's sizes, parsed from RunArgs (the workload's go into WorkloadOptions).
struct PressureSizes {
  uint64_t pulse = 0, leave = 0, hog = 0, churn_file = 0, churn_rate = 0, margin = 0;
};

bool parse_size_option(const std::string& name, const std::string& text, uint64_t& out, const char* command = "run") {
  auto v = parse_byte_size(text);
  if (!v) {
    std::cerr << "ringmq-jitter " << command << ": " << name << " \"" << text
              << "\" is not a size (e.g. 4G, 512M, 64K)\n";
    return false;
  }
  out = *v;
  return true;
}

// The pressure generator's sizes; its options are named `prefix` + "leave" etc. ("--pressure-"
// under `run`, "--" under `pressure`), and a bad one is reported as `command`'s.
bool parse_pressure_sizes(const RunArgs& args, const std::string& prefix, const char* command, PressureSizes& sizes) {
  return parse_size_option(prefix + "leave", args.pressure_leave, sizes.leave, command) &&
         parse_size_option(prefix + "hog", args.pressure_hog, sizes.hog, command) &&
         parse_size_option(prefix + "churn-file", args.pressure_churn_file, sizes.churn_file, command) &&
         parse_size_option(prefix + "churn-rate", args.pressure_churn_rate, sizes.churn_rate, command) &&
         parse_size_option(prefix + "pulse", args.pressure_pulse, sizes.pulse, command) &&
         parse_size_option(prefix + "margin", args.pressure_margin, sizes.margin, command);
}

// Each parse_*/check_* step of `run` below prints what is wrong and returns false: a usage
// error (exit status 2), found before anything is created.
bool parse_run_sizes(const RunArgs& args, WorkloadOptions& o, PressureSizes& sizes) {
  uint64_t record_bytes = 0;
  if (!parse_size_option("--record-bytes", args.record_bytes, record_bytes) ||
      !parse_size_option("--bytes", args.bytes, o.bytes_per_mode) ||
      !parse_size_option("--segment-bytes", args.segment_bytes, o.segment_bytes) ||
      !parse_size_option("--warm-ahead", args.warm_ahead, o.warm_ahead_bytes) ||
      !parse_size_option("--flush-dirty-bytes", args.flush_dirty_bytes, o.flush_dirty_bytes) ||
      !parse_size_option("--retention-bytes", args.retention_bytes, o.retention_bytes) ||
      !parse_pressure_sizes(args, "--pressure-", "run", sizes))
    return false;
  o.record_bytes = static_cast<uint32_t>(record_bytes);
  return true;
}

bool parse_run_args(const RunArgs& args, WorkloadOptions& o, PressureSizes& sizes) {
  if (!parse_run_sizes(args, o, sizes)) return false;
  if (!args.duration.empty()) {
    auto d = parse_duration_ms(args.duration);
    if (!d) {
      std::cerr << "ringmq-jitter run: --duration \"" << args.duration
                << "\" is not a duration (e.g. 60s, 500ms, 2m)\n";
      return false;
    }
    o.duration_ms = *d;
  }
  auto modes = parse_mode_list(args.modes);
  if (!modes) {
    std::cerr << "ringmq-jitter run: --modes takes a comma-separated list of mmap, mmap-locked, "
                 "pool (or all)\n";
    return false;
  }
  o.modes = *modes;
  o.flush = *engine::parse_flush_mode(args.flush);
  o.service_latency = args.latency == "service";
  o.fault_backend = *parse_fault_backend(args.fault_backend);
  o.spike_threshold_ns = static_cast<uint64_t>(args.spike_us * 1000);
  for (auto [flag, text, cpus] : {std::tuple{"--writer-cpus", &args.writer_cpus, &o.writer_cpus},
                                  std::tuple{"--helper-cpus", &args.helper_cpus, &o.helper_cpus}}) {
    if (text->empty()) continue;
    auto parsed = numa::parse_cpu_list(*text);
    if (!parsed) {
      std::cerr << "ringmq-jitter run: " << flag << ": " << parsed.error().message << "\n";
      return false;
    }
    *cpus = *parsed;
  }
  if (o.writer_cpus.empty() != o.helper_cpus.empty()) {
    std::cerr << "ringmq-jitter run: give --writer-cpus and --helper-cpus together (or neither)\n";
    return false;
  }
  return true;
}

// Every thread started from here on (engine, pressure, sampler) inherits this placement;
// the writers move themselves to --writer-cpus.
bool place_helper_threads(const WorkloadOptions& o) {
  if (o.helper_cpus.empty()) return true;
  if (auto s = pin_current_thread(o.helper_cpus); !s) {
    std::cerr << "ringmq-jitter run: --helper-cpus: " << s.error().message << "\n";
    return false;
  }
  return true;
}

bool check_run_amounts(const RunArgs& args, const WorkloadOptions& o, const PressureSizes& sizes) {
  if (o.record_bytes == 0 || (o.bytes_per_mode == 0 && o.duration_ms == 0) ||
      (o.bytes_per_mode && o.bytes_per_mode < o.record_bytes)) {
    std::cerr << "ringmq-jitter run: give --bytes (at least one record) or --duration, and a "
                 "--record-bytes above 0\n";
    return false;
  }
  if (args.pressure && sizes.margin && sizes.margin < (1ull << 30)) {
    std::cerr << "ringmq-jitter run: --pressure-margin below 1 GiB is not allowed (the machine "
                 "must stay usable)\n";
    return false;
  }
  return true;
}

// Creates the data directory and makes its path absolute (the report shows it).
bool prepare_data_dir(WorkloadOptions& o) {
  if (auto s = io::make_directories(o.data_dir); !s) {
    std::cerr << "ringmq-jitter run: " << s.error().message << "\n";
    return false;
  }
  o.data_dir = std::filesystem::absolute(o.data_dir).lexically_normal().string();
  return true;
}

// Each mode's data is deleted before the next starts: one mode's worth must fit.
bool has_room_for_a_mode(const WorkloadOptions& o) {
  if (!o.bytes_per_mode) return true;
  auto disk = io::disk_usage(o.data_dir);
  const uint64_t need = o.bytes_per_mode + 3 * o.segment_bytes;
  if (disk && disk->available_bytes < need) {
    std::cerr << "ringmq-jitter run: " << o.data_dir << " has " << format_bytes(disk->available_bytes)
              << " free; a mode needs about " << format_bytes(need) << " (--bytes plus three segments)\n";
    return false;
  }
  return true;
}

PressureOptions pressure_options(const RunArgs& args, const PressureSizes& sizes, const std::string& data_dir) {
  PressureOptions p;
  p.hog = args.pressure_parts.find("hog") != std::string::npos;
  p.churn = args.pressure_parts.find("churn") != std::string::npos;
  p.reclaim_pulse_bytes = args.pressure_parts.find("pulse") != std::string::npos ? sizes.pulse : 0;
  p.leave_available_bytes = sizes.leave;
  p.hog_bytes = sizes.hog;
  p.churn_file_bytes = sizes.churn_file;
  p.churn_rate_bytes_per_s = sizes.churn_rate;
  p.churn_dir = args.pressure_dir.empty() ? data_dir : args.pressure_dir;
  p.safety_margin_bytes = sizes.margin;
  return p;
}

// As the broker does: otherwise reclaim under --pressure evicts this program's own code and
// the writer takes major faults on it, which says nothing about the write modes.
void lock_own_code_pages(RunReport& report) {
  if (auto locked = engine::lock_code_pages_if_unbudgeted(engine::current_memlock_allowance()); !locked)
    report.notes.push_back("code pages not locked (" + locked.error().message +
                           "): the writer may take major faults on its own code under pressure");
}

// Starts the pressure and waits (up to --pressure-timeout) until it is built up, showing its
// progress. A run whose pressure never got there goes on, with a note in the report.
void establish_pressure(PressureControl& pressure, const std::string& timeout, const SystemSampler& sampler,
                        ProgressLine& progress, RunReport& report) {
  progress.message("pressure: safety margin " + format_bytes(pressure.safety_margin_bytes()) +
                   " of MemAvailable; building up the hog and the page-cache churn...");
  (void)pressure.start();
  const uint64_t timeout_ms = parse_duration_ms(timeout).value_or(180'000);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool established = false;
  while (!established && !g_interrupted.load() && std::chrono::steady_clock::now() < deadline) {
    established = pressure.wait_until_established(std::chrono::milliseconds(1000));
    progress.show("pressure: hog " + format_bytes(pressure.hog_bytes()) + ", churn read " +
                  format_bytes(pressure.churned_bytes()) + system_status(sampler, &pressure));
    const auto warnings = pressure.report().warnings;
    if (!warnings.empty() && !established) break;
  }
  progress.end_line();
  if (!established && !g_interrupted.load()) {
    const auto r = pressure.report();
    report.notes.push_back("memory pressure was not fully established before the first mode" +
                           (r.warnings.empty() ? std::string() : ": " + r.warnings.front()));
    progress.message("pressure: not fully established; running anyway");
  }
}

std::string mode_progress_line(const ProgressSnapshot& s) {
  char buf[256];
  const double pct = s.target_bytes
                         ? 100.0 * static_cast<double>(s.bytes) / static_cast<double>(s.target_bytes)
                         : 100.0 * s.elapsed_s * 1000 / static_cast<double>(std::max<uint64_t>(s.target_ms, 1));
  std::snprintf(buf, sizeof buf, "[%d/%d %s] %s %3.0f%% %5.1fs %7.1f MiB/s max %s spikes %llu", s.mode_index + 1,
                s.mode_count, s.mode.c_str(), format_bytes(s.bytes).c_str(), std::min(pct, 100.0), s.elapsed_s,
                static_cast<double>(s.bytes) / (1 << 20) / std::max(s.elapsed_s, 1e-3),
                format_ns(s.max_latency_ns).c_str(), static_cast<unsigned long long>(s.spikes));
  return buf;
}

// Runs the modes one after another, until done or interrupted, adding each one's result to
// the report. Returns kExitFailed if a mode failed, else kExitOk.
int run_modes(const WorkloadOptions& o, PressureControl* pressure, SystemSampler& sampler, EngineLogCapture& engine_log,
              ProgressLine& progress, RunReport& report) {
  int exit_code = kExitOk;
  for (size_t i = 0; i < o.modes.size() && !g_interrupted.load(); ++i) {
    // The previous mode's page cache went with its files: let the hog take it back first, so
    // that every mode starts under the same pressure.
    if (pressure && i > 0 && !pressure->wait_until_settled(std::chrono::seconds(30)))
      report.notes.push_back(std::string("the memory pressure had not settled when ") +
                             engine::write_mode_name(o.modes[i]) + " started");
    RunControls controls;
    controls.interrupt = &g_interrupted;
    controls.pressure = pressure;
    controls.sampler = &sampler;
    controls.engine_log = &engine_log;
    controls.mode_index = static_cast<int>(i);
    controls.mode_count = static_cast<int>(o.modes.size());
    controls.on_progress = [&](const ProgressSnapshot& s) {
      progress.show(mode_progress_line(s) + system_status(sampler, pressure));
    };
    ModeResult result = run_mode(o, o.modes[i], controls);
    progress.end_line();
    if (!result.error.empty()) {
      progress.message(result.name + ": " + result.error);
      exit_code = kExitFailed;
    }
    report.modes.push_back(std::move(result));
  }
  return exit_code;
}

// Notes on how the writer's faults were counted, so a reader knows what the figures mean.
void add_fault_counting_notes(RunReport& report) {
  const WriterEvents& w = report.modes.empty() ? WriterEvents{} : report.modes.front().writer;
  if (!w.backend.empty()) {
    std::string note = "writer faults counted with " + w.backend;
    if (w.per_operation)
      note +=
          ": perf software events sampled into an mmap'ed ring; per append the writer compares "
          "the ring head before and after (two memory loads, no system call), the kernel adds "
          "about 0.5 us to each fault or context switch it records";
    else
      note +=
          ": counters read every 64 appends, so faults are known per batch and pinned on the "
          "batch's slow appends";
    if (!w.backend_note.empty()) note += " (" + w.backend_note + ")";
    report.notes.push_back(note);
  }
  uint64_t lost = 0;
  for (const auto& m : report.modes) lost += m.writer.lost_samples + m.writer.throttle_events;
  if (lost)
    report.notes.push_back("the kernel dropped or throttled " + std::to_string(lost) +
                           " fault samples (kernel.perf_event_max_sample_rate): totals stay "
                           "exact, per-append attribution undercounts");
}

// Writes the reports asked for (the table on stdout unless the JSON goes there) and returns
// the exit status: a report that cannot be written fails the run; an interrupt wins.
int write_run_reports(const RunArgs& args, const RunReport& report, int exit_code) {
  std::string error;
  if (!args.json.empty() && !write_output(args.json, format_json_report(report), error)) exit_code = kExitFailed;
  if (!args.html.empty() && !write_output(args.html, format_html_report(report), error)) exit_code = kExitFailed;
  if (args.json != "-") std::fputs(format_text_report(report).c_str(), stdout);
  if (!error.empty()) std::cerr << "ringmq-jitter run: " << error << "\n";
  if (report.interrupted) return kExitInterrupted;
  return exit_code;
}

// The generator `run --pressure` uses: by default `ringmq-jitter pressure --control` as a child
// process (this same program), so that the hog's unmaps never take the measured writer's mmap
// lock; with --pressure-in-process, a MemoryPressure in this process.
Result<std::unique_ptr<PressureControl>> make_pressure(const RunArgs& args, const PressureOptions& p) {
  if (args.pressure_in_process) {
    auto created = MemoryPressure::create(p);
    if (!created) return std::unexpected(created.error());
    return std::unique_ptr<PressureControl>(std::move(*created));
  }
  const std::vector<std::string> arguments = {"pressure",     "--control",
                                              "--parts",      args.pressure_parts,
                                              "--leave",      args.pressure_leave,
                                              "--hog",        args.pressure_hog,
                                              "--churn-file", args.pressure_churn_file,
                                              "--churn-rate", args.pressure_churn_rate,
                                              "--pulse",      args.pressure_pulse,
                                              "--margin",     args.pressure_margin,
                                              "--dir",        p.churn_dir};
  auto spawned = PressureProcess::spawn("/proc/self/exe", arguments, std::chrono::seconds(60));
  if (!spawned) return std::unexpected(spawned.error());
  return std::unique_ptr<PressureControl>(std::move(*spawned));
}

int run_command(const RunArgs& args, WorkloadOptions o, const std::string& command_line) {
  PressureSizes sizes;
  if (!parse_run_args(args, o, sizes) || !place_helper_threads(o) || !check_run_amounts(args, o, sizes))
    return kExitUsage;

  spdlog::set_level(spdlog::level::warn);
  EngineLogCapture engine_log;
  ProgressLine progress(args.quiet || args.json == "-");
  RunReport report;
  report.command_line = command_line;
  report.started_at = now_iso8601();
  if (!prepare_data_dir(o)) return kExitFailed;
  report.options = o;
  report.host = collect_host_info(o.data_dir);
  if (!has_room_for_a_mode(o)) return kExitFailed;
  report.timer_overhead_ns = measure_timer_overhead_ns();

  // Pressure first, then the sampler that records it.
  std::unique_ptr<PressureControl> pressure;
  if (args.pressure) {
    const PressureOptions p = pressure_options(args, sizes, o.data_dir);
    auto created = make_pressure(args, p);
    if (!created) {
      std::cerr << "ringmq-jitter run: " << created.error().message << "\n";
      return kExitUsage;
    }
    pressure = std::move(*created);
    report.pressure = true;
    report.pressure_options = p;
    if (auto* child = dynamic_cast<PressureProcess*>(pressure.get()))
      report.notes.push_back("memory pressure ran in its own process (ringmq-jitter pressure --control, pid " +
                             std::to_string(child->pid()) + ")");
    else
      report.notes.push_back(
          "memory pressure ran inside this process (--pressure-in-process): its unmaps take the "
          "writer's mmap lock");
  }
  SystemSampler sampler(o.sample_ms);
  PressureControl* pressure_ptr = pressure.get();
  sampler.set_annotator([pressure_ptr](SampledPoint& point) {
    if (!pressure_ptr) return;
    point.hog_bytes = pressure_ptr->hog_bytes();
    point.churned_bytes = pressure_ptr->churned_bytes();
  });
  report.run_start_ns = monotonic_ns();
  sampler.start();
  if (!args.no_lock_code) lock_own_code_pages(report);
  if (pressure) establish_pressure(*pressure, args.pressure_timeout, sampler, progress, report);

  const int exit_code = run_modes(o, pressure.get(), sampler, engine_log, progress, report);
  if (pressure) {
    pressure->stop();
    report.pressure_report = pressure->report();
  }
  sampler.stop();
  report.samples = sampler.samples();
  for (auto& m : report.modes) annotate_spikes(m, report.samples);
  report.interrupted = g_interrupted.load();
  add_fault_counting_notes(report);
  return write_run_reports(args, report, exit_code);
}

struct AttachArgs {
  std::string interval = "1s", duration = "10s";
  std::string json, html;
  bool quiet = false;
};

// `ringmq-jitter pressure`: the generator alone, in a process of its own, so that a broker or
// a peer (Redis, NATS) is measured under the same pressure as the engine modes, without the
// hog's unmaps interrupting the measured process (they would in one address space). Prints
// "pressure: established ..." once the hog and the churn are built up (scripts wait for that
// line), runs until --duration or SIGTERM/SIGINT, then prints what it did. Stopping it by a
// signal is the normal end: exit 0. A generator that cannot start exits 1; bad options, 2.
int pressure_command(const RunArgs& args, const std::string& duration) {
  PressureSizes sizes;
  if (!parse_pressure_sizes(args, "--", "pressure", sizes)) return kExitUsage;
  const auto run_ms = parse_duration_ms(duration);
  if (!run_ms) {
    std::cerr << "ringmq-jitter pressure: --duration \"" << duration << "\" is not a duration (e.g. 60s, 0)\n";
    return kExitUsage;
  }
  if (args.control) ::signal(SIGINT, SIG_IGN);  // Ctrl-C is the parent's to handle: it says stop
  auto created = MemoryPressure::create(pressure_options(args, sizes, args.pressure_dir));
  if (!created) {
    if (args.control) std::cout << "error " << created.error().message << std::endl;
    std::cerr << "ringmq-jitter pressure: " << created.error().message << "\n";
    return kExitUsage;
  }
  MemoryPressure& pressure = **created;
  if (args.control) {
    if (auto s = pressure.start(); !s) {
      std::cout << "error " << s.error().message << std::endl;
      return kExitFailed;
    }
    serve_pressure_control(pressure, STDIN_FILENO, STDOUT_FILENO, g_interrupted);
    return kExitOk;
  }
  std::cout << "pressure: safety margin " << format_bytes(pressure.safety_margin_bytes())
            << " of MemAvailable; building up" << std::endl;
  if (auto s = pressure.start(); !s) {
    std::cerr << "ringmq-jitter pressure: " << s.error().message << "\n";
    return kExitFailed;
  }
  const auto deadline = *run_ms == 0 ? std::chrono::steady_clock::time_point::max()
                                     : std::chrono::steady_clock::now() + std::chrono::milliseconds(*run_ms);
  bool established = false;
  while (!g_interrupted.load() && std::chrono::steady_clock::now() < deadline) {
    if (established) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    established = pressure.wait_until_established(std::chrono::milliseconds(100));
    if (established)
      std::cout << "pressure: established: hog " << format_bytes(pressure.hog_bytes()) << ", churn read "
                << format_bytes(pressure.churned_bytes()) << std::endl;
  }
  pressure.stop();
  const PressureReport r = pressure.report();
  std::cout << "pressure: stopped: hog peak " << format_bytes(r.hog_peak_bytes) << ", churn read "
            << format_bytes(r.churn_bytes_read) << ", lowest MemAvailable " << format_bytes(r.min_available_bytes)
            << ", safety shrinks " << r.safety_shrinks << (established ? "" : " (never fully established)")
            << std::endl;
  for (const auto& warning : r.warnings) std::cout << "pressure: warning: " << warning << "\n";
  return kExitOk;
}

int attach_command(const AttachArgs& args, AttachOptions options, const std::string& command_line) {
  auto interval = parse_duration_ms(args.interval);
  auto duration = parse_duration_ms(args.duration);
  if (!interval || !duration || *interval == 0) {
    std::cerr
        << "ringmq-jitter attach: --interval and --duration take durations (e.g. 1s, 500ms, 2m; 0 = until Ctrl-C)\n";
    return kExitUsage;
  }
  options.interval_ms = static_cast<uint32_t>(*interval);
  options.duration_ms = *duration;
  ProgressLine progress(args.quiet || args.json == "-");
  auto report =
      run_attach(options, &g_interrupted, [&](const AttachReport& r) { progress.show(format_attach_line(r)); });
  progress.end_line();
  if (!report) {
    std::cerr << "ringmq-jitter attach: " << report.error().message << "\n";
    return kExitFailed;
  }
  report->command_line = command_line;
  report->started_at = now_iso8601();
  std::string error;
  int code = report->interrupted ? kExitInterrupted : kExitOk;
  if (!args.json.empty() && !write_output(args.json, format_attach_json(*report), error)) code = kExitFailed;
  if (!args.html.empty() && !write_output(args.html, format_attach_html(*report), error)) code = kExitFailed;
  if (args.json != "-") std::fputs(format_attach_text(*report).c_str(), stdout);
  if (!error.empty()) std::cerr << "ringmq-jitter attach: " << error << "\n";
  return code;
}

// The pressure generator's options on `command`, named `prefix` + "parts" etc.
void add_pressure_options(CLI::App* command, RunArgs& args, const std::string& prefix) {
  command->add_option(prefix + "parts", args.pressure_parts, "Pressure sources: hog, churn, pulse (comma-separated)")
      ->capture_default_str();
  command->add_option(prefix + "leave", args.pressure_leave, "Size the hog to leave this much MemAvailable")
      ->capture_default_str();
  command->add_option(prefix + "hog", args.pressure_hog, "A fixed hog size instead of " + prefix + "leave")
      ->capture_default_str();
  command->add_option(prefix + "churn-file", args.pressure_churn_file, "Churn file size (0: 1.5x the memory left)")
      ->capture_default_str();
  command->add_option(prefix + "churn-rate", args.pressure_churn_rate, "Churn read rate per second (0: unthrottled)")
      ->capture_default_str();
  command->add_option(prefix + "pulse", args.pressure_pulse, "Proactive reclaim per pulse (with the pulse part)")
      ->capture_default_str();
  command->add_option(prefix + "margin", args.pressure_margin, "MemAvailable never taken below (0: max(1.5G, 10%))")
      ->capture_default_str();
}

}  // namespace

static int run_main(int argc, char** argv) {
  CLI::App app{
      "ringmq-jitter: page-fault jitter profiler for the RingMQ storage engine.\n"
      "Exit status: 0 done, 1 a mode, the attach or the pressure failed, 2 usage, 130 interrupted."};
  app.require_subcommand(1);

  RunArgs run;
  WorkloadOptions o;
  CLI::App* run_cmd = app.add_subcommand("run", "Drive the engine in each write mode with the same workload");
  run_cmd->add_option("--modes", run.modes, "Write modes to run, in order: mmap, mmap-locked, pool, or all")
      ->capture_default_str();
  run_cmd->add_option("--record-bytes", run.record_bytes, "Payload bytes per append")->capture_default_str();
  run_cmd->add_option("--bytes", run.bytes, "Payload bytes to append per mode (0: use --duration)")
      ->capture_default_str();
  run_cmd->add_option("--duration", run.duration, "Longest time per mode (e.g. 60s)");
  run_cmd->add_option("--rate", o.rate_per_s, "Appends per second over all producers (0: closed loop)")
      ->capture_default_str();
  run_cmd
      ->add_option("--latency", run.latency,
                   "Open loop: the headline latency is the response time (from when "
                   "each append was due) or the service time (the call alone)")
      ->check(CLI::IsMember({"response", "service"}))
      ->capture_default_str();
  run_cmd->add_option("--producers", o.producers, "Writer threads")->check(CLI::Range(1, 64))->capture_default_str();
  run_cmd->add_option("--queues", o.queues, "Queues the appends are spread over")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  run_cmd->add_option("--flush", run.flush, "Flush mode")
      ->check(CLI::IsMember({"async", "sync"}))
      ->capture_default_str();
  run_cmd->add_option("--segment-bytes", run.segment_bytes, "Commit-log segment size")->capture_default_str();
  run_cmd
      ->add_option("--pool-buffers", o.pool_buffers, "pool mode: locked chunks (of engine.pool_buffer_bytes, 64 MiB)")
      ->capture_default_str();
  run_cmd->add_option("--warm-ahead", run.warm_ahead, "mmap-locked: bytes made writable ahead of the writer")
      ->capture_default_str();
  run_cmd->add_option("--flush-interval-ms", o.flush_interval_ms, "Async flush interval")->capture_default_str();
  run_cmd->add_option("--flush-dirty-bytes", run.flush_dirty_bytes, "Async flush once this much is unflushed")
      ->capture_default_str();
  run_cmd->add_option("--retention-bytes", run.retention_bytes, "Keep at most this much log per mode (0: all)")
      ->capture_default_str();
  run_cmd->add_option("--dir", o.data_dir, "Data directory (each mode uses and then removes <dir>/jitter-<mode>)")
      ->capture_default_str();
  run_cmd->add_flag("--keep-data", o.keep_data, "Keep each mode's data directory");
  run_cmd->add_option("--spike-us", run.spike_us, "Appends slower than this are spikes (µs)")->capture_default_str();
  run_cmd->add_option("--warmup-ops", o.warmup_ops, "Appends per mode left out of the histogram")
      ->capture_default_str();
  run_cmd->add_option("--bin-ms", o.bin_ms, "Time-series bin width")
      ->check(CLI::Range(1, 60'000))
      ->capture_default_str();
  run_cmd->add_option("--sample-ms", o.sample_ms, "System counter sampling interval")
      ->check(CLI::Range(10, 60'000))
      ->capture_default_str();
  run_cmd->add_option("--fault-backend", run.fault_backend, "How writer faults are counted")
      ->check(CLI::IsMember({"auto", "perf-ring", "perf-count", "rusage"}))
      ->capture_default_str();
  run_cmd->add_flag("--pressure", run.pressure,
                    "Generate memory pressure while the modes run (in a child process: ringmq-jitter pressure)");
  run_cmd->add_flag("--pressure-in-process", run.pressure_in_process,
                    "With --pressure: run the generator inside this process (its unmaps then stall the writer too)");
  add_pressure_options(run_cmd, run, "--pressure-");
  run_cmd->add_option("--pressure-dir", run.pressure_dir, "Where the churn file goes (default: --dir)");
  run_cmd->add_option("--pressure-timeout", run.pressure_timeout, "Longest wait for the pressure to build up")
      ->capture_default_str();
  run_cmd->add_option("--writer-cpus", run.writer_cpus, "CPUs the writer threads run on (e.g. 1 or 2-3)");
  run_cmd->add_option("--helper-cpus", run.helper_cpus, "CPUs every other thread of the run uses (e.g. 0)");
  run_cmd->add_option("--writer-nice", o.writer_nice, "Nice value of the writer threads (e.g. -10)")
      ->check(CLI::Range(-20, 19))
      ->capture_default_str();
  run_cmd->add_option("--json", run.json, "Write the JSON report to FILE ('-': stdout, instead of the table)");
  run_cmd->add_option("--html", run.html, "Write the self-contained HTML report to FILE");
  run_cmd->add_flag("--quiet,-q", run.quiet, "No progress line");
  run_cmd->add_flag("--no-lock-code", run.no_lock_code,
                    "Leave the program's code pages unlocked (the broker locks them at start-up)");

  AttachArgs attach;
  AttachOptions attach_options;
  CLI::App* attach_cmd = app.add_subcommand("attach", "Sample a running process's faults and the system counters");
  attach_cmd->add_option("--pid", attach_options.pid, "Process to watch");
  attach_cmd->add_option("--metrics", attach_options.metrics_url,
                         "Prometheus endpoint to scrape (http://host:port/metrics)");
  attach_cmd
      ->add_option("--metric-filter", attach_options.metric_filter, "Keep metrics whose name contains one of these")
      ->capture_default_str();
  attach_cmd->add_option("--interval", attach.interval, "Sampling interval")->capture_default_str();
  attach_cmd->add_option("--duration", attach.duration, "How long to watch (0: until Ctrl-C)")->capture_default_str();
  attach_cmd->add_option("--json", attach.json, "Write the JSON report to FILE ('-': stdout)");
  attach_cmd->add_option("--html", attach.html, "Write the self-contained HTML report to FILE");
  attach_cmd->add_flag("--quiet,-q", attach.quiet, "No live line");

  RunArgs pressure;
  pressure.pressure_dir = "/var/tmp";
  std::string pressure_duration = "0";
  CLI::App* pressure_cmd =
      app.add_subcommand("pressure", "Generate memory pressure alone, as its own process, until --duration or SIGTERM");
  add_pressure_options(pressure_cmd, pressure, "--");
  pressure_cmd->add_option("--dir", pressure.pressure_dir, "Where the churn file goes")->capture_default_str();
  pressure_cmd->add_option("--duration", pressure_duration, "How long (0: until SIGTERM or Ctrl-C)")
      ->capture_default_str();
  pressure_cmd->add_flag("--control", pressure.control,
                         "Take commands on stdin and answer on stdout (how `run --pressure` drives its child)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  install_signal_handlers();
  const std::string command_line = joined_command(argc, argv);
  if (run_cmd->parsed()) return run_command(run, o, command_line);
  if (pressure_cmd->parsed()) return pressure_command(pressure, pressure_duration);
  return attach_command(attach, attach_options, command_line);
}

// Exceptions are for start-up and configuration errors; none may end the program through
// std::terminate (an abort and a core dump instead of a message).
int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "ringmq-jitter: " << e.what() << "\n";
    return kExitFailed;
  }
}
