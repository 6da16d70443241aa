#include "cluster/cluster_keys.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace ringmq::cluster {

namespace {

using nlohmann::json;

Result<json> parse_object(std::string_view text, std::string_view what) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    return make_error(ErrorCode::kCorrupt, std::string(what) + " is not a JSON object: " + std::string(text));
  return parsed;
}

// Reads field `name` as T; kCorrupt when it is missing or of another type.
template <typename T>
Result<T> field(const json& object, const char* name, std::string_view what) {
  auto it = object.find(name);
  if (it == object.end()) return make_error(ErrorCode::kCorrupt, std::string(what) + " has no " + name);
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return make_error(ErrorCode::kCorrupt, std::string(what) + ": " + name + " has the wrong type");
  }
}

}  // namespace

bool InSyncSet::contains(int32_t node_id) const { return std::ranges::find(members, node_id) != members.end(); }

ClusterKeys::ClusterKeys(std::string_view cluster_name) : root_("/ringmq/" + std::string(cluster_name) + "/") {}

std::string encode(const BrokerRegistration& b) {
  return json({{"node_id", b.node_id},
               {"group", b.group},
               {"host", b.host},
               {"port", b.port},
               {"replication_port", b.replication_port},
               {"started_ms", b.started_ms}})
      .dump();
}

std::string encode(const GroupLeader& l) {
  // The lease as a string: JSON readers in other languages lose precision above 2^53.
  return json({{"node_id", l.node_id}, {"epoch", l.epoch}, {"lease", std::to_string(l.lease)}}).dump();
}

std::string encode(const InSyncSet& isr) { return json({{"epoch", isr.epoch}, {"members", isr.members}}).dump(); }

std::string encode(const std::vector<PublishedTopic>& topics) {
  json out = json::array();
  for (const PublishedTopic& t : topics) {
    // The id in hex: 32 characters, readable with etcdctl.
    std::string id;
    for (uint8_t b : t.id) {
      id += "0123456789abcdef"[b >> 4];
      id += "0123456789abcdef"[b & 15];
    }
    out.push_back(
        {{"name", t.name}, {"id", id}, {"partitions", t.partitions}, {"queues", t.queue_ids}, {"configs", t.configs}});
  }
  return out.dump();
}

Result<BrokerRegistration> decode_broker(std::string_view text) {
  auto parsed = parse_object(text, "broker registration");
  if (!parsed) return std::unexpected(parsed.error());
  BrokerRegistration b;
  auto node = field<int32_t>(*parsed, "node_id", "broker registration");
  auto group = field<std::string>(*parsed, "group", "broker registration");
  auto host = field<std::string>(*parsed, "host", "broker registration");
  auto port = field<uint16_t>(*parsed, "port", "broker registration");
  if (!node) return std::unexpected(node.error());
  if (!group) return std::unexpected(group.error());
  if (!host) return std::unexpected(host.error());
  if (!port) return std::unexpected(port.error());
  b.node_id = *node;
  b.group = std::move(*group);
  b.host = std::move(*host);
  b.port = *port;
  b.replication_port = parsed->value("replication_port", uint16_t{0});
  b.started_ms = parsed->value("started_ms", int64_t{0});
  return b;
}

Result<GroupLeader> decode_leader(std::string_view text) {
  auto parsed = parse_object(text, "group leader");
  if (!parsed) return std::unexpected(parsed.error());
  auto node = field<int32_t>(*parsed, "node_id", "group leader");
  auto epoch = field<int32_t>(*parsed, "epoch", "group leader");
  auto lease = field<std::string>(*parsed, "lease", "group leader");
  if (!node) return std::unexpected(node.error());
  if (!epoch) return std::unexpected(epoch.error());
  if (!lease) return std::unexpected(lease.error());
  GroupLeader l{*node, *epoch, 0};
  const char* end = lease->data() + lease->size();
  if (auto [stop, ec] = std::from_chars(lease->data(), end, l.lease); ec != std::errc{} || stop != end)
    return make_error(ErrorCode::kCorrupt, "group leader: lease '" + *lease + "' is not a number");
  return l;
}

Result<InSyncSet> decode_isr(std::string_view text) {
  auto parsed = parse_object(text, "in-sync set");
  if (!parsed) return std::unexpected(parsed.error());
  auto epoch = field<int32_t>(*parsed, "epoch", "in-sync set");
  auto members = field<std::vector<int32_t>>(*parsed, "members", "in-sync set");
  if (!epoch) return std::unexpected(epoch.error());
  if (!members) return std::unexpected(members.error());
  return InSyncSet{*epoch, std::move(*members)};
}

Result<int32_t> decode_epoch(std::string_view text) {
  int32_t epoch = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), epoch);
  if (ec != std::errc{} || end != text.data() + text.size() || epoch < 0)
    return make_error(ErrorCode::kCorrupt, "group epoch '" + std::string(text) + "' is not a number");
  return epoch;
}

Result<std::vector<PublishedTopic>> decode_topics(std::string_view text) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array())
    return make_error(ErrorCode::kCorrupt, "published topics are not a JSON array: " + std::string(text));
  std::vector<PublishedTopic> topics;
  for (const json& entry : parsed) {
    if (!entry.is_object()) return make_error(ErrorCode::kCorrupt, "a published topic is not a JSON object");
    auto name = field<std::string>(entry, "name", "published topic");
    auto id = field<std::string>(entry, "id", "published topic");
    auto partitions = field<int32_t>(entry, "partitions", "published topic");
    if (!name) return std::unexpected(name.error());
    if (!id) return std::unexpected(id.error());
    if (!partitions) return std::unexpected(partitions.error());
    PublishedTopic t{std::move(*name), {}, *partitions, {}, {}};
    const auto queues = entry.find("queues");
    const auto configs = entry.find("configs");
    try {
      if (queues != entry.end()) t.queue_ids = queues->get<std::vector<uint32_t>>();
      if (configs != entry.end()) t.configs = configs->get<std::map<std::string, std::string>>();
    } catch (const json::exception&) {
      return make_error(ErrorCode::kCorrupt, "published topic " + t.name + ": bad queues or configs");
    }
    if (!t.queue_ids.empty() && t.queue_ids.size() != static_cast<size_t>(*partitions))
      return make_error(ErrorCode::kCorrupt, "published topic " + t.name + ": queues do not match its partitions");
    if (id->size() != 32 || *partitions < 0)
      return make_error(ErrorCode::kCorrupt, "published topic " + t.name + ": bad id or partition count");
    for (size_t i = 0; i < 16; ++i) {
      const char* pair = id->data() + 2 * i;
      if (auto [end, ec] = std::from_chars(pair, pair + 2, t.id[i], 16); ec != std::errc{} || end != pair + 2)
        return make_error(ErrorCode::kCorrupt, "published topic " + t.name + ": id '" + *id + "' is not hex");
    }
    topics.push_back(std::move(t));
  }
  return topics;
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

}  // namespace ringmq::cluster
