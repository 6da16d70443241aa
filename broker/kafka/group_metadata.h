// GroupMetadata and GroupMember: the state of one consumer group, as the GroupCoordinator keeps
// it, with the queries that need no clock and no callbacks (protocol selection and checks,
// leader choice, who has rejoined). Internal to the coordinator; not thread-safe (the
// coordinator's mutex guards it). The transitions live in group_coordinator.cc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "broker/kafka/group_coordinator.h"

namespace ringmq::broker::group_detail {

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };

const char* group_state_name(GroupState state);

struct GroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<GroupProtocol> protocols;  // in the member's order of preference
  std::vector<std::byte> assignment;     // of the current generation, once the leader synced

  JoinCallback awaiting_join;  // set while a JoinGroup is parked
  SyncCallback awaiting_sync;  // set while a SyncGroup is parked
  // Added by this rebalance and never answered yet: it has no id to heartbeat with, so it is
  // timed by new_member_join_timeout_ms instead of its session.
  bool is_new = false;
  // When the member is dropped unless kept alive; see expired().
  int64_t heartbeat_deadline_ms = 0;

  bool is_static() const { return group_instance_id.has_value(); }
  bool is_awaiting_join() const { return static_cast<bool>(awaiting_join); }
  bool is_awaiting_sync() const { return static_cast<bool>(awaiting_sync); }
  // New members expire at their deadline even while parked; others are kept alive while a
  // JoinGroup or SyncGroup of theirs is parked (they cannot heartbeat meanwhile).
  bool expired(int64_t now_ms) const;
  // Same protocol names, order and metadata: a rejoin that changes nothing.
  bool matches(const std::vector<GroupProtocol>& other) const;
  // The metadata the member sent for `protocol_name` (empty if none).
  std::vector<std::byte> metadata_for(std::string_view protocol_name) const;
};

struct GroupMetadata {
  std::string group_id;
  GroupState state = GroupState::kEmpty;
  int32_t generation_id = 0;
  std::optional<std::string> protocol_type;  // set by the first member of an Empty group
  std::optional<std::string> protocol_name;  // selected at each generation
  std::string leader_id;                     // "" when there are no members
  std::map<std::string, GroupMember, std::less<>> members;
  // KIP-394: ids handed out with MEMBER_ID_REQUIRED, not yet joined -> when they expire.
  std::map<std::string, int64_t, std::less<>> pending_members;
  // KIP-345: group instance id -> its current member id.
  std::map<std::string, std::string, std::less<>> static_members;
  // Members of the current generation that have not sent SyncGroup yet, and until when.
  std::set<std::string, std::less<>> pending_sync_members;
  int64_t sync_deadline_ms = 0;

  // PreparingRebalance timer: the rebalance ends at join_deadline_ms. During the initial delay
  // it never ends early; each expiry that saw a new member waits another
  // min(initial delay, remaining) until initial_delay_remaining_ms is spent.
  int64_t join_deadline_ms = 0;
  bool in_initial_delay = false;
  int32_t initial_delay_ms = 0;
  int32_t initial_delay_remaining_ms = 0;
  bool new_member_added = false;

  GroupMember* find(std::string_view member_id);
  const GroupMember* find(std::string_view member_id) const;
  // The member id a group instance id is mapped to, if any.
  std::optional<std::string> static_member_id(std::string_view group_instance_id) const;

  bool can_rebalance() const { return state != GroupState::kPreparingRebalance; }
  // Every member has a parked JoinGroup and no KIP-394 member is still expected.
  bool has_all_members_joined() const;
  // The largest rebalance timeout of the members (0 without members).
  int32_t rebalance_timeout_ms() const;
  // Whether a member offering `protocols` of `type` can be in the group: some protocol must be
  // supported by every other member (`excluded_member_id` is the joining member's old self).
  bool supports_protocols(std::string_view type, const std::vector<GroupProtocol>& protocols,
                          std::string_view excluded_member_id) const;
  // The protocol every member supports that most members prefer (ties: the leader's order).
  std::string select_protocol() const;
  // Keeps the leader if it rejoined, else makes a rejoined member leader; false if none did.
  bool elect_joined_leader();
};

}  // namespace ringmq::broker::group_detail
