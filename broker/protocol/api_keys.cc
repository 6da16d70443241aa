#include "broker/protocol/api_keys.h"

#include <array>

namespace ringmq::broker::protocol {
namespace {

// Advertised ranges. Lower bounds: Produce starts at v3 and Fetch at v4 because older versions
// carry message format v0/v1, which the broker neither stores nor converts (librdkafka enables
// RecordBatch v2 only when Produce v3+ and Fetch v4+ are offered). Upper bounds: the newest
// version whose every field is implemented and tested here, and never one that addresses
// topics by id only (Fetch 13+). They cover what librdkafka 2.0.2 and KafkaJS 2.2.4 ask for.
// Flexible thresholds are the "flexibleVersions" of each message's JSON schema.
constexpr std::array<ApiSupport, 34> kApis = {{
    {ApiKey::kProduce, 3, 9, 9, "Produce"},
    {ApiKey::kFetch, 4, 12, 12, "Fetch"},
    {ApiKey::kListOffsets, 0, 7, 6, "ListOffsets"},
    {ApiKey::kMetadata, 0, 12, 9, "Metadata"},
    {ApiKey::kOffsetCommit, 0, 8, 8, "OffsetCommit"},
    {ApiKey::kOffsetFetch, 0, 8, 6, "OffsetFetch"},
    {ApiKey::kFindCoordinator, 0, 4, 3, "FindCoordinator"},
    {ApiKey::kJoinGroup, 0, 9, 6, "JoinGroup"},
    {ApiKey::kHeartbeat, 0, 4, 4, "Heartbeat"},
    {ApiKey::kLeaveGroup, 0, 5, 4, "LeaveGroup"},
    {ApiKey::kSyncGroup, 0, 5, 4, "SyncGroup"},
    {ApiKey::kDescribeGroups, 0, 5, 5, "DescribeGroups"},
    {ApiKey::kListGroups, 0, 5, 3, "ListGroups"},
    // SaslHandshake v0 is advertised because librdkafka will not authenticate without it, but
    // the handler refuses a v0 handshake (after one a client sends bare SASL tokens, not Kafka
    // requests); clients that know SaslAuthenticate use v1. Never flexible (KAFKA-9577).
    {ApiKey::kSaslHandshake, 0, 1, kNeverFlexible, "SaslHandshake"},
    {ApiKey::kApiVersions, 0, 3, 3, "ApiVersions"},
    {ApiKey::kCreateTopics, 0, 7, 5, "CreateTopics"},
    {ApiKey::kDeleteTopics, 0, 6, 4, "DeleteTopics"},
    {ApiKey::kDeleteRecords, 0, 2, 2, "DeleteRecords"},
    {ApiKey::kInitProducerId, 0, 4, 2, "InitProducerId"},
    {ApiKey::kOffsetForLeaderEpoch, 0, 4, 4, "OffsetForLeaderEpoch"},
    {ApiKey::kDescribeAcls, 0, 3, 2, "DescribeAcls"},
    {ApiKey::kCreateAcls, 0, 3, 2, "CreateAcls"},
    {ApiKey::kDeleteAcls, 0, 3, 2, "DeleteAcls"},
    {ApiKey::kDescribeConfigs, 0, 4, 4, "DescribeConfigs"},
    {ApiKey::kAlterConfigs, 0, 2, 2, "AlterConfigs"},
    {ApiKey::kDescribeLogDirs, 0, 4, 2, "DescribeLogDirs"},
    {ApiKey::kSaslAuthenticate, 0, 2, 2, "SaslAuthenticate"},
    {ApiKey::kCreatePartitions, 0, 3, 2, "CreatePartitions"},
    {ApiKey::kDeleteGroups, 0, 2, 2, "DeleteGroups"},
    {ApiKey::kIncrementalAlterConfigs, 0, 1, 1, "IncrementalAlterConfigs"},
    // OffsetDelete v1 (flexible, KIP-1313) is left out until a client sends it.
    {ApiKey::kOffsetDelete, 0, 0, 1, "OffsetDelete"},
    {ApiKey::kDescribeUserScramCredentials, 0, 0, 0, "DescribeUserScramCredentials"},
    {ApiKey::kAlterUserScramCredentials, 0, 0, 0, "AlterUserScramCredentials"},
    {ApiKey::kDescribeCluster, 0, 1, 0, "DescribeCluster"},
}};

}  // namespace

std::span<const ApiSupport> supported_apis() { return kApis; }

const ApiSupport* find_api(int16_t api_key) {
  for (const ApiSupport& api : kApis) {
    if (static_cast<int16_t>(api.key) == api_key) return &api;
  }
  return nullptr;
}

bool is_supported(int16_t api_key, int16_t version) {
  const ApiSupport* api = find_api(api_key);
  return api != nullptr && version >= api->min_version && version <= api->max_version;
}

bool is_flexible(ApiKey key, int16_t version) {
  const ApiSupport* api = find_api(static_cast<int16_t>(key));
  return api != nullptr && version >= api->first_flexible_version;
}

int16_t request_header_version(ApiKey key, int16_t version) { return is_flexible(key, version) ? 2 : 1; }

int16_t response_header_version(ApiKey key, int16_t version) {
  if (key == ApiKey::kApiVersions) return 0;
  return is_flexible(key, version) ? 1 : 0;
}

const char* api_name(int16_t api_key) {
  const ApiSupport* api = find_api(api_key);
  return api ? api->name : "Unknown";
}

}  // namespace ringmq::broker::protocol
