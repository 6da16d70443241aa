// DescribeUserScramCredentials (key 50, v0) and AlterUserScramCredentials (key 51, v0): the
// admin calls that list and change users' SCRAM credentials (KIP-554). Both are flexible in
// every version (request header v2, response header v1). Layouts (the JSON schemas):
//   Describe request   users NULLABLE ARRAY of [name STRING] (null or empty: every user)
//   Describe response  throttle_time_ms int32, error_code int16, error_message NULLABLE_STRING,
//                      results ARRAY of [user STRING, error_code int16,
//                        error_message NULLABLE_STRING,
//                        credential_infos ARRAY of [mechanism int8, iterations int32]]
//   Alter request      deletions ARRAY of [name STRING, mechanism int8],
//                      upsertions ARRAY of [name STRING, mechanism int8, iterations int32,
//                        salt BYTES, salted_password BYTES]
//   Alter response     throttle_time_ms int32,
//                      results ARRAY of [user STRING, error_code int16,
//                        error_message NULLABLE_STRING]
// The client salts and hashes the password itself (RFC 5802 Hi()); the broker never sees it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

// The mechanism byte of org.apache.kafka.clients.admin.ScramMechanism. A decoded request may
// carry any other value; the handler answers it with UNSUPPORTED_SASL_MECHANISM.
enum class ScramMechanism : int8_t {
  kUnknown = 0,
  kScramSha256 = 1,
  kScramSha512 = 2,
};

struct DescribeUserScramCredentialsRequest {
  bool all_users = true;  // users was null or empty: Kafka describes every user for both
  std::vector<std::string_view> users;
};

struct ScramCredentialInfo {
  ScramMechanism mechanism = ScramMechanism::kUnknown;
  int32_t iterations = 0;
};

struct DescribeUserScramCredentialsResult {
  std::string_view user;
  KafkaError error_code = KafkaError::kNone;  // RESOURCE_NOT_FOUND for a user with none
  std::optional<std::string_view> error_message;
  std::vector<ScramCredentialInfo> credential_infos;
};

struct DescribeUserScramCredentialsResponse {
  int32_t throttle_time_ms = 0;
  KafkaError error_code = KafkaError::kNone;  // for the whole request (authorization)
  std::optional<std::string_view> error_message;
  std::vector<DescribeUserScramCredentialsResult> results;
};

struct ScramCredentialDeletion {
  std::string_view name;
  ScramMechanism mechanism = ScramMechanism::kUnknown;
};

struct ScramCredentialUpsertion {
  std::string_view name;
  ScramMechanism mechanism = ScramMechanism::kUnknown;
  int32_t iterations = 0;
  std::span<const std::byte> salt;
  std::span<const std::byte> salted_password;  // Hi(password, salt, iterations)
};

struct AlterUserScramCredentialsRequest {
  std::vector<ScramCredentialDeletion> deletions;
  std::vector<ScramCredentialUpsertion> upsertions;
};

struct AlterUserScramCredentialsResult {
  std::string_view user;
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> error_message;
};

struct AlterUserScramCredentialsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<AlterUserScramCredentialsResult> results;  // one per user named in the request
};

Status decode_describe_user_scram_credentials_request(int16_t version, Reader& reader,
                                                      DescribeUserScramCredentialsRequest& out);
Status encode_describe_user_scram_credentials_response(int16_t version, int32_t correlation_id,
                                                       const DescribeUserScramCredentialsResponse& response,
                                                       Writer& writer);
Status decode_alter_user_scram_credentials_request(int16_t version, Reader& reader,
                                                   AlterUserScramCredentialsRequest& out);
Status encode_alter_user_scram_credentials_response(int16_t version, int32_t correlation_id,
                                                    const AlterUserScramCredentialsResponse& response, Writer& writer);

}  // namespace ringmq::broker::protocol
