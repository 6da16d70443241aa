// EngineLogCapture: keeps the warnings and errors the engine logs (spdlog) during a run, with
// their CLOCK_MONOTONIC time, so a report can show what the engine itself said in a mode
// ("preparing commit-log segment ... took 870 ms"). Installed on the default logger beside
// its existing sinks (the console still shows them); removed again by the destructor.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ringmq::perf {

struct LoggedMessage {
  uint64_t time_ns = 0;  // CLOCK_MONOTONIC
  std::string level;     // "warning", "error", "critical"
  std::string text;
};

class EngineLogCapture {
 public:
  EngineLogCapture();
  ~EngineLogCapture();
  EngineLogCapture(const EngineLogCapture&) = delete;
  EngineLogCapture& operator=(const EngineLogCapture&) = delete;

  // Messages logged in [from_ns, to_ns].
  std::vector<LoggedMessage> between(uint64_t from_ns, uint64_t to_ns) const;

 private:
  class Sink;
  std::shared_ptr<Sink> sink_;
};

}  // namespace ringmq::perf
