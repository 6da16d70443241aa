#include "broker/kafka/group_metadata.h"

#include <algorithm>

namespace ringmq::broker::group_detail {

const char* group_state_name(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
  }
  return "Unknown";
}

bool GroupMember::expired(int64_t now_ms) const {
  if (is_new) return now_ms >= heartbeat_deadline_ms;
  if (is_awaiting_join() || is_awaiting_sync()) return false;
  return now_ms >= heartbeat_deadline_ms;
}

bool GroupMember::matches(const std::vector<GroupProtocol>& other) const {
  return std::ranges::equal(protocols, other, [](const GroupProtocol& a, const GroupProtocol& b) {
    return a.name == b.name && a.metadata == b.metadata;
  });
}

std::vector<std::byte> GroupMember::metadata_for(std::string_view protocol_name) const {
  for (const GroupProtocol& p : protocols) {
    if (p.name == protocol_name) return p.metadata;
  }
  return {};
}

GroupMember* GroupMetadata::find(std::string_view member_id) {
  auto it = members.find(member_id);
  return it == members.end() ? nullptr : &it->second;
}

const GroupMember* GroupMetadata::find(std::string_view member_id) const {
  auto it = members.find(member_id);
  return it == members.end() ? nullptr : &it->second;
}

std::optional<std::string> GroupMetadata::static_member_id(std::string_view group_instance_id) const {
  auto it = static_members.find(group_instance_id);
  if (it == static_members.end()) return std::nullopt;
  return it->second;
}

bool GroupMetadata::has_all_members_joined() const {
  if (!pending_members.empty()) return false;
  return std::ranges::all_of(members, [](const auto& entry) { return entry.second.is_awaiting_join(); });
}

int32_t GroupMetadata::rebalance_timeout_ms() const {
  int32_t timeout = 0;
  for (const auto& [id, member] : members) timeout = std::max(timeout, member.rebalance_timeout_ms);
  return timeout;
}

bool GroupMetadata::supports_protocols(std::string_view type, const std::vector<GroupProtocol>& protocols,
                                       std::string_view excluded_member_id) const {
  if (type.empty() || protocols.empty()) return false;
  // The first member of a group sets its type; after that every member must share it.
  if (members.empty()) return true;
  if (protocol_type != type) return false;
  // A sole member (excluded) may switch protocols freely: all_of over nobody holds.
  for (const GroupProtocol& offered : protocols) {
    bool everyone = std::ranges::all_of(members, [&](const auto& entry) {
      if (entry.first == excluded_member_id) return true;
      return std::ranges::any_of(entry.second.protocols,
                                 [&](const GroupProtocol& p) { return p.name == offered.name; });
    });
    if (everyone) return true;
  }
  return false;
}

std::string GroupMetadata::select_protocol() const {
  // Candidates: the protocols every member supports.
  auto supported_by_all = [&](const std::string& name) {
    return std::ranges::all_of(members, [&](const auto& entry) {
      return std::ranges::any_of(entry.second.protocols, [&](const GroupProtocol& p) { return p.name == name; });
    });
  };
  std::map<std::string, int, std::less<>> votes;
  for (const auto& [id, member] : members) {
    // Each member votes for the first candidate in its own order of preference.
    for (const GroupProtocol& p : member.protocols) {
      if (supported_by_all(p.name)) {
        ++votes[p.name];
        break;
      }
    }
  }
  const GroupMember* leader = find(leader_id);
  if (leader == nullptr && !members.empty()) leader = &members.begin()->second;
  if (leader == nullptr) return {};
  std::string best;
  int best_votes = 0;
  for (const GroupProtocol& p : leader->protocols) {  // the leader's order breaks ties
    auto it = votes.find(p.name);
    if (it != votes.end() && it->second > best_votes) {
      best = it->first;
      best_votes = it->second;
    }
  }
  // Joins are checked so that a common protocol always exists; fall back to the leader's first
  // choice rather than nothing should that ever not hold.
  if (best.empty() && !leader->protocols.empty()) best = leader->protocols.front().name;
  return best;
}

bool GroupMetadata::elect_joined_leader() {
  if (const GroupMember* leader = find(leader_id); leader != nullptr && leader->is_awaiting_join()) return true;
  for (const auto& [id, member] : members) {
    if (member.is_awaiting_join()) {
      leader_id = id;
      return true;
    }
  }
  return false;
}

}  // namespace ringmq::broker::group_detail
