// Authorization: which Kafka ACL each request needs, as Kafka's broker asks for it. Checks
// that refuse a whole request (one group, the cluster) are here, in authorize_request, before
// the handler runs; checks per topic or per group inside a request are in the handlers, so
// that each topic or group gets its own error (and Metadata leaves out what the principal may
// not describe).
//
//   Produce            WRITE topic            Fetch, OffsetForLeaderEpoch   READ / DESCRIBE topic
//   Metadata           DESCRIBE topic (auto-create: CREATE cluster or topic)
//   ListOffsets        DESCRIBE topic         CreateTopics                  CREATE cluster or topic
//   DeleteTopics       DELETE topic           DeleteRecords                 DELETE topic
//   CreatePartitions   ALTER topic            Describe/AlterConfigs         DESCRIBE_/ALTER_CONFIGS
//                                                                           topic (broker: cluster)
//   FindCoordinator    DESCRIBE group         Join/Sync/Heartbeat/Leave     READ group
//   OffsetCommit       READ group + topic     OffsetFetch                   DESCRIBE group + topic
//   OffsetDelete       DELETE group, READ topic
//   DescribeGroups     DESCRIBE group         DeleteGroups                  DELETE group
//   ListGroups         DESCRIBE cluster, or the groups the principal may describe
//   InitProducerId     IDEMPOTENT_WRITE cluster (idempotent producers)
//   DescribeCluster, DescribeLogDirs, DescribeAcls, DescribeUserScramCredentials  DESCRIBE cluster
//   CreateAcls, DeleteAcls, AlterUserScramCredentials                              ALTER cluster
#include "broker/kafka/kafka_router.h"
#include "broker/security/authorizer.h"

namespace ringmq::broker::kafka {

using protocol::KafkaError;
using security::AclOperation;
using security::AclResourceType;

bool KafkaRouter::authorized(const Request& request, AclOperation operation, AclResourceType type,
                             std::string_view name) const {
  if (context_.authorizer == nullptr) return true;
  const ConnectionSession* session = request.session;
  const std::string_view principal = session != nullptr ? std::string_view(session->principal) : kAnonymousPrincipal;
  const std::string_view host = session != nullptr ? std::string_view(session->host) : std::string_view();
  return context_.authorizer->authorize(principal, host, operation, type, name);
}

bool KafkaRouter::authorized_on_cluster(const Request& request, AclOperation operation) const {
  return authorized(request, operation, AclResourceType::kCluster, security::kClusterResourceName);
}

bool KafkaRouter::may_create_topic(const Request& request, std::string_view topic) const {
  return authorized_on_cluster(request, AclOperation::kCreate) ||
         authorized(request, AclOperation::kCreate, AclResourceType::kTopic, topic);
}

bool KafkaRouter::authorize_request(const Request& request, const protocol::RequestHeader& h,
                                    const protocol::Request& decoded, ResponseSlot& slot) {
  if (context_.authorizer == nullptr) return true;
  std::optional<KafkaError> refusal;
  auto need_group = [&](AclOperation op, std::string_view group) {
    if (!refusal && !authorized(request, op, AclResourceType::kGroup, group))
      refusal = KafkaError::kGroupAuthorizationFailed;
  };
  auto need_cluster = [&](AclOperation op) {
    if (!refusal && !authorized_on_cluster(request, op)) refusal = KafkaError::kClusterAuthorizationFailed;
  };
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, protocol::JoinGroupRequest> || std::is_same_v<T, protocol::SyncGroupRequest> ||
                      std::is_same_v<T, protocol::HeartbeatRequest> || std::is_same_v<T, protocol::LeaveGroupRequest> ||
                      std::is_same_v<T, protocol::OffsetCommitRequest>) {
          need_group(AclOperation::kRead, r.group_id);
        } else if constexpr (std::is_same_v<T, protocol::OffsetFetchRequest>) {
          for (const auto& group : r.groups) need_group(AclOperation::kDescribe, group.group_id);
        } else if constexpr (std::is_same_v<T, protocol::OffsetDeleteRequest>) {
          need_group(AclOperation::kDelete, r.group_id);
        } else if constexpr (std::is_same_v<T, protocol::DescribeClusterRequest> ||
                             std::is_same_v<T, protocol::DescribeLogDirsRequest> ||
                             std::is_same_v<T, protocol::DescribeUserScramCredentialsRequest>) {
          need_cluster(AclOperation::kDescribe);
        } else if constexpr (std::is_same_v<T, protocol::DescribeAclsRequest>) {
          need_cluster(AclOperation::kDescribe);
        } else if constexpr (std::is_same_v<T, protocol::AlterUserScramCredentialsRequest> ||
                             std::is_same_v<T, protocol::CreateAclsRequest> ||
                             std::is_same_v<T, protocol::DeleteAclsRequest>) {
          need_cluster(AclOperation::kAlter);
        } else if constexpr (std::is_same_v<T, protocol::InitProducerIdRequest>) {
          if (r.transactional_id) {
            if (!authorized(request, AclOperation::kWrite, AclResourceType::kTransactionalId, *r.transactional_id))
              refusal = KafkaError::kTransactionalIdAuthorizationFailed;
          } else {
            need_cluster(AclOperation::kIdempotentWrite);
          }
        }
      },
      decoded);
  if (!refusal) return true;
  context_.metrics.count_error(static_cast<int16_t>(*refusal));
  respond(slot, [&](protocol::Writer& w) { return protocol::encode_error_response(h, decoded, *refusal, w); });
  return false;
}

}  // namespace ringmq::broker::kafka
