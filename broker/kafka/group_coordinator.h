// GroupCoordinator: the classic Kafka consumer-group protocol (JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, and the membership check of OffsetCommit) as a state machine over plain structs.
// It knows nothing of the wire: a request handler decodes, calls in, and encodes what comes
// back. JoinGroup and SyncGroup may be answered later (when the rebalance completes, or when the
// leader sends the assignment), so they take a callback; everything else answers at once.
// Group state lives in memory only: after a restart clients get UNKNOWN_MEMBER_ID and rejoin.
// Committed offsets are not kept here (the OffsetStore does that); validate_commit() says
// whether a commit may be stored.
//
// Thread-safe: one mutex guards every group. Callbacks never run under it: results are collected
// under the lock and the callbacks are invoked after it is released, on the calling thread
// (a request thread for join/sync/leave, the timer thread for tick()). A callback may call
// back into the coordinator. Every callback handed in is invoked exactly once, at the latest by
// shutdown().
//
// Group states (as in Kafka's GroupMetadata):
//   Empty                no members (new, or everyone left); may still have committed offsets.
//                        JoinGroup from a new member -> PreparingRebalance.
//   PreparingRebalance   JoinGroups are parked until every known member has rejoined, or the
//                        rebalance timeout (the largest of the members') runs out; members that
//                        did not rejoin are dropped (static members are kept). A group leaving
//                        Empty first waits initial_rebalance_delay_ms (extended while members
//                        keep arriving) so that consumers started together join one generation.
//                        Heartbeats answer REBALANCE_IN_PROGRESS. -> CompletingRebalance with
//                        generation + 1, or Empty if nobody is left.
//   CompletingRebalance  every joined member got its JoinGroup answer; the leader's SyncGroup
//                        carries the assignment, followers' SyncGroups wait for it. Commits
//                        answer REBALANCE_IN_PROGRESS. Leader's SyncGroup -> Stable; a join with
//                        new metadata, a leave or an expiry -> PreparingRebalance.
//   Stable               heartbeats answer NONE; a SyncGroup gets the member's assignment.
//                        A JoinGroup from the leader or with new metadata, a leave or an
//                        expiry -> PreparingRebalance.
// A member is dropped (and the group rebalances) when it neither heartbeats, commits nor syncs
// for session_timeout_ms, except while its JoinGroup or SyncGroup is parked here; a member that
// got its JoinGroup answer but sends no SyncGroup within the rebalance timeout is dropped too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "common/result.h"

namespace ringmq::broker {

struct GroupCoordinatorConfig {
  // JoinGroup's session_timeout_ms must lie in [min, max], else INVALID_SESSION_TIMEOUT
  // (Kafka: group.min.session.timeout.ms, group.max.session.timeout.ms).
  int32_t min_session_timeout_ms = 6'000;
  int32_t max_session_timeout_ms = 1'800'000;
  // How long a group leaving Empty waits for more members before the first generation
  // (Kafka: group.initial.rebalance.delay.ms, default 3000 there). 0 = no wait.
  int32_t initial_rebalance_delay_ms = 100;
  // A new member whose first JoinGroup is parked is dropped after this long (it may have given
  // up and retried under a new id). Kafka: 5 minutes, not configurable.
  int32_t new_member_join_timeout_ms = 300'000;
  // Members per group; more get GROUP_MAX_SIZE_REACHED (Kafka: group.max.size).
  int32_t max_group_size = 1'000'000;

  // A message naming the setting to fix, or ok.
  Status validate() const;
};

// One entry of JoinGroup's protocols: an assignor name and its opaque member metadata.
struct GroupProtocol {
  std::string name;
  std::vector<std::byte> metadata;
};

struct JoinRequest {
  std::string group_id;
  std::string member_id;                         // "" for a member joining for the first time
  std::optional<std::string> group_instance_id;  // static membership (KIP-345), JoinGroup v5+
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;     // <= 0 (JoinGroup v0 has none): session_timeout_ms
  std::string protocol_type;             // "consumer" for consumers, "connect" for Connect
  std::vector<GroupProtocol> protocols;  // in the member's order of preference
  int16_t api_version = 0;               // v4+: a new dynamic member first gets MEMBER_ID_REQUIRED (KIP-394)
};

struct JoinedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<std::byte> metadata;  // for the selected protocol
};

struct JoinResult {
  protocol::KafkaError error_code = protocol::KafkaError::kNone;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;  // null on errors (send "" where not nullable)
  std::optional<std::string> protocol_name;
  std::string leader_id;
  std::string member_id;              // the member's id; with MEMBER_ID_REQUIRED the id to rejoin with
  bool skip_assignment = false;       // v9+: the leader must not run the assignor
  std::vector<JoinedMember> members;  // the leader only
};

struct SyncAssignment {
  std::string member_id;
  std::vector<std::byte> assignment;
};

struct SyncRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;  // v5+: checked against the group's when present
  std::optional<std::string> protocol_name;
  std::vector<SyncAssignment> assignments;  // the leader's; members it leaves out get nothing
};

struct SyncResult {
  protocol::KafkaError error_code = protocol::KafkaError::kNone;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::vector<std::byte> assignment;
};

// LeaveGroup names members by id, or (v3+, administrative removal) by group instance id alone
// with an empty member id.
struct GroupMemberIdentity {
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct LeftMemberResult {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  protocol::KafkaError error_code = protocol::KafkaError::kNone;
};

struct LeaveResult {
  protocol::KafkaError error_code = protocol::KafkaError::kNone;  // the request as a whole
  std::vector<LeftMemberResult> members;                          // one per member asked for, in order
};

struct GroupMemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::vector<std::byte> metadata;    // only while Stable (as Kafka)
  std::vector<std::byte> assignment;  // only while Stable
};

struct GroupDescription {
  // GROUP_ID_NOT_FOUND for an unknown group (state "Dead"); DescribeGroups before v6 sends
  // NONE with state "Dead" instead.
  protocol::KafkaError error_code = protocol::KafkaError::kNone;
  std::string group_id;
  std::string state;  // "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"
  std::string protocol_type;
  std::string protocol_name;  // only while Stable
  std::vector<GroupMemberDescription> members;
  // For a "consumer" group: the topics its members subscribe to (any state), or null when a
  // member's metadata could not be read (callers then assume every topic is in use).
  std::optional<std::vector<std::string>> subscribed_topics;
};

struct GroupOverview {
  std::string group_id;
  std::string protocol_type;
  std::string state;
};

using JoinCallback = std::function<void(JoinResult)>;
using SyncCallback = std::function<void(SyncResult)>;

class GroupCoordinator {
 public:
  // Monotonic milliseconds; tests pass a fake one. Empty = std::chrono::steady_clock.
  using Clock = std::function<int64_t()>;

  explicit GroupCoordinator(GroupCoordinatorConfig config = {}, Clock clock = {});
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;
  // Callbacks still parked are dropped without being called: call shutdown() first.
  ~GroupCoordinator();

  // JoinGroup. `callback` runs once, before join() returns or later (from another join, a
  // sync, leave, tick or shutdown on whatever thread made that call).
  void join(JoinRequest request, JoinCallback callback);
  // SyncGroup. Followers in CompletingRebalance wait for the leader's assignment.
  void sync(SyncRequest request, SyncCallback callback);
  // Heartbeat: NONE, REBALANCE_IN_PROGRESS (rejoin), ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
  // FENCED_INSTANCE_ID, INVALID_GROUP_ID, COORDINATOR_NOT_AVAILABLE.
  protocol::KafkaError heartbeat(std::string_view group_id, int32_t generation_id, std::string_view member_id,
                                 std::optional<std::string_view> group_instance_id = std::nullopt);
  // LeaveGroup: removes each member and rebalances the rest.
  LeaveResult leave(std::string_view group_id, const std::vector<GroupMemberIdentity>& members);
  // Whether an OffsetCommit may be stored: NONE, or the error to put on every partition.
  // generation_id < 0 with an empty member id is a commit outside group management (a "simple"
  // consumer or the admin client): allowed while the group has no members, UNKNOWN_MEMBER_ID
  // otherwise. With a generation, the member must belong to it (ILLEGAL_GENERATION,
  // UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID), and the group must not be waiting for its
  // assignment (REBALANCE_IN_PROGRESS). A valid commit also counts as a heartbeat.
  protocol::KafkaError validate_commit(std::string_view group_id, int32_t generation_id, std::string_view member_id,
                                       std::optional<std::string_view> group_instance_id = std::nullopt);

  // DescribeGroups / ListGroups / DeleteGroups. delete_group answers NONE (forgotten; the
  // caller deletes its offsets), NON_EMPTY_GROUP or GROUP_ID_NOT_FOUND.
  GroupDescription describe(std::string_view group_id) const;
  std::vector<GroupOverview> list() const;
  protocol::KafkaError delete_group(std::string_view group_id);

  // Runs the timers: member session expiry, KIP-394 pending-member expiry, the end of the
  // initial delay and of the rebalance timeout, and the SyncGroup deadline. Call it every
  // ~100 ms (GroupTicker does); timers are only as precise as the calls.
  void tick();
  // Answers every parked JoinGroup/SyncGroup with COORDINATOR_NOT_AVAILABLE and refuses all
  // later calls with it. Idempotent.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ringmq::broker
