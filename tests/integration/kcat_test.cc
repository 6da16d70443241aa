// kcat against a real ringmq-broker: produce, consume from beginning / end / an offset, keys
// and headers, several partitions, and a balanced consumer group.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "tests/integration/broker_process.h"

namespace ringmq::test {
namespace {

class KcatTest : public ::testing::Test {
 protected:
  std::string kcat(const std::string& args) { return "timeout 60 kcat -b " + broker_.bootstrap() + " " + args; }
  std::string produce(const std::string& topic, const std::string& lines, const std::string& args = "") {
    auto [rc, out] = run_command("printf '" + lines + "' | " + kcat("-P -t " + topic + " " + args));
    EXPECT_EQ(rc, 0) << out;
    return out;
  }
  std::string consume(const std::string& topic, const std::string& args) {
    auto [rc, out] = run_command(kcat("-C -t " + topic + " -e -q " + args));
    EXPECT_EQ(rc, 0) << out;
    return out;
  }
  BrokerProcess broker_;
};

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_F(KcatTest, ProducesAndConsumesFromTheBeginning) {
  produce("plain", "a\\nb\\nc\\n", "-p 0");
  EXPECT_EQ(consume("plain", "-p 0 -o beginning"), "a\nb\nc\n");
}

TEST_F(KcatTest, ConsumesFromAnOffsetAndFromTheEnd) {
  produce("offsets", "m0\\nm1\\nm2\\nm3\\n", "-p 0");
  EXPECT_EQ(consume("offsets", "-p 0 -o 2"), "m2\nm3\n");
  EXPECT_EQ(consume("offsets", "-p 0 -o -1"), "m3\n") << "one before the end";
  EXPECT_EQ(consume("offsets", "-p 0 -o end"), "");
}

TEST_F(KcatTest, KeepsKeysAndHeaders) {
  produce("keyed", "k1:v1\\nk2:v2\\n", "-p 0 -K: -H trace=abc -H env=test");
  EXPECT_EQ(consume("keyed", "-p 0 -o beginning -f '%k=%s|%h\\n'"),
            "k1=v1|trace=abc,env=test\nk2=v2|trace=abc,env=test\n");
}

TEST_F(KcatTest, SpreadsOverSeveralPartitionsAndReadsThemAll) {
  for (int p = 0; p < 3; ++p)
    produce("multi", "p" + std::to_string(p) + "a\\np" + std::to_string(p) + "b\\n", "-p " + std::to_string(p));
  EXPECT_EQ(consume("multi", "-p 1 -o beginning"), "p1a\np1b\n");
  EXPECT_EQ(sorted_lines(consume("multi", "-o beginning")),
            (std::vector<std::string>{"p0a", "p0b", "p1a", "p1b", "p2a", "p2b"}));
  auto [rc, meta] = run_command(kcat("-L -t multi"));
  EXPECT_EQ(rc, 0);
  EXPECT_NE(meta.find("3 partitions"), std::string::npos) << meta;
}

TEST_F(KcatTest, ConsumerGroupReadsEverythingOnceAndRemembersItsOffsets) {
  for (int p = 0; p < 3; ++p) produce("grouped", "g" + std::to_string(p) + "\\n", "-p " + std::to_string(p));
  const std::string group = "-G readers grouped -X auto.offset.reset=earliest -e -q";
  auto [rc, out] = run_command(kcat(group));
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(sorted_lines(out), (std::vector<std::string>{"g0", "g1", "g2"}));
  produce("grouped", "g3\\n", "-p 1");
  auto [rc2, again] = run_command(kcat(group));
  EXPECT_EQ(rc2, 0) << again;
  EXPECT_EQ(again, "g3\n") << "committed offsets: only what came after";
}

TEST_F(KcatTest, DataSurvivesABrokerRestart) {
  produce("durable", "x\\ny\\n", "-p 0 -X acks=all");
  ASSERT_EQ(broker_.stop(), 0) << "SIGTERM must shut down cleanly";
  broker_.start();
  EXPECT_EQ(consume("durable", "-p 0 -o beginning"), "x\ny\n");
}

// The stage histograms of /metrics count real requests: a produce's decode and append, every
// response's write, and a consumer waiting at the end of a partition, woken by new records.
TEST_F(KcatTest, MetricsTimeEachStageOfProduceAndFetch) {
  produce("stages", "a\\nb\\n", "-p 0 -X acks=all");
  // The consumer long-polls at the end; each produce after it wakes the waiting fetch, which
  // is answered with the record then, not at its deadline.
  auto [rc, out] = run_command(kcat("-C -t stages -p 0 -o end -c 3 -q") + " & consumer=$!; sleep 2; " +
                               "for i in 1 2 3; do printf 'late\\n' | " + kcat("-P -t stages -p 0") +
                               "; sleep 0.3; done; wait $consumer");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "late\nlate\nlate\n");
  const std::string metrics = scrape_metrics(broker_.metrics_port());
  ASSERT_FALSE(metrics.empty());
  for (const char* name :
       {"ringmq_socket_wait_seconds_count", "ringmq_produce_decode_seconds_count", "ringmq_append_seconds_count",
        "ringmq_fetch_wakeup_seconds_count", "ringmq_response_write_seconds_count"})
    EXPECT_GT(sample_value(metrics, name), 0) << name << " in\n" << metrics;
  // A late record wakes the waiting fetch; on a loaded machine the consumer may come back only
  // after the next record is there (served without waiting), so not necessarily all three.
  EXPECT_GE(sample_value(metrics, "ringmq_fetch_wakeup_seconds_count"), 1) << "no late record woke the fetch";
  // Four produces of one batch each were appended.
  EXPECT_GE(sample_value(metrics, "ringmq_append_seconds_count"), 4);
  // Each Produce request is counted once (it once was by the network thread and the router).
  EXPECT_GE(sample_value(metrics, "ringmq_produce_latency_seconds_count"), 4);
  EXPECT_EQ(sample_value(metrics, "ringmq_requests_total{api=\"Produce\"}"),
            sample_value(metrics, "ringmq_produce_latency_seconds_count"));
}

}  // namespace
}  // namespace ringmq::test
