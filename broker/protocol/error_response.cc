// encode_error_response (declared in messages.h): for each API, the response Kafka's
// AbstractRequest.getErrorResponse would give, built from the decoded request.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "broker/protocol/messages.h"

namespace ringmq::broker::protocol {
namespace {

Status produce_error(int16_t v, int32_t id, const ProduceRequest& request, KafkaError error, Writer& w) {
  ProduceResponse response;
  for (const ProduceTopicData& topic : request.topics) {
    ProduceTopicResponse& t = response.topics.emplace_back();
    t.name = topic.name;
    for (const ProducePartitionData& p : topic.partitions)
      t.partitions.push_back({.index = p.index, .error_code = error});
  }
  return encode_produce_response(v, id, response, w);
}

Status fetch_error(int16_t v, int32_t id, const FetchRequest& request, KafkaError error, Writer& w) {
  FetchResponse response;
  response.error_code = error;
  for (const FetchTopic& topic : request.topics) {
    FetchTopicResponse& t = response.topics.emplace_back();
    t.topic = topic.topic;
    for (const FetchPartition& p : topic.partitions) {
      t.partitions.push_back({.partition_index = p.partition, .error_code = error});
    }
  }
  return encode_fetch_response(v, id, response, w);
}

Status list_offsets_error(int16_t v, int32_t id, const ListOffsetsRequest& request, KafkaError error, Writer& w) {
  ListOffsetsResponse response;
  for (const ListOffsetsTopic& topic : request.topics) {
    ListOffsetsTopicResponse& t = response.topics.emplace_back();
    t.name = topic.name;
    for (const ListOffsetsPartition& p : topic.partitions) {
      t.partitions.push_back({.partition_index = p.partition_index, .error_code = error});
    }
  }
  return encode_list_offsets_response(v, id, response, w);
}

Status metadata_error(int16_t v, int32_t id, const MetadataRequest& request, KafkaError error, Writer& w) {
  MetadataResponse response;
  for (const MetadataRequestTopic& topic : request.topics) {
    response.topics.push_back({.error_code = error, .name = topic.name, .topic_id = topic.topic_id});
  }
  return encode_metadata_response(v, id, response, w);
}

Status offset_commit_error(int16_t v, int32_t id, const OffsetCommitRequest& request, KafkaError error, Writer& w) {
  OffsetCommitResponse response;
  for (const OffsetCommitTopic& topic : request.topics) {
    OffsetCommitTopicResponse& t = response.topics.emplace_back();
    t.name = topic.name;
    for (const OffsetCommitPartition& p : topic.partitions) t.partitions.push_back({p.partition_index, error});
  }
  return encode_offset_commit_response(v, id, response, w);
}

Status offset_fetch_error(int16_t v, int32_t id, const OffsetFetchRequest& request, KafkaError error, Writer& w) {
  OffsetFetchResponse response;
  for (const OffsetFetchGroup& group : request.groups) {
    OffsetFetchGroupResponse& g = response.groups.emplace_back();
    g.group_id = group.group_id;
    g.error_code = error;
    // v0-1 have no group-level error: the partitions carry it.
    KafkaError partition_error = v < 2 ? error : KafkaError::kNone;
    for (const OffsetFetchTopic& topic : group.topics) {
      OffsetFetchTopicResponse& t = g.topics.emplace_back();
      t.name = topic.name;
      for (int32_t index : topic.partition_indexes) {
        t.partitions.push_back({.partition_index = index, .error_code = partition_error});
      }
    }
  }
  if (v < 8 && response.groups.empty()) response.groups.push_back({.error_code = error});
  return encode_offset_fetch_response(v, id, response, w);
}

Status find_coordinator_error(int16_t v, int32_t id, const FindCoordinatorRequest& request, KafkaError error,
                              Writer& w) {
  FindCoordinatorResponse response;
  for (std::string_view key : request.keys) response.coordinators.push_back({.key = key, .error_code = error});
  if (v < 4 && response.coordinators.size() != 1) {
    response.coordinators.assign(1, Coordinator{.error_code = error});
  }
  return encode_find_coordinator_response(v, id, response, w);
}

Status join_group_error(int16_t v, int32_t id, const JoinGroupRequest& request, KafkaError error, Writer& w) {
  JoinGroupResponse response;
  response.error_code = error;
  response.member_id = request.member_id;
  return encode_join_group_response(v, id, response, w);
}

Status leave_group_error(int16_t v, int32_t id, const LeaveGroupRequest& request, KafkaError error, Writer& w) {
  LeaveGroupResponse response;
  response.error_code = error;
  if (v >= 3) {
    for (const LeavingMember& m : request.members)
      response.members.push_back({m.member_id, m.group_instance_id, error});
  }
  return encode_leave_group_response(v, id, response, w);
}

Status create_topics_error(int16_t v, int32_t id, const CreateTopicsRequest& request, KafkaError error, Writer& w) {
  CreateTopicsResponse response;
  for (const CreatableTopic& topic : request.topics)
    response.topics.push_back({.name = topic.name, .error_code = error});
  return encode_create_topics_response(v, id, response, w);
}

Status delete_topics_error(int16_t v, int32_t id, const DeleteTopicsRequest& request, KafkaError error, Writer& w) {
  DeleteTopicsResponse response;
  for (const DeleteTopicState& topic : request.topics) {
    response.responses.push_back({.name = topic.name, .topic_id = topic.topic_id, .error_code = error});
  }
  return encode_delete_topics_response(v, id, response, w);
}

Status describe_groups_error(int16_t v, int32_t id, const DescribeGroupsRequest& request, KafkaError error, Writer& w) {
  DescribeGroupsResponse response;
  for (std::string_view group : request.groups) response.groups.push_back({.error_code = error, .group_id = group});
  return encode_describe_groups_response(v, id, response, w);
}

Status delete_groups_error(int16_t v, int32_t id, const DeleteGroupsRequest& request, KafkaError error, Writer& w) {
  DeleteGroupsResponse response;
  for (std::string_view group : request.groups) response.results.push_back({group, error});
  return encode_delete_groups_response(v, id, response, w);
}

Status create_partitions_error(int16_t v, int32_t id, const CreatePartitionsRequest& request, KafkaError error,
                               Writer& w) {
  CreatePartitionsResponse response;
  for (const CreatePartitionsTopic& topic : request.topics) response.results.push_back({topic.name, error});
  return encode_create_partitions_response(v, id, response, w);
}

Status delete_records_error(int16_t v, int32_t id, const DeleteRecordsRequest& request, KafkaError error, Writer& w) {
  DeleteRecordsResponse response;
  for (const DeleteRecordsTopic& topic : request.topics) {
    DeleteRecordsTopicResult& t = response.topics.emplace_back();
    t.name = topic.name;
    for (const DeleteRecordsPartition& p : topic.partitions) t.partitions.push_back({p.partition_index, -1, error});
  }
  return encode_delete_records_response(v, id, response, w);
}

Status describe_configs_error(int16_t v, int32_t id, const DescribeConfigsRequest& request, KafkaError error,
                              Writer& w) {
  DescribeConfigsResponse response;
  for (const DescribeConfigsResource& r : request.resources)
    response.results.push_back(
        {.error_code = error, .resource_type = r.resource_type, .resource_name = r.resource_name});
  return encode_describe_configs_response(v, id, response, w);
}

Status alter_configs_error(int16_t v, int32_t id, const AlterConfigsRequest& request, KafkaError error, Writer& w) {
  AlterConfigsResponse response;
  for (const AlterConfigsResource& r : request.resources)
    response.responses.push_back(
        {.error_code = error, .resource_type = r.resource_type, .resource_name = r.resource_name});
  return encode_alter_configs_response(v, id, response, w);
}

Status incremental_alter_configs_error(int16_t v, int32_t id, const IncrementalAlterConfigsRequest& request,
                                       KafkaError error, Writer& w) {
  AlterConfigsResponse response;
  for (const IncrementalAlterConfigsResource& r : request.resources)
    response.responses.push_back(
        {.error_code = error, .resource_type = r.resource_type, .resource_name = r.resource_name});
  return encode_incremental_alter_configs_response(v, id, response, w);
}

Status describe_log_dirs_error(int16_t v, int32_t id, KafkaError error, Writer& w) {
  // v3+ carries a top-level code; older versions can only say "no log directory".
  DescribeLogDirsResponse response{.error_code = error};
  return encode_describe_log_dirs_response(v, id, response, w);
}

Status offset_for_leader_epoch_error(int16_t v, int32_t id, const OffsetForLeaderEpochRequest& request,
                                     KafkaError error, Writer& w) {
  OffsetForLeaderEpochResponse response;
  for (const OffsetForLeaderTopic& topic : request.topics) {
    OffsetForLeaderTopicResult& t = response.topics.emplace_back();
    t.topic = topic.topic;
    for (const OffsetForLeaderPartition& p : topic.partitions)
      t.partitions.push_back({.error_code = error, .partition = p.partition});
  }
  return encode_offset_for_leader_epoch_response(v, id, response, w);
}

Status describe_user_scram_credentials_error(int16_t v, int32_t id, const DescribeUserScramCredentialsRequest& request,
                                             KafkaError error, Writer& w) {
  DescribeUserScramCredentialsResponse response{.error_code = error};
  for (std::string_view user : request.users) response.results.push_back({.user = user, .error_code = error});
  return encode_describe_user_scram_credentials_response(v, id, response, w);
}

Status alter_user_scram_credentials_error(int16_t v, int32_t id, const AlterUserScramCredentialsRequest& request,
                                          KafkaError error, Writer& w) {
  // One result per user named in the request, in name order, as Kafka answers.
  std::vector<std::string_view> users;
  for (const ScramCredentialDeletion& d : request.deletions) users.push_back(d.name);
  for (const ScramCredentialUpsertion& u : request.upsertions) users.push_back(u.name);
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  AlterUserScramCredentialsResponse response;
  for (std::string_view user : users) response.results.push_back({.user = user, .error_code = error});
  return encode_alter_user_scram_credentials_response(v, id, response, w);
}

Status create_acls_error(int16_t v, int32_t id, const CreateAclsRequest& request, KafkaError error, Writer& w) {
  CreateAclsResponse response;
  response.results.assign(request.creations.size(), AclCreationResult{.error_code = error});
  return encode_create_acls_response(v, id, response, w);
}

Status delete_acls_error(int16_t v, int32_t id, const DeleteAclsRequest& request, KafkaError error, Writer& w) {
  DeleteAclsResponse response;
  response.filter_results.assign(request.filters.size(), DeleteAclsFilterResult{.error_code = error});
  return encode_delete_acls_response(v, id, response, w);
}

}  // namespace

Status encode_error_response(const RequestHeader& header, const Request& request, KafkaError error, Writer& w) {
  const int16_t v = header.api_version;
  const int32_t id = header.correlation_id;
  if (header.key() == ApiKey::kApiVersions) {
    if (!header.supported()) return encode_api_versions_fallback(id, w);
    return encode_api_versions_response(v, id, ApiVersionsResponse{.error_code = error}, w);
  }
  if (!header.supported()) {
    return make_error(ErrorCode::kUnsupported, std::string("cannot answer ") + api_name(header.api_key) + " v" +
                                                   std::to_string(v) + ": the broker does not speak it");
  }
  // A request of another API than the header's (or none) answers as an empty request would.
  auto as = [&](auto empty) -> const decltype(empty)& {
    if (const auto* r = std::get_if<decltype(empty)>(&request)) return *r;
    static const decltype(empty) kEmpty{};
    return kEmpty;
  };
  switch (header.key()) {
    case ApiKey::kProduce:
      return produce_error(v, id, as(ProduceRequest{}), error, w);
    case ApiKey::kFetch:
      return fetch_error(v, id, as(FetchRequest{}), error, w);
    case ApiKey::kListOffsets:
      return list_offsets_error(v, id, as(ListOffsetsRequest{}), error, w);
    case ApiKey::kMetadata:
      return metadata_error(v, id, as(MetadataRequest{}), error, w);
    case ApiKey::kOffsetCommit:
      return offset_commit_error(v, id, as(OffsetCommitRequest{}), error, w);
    case ApiKey::kOffsetFetch:
      return offset_fetch_error(v, id, as(OffsetFetchRequest{}), error, w);
    case ApiKey::kFindCoordinator:
      return find_coordinator_error(v, id, as(FindCoordinatorRequest{}), error, w);
    case ApiKey::kJoinGroup:
      return join_group_error(v, id, as(JoinGroupRequest{}), error, w);
    case ApiKey::kHeartbeat:
      return encode_heartbeat_response(v, id, HeartbeatResponse{.error_code = error}, w);
    case ApiKey::kLeaveGroup:
      return leave_group_error(v, id, as(LeaveGroupRequest{}), error, w);
    case ApiKey::kSyncGroup:
      return encode_sync_group_response(v, id, SyncGroupResponse{.error_code = error}, w);
    case ApiKey::kCreateTopics:
      return create_topics_error(v, id, as(CreateTopicsRequest{}), error, w);
    case ApiKey::kDeleteTopics:
      return delete_topics_error(v, id, as(DeleteTopicsRequest{}), error, w);
    case ApiKey::kInitProducerId:
      return encode_init_producer_id_response(v, id, InitProducerIdResponse{.error_code = error}, w);
    case ApiKey::kDescribeGroups:
      return describe_groups_error(v, id, as(DescribeGroupsRequest{}), error, w);
    case ApiKey::kListGroups:
      return encode_list_groups_response(v, id, ListGroupsResponse{.error_code = error}, w);
    case ApiKey::kDeleteGroups:
      return delete_groups_error(v, id, as(DeleteGroupsRequest{}), error, w);
    case ApiKey::kOffsetDelete:
      // Kafka answers a refused OffsetDelete with the top-level code alone.
      return encode_offset_delete_response(v, id, OffsetDeleteResponse{.error_code = error}, w);
    case ApiKey::kCreatePartitions:
      return create_partitions_error(v, id, as(CreatePartitionsRequest{}), error, w);
    case ApiKey::kDeleteRecords:
      return delete_records_error(v, id, as(DeleteRecordsRequest{}), error, w);
    case ApiKey::kDescribeConfigs:
      return describe_configs_error(v, id, as(DescribeConfigsRequest{}), error, w);
    case ApiKey::kAlterConfigs:
      return alter_configs_error(v, id, as(AlterConfigsRequest{}), error, w);
    case ApiKey::kIncrementalAlterConfigs:
      return incremental_alter_configs_error(v, id, as(IncrementalAlterConfigsRequest{}), error, w);
    case ApiKey::kDescribeCluster:
      return encode_describe_cluster_response(v, id, DescribeClusterResponse{.error_code = error}, w);
    case ApiKey::kDescribeLogDirs:
      return describe_log_dirs_error(v, id, error, w);
    case ApiKey::kOffsetForLeaderEpoch:
      return offset_for_leader_epoch_error(v, id, as(OffsetForLeaderEpochRequest{}), error, w);
    case ApiKey::kSaslHandshake:
      return encode_sasl_handshake_response(v, id, SaslHandshakeResponse{.error_code = error}, w);
    case ApiKey::kSaslAuthenticate:
      return encode_sasl_authenticate_response(v, id, SaslAuthenticateResponse{.error_code = error}, w);
    case ApiKey::kDescribeUserScramCredentials:
      return describe_user_scram_credentials_error(v, id, as(DescribeUserScramCredentialsRequest{}), error, w);
    case ApiKey::kAlterUserScramCredentials:
      return alter_user_scram_credentials_error(v, id, as(AlterUserScramCredentialsRequest{}), error, w);
    case ApiKey::kDescribeAcls:
      return encode_describe_acls_response(v, id, DescribeAclsResponse{.error_code = error}, w);
    case ApiKey::kCreateAcls:
      return create_acls_error(v, id, as(CreateAclsRequest{}), error, w);
    case ApiKey::kDeleteAcls:
      return delete_acls_error(v, id, as(DeleteAclsRequest{}), error, w);
    case ApiKey::kApiVersions:
      break;  // answered above
  }
  return make_error(ErrorCode::kUnsupported, "API key " + std::to_string(header.api_key) + " is not supported");
}

Status encode_error_response(ApiKey key, int16_t version, int32_t correlation_id, KafkaError error, Writer& writer) {
  RequestHeader header;
  header.api_key = static_cast<int16_t>(key);
  header.api_version = version;
  header.correlation_id = correlation_id;
  return encode_error_response(header, Request{}, error, writer);
}

}  // namespace ringmq::broker::protocol
