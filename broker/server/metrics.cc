#include "broker/server/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ringmq::broker {
namespace {

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// HELP text escapes backslash and newline; label values also escape the double quote.
std::string escape(std::string_view text, bool quote) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote && c == '"')
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

std::array<uint64_t, LatencyHistogram::kBounds> make_bounds() {
  std::array<uint64_t, LatencyHistogram::kBounds> bounds{};
  for (size_t i = 0; i < bounds.size(); ++i) {
    const uint64_t power = uint64_t{1} << (i / 2);
    bounds[i] = (i % 2 == 0) ? 1000 * power : 1500 * power;
  }
  return bounds;
}

std::atomic<size_t> g_next_shard{0};

}  // namespace

size_t this_thread_shard() {
  thread_local const size_t shard = g_next_shard.fetch_add(1, std::memory_order_relaxed) % kMetricShards;
  return shard;
}

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{}", static_cast<int64_t>(value));
  return fmt::format("{}", value);
}

uint64_t Counter::value() const {
  uint64_t sum = 0;
  for (const Shard& shard : shards_) sum += shard.value.load(std::memory_order_relaxed);
  return sum;
}

const std::array<uint64_t, LatencyHistogram::kBounds>& LatencyHistogram::upper_bounds_ns() {
  static const auto bounds = make_bounds();
  return bounds;
}

size_t LatencyHistogram::bucket_of(uint64_t nanoseconds) {
  const auto& bounds = upper_bounds_ns();
  // Upper bounds are inclusive (Prometheus `le`): the first bound >= the value.
  return static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), nanoseconds) - bounds.begin());
}

LatencyHistogram::Snapshot LatencyHistogram::snapshot() const {
  Snapshot snapshot;
  for (const Shard& shard : shards_) {
    for (size_t i = 0; i < kBuckets; ++i) snapshot.buckets[i] += shard.buckets[i].load(std::memory_order_relaxed);
    snapshot.sum_ns += shard.sum_ns.load(std::memory_order_relaxed);
  }
  for (uint64_t n : snapshot.buckets) snapshot.count += n;
  return snapshot;
}

LabelledCounters::LabelledCounters(std::string label, std::vector<std::string> values)
    : label_(std::move(label)), values_(std::move(values)) {
  values_.push_back("other");
  counters_ = std::vector<Counter>(values_.size());
}

void MetricsRegistry::add_family(std::string name, std::string help, const char* type,
                                 std::function<void(const std::string&, std::string&)> render_samples,
                                 std::shared_ptr<void> owned) {
  if (!valid_metric_name(name)) throw std::invalid_argument("invalid metric name \"" + name + "\"");
  std::lock_guard lock(mutex_);
  for (const Family& family : families_)
    if (family.name == name) throw std::invalid_argument("metric \"" + name + "\" registered twice");
  families_.push_back(Family{std::move(name), std::move(help), type, std::move(render_samples)});
  if (owned) owned_.push_back(std::move(owned));
}

Counter& MetricsRegistry::counter(std::string name, std::string help) {
  auto metric = std::make_shared<Counter>();
  Counter* raw = metric.get();
  add_family(
      std::move(name), std::move(help), "counter",
      [raw](const std::string& n, std::string& out) { out += n + " " + std::to_string(raw->value()) + "\n"; }, metric);
  return *raw;
}

Gauge& MetricsRegistry::gauge(std::string name, std::string help) {
  auto metric = std::make_shared<Gauge>();
  Gauge* raw = metric.get();
  add_family(
      std::move(name), std::move(help), "gauge",
      [raw](const std::string& n, std::string& out) { out += n + " " + std::to_string(raw->value()) + "\n"; }, metric);
  return *raw;
}

LatencyHistogram& MetricsRegistry::histogram(std::string name, std::string help) {
  auto metric = std::make_shared<LatencyHistogram>();
  LatencyHistogram* raw = metric.get();
  add_family(
      std::move(name), std::move(help), "histogram",
      [raw](const std::string& n, std::string& out) {
        const auto snapshot = raw->snapshot();
        const auto& bounds = LatencyHistogram::upper_bounds_ns();
        uint64_t cumulative = 0;
        for (size_t i = 0; i < LatencyHistogram::kBounds; ++i) {
          cumulative += snapshot.buckets[i];
          out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", n, static_cast<double>(bounds[i]) / 1e9, cumulative);
        }
        out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", n, snapshot.count);
        out += fmt::format("{}_sum {}\n", n, format_metric_value(static_cast<double>(snapshot.sum_ns) / 1e9));
        out += fmt::format("{}_count {}\n", n, snapshot.count);
      },
      metric);
  return *raw;
}

LabelledCounters& MetricsRegistry::labelled_counters(std::string name, std::string help, std::string label,
                                                     std::vector<std::string> values) {
  auto metric = std::make_shared<LabelledCounters>(std::move(label), std::move(values));
  LabelledCounters* raw = metric.get();
  add_family(
      std::move(name), std::move(help), "counter",
      [raw](const std::string& n, std::string& out) {
        for (size_t i = 0; i < raw->size(); ++i) {
          const uint64_t v = raw->value(i);
          if (v == 0) continue;
          out += fmt::format("{}{{{}=\"{}\"}} {}\n", n, raw->label(), escape(raw->label_value(i), true), v);
        }
      },
      metric);
  return *raw;
}

void MetricsRegistry::callback_gauge(std::string name, std::string help, std::function<double()> read) {
  add_family(
      std::move(name), std::move(help), "gauge",
      [read = std::move(read)](const std::string& n, std::string& out) {
        out += n + " " + format_metric_value(read()) + "\n";
      },
      nullptr);
}

void MetricsRegistry::callback_counter(std::string name, std::string help, std::function<double()> read) {
  add_family(
      std::move(name), std::move(help), "counter",
      [read = std::move(read)](const std::string& n, std::string& out) {
        out += n + " " + format_metric_value(read()) + "\n";
      },
      nullptr);
}

void MetricsRegistry::labelled_callback_gauge(std::string name, std::string help,
                                              std::function<void(std::vector<LabelledSample>&)> list) {
  add_family(
      std::move(name), std::move(help), "gauge",
      [list = std::move(list)](const std::string& n, std::string& out) {
        std::vector<LabelledSample> samples;
        list(samples);
        for (const LabelledSample& sample : samples) {
          out += n;
          out += '{';
          for (size_t i = 0; i < sample.labels.size(); ++i) {
            if (i > 0) out += ',';
            out += sample.labels[i].first + "=\"" + escape(sample.labels[i].second, true) + "\"";
          }
          out += "} " + format_metric_value(sample.value) + "\n";
        }
      },
      nullptr);
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out.reserve(16384);
  for (const Family& family : families_) {
    out += "# HELP " + family.name + " " + escape(family.help, false) + "\n";
    out += "# TYPE " + family.name + " " + family.type + "\n";
    family.render_samples(family.name, out);
  }
  return out;
}

}  // namespace ringmq::broker
