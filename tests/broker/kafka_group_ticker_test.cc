#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "broker/kafka/group_ticker.h"

namespace ringmq::broker {
namespace {

using protocol::KafkaError;

// The ticker's thread runs the coordinator's timers: a member that stops heartbeating is
// expired without anyone else calling tick(). The clock is fake; only the wait for the
// ticker thread to notice is real (bounded, and short when things work).
TEST(GroupTicker, ExpiresSilentMembersWithoutOtherCalls) {
  std::atomic<int64_t> now_ms{1'000'000};
  GroupCoordinatorConfig config;
  config.initial_rebalance_delay_ms = 0;
  GroupCoordinator coordinator(config, [&] { return now_ms.load(); });

  JoinRequest request;
  request.group_id = "g";
  request.client_id = "client";
  request.session_timeout_ms = 10'000;
  request.rebalance_timeout_ms = 10'000;
  request.protocol_type = "consumer";
  request.protocols = {{"range", {}}};
  request.api_version = 3;
  std::optional<JoinResult> joined;
  coordinator.join(request, [&](JoinResult r) { joined = std::move(r); });
  ASSERT_TRUE(joined);
  ASSERT_EQ(joined->error_code, KafkaError::kNone);

  GroupTicker ticker(coordinator, std::chrono::milliseconds(1));
  now_ms += 10'000;
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (coordinator.describe("g").state != "Empty" && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(coordinator.describe("g").state, "Empty");
  EXPECT_EQ(coordinator.heartbeat("g", joined->generation_id, joined->member_id), KafkaError::kUnknownMemberId);
  ticker.stop();
  ticker.stop();  // idempotent
}

}  // namespace
}  // namespace ringmq::broker
