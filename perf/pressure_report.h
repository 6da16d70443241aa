// PressureReport: what a memory-pressure generator did, for the run's report (in this
// process or sent back by a child generator).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ringmq::perf {

// What the generator did, for the report.
struct PressureReport {
  uint64_t safety_margin_bytes = 0;
  uint64_t target_available_bytes = 0;
  uint64_t hog_peak_bytes = 0;
  uint64_t hog_bytes_at_stop = 0;
  uint64_t safety_shrinks = 0;       // times the controller released memory to hold the target/margin
  uint64_t min_available_bytes = 0;  // lowest MemAvailable (or headroom) it saw
  uint64_t churn_file_bytes = 0;
  uint64_t churn_bytes_read = 0;
  uint64_t reclaim_pulses = 0;
  std::string churn_file_note;  // how the churn file was made (O_DIRECT, buffered...)
  std::vector<std::string> warnings;
};

}  // namespace ringmq::perf
