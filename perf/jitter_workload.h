// run_mode: drives the storage engine in-process in one write mode with the workload of
// WorkloadOptions and measures every append. One fresh store under
// <data_dir>/jitter-<mode>, removed afterwards (unless keep_data); one thread per producer
// ("rmqj-writer-N"), each with its own histogram, fault probe, bins and spike list, merged
// when the mode ends, so the measuring itself shares nothing between writers.
//
// Per append, on the writer: two clock reads (vDSO), two loads of the perf ring head, a
// histogram increment and a bin update -- no system call and no allocation. Whatever faulted
// or switched during the append is read from the ring only when the head moved.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "perf/jitter_result.h"

namespace ringmq::perf {

struct ProgressSnapshot {
  std::string mode;
  int mode_index = 0, mode_count = 0;
  uint64_t ops = 0, bytes = 0, target_bytes = 0, target_ms = 0;
  double elapsed_s = 0;
  uint64_t max_latency_ns = 0;
  uint64_t spikes = 0;
  uint64_t faults = 0;
};

struct RunControls {
  const std::atomic<bool>* interrupt = nullptr;              // set by SIGINT/SIGTERM: stop the mode now
  PressureControl* pressure = nullptr;                       // gives way to the mode's locked memory
  SystemSampler* sampler = nullptr;                          // sampled at the mode's start and end
  const EngineLogCapture* engine_log = nullptr;              // the engine's warnings during the mode
  std::function<void(const ProgressSnapshot&)> on_progress;  // about once a second
  int mode_index = 0, mode_count = 1;
};

ModeResult run_mode(const WorkloadOptions& options, engine::WriteMode mode, const RunControls& controls);

// Memory a mode locks as its store opens (the pool's buffers), which the pressure generator
// gives up first so that every mode runs with the same memory left for the page cache.
uint64_t locked_bytes_for(const WorkloadOptions& options, engine::WriteMode mode);

// Restricts the calling thread (and the threads it starts later) to `cpus`.
Status pin_current_thread(const std::vector<unsigned>& cpus);

// The cost of one CLOCK_MONOTONIC read on this machine, in ns (averaged).
double measure_timer_overhead_ns();

}  // namespace ringmq::perf
