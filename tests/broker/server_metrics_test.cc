// Metrics: bucket layout, rendering, concurrent updates, and the /metrics endpoint parsed as
// Prometheus exposition text.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <thread>

#include "broker/server/broker_metrics.h"
#include "broker/server/metrics.h"
#include "broker/server/metrics_http.h"
#include "tests/broker/server_test_support.h"

namespace ringmq::broker {
namespace {

// --- a strict-enough parser of the text exposition format 0.0.4 ---

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> types;
  std::map<std::string, std::string> help;
  std::vector<Sample> samples;
  std::string error;  // empty when well-formed

  std::optional<double> value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const Sample& s : samples)
      if (s.name == name && s.labels == labels) return s.value;
    return std::nullopt;
  }
};

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool is_name_char(char c) { return is_name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

std::optional<double> parse_value(const std::string& text) {
  if (text == "+Inf") return INFINITY;
  if (text == "-Inf") return -INFINITY;
  if (text == "NaN") return NAN;
  size_t used = 0;
  try {
    const double v = std::stod(text, &used);
    if (used != text.size()) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

// The family a sample belongs to: histogram samples carry _bucket/_sum/_count suffixes.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.contains(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.ends_with(s)) {
      const std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && it->second == "histogram") return base;
    }
  }
  return "";
}

Exposition parse_exposition(const std::string& text) {
  Exposition out;
  if (text.empty() || text.back() != '\n') {
    out.error = "does not end with a newline";
    return out;
  }
  size_t start = 0;
  int line_number = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    auto fail = [&](const std::string& why) {
      out.error = "line " + std::to_string(line_number) + ": " + why + ": " + line;
    };
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const std::string rest = line.substr(7);
      const size_t space = rest.find(' ');
      if (space == std::string::npos) return fail("no text"), out;
      const std::string name = rest.substr(0, space);
      if (line[2] == 'T') {
        const std::string type = rest.substr(space + 1);
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" && type != "untyped")
          return fail("bad type"), out;
        if (out.types.contains(name)) return fail("TYPE given twice"), out;
        for (const Sample& s : out.samples)
          if (family_of(s.name, {{name, type}}) == name) return fail("TYPE after samples"), out;
        out.types[name] = type;
      } else {
        out.help[name] = rest.substr(space + 1);
      }
      continue;
    }
    if (line[0] == '#') continue;
    Sample sample;
    size_t i = 0;
    if (!is_name_start(line[0])) return fail("bad metric name"), out;
    while (i < line.size() && is_name_char(line[i])) ++i;
    sample.name = line.substr(0, i);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t label_start = i;
        while (i < line.size() && is_name_char(line[i])) ++i;
        const std::string label = line.substr(label_start, i - label_start);
        if (label.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"')
          return fail("bad label"), out;
        i += 2;
        std::string value;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) ++i;
          value += line[i++];
        }
        if (i >= line.size()) return fail("unterminated label value"), out;
        ++i;
        sample.labels[label] = value;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) return fail("unterminated labels"), out;
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') return fail("no value"), out;
    std::string value_text = line.substr(i + 1);
    if (const size_t space = value_text.find(' '); space != std::string::npos) value_text.resize(space);  // timestamp
    auto value = parse_value(value_text);
    if (!value) return fail("bad value"), out;
    sample.value = *value;
    if (family_of(sample.name, out.types).empty()) return fail("sample without a TYPE"), out;
    out.samples.push_back(std::move(sample));
  }
  // Histograms: cumulative buckets ending in +Inf == _count.
  for (const auto& [name, type] : out.types) {
    if (type != "histogram") continue;
    double previous = 0, inf = -1;
    for (const Sample& s : out.samples) {
      if (s.name != name + "_bucket") continue;
      if (!s.labels.contains("le")) return out.error = name + ": bucket without le", out;
      if (s.value < previous) return out.error = name + ": buckets not cumulative", out;
      previous = s.value;
      if (s.labels.at("le") == "+Inf") inf = s.value;
    }
    auto count = out.value(name + "_count");
    if (inf < 0 || !count || *count != inf || !out.value(name + "_sum"))
      return out.error = name + ": missing +Inf bucket, _sum or _count", out;
  }
  return out;
}

struct HttpReply {
  std::string status_line;
  std::string headers;
  std::string body;
};

HttpReply http_request(uint16_t port, const std::string& request) {
  test::TestClient client(port);
  client.send(test::text_bytes(request));
  std::string all;
  std::byte buffer[4096];
  while (client.read_exact(buffer, 1, std::chrono::milliseconds(5000))) {
    all += static_cast<char>(buffer[0]);
  }
  HttpReply reply;
  const size_t line_end = all.find("\r\n");
  const size_t head_end = all.find("\r\n\r\n");
  if (line_end == std::string::npos || head_end == std::string::npos) return reply;
  reply.status_line = all.substr(0, line_end);
  reply.headers = all.substr(line_end + 2, head_end - line_end - 2);
  reply.body = all.substr(head_end + 4);
  return reply;
}

// --- tests ---

TEST(LatencyHistogram, BucketsAreTwoPerPowerOfTwoFromOneMicrosecond) {
  const auto& bounds = LatencyHistogram::upper_bounds_ns();
  EXPECT_EQ(bounds[0], 1000u);
  EXPECT_EQ(bounds[1], 1500u);
  EXPECT_EQ(bounds[2], 2000u);
  EXPECT_EQ(bounds[3], 3000u);
  EXPECT_EQ(bounds.back(), uint64_t{1000} << 26);
  EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
  EXPECT_EQ(LatencyHistogram::bucket_of(0), 0u);
  EXPECT_EQ(LatencyHistogram::bucket_of(1000), 0u);  // upper bounds are inclusive (le)
  EXPECT_EQ(LatencyHistogram::bucket_of(1001), 1u);
  EXPECT_EQ(LatencyHistogram::bucket_of(1500), 1u);
  EXPECT_EQ(LatencyHistogram::bucket_of(1501), 2u);
  EXPECT_EQ(LatencyHistogram::bucket_of(uint64_t{1} << 62), LatencyHistogram::kBuckets - 1);
}

TEST(MetricsRegistry, RendersEveryKindAsValidExposition) {
  MetricsRegistry registry;
  registry.counter("test_events_total", "Events").add(3);
  registry.gauge("test_level", "Level").set(-2);
  auto& histogram = registry.histogram("test_latency_seconds", "Latency");
  histogram.record(std::chrono::microseconds(2));
  histogram.record(std::chrono::milliseconds(3));
  auto& labelled = registry.labelled_counters("test_by_kind_total", "By kind", "kind", {"a", "b\"q"});
  labelled.add(1, 5);
  labelled.add(99);  // out of range: "other"
  registry.callback_gauge("test_callback", "Callback", [] { return 1.5; });
  registry.labelled_callback_gauge("test_lag", "Lag", [](std::vector<LabelledSample>& out) {
    out.push_back({{{"group", "g\"1"}, {"partition", "0"}}, 7});
    out.push_back({{{"group", "g2"}, {"partition", "3"}}, 0});
  });

  const std::string text = registry.render();
  const Exposition parsed = parse_exposition(text);
  ASSERT_EQ(parsed.error, "") << text;
  EXPECT_EQ(parsed.value("test_events_total"), 3);
  EXPECT_EQ(parsed.value("test_level"), -2);
  EXPECT_EQ(parsed.value("test_callback"), 1.5);
  EXPECT_EQ(parsed.value("test_lag", {{"group", "g\"1"}, {"partition", "0"}}), 7);
  EXPECT_EQ(parsed.value("test_lag", {{"group", "g2"}, {"partition", "3"}}), 0);
  EXPECT_EQ(parsed.value("test_by_kind_total", {{"kind", "b\"q"}}), 5);
  EXPECT_EQ(parsed.value("test_by_kind_total", {{"kind", "other"}}), 1);
  EXPECT_FALSE(parsed.value("test_by_kind_total", {{"kind", "a"}}));  // never counted: not rendered
  EXPECT_EQ(parsed.value("test_latency_seconds_count"), 2);
  EXPECT_EQ(parsed.value("test_latency_seconds_bucket", {{"le", "2e-06"}}), 1);
  EXPECT_EQ(parsed.value("test_latency_seconds_bucket", {{"le", "0.004096"}}), 2);
  EXPECT_NEAR(*parsed.value("test_latency_seconds_sum"), 0.003002, 1e-12);
  EXPECT_EQ(parsed.types.at("test_latency_seconds"), "histogram");
}

TEST(MetricsRegistry, RejectsDuplicateAndInvalidNames) {
  MetricsRegistry registry;
  registry.counter("a_total", "A");
  EXPECT_THROW(registry.counter("a_total", "again"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("1bad", "digit first"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("has-dash", "dash"), std::invalid_argument);
}

TEST(Counter, SumsUpdatesFromManyThreads) {
  Counter counter;
  LatencyHistogram histogram;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.add();
        histogram.record_ns(5000);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.value(), 80000u);
  EXPECT_EQ(histogram.snapshot().count, 80000u);
  EXPECT_EQ(histogram.snapshot().sum_ns, 80000u * 5000u);
}

TEST(MetricsHttp, ServesThePredefinedBrokerMetrics) {
  BrokerMetrics metrics;
  metrics.produce_latency.record(std::chrono::microseconds(250));
  metrics.count_request(0);
  metrics.count_request(18);
  metrics.count_error(6);
  metrics.bytes_in.add(1000);
  auto server = MetricsHttpServer::start("127.0.0.1", 0, metrics.registry);
  ASSERT_TRUE(server) << server.error().to_string();

  const HttpReply reply = http_request((*server)->port(), "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n");
  EXPECT_EQ(reply.status_line, "HTTP/1.1 200 OK");
  EXPECT_NE(reply.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << reply.headers;
  EXPECT_NE(reply.headers.find("Content-Length: " + std::to_string(reply.body.size())), std::string::npos);
  const Exposition parsed = parse_exposition(reply.body);
  ASSERT_EQ(parsed.error, "") << reply.body;
  for (const char* name :
       {"ringmq_produce_latency_seconds", "ringmq_fetch_latency_seconds", "ringmq_flush_latency_seconds",
        "ringmq_produce_decode_seconds", "ringmq_append_seconds", "ringmq_fetch_wakeup_seconds",
        "ringmq_response_write_seconds", "ringmq_request_latency_seconds", "ringmq_bytes_in_total",
        "ringmq_bytes_out_total", "ringmq_records_in_total", "ringmq_records_out_total", "ringmq_connections",
        "ringmq_requests_total", "ringmq_errors_total", "ringmq_process_minor_page_faults_total",
        "ringmq_process_major_page_faults_total", "ringmq_engine_written_offset_bytes",
        "ringmq_engine_flushed_offset_bytes"})
    EXPECT_TRUE(parsed.types.contains(name)) << name;
  EXPECT_EQ(parsed.value("ringmq_requests_total", {{"api", "Produce"}}), 1);
  EXPECT_EQ(parsed.value("ringmq_requests_total", {{"api", "ApiVersions"}}), 1);
  EXPECT_EQ(parsed.value("ringmq_errors_total", {{"code", "6"}}), 1);
  EXPECT_EQ(parsed.value("ringmq_bytes_in_total"), 1000);
  EXPECT_EQ(parsed.value("ringmq_produce_latency_seconds_count"), 1);
  EXPECT_GT(*parsed.value("ringmq_process_minor_page_faults_total"), 0);
}

TEST(MetricsHttp, OtherPathsAre404AndOtherMethods405) {
  MetricsRegistry registry;
  auto server = MetricsHttpServer::start("127.0.0.1", 0, registry);
  ASSERT_TRUE(server);
  EXPECT_EQ(http_request((*server)->port(), "GET / HTTP/1.1\r\n\r\n").status_line, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(http_request((*server)->port(), "GET /metricsx HTTP/1.1\r\n\r\n").status_line, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(http_request((*server)->port(), "POST /metrics HTTP/1.1\r\n\r\n").status_line,
            "HTTP/1.1 405 Method Not Allowed");
  const HttpReply head = http_request((*server)->port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(head.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(head.body, "");
}

TEST(MetricsHttp, ASilentClientDoesNotBlockTheNextScrape) {
  MetricsRegistry registry;
  registry.counter("x_total", "X").add();
  auto server = MetricsHttpServer::start("127.0.0.1", 0, registry);
  ASSERT_TRUE(server);
  test::TestClient silent((*server)->port());  // connects and says nothing
  const HttpReply reply = http_request((*server)->port(), "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(reply.status_line, "HTTP/1.1 200 OK");
}

TEST(MetricsHttp, ServerRoundTripUpdatesNetworkMetrics) {
  test::LambdaRouter router;
  router.on_handle = test::echo;
  test::RunningServer server(router);
  test::TestClient client(server.port());
  ASSERT_TRUE(client.send(test::request_frame(18, 1)));
  EXPECT_EQ(client.read_correlation_id(), 1);
  const Exposition parsed = parse_exposition(server.metrics.registry.render());
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.value("ringmq_connections"), 1);
  EXPECT_EQ(parsed.value("ringmq_connections_accepted_total"), 1);
  EXPECT_EQ(parsed.value("ringmq_requests_total", {{"api", "ApiVersions"}}), 1);
  EXPECT_EQ(parsed.value("ringmq_network_received_bytes_total"), 14);
  EXPECT_TRUE(test::eventually([&] { return server.metrics.request_latency.snapshot().count == 1; }));
  // The answer's last stage, handed over to written, is timed too.
  EXPECT_TRUE(test::eventually([&] { return server.metrics.response_write_latency.snapshot().count == 1; }));
}

}  // namespace
}  // namespace ringmq::broker
