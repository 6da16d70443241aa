#include "broker/protocol/error_codes.h"

namespace ringmq::broker::protocol {

const char* kafka_error_name(KafkaError e) {
  switch (e) {
    case KafkaError::kUnknownServerError:
      return "UNKNOWN_SERVER_ERROR";
    case KafkaError::kNone:
      return "NONE";
    case KafkaError::kOffsetOutOfRange:
      return "OFFSET_OUT_OF_RANGE";
    case KafkaError::kCorruptMessage:
      return "CORRUPT_MESSAGE";
    case KafkaError::kUnknownTopicOrPartition:
      return "UNKNOWN_TOPIC_OR_PARTITION";
    case KafkaError::kInvalidFetchSize:
      return "INVALID_FETCH_SIZE";
    case KafkaError::kLeaderNotAvailable:
      return "LEADER_NOT_AVAILABLE";
    case KafkaError::kNotLeaderOrFollower:
      return "NOT_LEADER_OR_FOLLOWER";
    case KafkaError::kRequestTimedOut:
      return "REQUEST_TIMED_OUT";
    case KafkaError::kMessageTooLarge:
      return "MESSAGE_TOO_LARGE";
    case KafkaError::kOffsetMetadataTooLarge:
      return "OFFSET_METADATA_TOO_LARGE";
    case KafkaError::kCoordinatorLoadInProgress:
      return "COORDINATOR_LOAD_IN_PROGRESS";
    case KafkaError::kCoordinatorNotAvailable:
      return "COORDINATOR_NOT_AVAILABLE";
    case KafkaError::kNotCoordinator:
      return "NOT_COORDINATOR";
    case KafkaError::kInvalidTopicException:
      return "INVALID_TOPIC_EXCEPTION";
    case KafkaError::kRecordListTooLarge:
      return "RECORD_LIST_TOO_LARGE";
    case KafkaError::kNotEnoughReplicas:
      return "NOT_ENOUGH_REPLICAS";
    case KafkaError::kInvalidRequiredAcks:
      return "INVALID_REQUIRED_ACKS";
    case KafkaError::kIllegalGeneration:
      return "ILLEGAL_GENERATION";
    case KafkaError::kInconsistentGroupProtocol:
      return "INCONSISTENT_GROUP_PROTOCOL";
    case KafkaError::kInvalidGroupId:
      return "INVALID_GROUP_ID";
    case KafkaError::kUnknownMemberId:
      return "UNKNOWN_MEMBER_ID";
    case KafkaError::kInvalidSessionTimeout:
      return "INVALID_SESSION_TIMEOUT";
    case KafkaError::kRebalanceInProgress:
      return "REBALANCE_IN_PROGRESS";
    case KafkaError::kInvalidCommitOffsetSize:
      return "INVALID_COMMIT_OFFSET_SIZE";
    case KafkaError::kTopicAuthorizationFailed:
      return "TOPIC_AUTHORIZATION_FAILED";
    case KafkaError::kGroupAuthorizationFailed:
      return "GROUP_AUTHORIZATION_FAILED";
    case KafkaError::kClusterAuthorizationFailed:
      return "CLUSTER_AUTHORIZATION_FAILED";
    case KafkaError::kInvalidTimestamp:
      return "INVALID_TIMESTAMP";
    case KafkaError::kUnsupportedVersion:
      return "UNSUPPORTED_VERSION";
    case KafkaError::kTopicAlreadyExists:
      return "TOPIC_ALREADY_EXISTS";
    case KafkaError::kInvalidPartitions:
      return "INVALID_PARTITIONS";
    case KafkaError::kInvalidReplicationFactor:
      return "INVALID_REPLICATION_FACTOR";
    case KafkaError::kInvalidReplicaAssignment:
      return "INVALID_REPLICA_ASSIGNMENT";
    case KafkaError::kInvalidConfig:
      return "INVALID_CONFIG";
    case KafkaError::kNotController:
      return "NOT_CONTROLLER";
    case KafkaError::kInvalidRequest:
      return "INVALID_REQUEST";
    case KafkaError::kUnsupportedForMessageFormat:
      return "UNSUPPORTED_FOR_MESSAGE_FORMAT";
    case KafkaError::kPolicyViolation:
      return "POLICY_VIOLATION";
    case KafkaError::kOutOfOrderSequenceNumber:
      return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case KafkaError::kDuplicateSequenceNumber:
      return "DUPLICATE_SEQUENCE_NUMBER";
    case KafkaError::kInvalidProducerEpoch:
      return "INVALID_PRODUCER_EPOCH";
    case KafkaError::kInvalidTxnState:
      return "INVALID_TXN_STATE";
    case KafkaError::kInvalidProducerIdMapping:
      return "INVALID_PRODUCER_ID_MAPPING";
    case KafkaError::kInvalidTransactionTimeout:
      return "INVALID_TRANSACTION_TIMEOUT";
    case KafkaError::kConcurrentTransactions:
      return "CONCURRENT_TRANSACTIONS";
    case KafkaError::kTransactionalIdAuthorizationFailed:
      return "TRANSACTIONAL_ID_AUTHORIZATION_FAILED";
    case KafkaError::kKafkaStorageError:
      return "KAFKA_STORAGE_ERROR";
    case KafkaError::kUnknownProducerId:
      return "UNKNOWN_PRODUCER_ID";
    case KafkaError::kNonEmptyGroup:
      return "NON_EMPTY_GROUP";
    case KafkaError::kGroupIdNotFound:
      return "GROUP_ID_NOT_FOUND";
    case KafkaError::kFetchSessionIdNotFound:
      return "FETCH_SESSION_ID_NOT_FOUND";
    case KafkaError::kInvalidFetchSessionEpoch:
      return "INVALID_FETCH_SESSION_EPOCH";
    case KafkaError::kTopicDeletionDisabled:
      return "TOPIC_DELETION_DISABLED";
    case KafkaError::kFencedLeaderEpoch:
      return "FENCED_LEADER_EPOCH";
    case KafkaError::kUnknownLeaderEpoch:
      return "UNKNOWN_LEADER_EPOCH";
    case KafkaError::kUnsupportedCompressionType:
      return "UNSUPPORTED_COMPRESSION_TYPE";
    case KafkaError::kOffsetNotAvailable:
      return "OFFSET_NOT_AVAILABLE";
    case KafkaError::kMemberIdRequired:
      return "MEMBER_ID_REQUIRED";
    case KafkaError::kGroupMaxSizeReached:
      return "GROUP_MAX_SIZE_REACHED";
    case KafkaError::kFencedInstanceId:
      return "FENCED_INSTANCE_ID";
    case KafkaError::kGroupSubscribedToTopic:
      return "GROUP_SUBSCRIBED_TO_TOPIC";
    case KafkaError::kInvalidRecord:
      return "INVALID_RECORD";
    case KafkaError::kUnstableOffsetCommit:
      return "UNSTABLE_OFFSET_COMMIT";
    case KafkaError::kThrottlingQuotaExceeded:
      return "THROTTLING_QUOTA_EXCEEDED";
    case KafkaError::kProducerFenced:
      return "PRODUCER_FENCED";
    case KafkaError::kUnknownTopicId:
      return "UNKNOWN_TOPIC_ID";
    case KafkaError::kMismatchedEndpointType:
      return "MISMATCHED_ENDPOINT_TYPE";
    case KafkaError::kUnsupportedEndpointType:
      return "UNSUPPORTED_ENDPOINT_TYPE";
  }
  return "UNKNOWN_CODE";
}

bool kafka_error_retriable(KafkaError e) {
  switch (e) {
    case KafkaError::kCorruptMessage:
    case KafkaError::kUnknownTopicOrPartition:
    case KafkaError::kLeaderNotAvailable:
    case KafkaError::kNotLeaderOrFollower:
    case KafkaError::kRequestTimedOut:
    case KafkaError::kCoordinatorLoadInProgress:
    case KafkaError::kCoordinatorNotAvailable:
    case KafkaError::kNotCoordinator:
    case KafkaError::kNotEnoughReplicas:
    case KafkaError::kNotController:
    case KafkaError::kConcurrentTransactions:
    case KafkaError::kKafkaStorageError:
    case KafkaError::kFetchSessionIdNotFound:
    case KafkaError::kInvalidFetchSessionEpoch:
    case KafkaError::kFencedLeaderEpoch:
    case KafkaError::kUnknownLeaderEpoch:
    case KafkaError::kOffsetNotAvailable:
    case KafkaError::kUnstableOffsetCommit:
    case KafkaError::kThrottlingQuotaExceeded:
    case KafkaError::kUnknownTopicId:
      return true;
    default:
      return false;
  }
}

KafkaError to_kafka_error(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return KafkaError::kNone;
    case ErrorCode::kCorrupt:
      return KafkaError::kCorruptMessage;
    case ErrorCode::kTooLarge:
      return KafkaError::kMessageTooLarge;
    case ErrorCode::kNotFound:
      return KafkaError::kUnknownTopicOrPartition;
    case ErrorCode::kOutOfRange:
      return KafkaError::kOffsetOutOfRange;
    case ErrorCode::kUnsupported:
      return KafkaError::kUnsupportedVersion;
    case ErrorCode::kInvalidArgument:
      return KafkaError::kInvalidRequest;
    case ErrorCode::kBusy:
      return KafkaError::kNotEnoughReplicas;
    case ErrorCode::kTimeout:
      return KafkaError::kRequestTimedOut;
    case ErrorCode::kIo:
    case ErrorCode::kDiskFull:
      return KafkaError::kKafkaStorageError;
    case ErrorCode::kClosed:
      return KafkaError::kNotLeaderOrFollower;
  }
  return KafkaError::kUnknownServerError;
}

}  // namespace ringmq::broker::protocol
