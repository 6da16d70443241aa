#include "perf/pressure_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace ringmq::perf {
namespace {

using namespace std::chrono_literals;

constexpr auto kAnswerTimeout = 30s;  // hold and report may wait for the controller's lock

// Writes all of `text`; false if the peer is gone.
bool send_all(int fd, const std::string& text) {
  size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// One line of text: no newline inside (a warning may quote a message that has one).
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

std::optional<uint64_t> number_after(const std::string& line, const std::string& word) {
  if (line.rfind(word + " ", 0) != 0) return std::nullopt;
  try {
    return std::stoull(line.substr(word.size() + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The report's numeric fields, by name, for both directions.
struct ReportField {
  const char* name;
  uint64_t PressureReport::*field;
};
constexpr ReportField kReportFields[] = {
    {"safety_margin_bytes", &PressureReport::safety_margin_bytes},
    {"target_available_bytes", &PressureReport::target_available_bytes},
    {"hog_peak_bytes", &PressureReport::hog_peak_bytes},
    {"hog_bytes_at_stop", &PressureReport::hog_bytes_at_stop},
    {"safety_shrinks", &PressureReport::safety_shrinks},
    {"min_available_bytes", &PressureReport::min_available_bytes},
    {"churn_file_bytes", &PressureReport::churn_file_bytes},
    {"churn_bytes_read", &PressureReport::churn_bytes_read},
    {"reclaim_pulses", &PressureReport::reclaim_pulses},
};

}  // namespace

std::string format_pressure_report_lines(const PressureReport& report) {
  std::string out;
  for (const ReportField& f : kReportFields) out += std::string(f.name) + " " + std::to_string(report.*f.field) + "\n";
  if (!report.churn_file_note.empty()) out += "note " + one_line(report.churn_file_note) + "\n";
  for (const auto& w : report.warnings) out += "warning " + one_line(w) + "\n";
  return out;
}

bool parse_pressure_report_line(const std::string& line, PressureReport& report) {
  if (line.rfind("note ", 0) == 0) {
    report.churn_file_note = line.substr(5);
    return true;
  }
  if (line.rfind("warning ", 0) == 0) {
    report.warnings.push_back(line.substr(8));
    return true;
  }
  for (const ReportField& f : kReportFields) {
    if (auto value = number_after(line, f.name)) {
      report.*f.field = *value;
      return true;
    }
  }
  return false;
}

Result<std::unique_ptr<PressureProcess>> PressureProcess::spawn(const std::string& program,
                                                                const std::vector<std::string>& arguments,
                                                                std::chrono::milliseconds ready_timeout) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    return make_error(ErrorCode::kIo, std::string("socketpair for the pressure process: ") + std::strerror(errno));
  io::UniqueFd ours(fds[0]), theirs(fds[1]);
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> strings;
  strings.push_back(program);
  strings.insert(strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return make_error(ErrorCode::kIo, std::string("fork for the pressure process: ") + std::strerror(errno));
  if (pid == 0) {
    // dup2 leaves the copies without close-on-exec: the child's stdin and stdout.
    if (::dup2(theirs.get(), 0) < 0 || ::dup2(theirs.get(), 1) < 0) ::_exit(127);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);  // the parent died before the line above
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  theirs.reset();
  std::unique_ptr<PressureProcess> process(new PressureProcess(pid, std::move(ours)));
  std::lock_guard lock(process->mutex_);
  auto first = process->read_line(ready_timeout);
  if (first) {
    if (auto margin = number_after(*first, "ready")) {
      process->margin_ = *margin;
      return process;
    }
  }
  std::string why = !first                           ? (process->gone_ ? "exited before it was ready"
                                                                       : "not ready within " + std::to_string(ready_timeout.count()) + " ms")
                    : first->rfind("error ", 0) == 0 ? first->substr(6)
                                                     : "answered \"" + *first + "\" instead of ready";
  return make_error(ErrorCode::kIo, "the pressure process (" + program + "): " + why);
}

PressureProcess::PressureProcess(pid_t pid, io::UniqueFd channel) : pid_(pid), channel_(std::move(channel)) {}

PressureProcess::~PressureProcess() {
  stop();
  reap();
}

std::optional<std::string> PressureProcess::read_line(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (const size_t end = buffered_.find('\n'); end != std::string::npos) {
      std::string line = buffered_.substr(0, end);
      buffered_.erase(0, end + 1);
      return line;
    }
    if (gone_) return std::nullopt;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{channel_.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline check above ends it
    char chunk[4096];
    const ssize_t n = ::read(channel_.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      gone_ = true;
      continue;  // what is buffered still counts
    }
    buffered_.append(chunk, static_cast<size_t>(n));
  }
}

std::optional<std::string> PressureProcess::ask(const std::string& command, std::chrono::milliseconds timeout) const {
  if (gone_) return std::nullopt;
  if (!send_all(channel_.get(), command + "\n")) {
    gone_ = true;
    return std::nullopt;
  }
  auto line = read_line(timeout);
  if (!line) gone_ = true;  // silent past its timeout: as good as gone
  return line;
}

bool PressureProcess::refresh_status() const {
  auto line = ask("status", kAnswerTimeout);
  unsigned established = 0;
  unsigned long long hog = 0, churned = 0;
  if (!line || std::sscanf(line->c_str(), "status %u %llu %llu", &established, &hog, &churned) != 3) return false;
  established_ = established != 0;
  hog_bytes_.store(hog, std::memory_order_relaxed);
  churned_bytes_.store(churned, std::memory_order_relaxed);
  return true;
}

std::optional<PressureReport> PressureProcess::read_report() const {
  PressureReport report;
  while (auto line = read_line(kAnswerTimeout)) {
    if (*line == "end") return report;
    parse_pressure_report_line(*line, report);
  }
  gone_ = true;
  return std::nullopt;
}

bool PressureProcess::wait_until_established(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopped_ || !refresh_status()) return false;
      if (established_) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
}

bool PressureProcess::wait_until_settled(std::chrono::milliseconds timeout) {
  std::lock_guard lock(mutex_);
  if (stopped_) return false;
  auto line = ask("settled " + std::to_string(timeout.count()), timeout + kAnswerTimeout);
  return line && *line == "settled 1";
}

uint64_t PressureProcess::hold(uint64_t bytes) {
  std::lock_guard lock(mutex_);
  if (stopped_) return 0;
  auto line = ask("hold " + std::to_string(bytes), kAnswerTimeout);
  return line ? number_after(*line, "held").value_or(0) : 0;
}

void PressureProcess::resume() {
  std::lock_guard lock(mutex_);
  if (!stopped_) (void)ask("resume", kAnswerTimeout);
}

void PressureProcess::stop() {
  std::lock_guard lock(mutex_);
  if (stopped_) return;
  stopped_ = true;
  bool reported = false;
  if (!gone_ && send_all(channel_.get(), "stop\n")) {
    if (auto r = read_report()) {
      final_report_ = std::move(*r);
      reported = true;
    }
  }
  if (!reported) final_report_.warnings.push_back("the pressure process ended without its report");
  gone_ = true;
}

uint64_t PressureProcess::hog_bytes() const {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (lock.owns_lock() && !stopped_) (void)refresh_status();
  return hog_bytes_.load(std::memory_order_relaxed);
}

uint64_t PressureProcess::churned_bytes() const {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (lock.owns_lock() && !stopped_) (void)refresh_status();
  return churned_bytes_.load(std::memory_order_relaxed);
}

PressureReport PressureProcess::report() const {
  std::lock_guard lock(mutex_);
  if (stopped_) return final_report_;
  PressureReport r;
  if (!gone_ && send_all(channel_.get(), "report\n")) {
    if (auto got = read_report()) return *got;
  }
  gone_ = true;
  r.warnings.push_back("the pressure process (pid " + std::to_string(pid_) + ") stopped answering");
  return r;
}

void PressureProcess::reap() {
  if (pid_ <= 0) return;
  channel_.reset();  // end of input: a child still serving stops
  int status = 0;
  for (int i = 0; i < 100; ++i) {  // up to 10 s for it to free the hog and exit
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(100ms);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void serve_pressure_control(MemoryPressure& pressure, int in_fd, int out_fd, const std::atomic<bool>& interrupted) {
  auto answer = [&](const std::string& text) {
    for (size_t sent = 0; sent < text.size();) {
      const ssize_t n = ::write(out_fd, text.data() + sent, text.size() - sent);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  };
  answer("ready " + std::to_string(pressure.safety_margin_bytes()) + "\n");
  std::string buffered;
  bool done = false;
  while (!done && !interrupted.load()) {
    pollfd p{in_fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 100);  // the interrupt flag is checked between waits
    if (ready <= 0) continue;
    char chunk[1024];
    const ssize_t n = ::read(in_fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the parent is gone
    buffered.append(chunk, static_cast<size_t>(n));
    for (size_t end; !done && (end = buffered.find('\n')) != std::string::npos;) {
      const std::string line = buffered.substr(0, end);
      buffered.erase(0, end + 1);
      if (line == "status") {
        answer("status " + std::to_string(pressure.established() ? 1 : 0) + " " + std::to_string(pressure.hog_bytes()) +
               " " + std::to_string(pressure.churned_bytes()) + "\n");
      } else if (auto ms = number_after(line, "settled")) {
        answer(std::string("settled ") + (pressure.wait_until_settled(std::chrono::milliseconds(*ms)) ? "1" : "0") +
               "\n");
      } else if (auto bytes = number_after(line, "hold")) {
        answer("held " + std::to_string(pressure.hold(*bytes)) + "\n");
      } else if (line == "resume") {
        pressure.resume();
        answer("resumed\n");
      } else if (line == "report") {
        answer(format_pressure_report_lines(pressure.report()) + "end\n");
      } else if (line == "stop") {
        pressure.stop();
        answer(format_pressure_report_lines(pressure.report()) + "end\n");
        done = true;
      } else {
        answer("error unknown command: " + one_line(line) + "\n");
      }
    }
  }
  pressure.stop();
}

}  // namespace ringmq::perf
