#include "cluster/etcd_client.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/split_list.h"

namespace ringmq::cluster {

namespace {

using nlohmann::json;

std::string b64(std::string_view bytes) { return base64_encode(bytes); }

Result<std::string> unb64(const json& text) {
  if (!text.is_string()) return std::string();
  auto bytes = base64_decode(text.get<std::string>());
  if (!bytes) return std::unexpected(bytes.error());
  return std::string(bytes->begin(), bytes->end());
}

// The gateway writes int64 fields as decimal strings and leaves out zeros.
int64_t number(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return 0;
  const std::string& text = it->get_ref<const std::string&>();
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

Result<KeyValue> key_value_of(const json& kv) {
  KeyValue out;
  auto key = unb64(kv.value("key", json()));
  auto value = unb64(kv.value("value", json()));
  if (!key || !value) return make_error(ErrorCode::kCorrupt, "etcd answered a key or value that is not base64");
  out.key = std::move(*key);
  out.value = std::move(*value);
  out.create_revision = number(kv, "create_revision");
  out.mod_revision = number(kv, "mod_revision");
  out.version = number(kv, "version");
  out.lease = number(kv, "lease");
  return out;
}

Result<std::vector<KeyValue>> key_values_of(const json& range_response) {
  std::vector<KeyValue> out;
  auto kvs = range_response.find("kvs");
  if (kvs == range_response.end() || !kvs->is_array()) return out;
  for (const json& kv : *kvs) {
    auto one = key_value_of(kv);
    if (!one) return std::unexpected(one.error());
    out.push_back(std::move(*one));
  }
  return out;
}

json op_json(const TxnOp& op) {
  switch (op.kind) {
    case TxnOp::Kind::kPut: {
      json put = {{"key", b64(op.key)}, {"value", b64(op.value)}};
      if (op.lease != 0) put["lease"] = std::to_string(op.lease);
      return {{"request_put", put}};
    }
    case TxnOp::Kind::kDelete:
      return {{"request_delete_range", {{"key", b64(op.key)}}}};
    case TxnOp::Kind::kGet:
      return {{"request_range", {{"key", b64(op.key)}}}};
  }
  return {};
}

json compare_json(const Compare& c) {
  json out = {{"key", b64(c.key)}, {"result", "EQUAL"}};
  switch (c.target) {
    case Compare::Target::kCreateRevision:
      out["target"] = "CREATE";
      out["create_revision"] = std::to_string(c.revision);
      break;
    case Compare::Target::kModRevision:
      out["target"] = "MOD";
      out["mod_revision"] = std::to_string(c.revision);
      break;
    case Compare::Target::kValue:
      out["target"] = "VALUE";
      out["value"] = b64(c.value);
      break;
  }
  return out;
}

Result<json> parse(const std::string& body, std::string_view what) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object())
    return make_error(ErrorCode::kCorrupt, std::string(what) + ": etcd answered something that is not JSON");
  return parsed;
}

}  // namespace

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

Result<EtcdClient> EtcdClient::create(const std::vector<std::string>& endpoints, std::chrono::milliseconds timeout) {
  if (endpoints.empty()) return make_error(ErrorCode::kInvalidArgument, "no etcd endpoint given");
  std::vector<HttpClient> clients;
  for (const std::string& url : endpoints) {
    auto endpoint = parse_http_endpoint(url);
    if (!endpoint) return std::unexpected(endpoint.error());
    clients.emplace_back(std::move(*endpoint));
  }
  return EtcdClient(std::move(clients), timeout);
}

Result<std::string> EtcdClient::call(std::string_view path, const std::string& body) {
  Error last;
  for (size_t tried = 0; tried < clients_.size(); ++tried) {
    const size_t index = (current_ + tried) % clients_.size();
    auto answer = clients_[index].post(path, body, timeout_);
    if (!answer) {
      last = answer.error();
      continue;
    }
    current_ = index;
    if (answer->status == 200) return std::move(answer->body);
    // gRPC errors come back as {"error": "...", "message": "...", "code": N}.
    json parsed = json::parse(answer->body, nullptr, false);
    std::string message =
        parsed.is_object() ? parsed.value("message", parsed.value("error", std::string())) : std::string();
    if (message.empty()) message = answer->body.substr(0, 200);
    // A member without quorum or a leader answers with an error another member may not have.
    last = Error{ErrorCode::kIo, "etcd " + clients_[index].endpoint().to_string() + " " + std::string(path) +
                                     ": HTTP " + std::to_string(answer->status) + ": " + message};
  }
  return std::unexpected(last);
}

Result<std::optional<KeyValue>> EtcdClient::get(std::string_view key) {
  auto body = call("/v3/kv/range", json({{"key", b64(key)}}).dump());
  if (!body) return std::unexpected(body.error());
  auto parsed = parse(*body, "range");
  if (!parsed) return std::unexpected(parsed.error());
  auto found = key_values_of(*parsed);
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(std::move(found->front()));
}

Result<std::vector<KeyValue>> EtcdClient::get_prefix(std::string_view prefix) {
  auto body = call("/v3/kv/range", json({{"key", b64(prefix)}, {"range_end", b64(prefix_end(prefix))}}).dump());
  if (!body) return std::unexpected(body.error());
  auto parsed = parse(*body, "range");
  if (!parsed) return std::unexpected(parsed.error());
  return key_values_of(*parsed);
}

Status EtcdClient::put(std::string_view key, std::string_view value, int64_t lease) {
  json request = {{"key", b64(key)}, {"value", b64(value)}};
  if (lease != 0) request["lease"] = std::to_string(lease);
  auto body = call("/v3/kv/put", request.dump());
  if (!body) return std::unexpected(body.error());
  return {};
}

Result<bool> EtcdClient::remove(std::string_view key) {
  auto body = call("/v3/kv/deleterange", json({{"key", b64(key)}}).dump());
  if (!body) return std::unexpected(body.error());
  auto parsed = parse(*body, "deleterange");
  if (!parsed) return std::unexpected(parsed.error());
  return number(*parsed, "deleted") > 0;
}

Result<TxnResult> EtcdClient::txn(const Txn& txn) {
  json request = {{"compare", json::array()}, {"success", json::array()}, {"failure", json::array()}};
  for (const Compare& c : txn.compare) request["compare"].push_back(compare_json(c));
  for (const TxnOp& op : txn.success) request["success"].push_back(op_json(op));
  for (const TxnOp& op : txn.failure) request["failure"].push_back(op_json(op));
  auto body = call("/v3/kv/txn", request.dump());
  if (!body) return std::unexpected(body.error());
  auto parsed = parse(*body, "txn");
  if (!parsed) return std::unexpected(parsed.error());
  TxnResult result;
  result.succeeded = parsed->value("succeeded", false);
  if (auto header = parsed->find("header"); header != parsed->end()) result.revision = number(*header, "revision");
  if (auto responses = parsed->find("responses"); responses != parsed->end() && responses->is_array()) {
    for (const json& r : *responses) {
      auto range = r.find("response_range");
      if (range == r.end()) continue;
      auto found = key_values_of(*range);
      if (!found) return std::unexpected(found.error());
      for (KeyValue& kv : *found) result.found.push_back(std::move(kv));
    }
  }
  return result;
}

Result<Lease> EtcdClient::grant_lease(int64_t ttl_s) {
  auto body = call("/v3/lease/grant", json({{"TTL", std::to_string(ttl_s)}}).dump());
  if (!body) return std::unexpected(body.error());
  auto parsed = parse(*body, "lease grant");
  if (!parsed) return std::unexpected(parsed.error());
  Lease lease{number(*parsed, "ID"), number(*parsed, "TTL")};
  if (lease.id == 0 || lease.ttl_s <= 0)
    return make_error(ErrorCode::kIo, "etcd granted no lease: " + parsed->value("error", std::string("no ID")));
  return lease;
}

Result<std::optional<int64_t>> EtcdClient::keep_alive(int64_t lease) {
  // A stream in gRPC; through the gateway one request gives one {"result": ...} line.
  auto body = call("/v3/lease/keepalive", json({{"ID", std::to_string(lease)}}).dump());
  if (!body) return std::unexpected(body.error());
  const size_t newline = body->find('\n');
  auto parsed = parse(body->substr(0, newline), "lease keepalive");
  if (!parsed) return std::unexpected(parsed.error());
  auto result = parsed->find("result");
  if (result == parsed->end()) {
    const std::string message = parsed->contains("error") ? parsed->at("error").dump() : body->substr(0, 200);
    return make_error(ErrorCode::kIo, "lease keepalive: " + message);
  }
  const int64_t ttl = number(*result, "TTL");
  if (ttl <= 0) return std::optional<int64_t>();
  return std::optional<int64_t>(ttl);
}

Status EtcdClient::revoke_lease(int64_t lease) {
  auto body = call("/v3/lease/revoke", json({{"ID", std::to_string(lease)}}).dump());
  if (!body) return std::unexpected(body.error());
  return {};
}

std::vector<std::string> split_endpoints(std::string_view text) {
  const auto items = split_list(text, ',');
  return {items.begin(), items.end()};
}

}  // namespace ringmq::cluster
