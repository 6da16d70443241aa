// The three views of a run, from a synthetic report: the JSON parses strictly and holds every
// mode, the HTML is well-formed, self-contained and small even for a long run, and the
// terminal table has a row per mode.
#include <gtest/gtest.h>

#include <random>

#include "perf/jitter_report.h"
#include "tests/perf/markup_check.h"
#include "tests/tuning/json_parse.h"

namespace ringmq::perf {
namespace {

using tuning::test::JsonValue;
using tuning::test::parse_json;

// A run of `seconds` per mode with 10 ms bins, one system sample per 100 ms, and a spike
// every `spike_every` appends of each mode.
RunReport synthetic_report(double seconds, uint64_t spike_every) {
  RunReport r;
  r.command_line = "ringmq-jitter run --bytes 4G --pressure --html 'a <b> & \"c\"'";
  r.started_at = "2025-01-01T00:00:00+0000";
  r.host.hostname = "test-host";
  r.host.kernel = "Linux 6.x";
  r.host.cpus = 2;
  r.host.mem_total_bytes = 24ull << 30;
  r.host.sysctls["vm.dirty_ratio"] = "20";
  r.pressure = true;
  r.pressure_report.churn_file_bytes = 6ull << 30;
  r.pressure_report.warnings.push_back("a warning with <markup> & ampersands");
  r.run_start_ns = 1'000'000'000;
  r.timer_overhead_ns = 21.5;
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> latency(std::log(600.0), 0.5);
  uint64_t t = r.run_start_ns;
  const engine::WriteMode modes[] = {engine::WriteMode::kMmap, engine::WriteMode::kMmapLocked,
                                     engine::WriteMode::kPool};
  const uint64_t bins = static_cast<uint64_t>(seconds * 100);
  for (size_t m = 0; m < 3; ++m) {
    ModeResult mode;
    mode.mode = modes[m];
    mode.name = engine::write_mode_name(modes[m]);
    mode.start_ns = t;
    mode.seconds = seconds;
    mode.end_ns = t + static_cast<uint64_t>(seconds * 1e9);
    mode.bin_ns = 10'000'000;
    mode.writer.backend = "perf-ring";
    mode.writer.per_operation = true;
    mode.bins.resize(bins);
    const uint64_t ops = bins * 50;
    for (uint64_t i = 0; i < ops; ++i) {
      const uint64_t v = static_cast<uint64_t>(latency(rng) * (m == 0 && i % 1000 == 0 ? 3000 : 1));
      mode.latency.record(v);
      TimeBin& b = mode.bins[i / 50];
      ++b.ops;
      b.latency_sum_ns += v;
      b.latency_max_ns = std::max(b.latency_max_ns, v);
      if (m == 0 && i % 7 == 0) ++b.minor_faults;
      if (i % spike_every == 0) {
        Spike s;
        s.at_ns = i / 50 * 10'000'000;
        s.latency_ns = 150'000 + i % 1000;
        s.minor_faults = m == 0;
        s.context_switches = m != 0;
        mode.spikes.push_back(s);
        ++mode.spike_count;
      }
    }
    mode.ops = ops;
    mode.bytes = ops * 1024;
    mode.writer.measured.minor_faults = m == 0 ? ops / 7 : 0;
    mode.writer.in_appends.minor_faults = mode.writer.measured.minor_faults;
    mode.threads.push_back({"rmq-allocator", 100, 0, 50});
    t = mode.end_ns + 500'000'000;
    r.modes.push_back(std::move(mode));
  }
  uint64_t pgscan = 0;
  for (uint64_t s = r.run_start_ns; s <= t; s += 100'000'000) {
    SampledPoint p;
    p.system.time_ns = s;
    p.system.mem.available = 4ull << 30;
    p.system.mem.total = 24ull << 30;
    pgscan += (s / 100'000'000) % 5 == 0 ? 1000 : 0;
    p.system.vm.values[static_cast<int>(VmCounter::kPgScanDirect)] = pgscan;
    p.system.vm.present[static_cast<int>(VmCounter::kPgScanDirect)] = true;
    p.hog_bytes = 17ull << 30;
    r.samples.push_back(p);
  }
  for (auto& m : r.modes) {
    m.system_start = r.samples.front();
    m.system_end = r.samples.back();
    annotate_spikes(m, r.samples);
  }
  r.notes.push_back("writer faults counted with perf-ring");
  return r;
}

TEST(JitterReport, JsonIsWellFormedAndHasEveryMode) {
  const RunReport r = synthetic_report(20, 997);
  const std::string text = format_json_report(r);
  auto doc = parse_json(text);
  ASSERT_TRUE(doc) << text.substr(0, 2000);
  const JsonValue& modes = (*doc)["modes"];
  ASSERT_EQ(modes.items.size(), 3u);
  EXPECT_EQ(modes[0]["mode"].text, "mmap");
  EXPECT_EQ(modes[1]["mode"].text, "mmap-locked");
  EXPECT_EQ(modes[2]["mode"].text, "pool");
  for (const auto& m : modes.items) {
    EXPECT_GT(m["latency_us"]["p99.99"].number, 0);
    EXPECT_GE(m["latency_us"]["max"].number, m["latency_us"]["p99.99"].number);
    EXPECT_FALSE(m["percentile_curve"].items.empty());
    EXPECT_EQ(m["timeline"]["t_s"].items.size(), m["timeline"]["max_us"].items.size());
    EXPECT_GT(m["spikes"]["count"].number, 0);
  }
  EXPECT_EQ((*doc)["comparison_with_mmap"].items.size(), 2u);
  EXPECT_EQ((*doc)["command"].text, r.command_line);
  EXPECT_FALSE((*doc)["system_samples"]["t_s"].items.empty());
  EXPECT_EQ(text.find("e+"), std::string::npos);
  EXPECT_EQ(text.find("nan"), std::string::npos);
}

TEST(JitterReport, HtmlIsWellFormedSelfContainedAndHasEveryMode) {
  const RunReport r = synthetic_report(20, 997);
  const std::string html = format_html_report(r);
  EXPECT_EQ(test::check_markup(html), "");
  for (const char* mode : {"mmap", "mmap-locked", "pool"})
    EXPECT_NE(html.find(std::string(">") + mode + "<"), std::string::npos) << mode;
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Percentile curves"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_NE(html.find("a &lt;b&gt; &amp; &quot;c&quot;"), std::string::npos) << "the command line is escaped";
}

TEST(JitterReport, ReportsOfALongRunStaySmall) {
  // An hour per mode: 360k bins and ~1.8M spikes each, 3+ hours of system samples.
  const RunReport r = synthetic_report(3600, 100);
  const std::string html = format_html_report(r);
  const std::string json = format_json_report(r);
  EXPECT_LT(html.size(), 2u << 20);
  EXPECT_LT(json.size(), 2u << 20);
  EXPECT_EQ(test::check_markup(html), "");
  EXPECT_TRUE(parse_json(json));
}

TEST(JitterReport, TextHasARowPerModeAndTheComparison) {
  const RunReport r = synthetic_report(5, 997);
  const std::string text = format_text_report(r);
  for (const char* mode : {"\nmmap ", "\nmmap-locked ", "\npool "})
    EXPECT_NE(text.find(mode), std::string::npos) << mode;
  EXPECT_NE(text.find("mmap-locked vs mmap: p99.99"), std::string::npos);
  EXPECT_NE(text.find("pool vs mmap"), std::string::npos);
}

TEST(JitterReport, SpikesAreTiedToTheSystemWindowTheyFellIn) {
  RunReport r = synthetic_report(2, 50);
  for (const auto& m : r.modes) {
    EXPECT_GT(m.spikes_in_direct_reclaim, 0u) << m.name;
    EXPECT_LT(m.spikes_in_direct_reclaim, m.spike_count) << m.name;  // pgscan_direct moved in 1 of 5 windows
  }
  EXPECT_EQ(r.modes[0].spike_causes[static_cast<int>(SpikeCause::kMinorFault)], r.modes[0].spike_count);
  EXPECT_EQ(r.modes[1].spike_causes[static_cast<int>(SpikeCause::kContextSwitch)], r.modes[1].spike_count);
}

TEST(JitterReport, MarkupCheckerCatchesBrokenPages) {
  EXPECT_NE(test::check_markup("<p><b>x</p></b>"), "");
  EXPECT_NE(test::check_markup("<p>a & b</p>"), "");
  EXPECT_NE(test::check_markup("<p class=x>a</p>"), "");
  EXPECT_NE(test::check_markup("<div>"), "");
  EXPECT_EQ(test::check_markup("<!DOCTYPE html>\n<html><meta charset=\"utf-8\"/><p>a &amp; b</p></html>"), "");
}

}  // namespace
}  // namespace ringmq::perf
