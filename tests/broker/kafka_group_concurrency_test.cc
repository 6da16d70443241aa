#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "broker/kafka/group_coordinator.h"
#include "broker/kafka/group_ticker.h"

namespace ringmq::broker {
namespace {

using protocol::KafkaError;
using namespace std::chrono_literals;

std::vector<std::byte> bytes(std::string_view text) {
  std::vector<std::byte> out;
  for (char c : text) out.push_back(static_cast<std::byte>(c));
  return out;
}

// A callback's result, awaited by the thread that made the request (as a client would).
template <typename Result>
class Awaited {
 public:
  std::function<void(Result)> callback() {
    return [state = state_](Result r) {
      std::lock_guard lock(state->mutex);
      ++state->calls;
      state->result = std::move(r);
      state->ready.notify_all();
    };
  }
  // The result, or nothing if it did not come within `timeout`.
  std::optional<Result> wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(state_->mutex);
    if (!state_->ready.wait_for(lock, timeout, [&] { return state_->calls > 0; })) return std::nullopt;
    EXPECT_EQ(state_->calls, 1);
    return state_->result;
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable ready;
    int calls = 0;
    std::optional<Result> result;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// Consumers on their own threads join, sync, heartbeat and commit over and over, the way
// clients on several connections (and so several network threads) would, with a ticker
// running the timers. Every request must be answered, each member must receive exactly the
// assignment its leader wrote for it, and the group must end Empty once all have left.
TEST(GroupConcurrency, ConsumersOnManyThreadsConvergeAndLeaveCleanly) {
  GroupCoordinatorConfig config;
  config.min_session_timeout_ms = 100;
  config.initial_rebalance_delay_ms = 20;
  GroupCoordinator coordinator(config);
  GroupTicker ticker(coordinator, 5ms);

  constexpr int kConsumers = 4;
  constexpr int kRounds = 15;
  std::vector<std::thread> threads;
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&, c] {
      std::string member_id;
      int synced_rounds = 0;
      for (int attempt = 0; synced_rounds < kRounds && attempt < 50 * kRounds; ++attempt) {
        JoinRequest request;
        request.group_id = "g";
        request.member_id = member_id;
        request.client_id = "consumer-" + std::to_string(c);
        request.session_timeout_ms = 5'000;
        request.rebalance_timeout_ms = 5'000;
        request.protocol_type = "consumer";
        request.protocols = {{"range", bytes("r")}, {"roundrobin", bytes("rr")}};
        request.api_version = 5;
        Awaited<JoinResult> join;
        coordinator.join(request, join.callback());
        std::optional<JoinResult> joined = join.wait(20s);
        ASSERT_TRUE(joined) << "JoinGroup never answered";
        if (joined->error_code == KafkaError::kMemberIdRequired) {
          member_id = joined->member_id;
          continue;
        }
        if (joined->error_code == KafkaError::kUnknownMemberId) {
          member_id.clear();
          continue;
        }
        if (joined->error_code == KafkaError::kRebalanceInProgress) continue;
        ASSERT_EQ(joined->error_code, KafkaError::kNone);
        member_id = joined->member_id;

        SyncRequest sync;
        sync.group_id = "g";
        sync.generation_id = joined->generation_id;
        sync.member_id = member_id;
        if (joined->leader_id == member_id) {
          for (const JoinedMember& m : joined->members) sync.assignments.push_back({m.member_id, bytes(m.member_id)});
        }
        Awaited<SyncResult> synced;
        coordinator.sync(sync, synced.callback());
        std::optional<SyncResult> assignment = synced.wait(20s);
        ASSERT_TRUE(assignment) << "SyncGroup never answered";
        if (assignment->error_code != KafkaError::kNone) continue;
        EXPECT_EQ(assignment->assignment, bytes(member_id));
        ++synced_rounds;
        for (int beat = 0; beat < 3; ++beat) {
          KafkaError e = coordinator.heartbeat("g", joined->generation_id, member_id);
          EXPECT_TRUE(e == KafkaError::kNone || e == KafkaError::kRebalanceInProgress ||
                      e == KafkaError::kIllegalGeneration)
              << protocol::kafka_error_name(e);
          coordinator.validate_commit("g", joined->generation_id, member_id);
          std::this_thread::sleep_for(1ms);
        }
      }
      EXPECT_EQ(synced_rounds, kRounds);
      coordinator.leave("g", {{member_id, std::nullopt}});
    });
  }
  for (std::thread& t : threads) t.join();
  ticker.stop();
  GroupDescription group = coordinator.describe("g");
  EXPECT_EQ(group.state, "Empty");
  EXPECT_TRUE(group.members.empty());
  coordinator.shutdown();
}

}  // namespace
}  // namespace ringmq::broker
