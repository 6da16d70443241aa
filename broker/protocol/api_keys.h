// The Kafka APIs this broker speaks, the versions it advertises in ApiVersions, and the
// per-version rules that follow from them: which versions are flexible (KIP-482: compact
// strings and arrays, tagged fields) and which request / response header each uses.
//
// Header versions (RequestHeader.json, ResponseHeader.json):
//   request header v1  api_key, api_version, correlation_id, client_id      non-flexible APIs
//   request header v2  v1 + TAG_BUFFER                                       flexible versions
//   response header v0 correlation_id                                        non-flexible, and
//                                                                            ApiVersions always
//   response header v1 correlation_id + TAG_BUFFER                           flexible versions
// ApiVersions responses keep header v0 even in flexible versions so that a client that does
// not yet know the broker can always read the correlation id and the error code.
#pragma once

#include <cstdint>
#include <span>

namespace ringmq::broker::protocol {

enum class ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kSaslHandshake = 17,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kDeleteRecords = 21,
  kInitProducerId = 22,
  kOffsetForLeaderEpoch = 23,
  kDescribeAcls = 29,
  kCreateAcls = 30,
  kDeleteAcls = 31,
  kDescribeConfigs = 32,
  kAlterConfigs = 33,
  kDescribeLogDirs = 35,
  kSaslAuthenticate = 36,
  kCreatePartitions = 37,
  kDeleteGroups = 42,
  kIncrementalAlterConfigs = 44,
  kOffsetDelete = 47,
  kDescribeUserScramCredentials = 50,
  kAlterUserScramCredentials = 51,
  kDescribeCluster = 60,
};

// first_flexible_version of an API whose schema says "flexibleVersions": "none".
inline constexpr int16_t kNeverFlexible = INT16_MAX;

// One row of the ApiVersions answer, plus the first flexible version of the API.
struct ApiSupport {
  ApiKey key;
  int16_t min_version;
  int16_t max_version;
  int16_t first_flexible_version;
  const char* name;
};

// Every API the broker speaks, ordered by key.
std::span<const ApiSupport> supported_apis();
// The row for `api_key`, or nullptr for an API the broker does not speak.
const ApiSupport* find_api(int16_t api_key);
bool is_supported(int16_t api_key, int16_t version);
// Whether `version` of `key` is flexible. Versions past the advertised range count as
// flexible too (every API Kafka added since KIP-482 is), which is what decides the request
// header of a version the broker does not speak (ApiVersions v4 from a newer client). The one
// exception is SaslHandshake, which Kafka keeps non-flexible (kNeverFlexible).
bool is_flexible(ApiKey key, int16_t version);
int16_t request_header_version(ApiKey key, int16_t version);
int16_t response_header_version(ApiKey key, int16_t version);
// "Produce", or "Unknown" for a key the broker does not speak.
const char* api_name(int16_t api_key);

}  // namespace ringmq::broker::protocol
