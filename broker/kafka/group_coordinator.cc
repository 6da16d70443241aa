#include "broker/kafka/group_coordinator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <type_traits>
#include <utility>

#include "broker/kafka/consumer_subscription.h"
#include "broker/kafka/group_metadata.h"

namespace ringmq::broker {

using group_detail::GroupMember;
using group_detail::GroupMetadata;
using group_detail::GroupState;
using protocol::KafkaError;

Status GroupCoordinatorConfig::validate() const {
  if (min_session_timeout_ms <= 0 || max_session_timeout_ms < min_session_timeout_ms) {
    return make_error(ErrorCode::kInvalidArgument, "group min_session_timeout_ms (" +
                                                       std::to_string(min_session_timeout_ms) +
                                                       ") must be positive and at most max_session_timeout_ms (" +
                                                       std::to_string(max_session_timeout_ms) + ")");
  }
  if (initial_rebalance_delay_ms < 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "group initial_rebalance_delay_ms must be >= 0 (0 disables the wait), got " +
                          std::to_string(initial_rebalance_delay_ms));
  }
  if (new_member_join_timeout_ms <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "group new_member_join_timeout_ms must be positive, got " +
                                                       std::to_string(new_member_join_timeout_ms));
  }
  if (max_group_size <= 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "group max_group_size must be positive, got " + std::to_string(max_group_size));
  }
  return {};
}

namespace {

// Callbacks owed to clients, and log lines: collected under the coordinator's lock, run (and
// written) after it is released, in order.
class Deliveries {
 public:
  void log(std::string line) {
    calls_.push_back([line = std::move(line)] { spdlog::info("{}", line); });
  }
  void join(JoinCallback callback, JoinResult result) {
    calls_.push_back(
        [callback = std::move(callback), result = std::move(result)]() mutable { callback(std::move(result)); });
  }
  void sync(SyncCallback callback, SyncResult result) {
    calls_.push_back(
        [callback = std::move(callback), result = std::move(result)]() mutable { callback(std::move(result)); });
  }
  std::vector<std::function<void()>> take() { return std::exchange(calls_, {}); }

 private:
  std::vector<std::function<void()>> calls_;
};

JoinResult join_error(KafkaError error, std::string member_id) {
  JoinResult result;
  result.error_code = error;
  result.member_id = std::move(member_id);
  return result;
}

SyncResult sync_error(KafkaError error) {
  SyncResult result;
  result.error_code = error;
  return result;
}

std::optional<std::string_view> view_of(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// The state machine. Every method runs under `mutex` with `now` set for the call, and queues
// the callbacks it owes on `out`.
struct GroupCoordinator::Impl {
  GroupCoordinatorConfig config;
  Clock clock;
  mutable std::mutex mutex;
  std::map<std::string, GroupMetadata, std::less<>> groups;
  std::mt19937_64 random{std::random_device{}()};
  bool stopped = false;
  int64_t now = 0;
  Deliveries out;

  // Runs `operation` under the lock, then the callbacks it queued, outside the lock.
  template <typename Operation>
  auto run(Operation&& operation) {
    std::vector<std::function<void()>> calls;
    using Result = std::invoke_result_t<Operation>;
    if constexpr (std::is_void_v<Result>) {
      {
        std::lock_guard lock(mutex);
        now = clock();
        operation();
        calls = out.take();
      }
      for (auto& call : calls) call();
    } else {
      std::optional<Result> result;
      {
        std::lock_guard lock(mutex);
        now = clock();
        result.emplace(operation());
        calls = out.take();
      }
      for (auto& call : calls) call();
      return std::move(*result);
    }
  }

  GroupMetadata* find_group(std::string_view group_id) {
    auto it = groups.find(group_id);
    return it == groups.end() ? nullptr : &it->second;
  }

  // "<prefix>-<random UUID>", as Kafka names members (prefix: client id, or instance id).
  std::string new_member_id(std::string_view prefix) {
    uint64_t high = random();
    uint64_t low = random();
    high = (high & ~0xF000ULL) | 0x4000ULL;      // version 4
    low = (low & ~(3ULL << 62)) | (2ULL << 62);  // RFC 4122 variant
    char uuid[37];
    std::snprintf(uuid, sizeof uuid, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                  static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                  static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
    std::string id(prefix);
    id += '-';
    id += uuid;
    return id;
  }

  // KIP-345: with an instance id, it must map to this member id; without, the id must be known.
  static std::optional<KafkaError> validate_current_member(const GroupMetadata& group, std::string_view member_id,
                                                           std::optional<std::string_view> instance_id) {
    if (instance_id) {
      std::optional<std::string> current = group.static_member_id(*instance_id);
      if (!current) return KafkaError::kUnknownMemberId;
      if (*current != member_id) return KafkaError::kFencedInstanceId;
      return std::nullopt;
    }
    if (group.find(member_id) == nullptr) return KafkaError::kUnknownMemberId;
    return std::nullopt;
  }

  void keep_alive(GroupMember& member) { member.heartbeat_deadline_ms = now + member.session_timeout_ms; }

  std::vector<JoinedMember> member_list(const GroupMetadata& group) const {
    std::vector<JoinedMember> list;
    list.reserve(group.members.size());
    for (const auto& [id, member] : group.members) {
      list.push_back({id, member.group_instance_id, member.metadata_for(group.protocol_name.value_or(""))});
    }
    return list;
  }

  JoinResult current_generation(const GroupMetadata& group, const std::string& member_id, bool with_members) const {
    JoinResult result;
    result.generation_id = group.generation_id;
    result.protocol_type = group.protocol_type;
    result.protocol_name = group.protocol_name;
    result.leader_id = group.leader_id;
    result.member_id = member_id;
    if (with_members) result.members = member_list(group);
    return result;
  }

  // A member sending a second JoinGroup (or SyncGroup) while its first is still parked has
  // given up on the first; answer it so that no response is left owing on its connection.
  void park_join(GroupMember& member, JoinCallback callback) {
    if (member.is_awaiting_join()) {
      out.join(std::exchange(member.awaiting_join, nullptr),
               join_error(KafkaError::kRebalanceInProgress, member.member_id));
    }
    member.awaiting_join = std::move(callback);
  }

  void park_sync(GroupMember& member, SyncCallback callback) {
    if (member.is_awaiting_sync()) {
      out.sync(std::exchange(member.awaiting_sync, nullptr), sync_error(KafkaError::kRebalanceInProgress));
    }
    member.awaiting_sync = std::move(callback);
  }

  // ---- membership changes

  bool accept_joining_member(const GroupMetadata& group, std::string_view member_id) const {
    const GroupMember* member = group.find(member_id);
    switch (group.state) {
      case GroupState::kEmpty:
        return true;
      case GroupState::kPreparingRebalance: {
        // Count the parked members: the group may be above the limit if it was lowered.
        if (member != nullptr && member->is_awaiting_join()) return true;
        auto awaiting = std::ranges::count_if(group.members, [](const auto& e) { return e.second.is_awaiting_join(); });
        return awaiting < config.max_group_size;
      }
      case GroupState::kCompletingRebalance:
      case GroupState::kStable:
        return member != nullptr || std::ssize(group.members) < config.max_group_size;
    }
    return false;
  }

  void add_member_and_rebalance(GroupMetadata& group, const std::string& member_id, const JoinRequest& request,
                                JoinCallback callback) {
    GroupMember member;
    member.member_id = member_id;
    member.group_instance_id = request.group_instance_id;
    member.client_id = request.client_id;
    member.client_host = request.client_host;
    member.session_timeout_ms = request.session_timeout_ms;
    member.rebalance_timeout_ms = request.rebalance_timeout_ms;
    member.protocol_type = request.protocol_type;
    member.protocols = request.protocols;
    member.awaiting_join = std::move(callback);
    member.is_new = true;
    member.heartbeat_deadline_ms = now + config.new_member_join_timeout_ms;

    if (group.state == GroupState::kPreparingRebalance && group.generation_id == 0) group.new_member_added = true;
    if (group.members.empty()) group.protocol_type = request.protocol_type;
    if (group.leader_id.empty()) group.leader_id = member_id;
    if (member.group_instance_id) group.static_members[*member.group_instance_id] = member_id;
    group.pending_members.erase(member_id);
    group.members.emplace(member_id, std::move(member));
    maybe_prepare_rebalance(group, "member " + member_id + " joined");
  }

  void update_member_and_rebalance(GroupMetadata& group, GroupMember& member, const JoinRequest& request,
                                   JoinCallback callback) {
    member.protocols = request.protocols;
    member.session_timeout_ms = request.session_timeout_ms;
    member.rebalance_timeout_ms = request.rebalance_timeout_ms;
    park_join(member, std::move(callback));
    maybe_prepare_rebalance(
        group, (member.member_id == group.leader_id ? "leader " : "member ") + member.member_id + " rejoined");
  }

  // KIP-345: a known group instance id joins with no member id (a restarted static member).
  // The old member id is fenced and its place taken by `new_id`, keeping its assignment.
  void replace_static_member(GroupMetadata& group, const std::string& old_id, const std::string& new_id,
                             const JoinRequest& request, JoinCallback callback) {
    std::string previous_leader = group.leader_id;
    auto node = group.members.extract(old_id);
    GroupMember member = std::move(node.mapped());
    if (member.is_awaiting_join()) {
      out.join(std::exchange(member.awaiting_join, nullptr), join_error(KafkaError::kFencedInstanceId, old_id));
    }
    if (member.is_awaiting_sync()) {
      out.sync(std::exchange(member.awaiting_sync, nullptr), sync_error(KafkaError::kFencedInstanceId));
    }
    member.member_id = new_id;
    member.client_id = request.client_id;
    member.client_host = request.client_host;
    member.protocols = request.protocols;
    member.session_timeout_ms = request.session_timeout_ms;
    member.rebalance_timeout_ms = request.rebalance_timeout_ms;
    member.awaiting_join = std::move(callback);
    keep_alive(member);
    if (group.leader_id == old_id) group.leader_id = new_id;
    group.static_members[*request.group_instance_id] = new_id;
    if (group.pending_sync_members.erase(old_id) > 0) group.pending_sync_members.insert(new_id);
    GroupMember& placed = group.members.emplace(new_id, std::move(member)).first->second;
    out.log(fmt::format("group static member replaced group={} instance={} old_member={} new_member={}", group.group_id,
                        *request.group_instance_id, old_id, new_id));

    switch (group.state) {
      case GroupState::kStable:
        if (group.protocol_name == group.select_protocol()) {
          // Nothing that matters to the assignment changed: no rebalance. The member syncs and
          // gets its old assignment. Before v9 it must not believe it leads (it would assign,
          // and a Stable group ignores assignments), so it is told the previous leader id,
          // which can never equal its new id. From v9 the leader is told to skip assigning.
          JoinResult result = current_generation(group, new_id, false);
          if (request.api_version >= 9) {
            result.skip_assignment = group.leader_id == new_id;
            if (result.skip_assignment) result.members = member_list(group);
          } else {
            result.leader_id = previous_leader;
          }
          out.join(std::exchange(placed.awaiting_join, nullptr), std::move(result));
        } else {
          prepare_rebalance(group, "static member " + new_id + " rejoined with other protocols");
        }
        break;
      case GroupState::kCompletingRebalance:
        // The leader may be assigning to the old member id: start over.
        prepare_rebalance(group, "static member " + new_id + " replaced " + old_id + " during the assignment");
        break;
      case GroupState::kPreparingRebalance:
      case GroupState::kEmpty:  // cannot hold a static member
        break;
    }
  }

  // Removes a member without touching the group state; answers what it has parked.
  void drop_member(GroupMetadata& group, const std::string& member_id, std::string_view reason) {
    auto node = group.members.extract(member_id);
    if (node.empty()) return;
    out.log(fmt::format("group member removed group={} member={} generation={}: {}", group.group_id, member_id,
                        group.generation_id, reason));
    GroupMember& member = node.mapped();
    if (member.is_awaiting_join()) {
      // UNKNOWN_MEMBER_ID with no member id: a client still waiting resets and joins afresh.
      out.join(std::exchange(member.awaiting_join, nullptr), join_error(KafkaError::kUnknownMemberId, ""));
    }
    if (member.is_awaiting_sync()) {
      out.sync(std::exchange(member.awaiting_sync, nullptr), sync_error(KafkaError::kUnknownMemberId));
    }
    if (member.group_instance_id) {
      auto it = group.static_members.find(*member.group_instance_id);
      if (it != group.static_members.end() && it->second == member_id) group.static_members.erase(it);
    }
    group.pending_sync_members.erase(member_id);
    if (group.leader_id == member_id) {
      group.leader_id = group.members.empty() ? std::string() : group.members.begin()->first;
    }
  }

  void remove_member_and_update_group(GroupMetadata& group, const std::string& member_id, std::string_view reason) {
    drop_member(group, member_id, reason);
    switch (group.state) {
      case GroupState::kStable:
      case GroupState::kCompletingRebalance:
        maybe_prepare_rebalance(group, "member " + member_id + " removed");
        break;
      case GroupState::kPreparingRebalance:
        maybe_complete_join(group);
        break;
      case GroupState::kEmpty:
        break;
    }
  }

  // ---- rebalance

  void maybe_prepare_rebalance(GroupMetadata& group, const std::string& reason) {
    if (group.can_rebalance()) prepare_rebalance(group, reason);
  }

  void prepare_rebalance(GroupMetadata& group, const std::string& reason) {
    out.log(fmt::format("group preparing rebalance group={} state={} generation={} members={}: {}", group.group_id,
                        group_detail::group_state_name(group.state), group.generation_id, group.members.size(),
                        reason));
    // Followers waiting for an assignment that will not come: they must rejoin.
    if (group.state == GroupState::kCompletingRebalance) {
      reset_and_propagate_assignment_error(group, KafkaError::kRebalanceInProgress);
    }
    group.pending_sync_members.clear();
    if (group.state == GroupState::kEmpty && config.initial_rebalance_delay_ms > 0) {
      group.in_initial_delay = true;
      group.initial_delay_ms = config.initial_rebalance_delay_ms;
      group.initial_delay_remaining_ms = std::max(group.rebalance_timeout_ms() - config.initial_rebalance_delay_ms, 0);
      group.join_deadline_ms = now + config.initial_rebalance_delay_ms;
    } else {
      group.in_initial_delay = false;
      group.join_deadline_ms = now + group.rebalance_timeout_ms();
    }
    group.new_member_added = false;
    group.state = GroupState::kPreparingRebalance;
    maybe_complete_join(group);
  }

  void maybe_complete_join(GroupMetadata& group) {
    if (group.state == GroupState::kPreparingRebalance && !group.in_initial_delay && group.has_all_members_joined()) {
      complete_join(group);
    }
  }

  // The join deadline passed (end of an initial-delay step or of the rebalance timeout).
  void on_join_deadline(GroupMetadata& group) {
    if (group.in_initial_delay && group.new_member_added && group.initial_delay_remaining_ms > 0) {
      // Members are still arriving: wait another step, within the rebalance timeout.
      group.new_member_added = false;
      int32_t delay = std::min(config.initial_rebalance_delay_ms, group.initial_delay_remaining_ms);
      group.initial_delay_remaining_ms = std::max(group.initial_delay_remaining_ms - group.initial_delay_ms, 0);
      group.initial_delay_ms = delay;
      group.join_deadline_ms = now + delay;
      return;
    }
    complete_join(group);
  }

  // Ends PreparingRebalance: drops dynamic members that did not rejoin, starts the next
  // generation and answers every parked JoinGroup (the leader gets the member list).
  void complete_join(GroupMetadata& group) {
    group.in_initial_delay = false;
    std::vector<std::string> missing;
    for (const auto& [id, member] : group.members) {
      if (!member.is_awaiting_join() && !member.is_static()) missing.push_back(id);
    }
    for (const std::string& id : missing) drop_member(group, id, "did not rejoin within the rebalance timeout");

    if (!group.members.empty() && !group.elect_joined_leader()) {
      // Only static members that have not rejoined are left: give them another rebalance
      // timeout (their sessions may end first).
      group.join_deadline_ms = now + group.rebalance_timeout_ms();
      return;
    }
    ++group.generation_id;
    if (group.members.empty()) {
      group.state = GroupState::kEmpty;
      group.protocol_name.reset();
      group.leader_id.clear();
      out.log(fmt::format("group empty group={} generation={}", group.group_id, group.generation_id));
      return;
    }
    group.protocol_name = group.select_protocol();
    group.state = GroupState::kCompletingRebalance;
    out.log(fmt::format("group generation started group={} generation={} protocol={} leader={} members={}",
                        group.group_id, group.generation_id, *group.protocol_name, group.leader_id,
                        group.members.size()));
    for (auto& [id, member] : group.members) {
      if (member.is_awaiting_join()) {
        out.join(std::exchange(member.awaiting_join, nullptr), current_generation(group, id, id == group.leader_id));
      }
      keep_alive(member);
      member.is_new = false;
      group.pending_sync_members.insert(id);
    }
    group.sync_deadline_ms = now + group.rebalance_timeout_ms();
  }

  void reset_and_propagate_assignment_error(GroupMetadata& group, KafkaError error) {
    for (auto& [id, member] : group.members) {
      member.assignment.clear();
      if (member.is_awaiting_sync()) out.sync(std::exchange(member.awaiting_sync, nullptr), sync_error(error));
    }
  }

  void propagate_assignment(GroupMetadata& group) {
    for (auto& [id, member] : group.members) {
      if (!member.is_awaiting_sync()) continue;
      SyncResult result;
      result.protocol_type = group.protocol_type;
      result.protocol_name = group.protocol_name;
      result.assignment = member.assignment;
      out.sync(std::exchange(member.awaiting_sync, nullptr), std::move(result));
      keep_alive(member);
    }
  }

  // Members that got their JoinGroup answer but never sent SyncGroup are gone.
  void expire_pending_sync(GroupMetadata& group) {
    std::vector<std::string> late(group.pending_sync_members.begin(), group.pending_sync_members.end());
    for (const std::string& id : late) drop_member(group, id, "did not send SyncGroup within the rebalance timeout");
    prepare_rebalance(group, "members did not sync");
  }

  // A group created by a join that failed holds nothing worth keeping.
  void erase_if_unused(std::map<std::string, GroupMetadata, std::less<>>::iterator it) {
    const GroupMetadata& group = it->second;
    if (group.state == GroupState::kEmpty && group.generation_id == 0 && group.members.empty() &&
        group.pending_members.empty()) {
      groups.erase(it);
    }
  }

  // ---- requests

  void join(JoinRequest request, JoinCallback callback) {
    if (!callback) callback = [](JoinResult) {};
    auto fail = [&](KafkaError error, std::string member_id) {
      out.join(std::move(callback), join_error(error, std::move(member_id)));
    };
    if (stopped) return fail(KafkaError::kCoordinatorNotAvailable, request.member_id);
    if (request.group_id.empty()) return fail(KafkaError::kInvalidGroupId, request.member_id);
    if (request.session_timeout_ms < config.min_session_timeout_ms ||
        request.session_timeout_ms > config.max_session_timeout_ms) {
      return fail(KafkaError::kInvalidSessionTimeout, request.member_id);
    }
    if (request.rebalance_timeout_ms <= 0) request.rebalance_timeout_ms = request.session_timeout_ms;

    auto it = groups.find(request.group_id);
    if (it == groups.end()) {
      // Only a new member creates a group; a known member id of an unknown group is stale.
      if (!request.member_id.empty()) return fail(KafkaError::kUnknownMemberId, request.member_id);
      GroupMetadata group;
      group.group_id = request.group_id;
      it = groups.emplace(request.group_id, std::move(group)).first;
    }
    GroupMetadata& group = it->second;
    if (!accept_joining_member(group, request.member_id)) {
      if (group.find(request.member_id) != nullptr) {
        remove_member_and_update_group(group, request.member_id, "the group is above max_group_size");
      }
      fail(KafkaError::kGroupMaxSizeReached, "");
    } else if (request.member_id.empty()) {
      join_new_member(group, request, std::move(callback));
    } else {
      join_current_member(group, request, std::move(callback));
    }
    maybe_complete_join(group);
    erase_if_unused(it);
  }

  void join_new_member(GroupMetadata& group, const JoinRequest& request, JoinCallback callback) {
    std::optional<std::string> old_static_id;
    if (request.group_instance_id) old_static_id = group.static_member_id(*request.group_instance_id);
    if (!group.supports_protocols(request.protocol_type, request.protocols, old_static_id.value_or(""))) {
      out.join(std::move(callback), join_error(KafkaError::kInconsistentGroupProtocol, ""));
      return;
    }
    std::string member_id = new_member_id(request.group_instance_id ? *request.group_instance_id : request.client_id);
    if (request.group_instance_id) {
      if (old_static_id) {
        replace_static_member(group, *old_static_id, member_id, request, std::move(callback));
      } else {
        add_member_and_rebalance(group, member_id, request, std::move(callback));
      }
    } else if (request.api_version >= 4) {
      // KIP-394: hand out the id and let the client come back with it, so that a client that
      // times out and retries does not leave an orphan member behind.
      group.pending_members[member_id] = now + request.session_timeout_ms;
      out.join(std::move(callback), join_error(KafkaError::kMemberIdRequired, member_id));
    } else {
      add_member_and_rebalance(group, member_id, request, std::move(callback));
    }
  }

  void join_current_member(GroupMetadata& group, const JoinRequest& request, JoinCallback callback) {
    const std::string& member_id = request.member_id;
    if (!group.supports_protocols(request.protocol_type, request.protocols, member_id)) {
      out.join(std::move(callback), join_error(KafkaError::kInconsistentGroupProtocol, member_id));
      return;
    }
    if (!request.group_instance_id && group.pending_members.contains(member_id)) {
      add_member_and_rebalance(group, member_id, request, std::move(callback));
      return;
    }
    if (auto error = validate_current_member(group, member_id, view_of(request.group_instance_id))) {
      out.join(std::move(callback), join_error(*error, member_id));
      return;
    }
    GroupMember& member = *group.find(member_id);
    switch (group.state) {
      case GroupState::kPreparingRebalance:
        update_member_and_rebalance(group, member, request, std::move(callback));
        break;
      case GroupState::kCompletingRebalance:
        if (member.matches(request.protocols)) {
          // It missed the JoinGroup answer (a retry): answer again with this generation.
          out.join(std::move(callback), current_generation(group, member_id, member_id == group.leader_id));
        } else {
          update_member_and_rebalance(group, member, request, std::move(callback));
        }
        break;
      case GroupState::kStable:
        // The leader rejoining asks for a new assignment (e.g. the topics' partitions changed).
        if (member_id == group.leader_id || !member.matches(request.protocols)) {
          update_member_and_rebalance(group, member, request, std::move(callback));
        } else {
          out.join(std::move(callback), current_generation(group, member_id, false));
        }
        break;
      case GroupState::kEmpty:
        out.join(std::move(callback), join_error(KafkaError::kUnknownMemberId, member_id));
        break;
    }
  }

  void sync(SyncRequest request, SyncCallback callback) {
    if (!callback) callback = [](SyncResult) {};
    auto fail = [&](KafkaError error) { out.sync(std::move(callback), sync_error(error)); };
    if (stopped) return fail(KafkaError::kCoordinatorNotAvailable);
    if (request.group_id.empty()) return fail(KafkaError::kInvalidGroupId);
    GroupMetadata* group = find_group(request.group_id);
    if (group == nullptr) return fail(KafkaError::kUnknownMemberId);
    if (auto error = validate_current_member(*group, request.member_id, view_of(request.group_instance_id))) {
      return fail(*error);
    }
    if (request.generation_id != group->generation_id) return fail(KafkaError::kIllegalGeneration);
    if (request.protocol_type && group->protocol_type != *request.protocol_type) {
      return fail(KafkaError::kInconsistentGroupProtocol);
    }
    if (request.protocol_name && group->protocol_name != *request.protocol_name) {
      return fail(KafkaError::kInconsistentGroupProtocol);
    }
    GroupMember& member = *group->find(request.member_id);
    switch (group->state) {
      case GroupState::kEmpty:
        return fail(KafkaError::kUnknownMemberId);
      case GroupState::kPreparingRebalance:
        return fail(KafkaError::kRebalanceInProgress);
      case GroupState::kCompletingRebalance:
        park_sync(member, std::move(callback));
        group->pending_sync_members.erase(request.member_id);
        if (request.member_id == group->leader_id) {
          std::map<std::string_view, const std::vector<std::byte>*> by_member;
          for (const SyncAssignment& a : request.assignments) by_member[a.member_id] = &a.assignment;
          for (auto& [id, each] : group->members) {
            auto found = by_member.find(id);
            each.assignment = found == by_member.end() ? std::vector<std::byte>() : *found->second;
          }
          group->state = GroupState::kStable;
          propagate_assignment(*group);
        }
        return;
      case GroupState::kStable: {
        group->pending_sync_members.erase(request.member_id);
        keep_alive(member);
        SyncResult result;
        result.protocol_type = group->protocol_type;
        result.protocol_name = group->protocol_name;
        result.assignment = member.assignment;
        out.sync(std::move(callback), std::move(result));
        return;
      }
    }
  }

  KafkaError heartbeat(std::string_view group_id, int32_t generation_id, std::string_view member_id,
                       std::optional<std::string_view> instance_id) {
    if (stopped) return KafkaError::kCoordinatorNotAvailable;
    if (group_id.empty()) return KafkaError::kInvalidGroupId;
    GroupMetadata* group = find_group(group_id);
    if (group == nullptr) return KafkaError::kUnknownMemberId;
    if (auto error = validate_current_member(*group, member_id, instance_id)) return *error;
    if (generation_id != group->generation_id) return KafkaError::kIllegalGeneration;
    GroupMember& member = *group->find(member_id);
    switch (group->state) {
      case GroupState::kEmpty:
        return KafkaError::kUnknownMemberId;
      case GroupState::kPreparingRebalance:
        keep_alive(member);
        return KafkaError::kRebalanceInProgress;
      case GroupState::kCompletingRebalance:
        // Clients may heartbeat between their JoinGroup answer and SyncGroup (as Kafka 2.x+).
      case GroupState::kStable:
        keep_alive(member);
        return KafkaError::kNone;
    }
    return KafkaError::kUnknownServerError;
  }

  LeaveResult leave(std::string_view group_id, const std::vector<GroupMemberIdentity>& members) {
    LeaveResult result;
    if (stopped) {
      result.error_code = KafkaError::kCoordinatorNotAvailable;
      return result;
    }
    if (group_id.empty()) {
      result.error_code = KafkaError::kInvalidGroupId;
      return result;
    }
    GroupMetadata* group = find_group(group_id);
    for (const GroupMemberIdentity& identity : members) {
      LeftMemberResult& left = result.members.emplace_back();
      left.member_id = identity.member_id;
      left.group_instance_id = identity.group_instance_id;
      left.error_code = leave_one(group, identity);
    }
    return result;
  }

  KafkaError leave_one(GroupMetadata* group, const GroupMemberIdentity& identity) {
    if (group == nullptr) return KafkaError::kUnknownMemberId;
    if (identity.member_id.empty()) {
      // Administrative removal by group instance id.
      std::optional<std::string> current;
      if (identity.group_instance_id) current = group->static_member_id(*identity.group_instance_id);
      if (!current) return KafkaError::kUnknownMemberId;
      remove_member_and_update_group(*group, *current, "removed by group instance id (LeaveGroup)");
      return KafkaError::kNone;
    }
    if (group->pending_members.erase(identity.member_id) > 0) {
      maybe_complete_join(*group);
      return KafkaError::kNone;
    }
    if (auto error = validate_current_member(*group, identity.member_id, view_of(identity.group_instance_id))) {
      return *error;
    }
    remove_member_and_update_group(*group, identity.member_id, "left the group (LeaveGroup)");
    return KafkaError::kNone;
  }

  KafkaError validate_commit(std::string_view group_id, int32_t generation_id, std::string_view member_id,
                             std::optional<std::string_view> instance_id) {
    if (stopped) return KafkaError::kCoordinatorNotAvailable;
    GroupMetadata* group = find_group(group_id);
    if (group == nullptr) {
      // Unknown group: fine for a commit outside group management; a generation here can only
      // be a stale one (the group was forgotten, e.g. by a restart).
      return generation_id < 0 ? KafkaError::kNone : KafkaError::kIllegalGeneration;
    }
    if (generation_id < 0 && group->state == GroupState::kEmpty) return KafkaError::kNone;
    if (generation_id < 0 && member_id.empty() && !instance_id) {
      // Only members may commit while the group has members.
      return KafkaError::kUnknownMemberId;
    }
    if (auto error = validate_current_member(*group, member_id, instance_id)) return *error;
    if (generation_id != group->generation_id) return KafkaError::kIllegalGeneration;
    switch (group->state) {
      case GroupState::kEmpty:
        return KafkaError::kNone;
      case GroupState::kPreparingRebalance:
        // Members may commit what they consumed before rejoining (the heartbeat tells them to).
      case GroupState::kStable:
        keep_alive(*group->find(member_id));
        return KafkaError::kNone;
      case GroupState::kCompletingRebalance:
        return KafkaError::kRebalanceInProgress;
    }
    return KafkaError::kUnknownServerError;
  }

  KafkaError delete_group(std::string_view group_id) {
    if (stopped) return KafkaError::kCoordinatorNotAvailable;
    auto it = groups.find(group_id);
    if (it == groups.end()) return KafkaError::kGroupIdNotFound;
    if (it->second.state != GroupState::kEmpty) return KafkaError::kNonEmptyGroup;
    groups.erase(it);
    return KafkaError::kNone;
  }

  void tick() {
    if (stopped) return;
    for (auto& [group_id, group] : groups) {
      // KIP-394 ids that never came back.
      bool dropped_pending = std::erase_if(group.pending_members, [&](const auto& e) { return e.second <= now; }) > 0;
      if (dropped_pending) maybe_complete_join(group);

      std::vector<std::string> expired;
      for (const auto& [id, member] : group.members) {
        if (member.expired(now)) expired.push_back(id);
      }
      for (const std::string& id : expired) {
        // Removing one may have started a generation that kept the others alive.
        const GroupMember* member = group.find(id);
        if (member == nullptr || !member->expired(now)) continue;
        std::string reason = member->is_new
                                 ? fmt::format("waited in JoinGroup longer than new_member_join_timeout_ms={}",
                                               config.new_member_join_timeout_ms)
                                 : fmt::format("no heartbeat within session_timeout_ms={}", member->session_timeout_ms);
        remove_member_and_update_group(group, id, reason);
      }

      if (group.state == GroupState::kPreparingRebalance && now >= group.join_deadline_ms) on_join_deadline(group);
      if ((group.state == GroupState::kCompletingRebalance || group.state == GroupState::kStable) &&
          !group.pending_sync_members.empty() && now >= group.sync_deadline_ms) {
        expire_pending_sync(group);
      }
    }
    std::erase_if(groups, [](const auto& entry) {
      const GroupMetadata& g = entry.second;
      return g.state == GroupState::kEmpty && g.generation_id == 0 && g.members.empty() && g.pending_members.empty();
    });
  }

  void shutdown() {
    if (stopped) return;
    stopped = true;
    for (auto& [group_id, group] : groups) {
      for (auto& [id, member] : group.members) {
        if (member.is_awaiting_join()) {
          out.join(std::exchange(member.awaiting_join, nullptr), join_error(KafkaError::kCoordinatorNotAvailable, id));
        }
        if (member.is_awaiting_sync()) {
          out.sync(std::exchange(member.awaiting_sync, nullptr), sync_error(KafkaError::kCoordinatorNotAvailable));
        }
      }
    }
    groups.clear();
  }

  // The union of the members' subscriptions in the group's selected protocol; null when the
  // group is not a consumer group or a member's metadata does not parse.
  static std::optional<std::vector<std::string>> subscriptions_of(const GroupMetadata& group) {
    std::vector<std::string> topics;
    if (group.protocol_type != "consumer") return std::nullopt;
    for (const auto& [id, member] : group.members) {
      const std::string_view protocol =
          group.protocol_name ? std::string_view(*group.protocol_name)
                              : std::string_view(member.protocols.empty() ? "" : member.protocols.front().name);
      auto member_topics = kafka::subscribed_topics(member.metadata_for(protocol));
      if (!member_topics) return std::nullopt;
      topics.insert(topics.end(), member_topics->begin(), member_topics->end());
    }
    std::sort(topics.begin(), topics.end());
    topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
    return topics;
  }

  GroupDescription describe(std::string_view group_id) const {
    GroupDescription description;
    description.group_id = std::string(group_id);
    if (stopped) {
      description.error_code = KafkaError::kCoordinatorNotAvailable;
      return description;
    }
    auto it = groups.find(group_id);
    if (it == groups.end()) {
      description.error_code = KafkaError::kGroupIdNotFound;
      description.state = "Dead";
      return description;
    }
    const GroupMetadata& group = it->second;
    bool stable = group.state == GroupState::kStable;
    description.state = group_detail::group_state_name(group.state);
    description.protocol_type = group.protocol_type.value_or("");
    if (stable) description.protocol_name = group.protocol_name.value_or("");
    for (const auto& [id, member] : group.members) {
      GroupMemberDescription& d = description.members.emplace_back();
      d.member_id = id;
      d.group_instance_id = member.group_instance_id;
      d.client_id = member.client_id;
      d.client_host = member.client_host;
      if (stable) {
        d.metadata = member.metadata_for(description.protocol_name);
        d.assignment = member.assignment;
      }
    }
    description.subscribed_topics = subscriptions_of(group);
    return description;
  }

  std::vector<GroupOverview> list() const {
    std::vector<GroupOverview> overview;
    if (stopped) return overview;
    for (const auto& [id, group] : groups) {
      overview.push_back({id, group.protocol_type.value_or(""), group_detail::group_state_name(group.state)});
    }
    return overview;
  }
};

GroupCoordinator::GroupCoordinator(GroupCoordinatorConfig config, Clock clock) : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  impl_->clock = clock ? std::move(clock) : Clock(steady_now_ms);
}

GroupCoordinator::~GroupCoordinator() = default;

void GroupCoordinator::join(JoinRequest request, JoinCallback callback) {
  impl_->run([&] { impl_->join(std::move(request), std::move(callback)); });
}

void GroupCoordinator::sync(SyncRequest request, SyncCallback callback) {
  impl_->run([&] { impl_->sync(std::move(request), std::move(callback)); });
}

KafkaError GroupCoordinator::heartbeat(std::string_view group_id, int32_t generation_id, std::string_view member_id,
                                       std::optional<std::string_view> group_instance_id) {
  return impl_->run([&] { return impl_->heartbeat(group_id, generation_id, member_id, group_instance_id); });
}

LeaveResult GroupCoordinator::leave(std::string_view group_id, const std::vector<GroupMemberIdentity>& members) {
  return impl_->run([&] { return impl_->leave(group_id, members); });
}

KafkaError GroupCoordinator::validate_commit(std::string_view group_id, int32_t generation_id,
                                             std::string_view member_id,
                                             std::optional<std::string_view> group_instance_id) {
  return impl_->run([&] { return impl_->validate_commit(group_id, generation_id, member_id, group_instance_id); });
}

GroupDescription GroupCoordinator::describe(std::string_view group_id) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->describe(group_id);
}

std::vector<GroupOverview> GroupCoordinator::list() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->list();
}

KafkaError GroupCoordinator::delete_group(std::string_view group_id) {
  return impl_->run([&] { return impl_->delete_group(group_id); });
}

void GroupCoordinator::tick() {
  impl_->run([&] { impl_->tick(); });
}

void GroupCoordinator::shutdown() {
  impl_->run([&] { impl_->shutdown(); });
}

}  // namespace ringmq::broker
