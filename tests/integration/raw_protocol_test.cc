// Admin APIs that no client on this machine sends correctly, spoken byte by byte to a real
// ringmq-broker over TCP: OffsetForLeaderEpoch v0-4 (librdkafka 2.0.2 and KafkaJS 2.2.4 never
// send it; @platformatic/kafka 1.35.0 reads its response fields out of the schema's order) and
// DescribeCluster's endpoint-type errors per version. Records are produced with kcat; frames
// are built and parsed with the same wire helpers as the codec tests, from the JSON schemas.
#include <gtest/gtest.h>
#include <netinet/tcp.h>

#include "tests/broker/protocol_wire.h"
#include "tests/integration/broker_process.h"
#include "tests/integration/raw_connection.h"

namespace ringmq::test {
namespace {

using broker::protocol::testing::Bytes;
using broker::protocol::testing::request_frame;
using broker::protocol::testing::WireBuilder;
using broker::protocol::testing::WireParser;

constexpr int16_t kOffsetForLeaderEpoch = 23;
constexpr int16_t kDescribeCluster = 60;

struct EpochAnswer {
  int16_t error = 0;
  int32_t partition = 0;
  int32_t leader_epoch = 0;  // -1 where the version has no such field
  int64_t end_offset = 0;
};

struct EpochQuestion {
  std::string topic;
  int32_t partition = 0;
  int32_t current_leader_epoch = -1;
  int32_t leader_epoch = 0;
};

// OffsetForLeaderEpoch at `version` (flexible from v4), one question per topic entry.
std::vector<EpochAnswer> offset_for_leader_epoch(RawConnection& c, int16_t version,
                                                 const std::vector<EpochQuestion>& questions) {
  const bool flex = version >= 4;
  WireBuilder b(flex);
  if (version >= 3) b.i32(-1);  // a consumer
  b.array(static_cast<int32_t>(questions.size()));
  for (const EpochQuestion& q : questions) {
    b.str(q.topic).array(1).i32(q.partition);
    if (version >= 2) b.i32(q.current_leader_epoch);
    b.i32(q.leader_epoch).tags().tags();
  }
  b.tags();
  Bytes response = c.round_trip(request_frame(kOffsetForLeaderEpoch, version, 7, "raw-test", flex, b.out));
  WireParser p(response, flex);
  EXPECT_EQ(p.response_header(flex), 7);
  if (version >= 2) {
    EXPECT_EQ(p.i32(), 0);  // throttle
  }
  std::vector<EpochAnswer> answers;
  const int32_t topics = p.array();
  for (int32_t t = 0; t < topics; ++t) {
    p.str();
    const int32_t partitions = p.array();
    for (int32_t i = 0; i < partitions; ++i) {
      EpochAnswer a;
      a.error = p.i16();
      a.partition = p.i32();
      a.leader_epoch = version >= 1 ? p.i32() : -1;
      a.end_offset = p.i64();
      p.tags();
      answers.push_back(a);
    }
    p.tags();
  }
  p.tags();
  EXPECT_TRUE(p.at_end());
  return answers;
}

class RawProtocol : public ::testing::Test {
 protected:
  void produce(const std::string& topic, int count) {
    std::string lines;
    for (int i = 0; i < count; ++i) lines += "m" + std::to_string(i) + "\\n";
    auto [rc, out] = run_command("printf '" + lines + "' | timeout 60 kcat -b " + broker_.bootstrap() + " -P -t " +
                                 topic + " -p 0 2>&1");
    ASSERT_EQ(rc, 0) << out;
  }
  BrokerProcess broker_;
};

TEST_F(RawProtocol, OffsetForLeaderEpochAnswersTheEndOfEachEpochInEveryVersion) {
  produce("epochs", 5);
  RawConnection c(broker_.port());
  for (int16_t v = 0; v <= 4; ++v) {
    SCOPED_TRACE("v" + std::to_string(v));
    auto answers = offset_for_leader_epoch(c, v,
                                           {{"epochs", 0, 0, 0},    // the current epoch: the log end
                                            {"epochs", 0, -1, 3},   // a future epoch: undefined
                                            {"epochs", 4, -1, 0},   // no such partition
                                            {"missing", 0, -1, 0}}  // no such topic
    );
    ASSERT_EQ(answers.size(), 4u);
    EXPECT_EQ(answers[0].error, 0);
    EXPECT_EQ(answers[0].end_offset, 5);
    if (v >= 1) {
      EXPECT_EQ(answers[0].leader_epoch, 0);
    }
    EXPECT_EQ(answers[1].error, 0);
    EXPECT_EQ(answers[1].end_offset, -1);
    EXPECT_EQ(answers[1].leader_epoch, -1);
    EXPECT_EQ(answers[2].error, 3) << "UNKNOWN_TOPIC_OR_PARTITION";
    EXPECT_EQ(answers[2].partition, 4);
    EXPECT_EQ(answers[3].error, 3);
  }
  // From v2 the client's current epoch fences: newer than the broker's is UNKNOWN_LEADER_EPOCH
  // (the client saw a leader this broker does not know yet); older would be FENCED.
  auto newer = offset_for_leader_epoch(c, 4, {{"epochs", 0, 2, 2}});
  ASSERT_EQ(newer.size(), 1u);
  EXPECT_EQ(newer[0].error, 75);
  EXPECT_EQ(newer[0].end_offset, -1);
}

TEST_F(RawProtocol, DescribeClusterRefusesControllerEndpointsAsKafkaDoes) {
  RawConnection c(broker_.port());
  auto ask = [&](int16_t version, int8_t endpoint_type) {
    WireBuilder b(true);
    b.boolean(false);
    if (version >= 1) b.i8(endpoint_type);
    b.tags();
    Bytes response = c.round_trip(request_frame(kDescribeCluster, version, 9, "raw-test", true, b.out));
    WireParser p(response, true);
    EXPECT_EQ(p.response_header(true), 9);
    p.i32();
    const int16_t error = p.i16();
    const auto message = p.nstr();
    if (version >= 1) {
      EXPECT_EQ(p.i8(), endpoint_type);
    }
    const std::string cluster_id = p.str();
    const int32_t controller = p.i32();
    const int32_t brokers = p.array();
    return std::tuple{error, message.value_or(""), cluster_id, controller, brokers};
  };
  auto [ok, ok_message, cluster_id, controller, brokers] = ask(1, 1);
  EXPECT_EQ(ok, 0);
  EXPECT_EQ(cluster_id, "ringmq");
  EXPECT_EQ(controller, 1);
  EXPECT_EQ(brokers, 1);
  auto [controllers, message, id2, c2, b2] = ask(1, 2);
  EXPECT_EQ(controllers, 114) << "MISMATCHED_ENDPOINT_TYPE";
  EXPECT_NE(message.find("controller"), std::string::npos) << message;
  EXPECT_EQ(b2, 0);
  EXPECT_EQ(std::get<0>(ask(1, 9)), 115) << "UNSUPPORTED_ENDPOINT_TYPE";
}

}  // namespace
}  // namespace ringmq::test
