#include "broker/protocol/messages.h"

#include <string>

namespace ringmq::broker::protocol {
namespace {

// Decodes into the alternative T of `out`, reusing it if `out` already holds one.
template <typename T, typename DecodeFn>
Status decode_into(Request& out, const RequestHeader& header, DecodeFn decode) {
  T* target = std::get_if<T>(&out);
  if (target == nullptr) target = &out.emplace<T>();
  Reader reader(header.body);
  return decode(header.api_version, reader, *target);
}

}  // namespace

Status decode_request(const RequestHeader& header, Request& out) {
  if (!header.supported()) {
    const ApiSupport* api = find_api(header.api_key);
    if (api == nullptr) {
      return make_error(ErrorCode::kUnsupported, "API key " + std::to_string(header.api_key) + " is not supported");
    }
    return make_error(ErrorCode::kUnsupported, std::string(api->name) + " v" + std::to_string(header.api_version) +
                                                   " is not supported (broker speaks v" +
                                                   std::to_string(api->min_version) + "-" +
                                                   std::to_string(api->max_version) + ")");
  }
  switch (header.key()) {
    case ApiKey::kProduce:
      return decode_into<ProduceRequest>(out, header, decode_produce_request);
    case ApiKey::kFetch:
      return decode_into<FetchRequest>(out, header, decode_fetch_request);
    case ApiKey::kListOffsets:
      return decode_into<ListOffsetsRequest>(out, header, decode_list_offsets_request);
    case ApiKey::kMetadata:
      return decode_into<MetadataRequest>(out, header, decode_metadata_request);
    case ApiKey::kOffsetCommit:
      return decode_into<OffsetCommitRequest>(out, header, decode_offset_commit_request);
    case ApiKey::kOffsetFetch:
      return decode_into<OffsetFetchRequest>(out, header, decode_offset_fetch_request);
    case ApiKey::kFindCoordinator:
      return decode_into<FindCoordinatorRequest>(out, header, decode_find_coordinator_request);
    case ApiKey::kJoinGroup:
      return decode_into<JoinGroupRequest>(out, header, decode_join_group_request);
    case ApiKey::kHeartbeat:
      return decode_into<HeartbeatRequest>(out, header, decode_heartbeat_request);
    case ApiKey::kLeaveGroup:
      return decode_into<LeaveGroupRequest>(out, header, decode_leave_group_request);
    case ApiKey::kSyncGroup:
      return decode_into<SyncGroupRequest>(out, header, decode_sync_group_request);
    case ApiKey::kApiVersions:
      return decode_into<ApiVersionsRequest>(out, header, decode_api_versions_request);
    case ApiKey::kCreateTopics:
      return decode_into<CreateTopicsRequest>(out, header, decode_create_topics_request);
    case ApiKey::kDeleteTopics:
      return decode_into<DeleteTopicsRequest>(out, header, decode_delete_topics_request);
    case ApiKey::kInitProducerId:
      return decode_into<InitProducerIdRequest>(out, header, decode_init_producer_id_request);
    case ApiKey::kDescribeGroups:
      return decode_into<DescribeGroupsRequest>(out, header, decode_describe_groups_request);
    case ApiKey::kListGroups:
      return decode_into<ListGroupsRequest>(out, header, decode_list_groups_request);
    case ApiKey::kDeleteGroups:
      return decode_into<DeleteGroupsRequest>(out, header, decode_delete_groups_request);
    case ApiKey::kOffsetDelete:
      return decode_into<OffsetDeleteRequest>(out, header, decode_offset_delete_request);
    case ApiKey::kCreatePartitions:
      return decode_into<CreatePartitionsRequest>(out, header, decode_create_partitions_request);
    case ApiKey::kDeleteRecords:
      return decode_into<DeleteRecordsRequest>(out, header, decode_delete_records_request);
    case ApiKey::kDescribeConfigs:
      return decode_into<DescribeConfigsRequest>(out, header, decode_describe_configs_request);
    case ApiKey::kAlterConfigs:
      return decode_into<AlterConfigsRequest>(out, header, decode_alter_configs_request);
    case ApiKey::kIncrementalAlterConfigs:
      return decode_into<IncrementalAlterConfigsRequest>(out, header, decode_incremental_alter_configs_request);
    case ApiKey::kDescribeCluster:
      return decode_into<DescribeClusterRequest>(out, header, decode_describe_cluster_request);
    case ApiKey::kDescribeLogDirs:
      return decode_into<DescribeLogDirsRequest>(out, header, decode_describe_log_dirs_request);
    case ApiKey::kOffsetForLeaderEpoch:
      return decode_into<OffsetForLeaderEpochRequest>(out, header, decode_offset_for_leader_epoch_request);
    case ApiKey::kSaslHandshake:
      return decode_into<SaslHandshakeRequest>(out, header, decode_sasl_handshake_request);
    case ApiKey::kSaslAuthenticate:
      return decode_into<SaslAuthenticateRequest>(out, header, decode_sasl_authenticate_request);
    case ApiKey::kDescribeUserScramCredentials:
      return decode_into<DescribeUserScramCredentialsRequest>(out, header,
                                                              decode_describe_user_scram_credentials_request);
    case ApiKey::kAlterUserScramCredentials:
      return decode_into<AlterUserScramCredentialsRequest>(out, header, decode_alter_user_scram_credentials_request);
    case ApiKey::kDescribeAcls:
      return decode_into<DescribeAclsRequest>(out, header, decode_describe_acls_request);
    case ApiKey::kCreateAcls:
      return decode_into<CreateAclsRequest>(out, header, decode_create_acls_request);
    case ApiKey::kDeleteAcls:
      return decode_into<DeleteAclsRequest>(out, header, decode_delete_acls_request);
  }
  return make_error(ErrorCode::kUnsupported, "API key " + std::to_string(header.api_key) + " is not supported");
}

}  // namespace ringmq::broker::protocol
