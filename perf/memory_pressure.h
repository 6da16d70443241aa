// MemoryPressure: reproduces page-cache reclaim on demand, safely.
//
//  - hog:   anonymous memory, populated, sized to leave `leave_available_bytes` of
//           MemAvailable (or a fixed size). A controller thread ("rmqj-hog") re-checks every
//           control_interval_ms: below the target it gives memory back at once, above it
//           grows again; it never populates a chunk that would take MemAvailable (or the
//           cgroup's headroom) below the safety margin, whatever else the machine does.
//  - churn: a thread ("rmqj-churn") streams sequentially through a file larger than the
//           memory left, so the page cache stays full and every new page someone needs is
//           reclaimed first. The file is anonymous (O_TMPFILE, or unlinked at once): it
//           vanishes when closed, even if the process is killed.
//  - pulse: optional proactive reclaim (/sys/devices/system/node/node*/reclaim, Linux 6.16+)
//           of a few MiB every interval: reclaim without taking any memory.
//
// stop() (and the destructor) frees the hog and closes the churn file. hold() lets a caller
// that is about to lock memory (the engine's pool or mlock'd segments) have it first, so the
// pressure stays the same across write modes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/service_thread.h"
#include "io/unique_fd.h"
#include "perf/pressure_control.h"

namespace ringmq::perf {

struct PressureOptions {
  bool hog = true;
  uint64_t leave_available_bytes = 4ull << 30;  // hog target: MemAvailable to leave
  uint64_t hog_bytes = 0;                       // if set: a fixed hog size instead (still margin-bound)
  uint64_t hog_chunk_bytes = 64ull << 20;       // the unit the hog grows and shrinks by
  // How far MemAvailable may drift from the target before the hog follows (0: max(256 MiB,
  // two chunks)). Wide enough not to chase the engine locking and unlocking its windows.
  uint64_t hysteresis_bytes = 0;
  bool churn = true;
  std::string churn_dir = "/var/tmp";
  uint64_t churn_file_bytes = 0;        // 0: 1.5 x the memory left after the hog, >= 1 GiB
  uint64_t churn_rate_bytes_per_s = 0;  // 0: as fast as it reads
  uint64_t reclaim_pulse_bytes = 0;     // 0: no proactive reclaim pulses
  uint32_t reclaim_pulse_interval_ms = 1000;
  uint64_t safety_margin_bytes = 0;  // 0: max(1.5 GiB, 10% of MemTotal)
  uint32_t control_interval_ms = 20;
};

class MemoryPressure final : public PressureControl {
 public:
  // Where the controller reads the memory it may still take. Default: MemAvailable, or the
  // memory cgroup's headroom if the process is in a limited cgroup and that is smaller.
  using AvailableFn = std::function<uint64_t()>;

  static Result<std::unique_ptr<MemoryPressure>> create(const PressureOptions& options, AvailableFn available = {});
  ~MemoryPressure() override;
  MemoryPressure(const MemoryPressure&) = delete;
  MemoryPressure& operator=(const MemoryPressure&) = delete;

  // Starts the threads. The churn file is written first (by the churn thread).
  Status start() override;
  // Waits until the hog reached its target and the churn has filled the cache once (or the
  // timeout). false on timeout or if a thread failed (see report().warnings).
  bool wait_until_established(std::chrono::milliseconds timeout) override;
  // The same, now, without waiting.
  bool established() const;
  // Waits until the hog has stopped changing (the same size for ~0.6 s), e.g. after a mode's
  // files were deleted and their page cache freed. false on timeout.
  bool wait_until_settled(std::chrono::milliseconds timeout) override;
  // Frees `bytes` of the hog now and stops it growing until resume(): make room before
  // locking memory. Returns the bytes actually freed.
  uint64_t hold(uint64_t bytes) override;
  void resume() override;
  // Stops the threads, frees the hog, closes (and so deletes) the churn file. Idempotent.
  void stop() override;

  uint64_t hog_bytes() const override { return hog_bytes_.load(std::memory_order_relaxed); }
  uint64_t churned_bytes() const override { return churned_bytes_.load(std::memory_order_relaxed); }
  uint64_t safety_margin_bytes() const override { return margin_; }
  PressureReport report() const override;

  // max(1.5 GiB, 10% of `total_bytes`).
  static uint64_t default_safety_margin(uint64_t total_bytes);
  // MemAvailable, bounded by the process's memory cgroup headroom when there is a limit.
  static uint64_t system_available_bytes();

 private:
  MemoryPressure(const PressureOptions& options, AvailableFn available);
  void control_round();
  void churn_round();
  Status make_churn_file();
  bool grow_chunk(uint64_t bytes);
  void shrink_to(uint64_t bytes);
  void pulse_reclaim();

  const PressureOptions options_;
  AvailableFn available_;
  uint64_t margin_ = 0;
  uint64_t hysteresis_ = 0;
  uint64_t fixed_hog_target_ = 0;

  mutable std::mutex mutex_;  // guards chunks_, report_, held_
  std::vector<std::pair<void*, size_t>> chunks_;
  bool held_ = false;
  PressureReport report_;
  std::atomic<uint64_t> hog_bytes_{0};
  std::atomic<uint64_t> churned_bytes_{0};
  std::atomic<bool> hog_settled_{false};
  // What the churn must have read once the hog settled for the cache to count as full.
  mutable std::atomic<uint64_t> fill_target_{0};
  std::atomic<bool> churn_failed_{false};
  std::atomic<bool> stopped_{false};

  io::UniqueFd churn_fd_;  // used by the churn thread only after start()
  uint64_t churn_size_ = 0;
  uint64_t churn_offset_ = 0;
  std::vector<std::byte> churn_buffer_;
  uint64_t churn_started_ns_ = 0;
  uint64_t last_pulse_ns_ = 0;

  ServiceThread hog_thread_;
  ServiceThread churn_thread_;
};

}  // namespace ringmq::perf
