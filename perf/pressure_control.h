// PressureControl: what `ringmq-jitter run` asks of a memory-pressure generator while it runs
// the write modes, wherever the generator lives: in this process (MemoryPressure) or in a
// child process of its own (PressureProcess, the default), where the hog's unmaps and madvise
// calls take another process's mmap lock and never stall the measured writer.
#pragma once

#include <chrono>
#include <cstdint>

#include "common/result.h"
#include "perf/pressure_report.h"

namespace ringmq::perf {

class PressureControl {
 public:
  virtual ~PressureControl() = default;

  // Starts building the hog and the churn.
  virtual Status start() = 0;
  // Waits until the hog reached its target and the churn filled the cache once (or the
  // timeout). false on timeout or if the generator failed (see report().warnings).
  virtual bool wait_until_established(std::chrono::milliseconds timeout) = 0;
  // Waits until the hog stopped changing (after a mode's files went). false on timeout.
  virtual bool wait_until_settled(std::chrono::milliseconds timeout) = 0;
  // Frees `bytes` of the hog now and stops it growing until resume(): room for memory a mode
  // is about to lock. Returns the bytes actually freed.
  virtual uint64_t hold(uint64_t bytes) = 0;
  virtual void resume() = 0;
  // Stops the generator and frees everything it took. Idempotent.
  virtual void stop() = 0;

  // Any thread (the sampler annotates its points with them).
  virtual uint64_t hog_bytes() const = 0;
  virtual uint64_t churned_bytes() const = 0;
  virtual uint64_t safety_margin_bytes() const = 0;
  virtual PressureReport report() const = 0;
};

}  // namespace ringmq::perf
