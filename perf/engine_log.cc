#include "perf/engine_log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "perf/proc_stats.h"

namespace ringmq::perf {

class EngineLogCapture::Sink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<LoggedMessage> between(uint64_t from_ns, uint64_t to_ns) {
    std::lock_guard lock(mutex_);
    std::vector<LoggedMessage> out;
    for (const auto& m : messages_)
      if (m.time_ns >= from_ns && m.time_ns <= to_ns) out.push_back(m);
    return out;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (msg.level < spdlog::level::warn) return;
    if (messages_.size() >= 10'000) return;  // a flood of the same warning is not worth more
    const auto level = spdlog::level::to_string_view(msg.level);
    messages_.push_back(
        {monotonic_ns(), std::string(level.data(), level.size()), std::string(msg.payload.data(), msg.payload.size())});
  }
  void flush_() override {}

 private:
  std::vector<LoggedMessage> messages_;  // guarded by base_sink's mutex_
};

EngineLogCapture::EngineLogCapture() : sink_(std::make_shared<Sink>()) {
  spdlog::default_logger()->sinks().push_back(sink_);
}

EngineLogCapture::~EngineLogCapture() {
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
}

std::vector<LoggedMessage> EngineLogCapture::between(uint64_t from_ns, uint64_t to_ns) const {
  return sink_->between(from_ns, to_ns);
}

}  // namespace ringmq::perf
