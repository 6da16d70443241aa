#include "perf/system_sampler.h"

namespace ringmq::perf {

SystemSampler::SystemSampler(uint32_t interval_ms, std::string proc_root)
    : interval_ms_(interval_ms ? interval_ms : 100), proc_root_(std::move(proc_root)) {
  samples_.reserve(16384);
}

void SystemSampler::set_annotator(std::function<void(SampledPoint&)> annotate) { annotate_ = std::move(annotate); }

void SystemSampler::start() {
  take();
  thread_.start("rmqj-sampler", [this] {
    thread_.sleep_for(std::chrono::milliseconds(interval_ms_));
    if (!thread_.stopping()) take();
  });
}

void SystemSampler::stop() { thread_.stop(); }

void SystemSampler::sample_now() { take(); }

void SystemSampler::take() {
  SampledPoint point;
  point.system = read_system_sample(proc_root_);
  const TaskStat self = read_task_stat(proc_root_ + "/self/stat");
  point.self_cpu_ticks = self.user_ticks + self.system_ticks;
  if (annotate_) annotate_(point);
  std::lock_guard lock(mutex_);
  samples_.push_back(std::move(point));
}

std::vector<SampledPoint> SystemSampler::samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

SampledPoint SystemSampler::latest() const {
  std::lock_guard lock(mutex_);
  return samples_.empty() ? SampledPoint{} : samples_.back();
}

std::pair<SampledPoint, SampledPoint> SystemSampler::last_two() const {
  std::lock_guard lock(mutex_);
  if (samples_.empty()) return {};
  return {samples_[samples_.size() > 1 ? samples_.size() - 2 : 0], samples_.back()};
}

}  // namespace ringmq::perf
