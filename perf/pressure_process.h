// The memory-pressure generator in a child process, driven over a pipe.
//
// PressureProcess (the parent's side) starts `ringmq-jitter pressure --control ...` with a
// socket pair as its stdin and stdout (a socket, so that writing to a child that died is an
// error, not SIGPIPE) and talks to it one line at a time: the child reads commands on its
// stdin and answers each on its stdout. serve_pressure_control is the child's side:
//
//   parent            child
//   (starts)          ready <safety margin bytes>        or: error <message> (and exits 1)
//   status            status <established 0|1> <hog bytes> <churned bytes>
//   settled <ms>      settled <0|1>                       (waits up to <ms>)
//   hold <bytes>      held <bytes freed>
//   resume            resumed
//   report            report lines (below), then "end"
//   stop              report lines, then "end"; the child stops the generator and exits 0
//
// Report lines are "<field> <number>", "note <text>" or "warning <text>". A child whose stdin
// closes (the parent died or was killed) stops and exits; so does one that gets SIGTERM, which
// the kernel sends it if the parent dies first (PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "io/unique_fd.h"
#include "perf/memory_pressure.h"
#include "perf/pressure_control.h"

namespace ringmq::perf {

class PressureProcess final : public PressureControl {
 public:
  // Runs `program` with `arguments` (which must select the control mode, e.g. {"pressure",
  // "--control", "--leave", "4G"}) and waits for its "ready" line (up to `ready_timeout`: the
  // child makes its churn file first). An error carries the child's own message.
  static Result<std::unique_ptr<PressureProcess>> spawn(const std::string& program,
                                                        const std::vector<std::string>& arguments,
                                                        std::chrono::milliseconds ready_timeout);
  ~PressureProcess() override;  // stop(), then reaps the child
  PressureProcess(const PressureProcess&) = delete;
  PressureProcess& operator=(const PressureProcess&) = delete;

  Status start() override { return {}; }  // the child started its generator before "ready"
  bool wait_until_established(std::chrono::milliseconds timeout) override;
  bool wait_until_settled(std::chrono::milliseconds timeout) override;
  uint64_t hold(uint64_t bytes) override;
  void resume() override;
  void stop() override;

  // Asks the child when the pipe is free; else (another call is waiting on it) the last answer.
  uint64_t hog_bytes() const override;
  uint64_t churned_bytes() const override;
  uint64_t safety_margin_bytes() const override { return margin_; }
  PressureReport report() const override;
  pid_t pid() const { return pid_; }

 private:
  PressureProcess(pid_t pid, io::UniqueFd channel);
  // One command and its first answer line; nullopt if the child is gone or silent past `timeout`.
  std::optional<std::string> ask(const std::string& command, std::chrono::milliseconds timeout) const;
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) const;
  // Reads report lines up to "end" (the lock held).
  std::optional<PressureReport> read_report() const;
  // Sends "status" and caches what it says (the lock held). false if the child did not answer.
  bool refresh_status() const;
  void reap();

  pid_t pid_ = -1;
  io::UniqueFd channel_;  // our end of the socket pair
  uint64_t margin_ = 0;
  mutable std::mutex mutex_;  // one conversation at a time; guards the buffer and the state below
  mutable std::string buffered_;
  mutable bool gone_ = false;  // the child exited or stopped answering
  mutable bool established_ = false;
  mutable PressureReport final_report_;  // what "stop" returned
  bool stopped_ = false;
  mutable std::atomic<uint64_t> hog_bytes_{0}, churned_bytes_{0};
};

// The child's side: answers commands from `in_fd` on `out_fd` about `pressure` (started by the
// caller) until "stop", end of input or `interrupted`. Stops the generator before returning.
void serve_pressure_control(MemoryPressure& pressure, int in_fd, int out_fd, const std::atomic<bool>& interrupted);

// The report as lines ("<field> <number>", "note ...", "warning ..."), and back.
std::string format_pressure_report_lines(const PressureReport& report);
// Applies one report line to `report`; false if the line is not a report line.
bool parse_pressure_report_line(const std::string& line, PressureReport& report);

}  // namespace ringmq::perf
