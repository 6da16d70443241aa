// attach: against a child process that keeps faulting, and a small HTTP server standing in
// for the broker's Prometheus endpoint.
#include "perf/attach.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "tests/perf/markup_check.h"
#include "tests/tuning/json_parse.h"

namespace ringmq::perf {
namespace {

TEST(Prometheus, ParsesSeriesKeepsFilteredNamesAndSkipsComments) {
  const auto m = parse_prometheus_text(
      "# HELP ringmq_append_latency_seconds append latency\n"
      "# TYPE ringmq_append_latency_seconds histogram\n"
      "ringmq_append_latency_seconds_bucket{le=\"0.001\"} 120\n"
      "ringmq_append_latency_seconds_bucket{le=\"+Inf\"} 125 1700000000000\n"
      "ringmq_page_faults_total{thread=\"rmq writer\",kind=\"minor\"} 42\r\n"
      "process_cpu_seconds_total 3.5\n"
      "\n"
      "broken_line_without_value\n",
      {"append", "fault"});
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m.at("ringmq_append_latency_seconds_bucket{le=\"0.001\"}"), 120);
  EXPECT_EQ(m.at("ringmq_append_latency_seconds_bucket{le=\"+Inf\"}"), 125);
  EXPECT_EQ(m.at("ringmq_page_faults_total{thread=\"rmq writer\",kind=\"minor\"}"), 42);
  EXPECT_EQ(parse_prometheus_text("a 1\nb 2\n", {}).size(), 2u);
}

TEST(Prometheus, HistogramQuantilesComeFromTheBucketsOfTheInterval) {
  const std::map<std::string, double> before = {{"lat_seconds_bucket{le=\"0.001\"}", 100},
                                                {"lat_seconds_bucket{le=\"0.01\"}", 100},
                                                {"lat_seconds_bucket{le=\"0.1\"}", 100},
                                                {"lat_seconds_bucket{le=\"+Inf\"}", 100}};
  // 1000 new observations: 980 under 1 ms, 15 under 10 ms, 4 under 100 ms, 1 above.
  const std::map<std::string, double> after = {{"lat_seconds_bucket{le=\"0.001\"}", 1080},
                                               {"lat_seconds_bucket{le=\"0.01\"}", 1095},
                                               {"lat_seconds_bucket{le=\"0.1\"}", 1099},
                                               {"lat_seconds_bucket{le=\"+Inf\"}", 1100},
                                               {"other_total", 5}};
  const auto families = histogram_families(after);
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0], "lat_seconds");
  const EndpointQuantiles q = histogram_quantiles("lat_seconds", before, after);
  EXPECT_EQ(q.count, 1000);
  EXPECT_EQ(q.p50, 0.001);
  EXPECT_EQ(q.p99, 0.01);
  EXPECT_EQ(q.p999, 0.1);
  // Labels other than le keep families apart.
  const std::map<std::string, double> labelled = {{"x_bucket{api=\"produce\",le=\"1e-06\"}", 1},
                                                  {"x_bucket{le=\"1e-06\",api=\"fetch\"}", 1}};
  auto two = histogram_families(labelled);
  std::sort(two.begin(), two.end());
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0], "x{api=\"fetch\"}");
  EXPECT_EQ(two[1], "x{api=\"produce\"}");
}

// Serves `body` as text/plain to every connection until destroyed.
class MetricsServer {
 public:
  explicit MetricsServer(std::string body) : body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~MetricsServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/metrics"; }

 private:
  void serve() {
    while (!stop_) {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buf[4096];
      std::string request;
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      const std::string response = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body_;
      (void)::send(client, response.data(), response.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }
  std::string body_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(Attach, HttpGetReturnsTheBodyAndNamesTheFailure) {
  MetricsServer server("ringmq_flush_total 7\n");
  auto body = http_get(server.url(), 2000);
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(*body, "ringmq_flush_total 7\n");
  auto bad = http_get("https://example.invalid/metrics", 100);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("http://"), std::string::npos);
}

TEST(Attach, SeesTheFaultsOfAChildAndTheEndpointsSeries) {
  MetricsServer server("ringmq_records_in_total 100\nringmq_engine_locked_bytes 3\nunrelated_metric 1\n");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Fault in fresh pages until killed.
    for (;;) {
      const size_t bytes = 8 << 20;
      void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) ::_exit(1);
      for (size_t i = 0; i < bytes; i += 4096) static_cast<volatile char*>(p)[i] = 1;
      ::munmap(p, bytes);
      ::usleep(1000);
    }
  }
  AttachOptions o;
  o.pid = child;
  o.metrics_url = server.url();
  o.interval_ms = 100;
  o.duration_ms = 700;
  auto report = run_attach(o, nullptr);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_GE(report->points.size(), 4u);
  EXPECT_GT(report->points.back().process.minor_faults, report->points.front().process.minor_faults);
  const auto threads = attach_thread_totals(*report);
  ASSERT_FALSE(threads.empty());
  EXPECT_GT(threads.front().minor_faults, 0u);
  EXPECT_EQ(report->points.back().metrics.size(), 2u);  // "unrelated_metric" filtered out
  EXPECT_EQ(report->points.back().metrics.at("ringmq_records_in_total"), 100);

  auto json = tuning::test::parse_json(format_attach_json(*report));
  ASSERT_TRUE(json);
  EXPECT_FALSE((*json)["threads"].items.empty());
  EXPECT_EQ(test::check_markup(format_attach_html(*report)), "");
  EXPECT_NE(format_attach_text(*report).find("minor faults"), std::string::npos);
  EXPECT_NE(format_attach_line(*report).find("minflt/s"), std::string::npos);
}

TEST(Attach, ANonexistentProcessIsAClearError) {
  AttachOptions o;
  o.pid = 999'999'999;
  auto report = run_attach(o, nullptr);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kNotFound);
}

TEST(Attach, StopsWhenTheProcessExits) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::usleep(300'000);
    ::_exit(0);
  }
  std::thread reaper([&] { ::waitpid(child, nullptr, 0); });
  AttachOptions o;
  o.pid = child;
  o.interval_ms = 50;
  o.duration_ms = 0;  // until it exits
  auto report = run_attach(o, nullptr);
  reaper.join();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_FALSE(report->points.back().process_alive);
  ASSERT_FALSE(report->notes.empty());
  EXPECT_NE(report->notes.back().find("exited"), std::string::npos);
}

}  // namespace
}  // namespace ringmq::perf
