#include "broker/protocol/scram_admin.h"

#include "broker/protocol/detail/message_codec.h"
#include "broker/protocol/field_codec.h"
#include "broker/protocol/response_frame.h"

namespace ringmq::broker::protocol {
namespace {

// Smallest encodings of an array element in the (always flexible) requests, so that a count
// the bytes cannot hold fails before anything is sized from it.
constexpr size_t kUserNameMinBytes = 2;   // empty COMPACT_STRING + TAG_BUFFER
constexpr size_t kDeletionMinBytes = 3;   // name, mechanism, TAG_BUFFER
constexpr size_t kUpsertionMinBytes = 9;  // name, mechanism, iterations, salt, password, TAG_BUFFER

ScramMechanism read_mechanism(FieldReader& f) { return static_cast<ScramMechanism>(f.int8()); }

}  // namespace

Status decode_describe_user_scram_credentials_request(int16_t version, Reader& reader,
                                                      DescribeUserScramCredentialsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kDescribeUserScramCredentials, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kDescribeUserScramCredentials, version));
  const int32_t users = f.nullable_array_length(kUserNameMinBytes);
  out.all_users = users <= 0;
  detail::resize_array(out.users, users);
  for (std::string_view& user : out.users) {
    user = f.string();
    f.tagged_fields();
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kDescribeUserScramCredentials, version, reader);
}

Status encode_describe_user_scram_credentials_response(int16_t version, int32_t correlation_id,
                                                       const DescribeUserScramCredentialsResponse& response,
                                                       Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kDescribeUserScramCredentials, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kDescribeUserScramCredentials, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kDescribeUserScramCredentials, version));
  f.int32(response.throttle_time_ms);
  f.int16(code_of(response.error_code));
  f.nullable_string(response.error_message);
  f.array_length(response.results.size());
  for (const DescribeUserScramCredentialsResult& r : response.results) {
    f.string(r.user);
    f.int16(code_of(r.error_code));
    f.nullable_string(r.error_message);
    f.array_length(r.credential_infos.size());
    for (const ScramCredentialInfo& info : r.credential_infos) {
      f.int8(static_cast<int8_t>(info.mechanism));
      f.int32(info.iterations);
      f.tagged_fields();
    }
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

Status decode_alter_user_scram_credentials_request(int16_t version, Reader& reader,
                                                   AlterUserScramCredentialsRequest& out) {
  if (auto ok = detail::check_version(ApiKey::kAlterUserScramCredentials, version, "request"); !ok) return ok;
  FieldReader f(reader, is_flexible(ApiKey::kAlterUserScramCredentials, version));
  detail::resize_array(out.deletions, f.array_length(kDeletionMinBytes));
  for (ScramCredentialDeletion& d : out.deletions) {
    d.name = f.string();
    d.mechanism = read_mechanism(f);
    f.tagged_fields();
  }
  detail::resize_array(out.upsertions, f.array_length(kUpsertionMinBytes));
  for (ScramCredentialUpsertion& u : out.upsertions) {
    u.name = f.string();
    u.mechanism = read_mechanism(f);
    u.iterations = f.int32();
    u.salt = f.bytes();
    u.salted_password = f.bytes();
    f.tagged_fields();
  }
  f.tagged_fields();
  return detail::finish_decode(ApiKey::kAlterUserScramCredentials, version, reader);
}

Status encode_alter_user_scram_credentials_response(int16_t version, int32_t correlation_id,
                                                    const AlterUserScramCredentialsResponse& response, Writer& writer) {
  if (auto ok = detail::check_version(ApiKey::kAlterUserScramCredentials, version, "response"); !ok) return ok;
  ResponseFrame frame(writer, ApiKey::kAlterUserScramCredentials, version, correlation_id);
  FieldWriter f(writer, is_flexible(ApiKey::kAlterUserScramCredentials, version));
  f.int32(response.throttle_time_ms);
  f.array_length(response.results.size());
  for (const AlterUserScramCredentialsResult& r : response.results) {
    f.string(r.user);
    f.int16(code_of(r.error_code));
    f.nullable_string(r.error_message);
    f.tagged_fields();
  }
  f.tagged_fields();
  return frame.finish();
}

}  // namespace ringmq::broker::protocol
