// Per-topic retention on one shared commit log, against a real broker with a 2 s broker
// retention and 1 MiB segments: a topic with retention.ms=-1 keeps its records and the
// segments holding them while a topic with a 1 s retention.ms loses its records; a consumer
// group's committed offsets stay; all of it survives a SIGKILL; once the long topic lets go
// (DeleteRecords), the expired segments are deleted and the topic without its own retention
// loses its old records with them. Driven with kcat and ringmq-admin, as an operator would.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/integration/broker_process.h"

namespace ringmq::test {
namespace {

class TopicRetention : public ::testing::Test {
 protected:
  std::pair<int, std::string> admin(const std::string& args) {
    return run_command("timeout 60 " RINGMQ_ADMIN_BINARY " -b " + broker_.bootstrap() + " " + args + " 2>&1");
  }
  std::string kcat(const std::string& args) { return "timeout 60 kcat -b " + broker_.bootstrap() + " " + args; }
  static std::string compact(std::string text) {
    std::erase_if(text, [](char c) { return c == ' ' || c == '\n'; });
    return text;
  }
  // Partition 0's offsets as ringmq-admin --json prints them.
  std::string offsets_of(const std::string& topic) {
    const std::string out = compact(admin("--json topic describe " + topic).second);
    const size_t at = out.find(R"({"partition":0,)");
    return at == std::string::npos ? out : out.substr(at, out.find('}', at) - at + 1);
  }
  static std::string partition0(int64_t start, int64_t end) {
    return R"({"partition":0,"leader":1,"start_offset":)" + std::to_string(start) + R"(,"end_offset":)" +
           std::to_string(end) + "}";
  }
  // Polls (a maintenance round is every 5 s) until `topic`'s partition 0 reads `expected`.
  bool wait_offsets(const std::string& topic, const std::string& expected) {
    for (int i = 0; i < 150; ++i) {
      if (offsets_of(topic) == expected) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }
  bool first_segment_exists() {
    return std::filesystem::exists(broker_.data_dir() + "/commitlog/00000000000000000000");
  }
  std::string consume_all(const std::string& topic) {
    return run_command(kcat("-C -t " + topic + " -p 0 -o beginning -e -q -f '%o:%s\\n'")).second;
  }

  BrokerProcess broker_{{"--set", "engine.retention_ms=2000", "--set", "engine.retention_check_interval_ms=200",
                         "--set", "engine.segment_bytes=1MiB", "--set", "engine.max_record_bytes=256KiB", "--set",
                         "engine.pool_buffer_bytes=1MiB"}};
};

TEST_F(TopicRetention, ALongerTopicRetentionKeepsItsSegmentsWhileOthersExpire) {
  ASSERT_EQ(admin("topic create keep -p 1 -c retention.ms=-1").first, 0);
  ASSERT_EQ(admin("topic create short -p 1 -c retention.ms=1000").first, 0);
  ASSERT_EQ(admin("topic create filler -p 1").first, 0);
  auto [rc, out] = run_command("printf 'k0\\nk1\\nk2\\n' | " + kcat("-P -t keep -p 0"));
  ASSERT_EQ(rc, 0) << out;
  std::tie(rc, out) = run_command("printf 's0\\ns1\\ns2\\n' | " + kcat("-P -t short -p 0"));
  ASSERT_EQ(rc, 0) << out;
  std::tie(rc, out) = run_command(kcat("-G readers short -X auto.offset.reset=earliest -e -q"));
  ASSERT_EQ(rc, 0) << out;
  // ~2.5 MiB of filler: the log rolls past its first two 1 MiB segments.
  std::tie(rc, out) = run_command("yes \"$(head -c 1000 /dev/zero | tr '\\0' x)\" | head -n 2500 | " +
                                  kcat("-P -t filler -p 0 -X batch.size=65536"));
  ASSERT_EQ(rc, 0) << out;

  // short's records go after its own 1 s; keep's do not, nor does the segment holding them
  // (filler, without its own retention, stays readable while its segments are held back).
  EXPECT_TRUE(wait_offsets("short", partition0(3, 3))) << offsets_of("short");
  std::this_thread::sleep_for(std::chrono::seconds(6));  // past the broker's 2 s and a round
  EXPECT_EQ(offsets_of("keep"), partition0(0, 3));
  EXPECT_TRUE(first_segment_exists()) << "the segment holding keep's records was deleted";
  EXPECT_EQ(consume_all("keep"), "0:k0\n1:k1\n2:k2\n");
  EXPECT_NE(
      compact(admin("--json group describe readers").second).find(R"("topic":"short","partition":0,"committed":3)"),
      std::string::npos)
      << "committed offsets are not lost to retention";

  broker_.kill_hard();
  broker_.start();
  EXPECT_EQ(offsets_of("keep"), partition0(0, 3));
  EXPECT_EQ(offsets_of("short"), partition0(3, 3));
  EXPECT_EQ(consume_all("keep"), "0:k0\n1:k1\n2:k2\n");
  std::this_thread::sleep_for(std::chrono::seconds(6));  // a maintenance and retention round after the restart
  EXPECT_TRUE(first_segment_exists());
  EXPECT_EQ(consume_all("keep"), "0:k0\n1:k1\n2:k2\n");

  // Once keep lets go of its records, nothing needs the old segments: they go.
  ASSERT_EQ(admin("topic delete-records keep -p 0 --before 3").first, 0);
  bool deleted = false;
  for (int i = 0; i < 150 && !deleted; ++i) {
    deleted = !first_segment_exists();
    if (!deleted) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(deleted) << "expired segments stayed after every topic moved past them";
  EXPECT_NE(offsets_of("filler"), partition0(0, 2500)) << "filler's old records did not go with its segments";
  EXPECT_NE(compact(admin("--json group describe readers").second).find(R"("committed":3)"), std::string::npos);
}

}  // namespace
}  // namespace ringmq::test
