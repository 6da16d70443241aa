#include "perf/attach.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "common/json_writer.h"
#include "io/unique_fd.h"
#include "perf/jitter_report.h"
#include "perf/report_series.h"

namespace ringmq::perf {
namespace {

std::vector<std::string> split_filters(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t end = std::min(text.find(',', pos), text.size());
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

double per_second(uint64_t delta, uint64_t ns) {
  return ns ? static_cast<double>(delta) * 1e9 / static_cast<double>(ns) : 0;
}

}  // namespace

std::map<std::string, double> parse_prometheus_text(std::string_view text, const std::vector<std::string>& filters) {
  std::map<std::string, double> out;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    // The series ends at the space after the closing brace (labels may hold spaces).
    size_t split = line.find('}');
    split = line.find(' ', split == std::string_view::npos ? 0 : split);
    if (split == std::string_view::npos) continue;
    const std::string series(line.substr(0, split));
    const std::string name = series.substr(0, series.find('{'));
    bool wanted = filters.empty();
    for (const auto& f : filters) wanted = wanted || name.find(f) != std::string::npos;
    if (!wanted) continue;
    std::string_view value = line.substr(split + 1);
    value = value.substr(0, value.find(' '));  // an optional timestamp follows
    const std::string v(value);
    char* parse_end = nullptr;
    const double number = std::strtod(v.c_str(), &parse_end);
    if (parse_end == v.c_str()) continue;
    out[series] = number;
  }
  return out;
}

namespace {

// "name_bucket{a=\"x\",le=\"0.5\"}" -> family "name{a=\"x\"}" and bound 0.5; false if not a bucket.
bool split_bucket(const std::string& series, std::string& family, double& bound) {
  const size_t brace = series.find('{');
  const std::string name = series.substr(0, brace);
  if (!name.ends_with("_bucket") || brace == std::string::npos) return false;
  const size_t le = series.find("le=\"", brace);
  if (le == std::string::npos) return false;
  const size_t end = series.find('"', le + 4);
  const std::string value = series.substr(le + 4, end - le - 4);
  bound = value == "+Inf" ? INFINITY : std::strtod(value.c_str(), nullptr);
  std::string labels = series.substr(brace + 1, series.size() - brace - 2);
  // Drop the le label (and the comma next to it) from the label set.
  const size_t at = labels.find("le=\"");
  size_t stop = labels.find('"', at + 4) + 1;
  size_t start = at;
  if (stop < labels.size() && labels[stop] == ',')
    ++stop;
  else if (start > 0 && labels[start - 1] == ',')
    --start;
  labels.erase(start, stop - start);
  family = name.substr(0, name.size() - 7) + (labels.empty() ? "" : "{" + labels + "}");
  return true;
}

}  // namespace

std::vector<std::string> histogram_families(const std::map<std::string, double>& metrics) {
  std::vector<std::string> out;
  for (const auto& [series, value] : metrics) {
    std::string family;
    double bound;
    if (split_bucket(series, family, bound) && std::find(out.begin(), out.end(), family) == out.end())
      out.push_back(family);
  }
  return out;
}

EndpointQuantiles histogram_quantiles(const std::string& family, const std::map<std::string, double>& before,
                                      const std::map<std::string, double>& after) {
  EndpointQuantiles q;
  q.family = family;
  std::vector<std::pair<double, double>> buckets;  // bound, cumulative count of the interval
  for (const auto& [series, value] : after) {
    std::string f;
    double bound;
    if (!split_bucket(series, f, bound) || f != family) continue;
    auto it = before.find(series);
    buckets.emplace_back(bound, value - (it == before.end() ? 0.0 : it->second));
  }
  std::sort(buckets.begin(), buckets.end());
  if (buckets.empty() || buckets.back().second <= 0) return q;
  q.count = buckets.back().second;
  auto at = [&](double p) {
    const double rank = p * q.count;
    for (const auto& [bound, cumulative] : buckets)
      if (cumulative >= rank) return bound;
    return buckets.back().first;
  };
  q.p50 = at(0.5);
  q.p99 = at(0.99);
  q.p999 = at(0.999);
  return q;
}

Result<std::string> http_get(const std::string& url, uint32_t timeout_ms) {
  if (!url.starts_with("http://"))
    return make_error(ErrorCode::kInvalidArgument, "metrics URL must start with http:// (got " + url + ")");
  const std::string rest = url.substr(7);
  const size_t slash = rest.find('/');
  const std::string host_port = rest.substr(0, slash);
  const std::string path = slash == std::string::npos ? "/metrics" : rest.substr(slash);
  const size_t colon = host_port.rfind(':');
  const std::string host = colon == std::string::npos ? host_port : host_port.substr(0, colon);
  const std::string port = colon == std::string::npos ? "80" : host_port.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return make_error(ErrorCode::kNotFound, "resolving " + host + ": " + ::gai_strerror(rc));
  io::UniqueFd fd(::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol));
  const int connected = fd.valid() ? ::connect(fd.get(), found->ai_addr, found->ai_addrlen) : -1;
  ::freeaddrinfo(found);
  if (connected != 0) return errno_error("connecting to " + host_port, errno);
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\nAccept: text/plain\r\n\r\n";
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    return errno_error("sending the request to " + url, errno);
  std::string response;
  char buf[16384];
  for (;;) {
    pollfd p{fd.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout_ms));
    if (ready == 0)
      return make_error(ErrorCode::kTimeout, "no answer from " + url + " within " + std::to_string(timeout_ms) + " ms");
    if (ready < 0) return errno_error("waiting for " + url, errno);
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0) return errno_error("reading from " + url, errno);
    if (n == 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  const size_t body = response.find("\r\n\r\n");
  if (!response.starts_with("HTTP/") || body == std::string::npos)
    return make_error(ErrorCode::kCorrupt, url + " did not answer with HTTP");
  const std::string status = response.substr(0, response.find("\r\n"));
  if (status.find(" 200") == std::string::npos) return make_error(ErrorCode::kIo, url + " answered " + status);
  return response.substr(body + 4);
}

Result<AttachReport> run_attach(const AttachOptions& options, const std::atomic<bool>* interrupt,
                                const std::function<void(const AttachReport&)>& on_point) {
  AttachReport report;
  report.options = options;
  report.host = collect_host_info("/");
  if (options.pid) {
    const TaskStat first = read_task_stat(options.proc_root + "/" + std::to_string(options.pid) + "/stat");
    if (!first.present)
      return make_error(ErrorCode::kNotFound, "no process " + std::to_string(options.pid) + " (or /proc/" +
                                                  std::to_string(options.pid) + "/stat is not readable)");
    report.process_name = first.name;
  }
  if (!options.pid && options.metrics_url.empty())
    return make_error(ErrorCode::kInvalidArgument, "attach needs --pid or --metrics (or both)");
  const auto filters = split_filters(options.metric_filter);
  report.start_ns = monotonic_ns();
  const uint64_t interval_ns = uint64_t{std::max<uint32_t>(options.interval_ms, 10)} * 1'000'000;
  bool endpoint_failed = false;
  for (uint64_t next = report.start_ns;; next += interval_ns) {
    AttachPoint point;
    point.system.system = read_system_sample(options.proc_root);
    if (options.pid) {
      point.process = read_task_stat(options.proc_root + "/" + std::to_string(options.pid) + "/stat");
      point.process_alive = point.process.present;
      point.threads = read_process_threads(options.pid, options.proc_root);
    }
    if (!options.metrics_url.empty()) {
      auto body = http_get(options.metrics_url, std::max<uint32_t>(options.interval_ms, 500));
      if (body)
        point.metrics = parse_prometheus_text(*body, filters);
      else if (!endpoint_failed) {
        report.notes.push_back("metrics endpoint: " + body.error().message);
        endpoint_failed = true;
      }
    }
    report.points.push_back(std::move(point));
    if (on_point) on_point(report);
    if (options.pid && !report.points.back().process_alive) {
      report.notes.push_back("process " + std::to_string(options.pid) + " exited");
      break;
    }
    if (options.duration_ms && monotonic_ns() - report.start_ns >= options.duration_ms * 1'000'000) break;
    // Sleep to the next tick in small steps, so an interrupt is seen quickly.
    while (monotonic_ns() < next + interval_ns) {
      if (interrupt && interrupt->load()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (interrupt && interrupt->load()) {
      report.interrupted = true;
      break;
    }
  }
  return report;
}

std::vector<ThreadFaults> attach_thread_totals(const AttachReport& report) {
  std::vector<ThreadFaults> out;
  if (report.points.empty()) return out;
  // Each thread from its first sighting to its last (threads may come and go).
  std::map<int, std::pair<TaskStat, TaskStat>> span;
  for (const auto& p : report.points)
    for (const auto& t : p.threads) {
      auto it = span.find(t.tid);
      if (it == span.end())
        span.emplace(t.tid, std::make_pair(t, t));
      else
        it->second.second = t;
    }
  const long ticks = std::max(::sysconf(_SC_CLK_TCK), 1L);
  std::map<std::string, ThreadFaults> by_name;
  for (const auto& [tid, ends] : span) {
    ThreadFaults& f = by_name[ends.second.name];
    f.name = ends.second.name;
    f.minor_faults += ends.second.minor_faults - ends.first.minor_faults;
    f.major_faults += ends.second.major_faults - ends.first.major_faults;
    f.cpu_ms += (ends.second.user_ticks + ends.second.system_ticks - ends.first.user_ticks - ends.first.system_ticks) *
                1000 / ticks;
  }
  for (auto& [name, f] : by_name) out.push_back(f);
  std::sort(out.begin(), out.end(), [](const ThreadFaults& a, const ThreadFaults& b) {
    return a.minor_faults + a.major_faults > b.minor_faults + b.major_faults;
  });
  return out;
}

std::string format_attach_line(const AttachReport& r) {
  if (r.points.size() < 2) return "attached; first sample taken";
  const AttachPoint& a = r.points[r.points.size() - 2];
  const AttachPoint& b = r.points.back();
  const uint64_t ns = b.system.system.time_ns - a.system.system.time_ns;
  char buf[512];
  std::string line;
  const double t = static_cast<double>(b.system.system.time_ns - r.start_ns) / 1e9;
  std::snprintf(buf, sizeof buf, "t=%6.1fs", t);
  line += buf;
  if (r.options.pid) {
    std::snprintf(buf, sizeof buf, "  %s minflt/s %8.0f majflt/s %6.0f", r.process_name.c_str(),
                  per_second(b.process.minor_faults - std::min(b.process.minor_faults, a.process.minor_faults), ns),
                  per_second(b.process.major_faults - std::min(b.process.major_faults, a.process.major_faults), ns));
    line += buf;
    // The thread that faulted most in this interval.
    std::string top;
    uint64_t top_faults = 0;
    for (const auto& t2 : b.threads)
      for (const auto& t1 : a.threads)
        if (t1.tid == t2.tid && t2.minor_faults + t2.major_faults - t1.minor_faults - t1.major_faults > top_faults) {
          top_faults = t2.minor_faults + t2.major_faults - t1.minor_faults - t1.major_faults;
          top = t2.name;
        }
    if (top_faults) line += "  top: " + top + " " + std::to_string(top_faults);
  }
  const VmCounters d = b.system.system.vm - a.system.system.vm;
  std::snprintf(
      buf, sizeof buf, " | allocstall/s %.0f pgscan_direct/s %.0f pgscan_kswapd/s %.0f psi-mem-full %.1f%%",
      per_second(d[VmCounter::kAllocStall], ns), per_second(d[VmCounter::kPgScanDirect], ns),
      per_second(d[VmCounter::kPgScanKswapd], ns),
      ns ? static_cast<double>(b.system.system.memory_pressure.full_us - a.system.system.memory_pressure.full_us) /
               (static_cast<double>(ns) / 1e3) * 100
         : 0.0);
  line += buf;
  return line;
}

std::string format_attach_text(const AttachReport& r) {
  std::string out;
  char buf[512];
  if (r.points.size() < 2) return "ringmq-jitter attach: not enough samples\n";
  const AttachPoint& first = r.points.front();
  const AttachPoint& last = r.points.back();
  const uint64_t ns = last.system.system.time_ns - first.system.system.time_ns;
  std::snprintf(buf, sizeof buf, "ringmq-jitter attach: %zu samples over %.1f s\n", r.points.size(),
                static_cast<double>(ns) / 1e9);
  out += buf;
  if (r.options.pid) {
    std::snprintf(buf, sizeof buf, "process %d (%s): %llu minor faults (%.0f/s), %llu major faults (%.0f/s)\n\n",
                  r.options.pid, r.process_name.c_str(),
                  static_cast<unsigned long long>(last.process.minor_faults - first.process.minor_faults),
                  per_second(last.process.minor_faults - first.process.minor_faults, ns),
                  static_cast<unsigned long long>(last.process.major_faults - first.process.major_faults),
                  per_second(last.process.major_faults - first.process.major_faults, ns));
    out += buf;
    std::snprintf(buf, sizeof buf, "%-18s %12s %12s %10s\n", "thread", "minor", "major", "CPU ms");
    out += buf;
    for (const auto& t : attach_thread_totals(r)) {
      std::snprintf(buf, sizeof buf, "%-18s %12s %12s %10llu\n", t.name.c_str(),
                    format_count(static_cast<double>(t.minor_faults)).c_str(),
                    format_count(static_cast<double>(t.major_faults)).c_str(),
                    static_cast<unsigned long long>(t.cpu_ms));
      out += buf;
    }
    out += "\n";
  }
  const SystemDelta d = system_delta(first.system, last.system);
  std::snprintf(buf, sizeof buf,
                "system: allocstall %s, pgscan_direct %s, pgscan_kswapd %s, compact_stall %s, pgmajfault %s, "
                "PSI memory some %.0f ms / full %.0f ms, io full %.0f ms\n",
                format_count(static_cast<double>(d.vm[VmCounter::kAllocStall])).c_str(),
                format_count(static_cast<double>(d.vm[VmCounter::kPgScanDirect])).c_str(),
                format_count(static_cast<double>(d.vm[VmCounter::kPgScanKswapd])).c_str(),
                format_count(static_cast<double>(d.vm[VmCounter::kCompactStall])).c_str(),
                format_count(static_cast<double>(d.vm[VmCounter::kPgMajFault])).c_str(), d.psi_memory_some_ms,
                d.psi_memory_full_ms, d.psi_io_full_ms);
  out += buf;
  for (const auto& family : histogram_families(last.metrics)) {
    const EndpointQuantiles q = histogram_quantiles(family, first.metrics, last.metrics);
    if (q.count <= 0) continue;
    std::snprintf(buf, sizeof buf, "endpoint histogram %s: %.0f observations, p50 <= %g, p99 <= %g, p99.9 <= %g\n",
                  family.c_str(), q.count, q.p50, q.p99, q.p999);
    out += buf;
  }
  if (!last.metrics.empty() || !first.metrics.empty()) {
    out += "\nmetrics endpoint (" + r.options.metrics_url + "), series that are not histogram buckets:\n";
    for (const auto& [series, value] : last.metrics) {
      if (series.find("_bucket{") != std::string::npos) continue;
      auto it = first.metrics.find(series);
      const double delta = it == first.metrics.end() ? 0 : value - it->second;
      std::snprintf(buf, sizeof buf, "  %-60s %14.3f  (%+.3f, %.3f/s)\n", series.c_str(), value, delta,
                    ns ? delta * 1e9 / static_cast<double>(ns) : 0.0);
      out += buf;
    }
  }
  for (const auto& n : r.notes) out += "note: " + n + "\n";
  return out;
}

std::string format_attach_json(const AttachReport& r, size_t max_points) {
  JsonWriter j;
  j.begin_object();
  j.field("tool", "ringmq-jitter 0.1 attach").field("command", r.command_line).field("started_at", r.started_at);
  j.field("pid", static_cast<uint64_t>(r.options.pid)).field("process_name", r.process_name);
  j.field("metrics_url", r.options.metrics_url).field("interval_ms", r.options.interval_ms);
  j.field("interrupted", r.interrupted);
  const size_t n = r.points.size();
  const size_t k = std::max<size_t>(1, (n + max_points - 1) / std::max<size_t>(max_points, 1));
  j.begin_object("process");
  j.begin_array("t_s", true);
  for (size_t i = k; i < n; i += k)
    j.item(static_cast<double>(r.points[i].system.system.time_ns - r.start_ns) / 1e9, 3);
  j.end_array();
  j.begin_array("minor_faults_per_s", true);
  for (size_t i = k; i < n; i += k) {
    const auto& a = r.points[i - k].process;
    const auto& b = r.points[i].process;
    j.item(per_second(b.minor_faults - std::min(a.minor_faults, b.minor_faults),
                      r.points[i].system.system.time_ns - r.points[i - k].system.system.time_ns),
           1);
  }
  j.end_array();
  j.begin_array("major_faults_per_s", true);
  for (size_t i = k; i < n; i += k) {
    const auto& a = r.points[i - k].process;
    const auto& b = r.points[i].process;
    j.item(per_second(b.major_faults - std::min(a.major_faults, b.major_faults),
                      r.points[i].system.system.time_ns - r.points[i - k].system.system.time_ns),
           1);
  }
  j.end_array();
  j.end_object();
  j.begin_array("threads");
  for (const auto& t : attach_thread_totals(r))
    j.begin_object()
        .field("name", t.name)
        .field("minor_faults", t.minor_faults)
        .field("major_faults", t.major_faults)
        .field("cpu_ms", t.cpu_ms)
        .end_object();
  j.end_array();
  if (n >= 2) {
    const SystemDelta d = system_delta(r.points.front().system, r.points.back().system);
    j.begin_object("system_delta");
    for (int c = 0; c < kVmCounterCount; ++c)
      if (d.vm.present[c]) j.field(vm_counter_name(static_cast<VmCounter>(c)), d.vm.values[c]);
    j.field("psi_memory_some_ms", d.psi_memory_some_ms).field("psi_memory_full_ms", d.psi_memory_full_ms);
    j.end_object();
  }
  j.begin_array("endpoint_histograms");
  if (n >= 2) {
    for (const auto& family : histogram_families(r.points.back().metrics)) {
      const EndpointQuantiles all = histogram_quantiles(family, r.points.front().metrics, r.points.back().metrics);
      j.begin_object().field("family", family).field("count", all.count, 0);
      j.field("p50", all.p50, 9).field("p99", all.p99, 9).field("p99.9", all.p999, 9);
      j.begin_array("p99_per_interval", true);
      for (size_t i = k; i < n; i += k)
        j.item(histogram_quantiles(family, r.points[i - k].metrics, r.points[i].metrics).p99, 9);
      j.end_array();
      j.end_object();
    }
  }
  j.end_array();
  j.begin_object("metrics");
  if (n) {
    for (const auto& [series, value] : r.points.back().metrics) {
      j.begin_array(series, true);
      for (size_t i = 0; i < n; i += k) {
        auto it = r.points[i].metrics.find(series);
        j.item(it == r.points[i].metrics.end() ? 0.0 : it->second, 6);
      }
      j.end_array();
    }
  }
  j.end_object();
  std::vector<SampledPoint> samples;
  for (const auto& p : r.points) samples.push_back(p.system);
  const SystemSeries s = system_series(samples, r.start_ns, max_points);
  j.begin_object("system_samples");
  auto series = [&](std::string_view key, const std::vector<double>& values, int decimals) {
    j.begin_array(key, true);
    for (double v : values) j.item(v, decimals);
    j.end_array();
  };
  series("t_s", s.t_s, 2);
  series("available_mib", s.available_mib, 0);
  series("cached_mib", s.cached_mib, 0);
  series("allocstall_per_s", s.allocstall_per_s, 1);
  series("pgscan_direct_per_s", s.pgscan_direct_per_s, 0);
  series("pgscan_kswapd_per_s", s.pgscan_kswapd_per_s, 0);
  series("compact_stall_per_s", s.compact_stall_per_s, 1);
  series("pgmajfault_per_s", s.pgmajfault_per_s, 1);
  series("psi_memory_some_pct", s.psi_memory_some_pct, 2);
  series("psi_memory_full_pct", s.psi_memory_full_pct, 2);
  j.end_object();
  j.begin_array("notes");
  for (const auto& note : r.notes) j.item(note);
  j.end_array();
  j.end_object();
  return j.str();
}

}  // namespace ringmq::perf
