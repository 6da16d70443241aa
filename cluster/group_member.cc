#include "cluster/group_member.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

namespace ringmq::cluster {

namespace {

// Topic requests passed on (follower) or served (leader) per tick: a burst of them must not
// hold the next renewal back; the rest wait for the next tick.
constexpr size_t kRequestsPerTick = 32;

std::string members_text(const std::vector<int32_t>& members) {
  std::string out = "[";
  for (size_t i = 0; i < members.size(); ++i) out += (i ? "," : "") + std::to_string(members[i]);
  return out + "]";
}

}  // namespace

const BrokerRegistration* ClusterView::broker(int32_t node_id) const {
  auto it = std::ranges::find(brokers, node_id, &BrokerRegistration::node_id);
  return it == brokers.end() ? nullptr : &*it;
}

GroupMember::GroupMember(const ClusterConfig& config, BrokerRegistration self, EtcdClient etcd)
    : config_(config),
      self_(std::move(self)),
      keys_(config.name),
      tick_(std::chrono::milliseconds(config.session_timeout_s * 1000 / 4)),
      fence_after_ns_(static_cast<int64_t>(config.session_timeout_s) * 800'000'000),
      etcd_(std::move(etcd)),
      view_(std::make_shared<const ClusterView>()) {}

Result<std::unique_ptr<GroupMember>> GroupMember::start(const ClusterConfig& config, BrokerRegistration self) {
  if (!valid_name(config.name))
    return make_error(ErrorCode::kInvalidArgument,
                      "cluster.name '" + config.name + "' must be 1-64 of the characters A-Z a-z 0-9 . _ -");
  if (!valid_name(config.group))
    return make_error(ErrorCode::kInvalidArgument,
                      "cluster.group '" + config.group + "' must be 1-64 of the characters A-Z a-z 0-9 . _ -");
  if (config.session_timeout_s < 2 || config.session_timeout_s > 3600)
    return make_error(ErrorCode::kInvalidArgument, "cluster.session_timeout_s must be between 2 and 3600");
  if (config.etcd_timeout_ms == 0 || config.etcd_timeout_ms >= config.session_timeout_s * 1000 / 2)
    return make_error(ErrorCode::kInvalidArgument,
                      "cluster.etcd_timeout_ms must be above 0 and below half of cluster.session_timeout_s");
  auto etcd =
      EtcdClient::create(split_endpoints(config.etcd_endpoints), std::chrono::milliseconds(config.etcd_timeout_ms));
  if (!etcd) return std::unexpected(etcd.error());
  self.group = config.group;
  std::unique_ptr<GroupMember> member(new GroupMember(config, std::move(self), std::move(*etcd)));
  // A previous run of this broker (killed) may still hold the registration until its lease
  // expires: wait that long before calling the node id taken.
  if (auto opened = member->open_session(std::chrono::seconds(config.session_timeout_s + 2)); !opened)
    return std::unexpected(opened.error());
  if (auto group = member->refresh_group(member->renewed_at_ns_); !group) return std::unexpected(group.error());
  if (auto brokers = member->refresh_brokers(); !brokers) return std::unexpected(brokers.error());
  member->publish(member->next_view_);
  spdlog::info("cluster: registered as broker {} of group {} in cluster {} (etcd {}, session {} s)",
               member->self_.node_id, config.group, config.name, member->etcd_.current_endpoint(),
               config.session_timeout_s);
  GroupMember* raw = member.get();
  member->thread_.start("cluster", [raw] {
    // Ticks start on a fixed schedule: a slow tick does not push the next renewal back.
    const auto started = std::chrono::steady_clock::now();
    raw->tick();
    const auto spent = std::chrono::steady_clock::now() - started;
    if (spent < raw->tick_)
      raw->thread_.sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(raw->tick_ - spent));
  });
  return member;
}

void GroupMember::resign() {
  thread_.stop();
  if (leading_until_ns_.exchange(0) != 0) spdlog::info("cluster: stepping down as leader of group {}", config_.group);
  if (lease_ != 0) {
    if (auto revoked = etcd_.revoke_lease(lease_); !revoked)
      spdlog::warn("cluster: could not revoke the session lease (it expires in {} s): {}", config_.session_timeout_s,
                   revoked.error().message);
    lease_ = 0;
  }
}

std::shared_ptr<const ClusterView> GroupMember::view() const {
  std::lock_guard lock(view_mutex_);
  return view_;
}

void GroupMember::publish(ClusterView view) {
  auto next = std::make_shared<const ClusterView>(std::move(view));
  std::lock_guard lock(view_mutex_);
  view_ = std::move(next);
}

void GroupMember::count_etcd_error(const Error& error, std::string_view what) {
  stats_.etcd_errors.fetch_add(1, std::memory_order_relaxed);
  std::string text = std::string(what) + ": " + error.message;
  if (text != last_error_) spdlog::warn("cluster: {}", text);
  last_error_ = std::move(text);
}

Status GroupMember::open_session(std::chrono::milliseconds patience) {
  const int64_t sent = now_ns();
  auto lease = etcd_.grant_lease(config_.session_timeout_s);
  if (!lease) return std::unexpected(lease.error());
  const std::string key = keys_.broker(self_.node_id);
  BrokerRegistration registration = self_;
  registration.started_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (bool first = true;; first = false) {
    // Waiting may take longer than the lease lives: keep it alive while waiting.
    if (!first) {
      auto renewed = etcd_.keep_alive(lease->id);
      if (!renewed || !*renewed) {
        (void)etcd_.revoke_lease(lease->id);
        return renewed ? make_error(ErrorCode::kIo, "etcd dropped the new session's lease while waiting")
                       : std::unexpected(renewed.error());
      }
    }
    Txn txn;
    txn.compare.push_back(Compare::absent(key));
    txn.success.push_back(TxnOp::put(key, encode(registration), lease->id));
    txn.failure.push_back(TxnOp::get(key));
    auto result = etcd_.txn(txn);
    if (!result) {
      (void)etcd_.revoke_lease(lease->id);
      return std::unexpected(result.error());
    }
    if (result->succeeded || (!result->found.empty() && result->found.front().lease == lease->id)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      (void)etcd_.revoke_lease(lease->id);
      std::string holder = "another broker";
      if (!result->found.empty())
        if (auto other = decode_broker(result->found.front().value))
          holder = "the broker at " + other->host + ":" + std::to_string(other->port);
      return make_error(ErrorCode::kIo, "node id " + std::to_string(self_.node_id) + " is registered by " + holder +
                                            " in cluster " + config_.name +
                                            "; every broker needs its own server.node_id");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  lease_ = lease->id;
  renewed_at_ns_ = sent;
  return {};
}

void GroupMember::tick() {
  const int64_t sent = now_ns();
  if (lease_ == 0) {
    if (auto opened = open_session(std::chrono::milliseconds(0)); !opened) {
      count_etcd_error(opened.error(), "opening a session");
      return;
    }
    spdlog::info("cluster: new session opened, broker {} registered again", self_.node_id);
  } else {
    auto renewed = etcd_.keep_alive(lease_);
    if (!renewed) {
      // Leadership is not extended: it runs out on its own (fencing).
      count_etcd_error(renewed.error(), "renewing the session");
      if (was_leader_ && !leading()) step_down("its session could not be renewed in time");
      return;
    }
    if (!*renewed) {
      stats_.session_expiries.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("cluster: etcd let this broker's session expire; registering again");
      lease_ = 0;
      step_down("its session expired");
      return;
    }
    renewed_at_ns_ = sent;
  }
  bool clean = true;
  auto failed = [&](const Error& error, std::string_view what) {
    count_etcd_error(error, what);
    clean = false;
  };
  bool group_read = true;
  if (auto group = refresh_group(renewed_at_ns_); !group) {
    failed(group.error(), "reading the group");
    group_read = false;
  }
  if (auto brokers = refresh_brokers(); !brokers) failed(brokers.error(), "reading the brokers");
  // Published before the topic work, so that a new leader's Metadata names it at once.
  publish(next_view_);
  if (leading()) {
    if (auto served = serve_topic_requests(); !served) failed(served.error(), "creating requested topics");
    if (auto published = publish_topics(); !published) failed(published.error(), "publishing the topics");
  } else {
    if (auto sent = send_topic_requests(); !sent) failed(sent.error(), "passing topic requests to the leader");
    adopt_topics();
  }
  // Only from a fresh read of the group: a stale set must not drop anyone from acks=all.
  if (group_read)
    if (auto updated = update_in_sync_set(); !updated) failed(updated.error(), "updating the in-sync set");
  publish(next_view_);
  if (clean) last_error_.clear();  // the next error is logged again
}

Status GroupMember::refresh_group(int64_t renewed_at_ns, bool may_campaign) {
  const std::string leader_key = keys_.leader(config_.group);
  const std::string epoch_key = keys_.epoch(config_.group);
  const std::string isr_key = keys_.isr(config_.group);
  // One transaction without conditions: a consistent read of the three keys.
  const std::string topics_key = keys_.topics(config_.group);
  Txn read;
  read.success = {TxnOp::get(leader_key), TxnOp::get(epoch_key), TxnOp::get(isr_key), TxnOp::get(topics_key)};
  auto state = etcd_.txn(read);
  if (!state) return std::unexpected(state.error());
  std::optional<GroupLeader> leader;
  int32_t epoch = -1;
  int64_t epoch_revision = 0;
  std::optional<InSyncSet> isr;
  int64_t isr_revision = 0;
  leader_value_.clear();
  topics_value_.clear();
  std::optional<std::vector<PublishedTopic>> topics = std::vector<PublishedTopic>{};  // none published
  for (const KeyValue& kv : state->found) {
    if (kv.key == leader_key) {
      auto decoded = decode_leader(kv.value);
      if (!decoded) return std::unexpected(decoded.error());
      leader = *decoded;
      leader_value_ = kv.value;
    } else if (kv.key == topics_key) {
      // Only Metadata on followers reads these: a bad value is logged, not fatal.
      topics_value_ = kv.value;
      if (auto decoded = decode_topics(kv.value))
        topics = std::move(*decoded);
      else {
        spdlog::warn("cluster: {}: {} (keeping the topics read before)", topics_key, decoded.error().message);
        topics.reset();
      }
    } else if (kv.key == epoch_key) {
      auto decoded = decode_epoch(kv.value);
      if (!decoded) return std::unexpected(decoded.error());
      epoch = *decoded;
      epoch_revision = kv.mod_revision;
    } else if (kv.key == isr_key) {
      auto decoded = decode_isr(kv.value);
      if (!decoded) return std::unexpected(decoded.error());
      isr = std::move(*decoded);
      isr_revision = kv.mod_revision;
    }
  }
  isr_revision_ = isr_revision;
  if (!leader && may_campaign) {
    const bool in_sync = !isr || isr->members.empty() || isr->contains(self_.node_id);
    if (in_sync || config_.unclean_leader_election) {
      auto won = campaign(epoch, epoch_revision, isr, isr_revision);
      if (!won) return std::unexpected(won.error());
      // Read again: the keys changed whether this broker won or another did.
      return refresh_group(renewed_at_ns, false);
    }
  }
  // The epoch first: a request that sees this broker leading must see the epoch it leads in.
  epoch_.store(leader ? leader->epoch : epoch, std::memory_order_release);
  if (leader && leader->node_id == self_.node_id && leader->lease == lease_) {
    lead(*leader, renewed_at_ns);
  } else if (was_leader_) {
    step_down(leader ? "broker " + std::to_string(leader->node_id) + " leads the group now"
                     : std::string("the group's leader key is gone"));
  }
  const std::optional<int32_t> leader_id = leader ? std::optional(leader->node_id) : std::nullopt;
  if (leader_id != last_leader_) {
    stats_.leader_changes.fetch_add(1, std::memory_order_relaxed);
    if (leader)
      spdlog::info("cluster: group {} is led by broker {} in epoch {}", config_.group, leader->node_id, leader->epoch);
    else
      spdlog::warn("cluster: group {} has no leader{}", config_.group,
                   isr && !isr->contains(self_.node_id) && !config_.unclean_leader_election
                       ? " (this broker is not in the in-sync set " + members_text(isr->members) +
                             " and cluster.unclean_leader_election is off)"
                       : "");
    last_leader_ = leader_id;
  }
  next_view_.read_at_ns = renewed_at_ns;
  next_view_.leader = leader;
  next_view_.epoch = leader ? leader->epoch : epoch;
  next_view_.isr = isr.value_or(InSyncSet{});
  if (topics) next_view_.topics = std::move(*topics);
  return {};
}

Status GroupMember::campaign(int32_t last_epoch, int64_t epoch_revision, const std::optional<InSyncSet>& isr,
                             int64_t isr_revision) {
  // Epoch 0 is a standalone broker's (what its records and its consumers know): the first
  // election of a group makes epoch 1.
  const GroupLeader mine{self_.node_id, std::max(last_epoch, 0) + 1, lease_};
  // Without replication yet, this broker is the only one that holds what it acknowledges.
  const InSyncSet new_isr{mine.epoch, {self_.node_id}};
  Txn txn;
  txn.compare = {Compare::absent(keys_.leader(config_.group)),
                 Compare::mod_revision_is(keys_.epoch(config_.group), epoch_revision),
                 Compare::mod_revision_is(keys_.isr(config_.group), isr_revision)};
  txn.success = {TxnOp::put(keys_.leader(config_.group), encode(mine), lease_),
                 TxnOp::put(keys_.epoch(config_.group), std::to_string(mine.epoch)),
                 TxnOp::put(keys_.isr(config_.group), encode(new_isr))};
  auto result = etcd_.txn(txn);
  if (!result) return std::unexpected(result.error());
  if (result->succeeded && isr && !isr->members.empty() && !isr->contains(self_.node_id))
    spdlog::warn(
        "cluster: broker {} won an unclean election in group {} (epoch {}): it was not in the in-sync set {}, so "
        "records the previous leader acknowledged may be missing here",
        self_.node_id, config_.group, mine.epoch, members_text(isr->members));
  return {};
}

void GroupMember::lead(const GroupLeader& leader, int64_t renewed_at_ns) {
  // Leadership that ran out before this renewal (etcd unreachable for a while, nobody else
  // elected meanwhile) was a loss all the same: requests were refused in between.
  const int64_t until = leading_until_ns_.load(std::memory_order_acquire);
  if (was_leader_ && until != 0 && until < now_ns()) {
    stats_.leadership_losses.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("cluster: broker {} was fenced for {} ms (no renewal in time) and leads group {} again in epoch {}",
                 self_.node_id, (now_ns() - until) / 1'000'000, config_.group, leader.epoch);
  }
  leading_until_ns_.store(renewed_at_ns + fence_after_ns_, std::memory_order_release);
  if (!was_leader_) {
    was_leader_ = true;
    stats_.elections_won.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("cluster: broker {} leads group {} in epoch {}", self_.node_id, config_.group, leader.epoch);
  }
}

void GroupMember::step_down(std::string_view why) {
  leading_until_ns_.store(0, std::memory_order_release);
  if (!was_leader_) return;
  was_leader_ = false;
  stats_.leadership_losses.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("cluster: broker {} no longer leads group {}: {}", self_.node_id, config_.group, why);
}

void GroupMember::set_topic_hooks(TopicHooks hooks) {
  std::lock_guard lock(hooks_mutex_);
  topic_hooks_ = std::move(hooks);
}

void GroupMember::request_topic(std::string topic) {
  std::lock_guard lock(requests_mutex_);
  if (topic_requests_.size() < 1000 && std::ranges::find(topic_requests_, topic) == topic_requests_.end())
    topic_requests_.push_back(std::move(topic));
}

Status GroupMember::send_topic_requests() {
  std::vector<std::string> requests;
  {
    std::lock_guard lock(requests_mutex_);
    const size_t n = std::min(topic_requests_.size(), kRequestsPerTick);
    requests.assign(topic_requests_.begin(), topic_requests_.begin() + static_cast<std::ptrdiff_t>(n));
    topic_requests_.erase(topic_requests_.begin(), topic_requests_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  const std::string prefix = keys_.topic_requests_prefix(config_.group);
  for (const std::string& topic : requests)
    if (auto put = etcd_.put(prefix + topic, std::to_string(self_.node_id), lease_); !put)
      return put;  // the client asks again, and so does this broker
  return {};
}

Status GroupMember::serve_topic_requests() {
  const std::string prefix = keys_.topic_requests_prefix(config_.group);
  auto requests = etcd_.get_prefix(prefix);
  if (!requests) return std::unexpected(requests.error());
  for (size_t i = 0; i < requests->size() && i < kRequestsPerTick; ++i) {
    const KeyValue& kv = (*requests)[i];
    const std::string topic = kv.key.substr(prefix.size());
    {
      std::lock_guard lock(hooks_mutex_);
      if (!topic_hooks_.create) return {};
      topic_hooks_.create(topic);
    }
    if (auto removed = etcd_.remove(kv.key); !removed) return std::unexpected(removed.error());
  }
  return {};
}

void GroupMember::adopt_topics() {
  if (topics_value_.empty() || topics_value_ == adopted_topics_value_) return;
  std::lock_guard lock(hooks_mutex_);
  if (!topic_hooks_.adopt) return;
  topic_hooks_.adopt(next_view_.topics);
  adopted_topics_value_ = topics_value_;
}

void GroupMember::set_in_sync_hooks(InSyncHooks hooks) {
  std::lock_guard lock(hooks_mutex_);
  in_sync_hooks_ = std::move(hooks);
}

Status GroupMember::update_in_sync_set() {
  // Held throughout, so that no hook runs once set_in_sync_hooks({}) returned.
  std::lock_guard lock(hooks_mutex_);
  const InSyncHooks& hooks = in_sync_hooks_;
  if (!hooks.propose) return {};
  const bool leads = leading() && !leader_value_.empty();
  auto proposed = hooks.propose(leads, next_view_.isr);
  std::vector<int32_t> current = next_view_.isr.members;
  std::ranges::sort(current);
  if (proposed) std::ranges::sort(*proposed);
  if (!leads || !proposed || *proposed == current) {
    if (leads && hooks.held) hooks.held(current);
    return {};
  }
  const InSyncSet next{epoch_.load(std::memory_order_acquire), *proposed};
  Txn txn;
  txn.compare = {Compare::value_is(keys_.leader(config_.group), leader_value_),
                 Compare::mod_revision_is(keys_.isr(config_.group), isr_revision_)};
  txn.success = {TxnOp::put(keys_.isr(config_.group), encode(next))};
  auto result = etcd_.txn(txn);
  if (!result) return std::unexpected(result.error());
  if (!result->succeeded) return {};  // changed meanwhile: the next tick reads it again
  spdlog::info("cluster: in-sync set of {} is now {} (was {})", config_.group, members_text(next.members),
               members_text(current));
  isr_revision_ = result->revision;
  next_view_.isr = next;
  if (hooks.held) hooks.held(next.members);
  return {};
}

Status GroupMember::publish_topics() {
  std::vector<PublishedTopic> topics;
  {
    std::lock_guard lock(hooks_mutex_);
    if (!topic_hooks_.list) return {};
    topics = topic_hooks_.list();
  }
  std::string value = encode(topics);
  if (value == topics_value_ || leader_value_.empty()) return {};
  Txn txn;
  txn.compare = {Compare::value_is(keys_.leader(config_.group), leader_value_)};
  txn.success = {TxnOp::put(keys_.topics(config_.group), value)};
  auto result = etcd_.txn(txn);
  if (!result) return std::unexpected(result.error());
  if (result->succeeded) {
    topics_value_ = std::move(value);
    next_view_.topics = std::move(topics);
  }
  return {};
}

Status GroupMember::refresh_brokers() {
  auto found = etcd_.get_prefix(keys_.brokers_prefix());
  if (!found) return std::unexpected(found.error());
  std::vector<BrokerRegistration> brokers;
  for (const KeyValue& kv : *found) {
    auto broker = decode_broker(kv.value);
    if (!broker) {
      spdlog::warn("cluster: skipping {}: {}", kv.key, broker.error().message);
      continue;
    }
    brokers.push_back(std::move(*broker));
  }
  std::ranges::sort(brokers, {}, &BrokerRegistration::node_id);
  next_view_.group_members.clear();
  for (const BrokerRegistration& b : brokers)
    if (b.group == config_.group) next_view_.group_members.push_back(b.node_id);
  next_view_.brokers = std::move(brokers);
  return {};
}

}  // namespace ringmq::cluster
