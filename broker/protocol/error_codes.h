// Kafka protocol error codes the broker sends, with their names. Numbers are those of
// org.apache.kafka.common.protocol.Errors (checked against the protocol guide's error table);
// a client maps them back to its own exceptions, and retriable ones make it retry.
#pragma once

#include <cstdint>

#include "common/result.h"

namespace ringmq::broker::protocol {

enum class KafkaError : int16_t {
  kUnknownServerError = -1,
  kNone = 0,
  kOffsetOutOfRange = 1,
  kCorruptMessage = 2,           // retriable: CRC or size check failed
  kUnknownTopicOrPartition = 3,  // retriable
  kInvalidFetchSize = 4,
  kLeaderNotAvailable = 5,   // retriable
  kNotLeaderOrFollower = 6,  // retriable: the client refreshes metadata
  kRequestTimedOut = 7,      // retriable
  kMessageTooLarge = 10,
  kOffsetMetadataTooLarge = 12,
  kCoordinatorLoadInProgress = 14,  // retriable
  kCoordinatorNotAvailable = 15,    // retriable
  kNotCoordinator = 16,             // retriable
  kInvalidTopicException = 17,
  kRecordListTooLarge = 18,
  kNotEnoughReplicas = 19,             // retriable
  kNotEnoughReplicasAfterAppend = 20,  // retriable
  kInvalidRequiredAcks = 21,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kInvalidGroupId = 24,
  kUnknownMemberId = 25,
  kInvalidSessionTimeout = 26,
  kRebalanceInProgress = 27,
  kInvalidCommitOffsetSize = 28,
  kTopicAuthorizationFailed = 29,
  kGroupAuthorizationFailed = 30,
  kClusterAuthorizationFailed = 31,
  kInvalidTimestamp = 32,
  kUnsupportedSaslMechanism = 33,  // SaslHandshake: the mechanism is not enabled
  kIllegalSaslState = 34,          // a SASL request out of order (SaslAuthenticate before a handshake)
  kUnsupportedVersion = 35,
  kTopicAlreadyExists = 36,
  kInvalidPartitions = 37,
  kInvalidReplicationFactor = 38,
  kInvalidReplicaAssignment = 39,
  kInvalidConfig = 40,
  kNotController = 41,  // retriable
  kInvalidRequest = 42,
  kUnsupportedForMessageFormat = 43,
  kPolicyViolation = 44,
  kOutOfOrderSequenceNumber = 45,
  kDuplicateSequenceNumber = 46,
  kInvalidProducerEpoch = 47,
  kInvalidTxnState = 48,
  kInvalidProducerIdMapping = 49,
  kInvalidTransactionTimeout = 50,
  kConcurrentTransactions = 51,  // retriable
  // Not retriable: RingMQ has no transactions, and answers this to any transactional id.
  kTransactionalIdAuthorizationFailed = 53,
  kSecurityDisabled = 54,   // an ACL call to a broker with no authorizer configured
  kKafkaStorageError = 56,  // retriable
  kSaslAuthenticationFailed = 58,
  kUnknownProducerId = 59,
  kNonEmptyGroup = 68,
  kGroupIdNotFound = 69,
  kFetchSessionIdNotFound = 70,    // retriable
  kInvalidFetchSessionEpoch = 71,  // retriable
  kTopicDeletionDisabled = 73,
  kFencedLeaderEpoch = 74,   // retriable
  kUnknownLeaderEpoch = 75,  // retriable
  kUnsupportedCompressionType = 76,
  kOffsetNotAvailable = 78,  // retriable
  kMemberIdRequired = 79,
  kGroupMaxSizeReached = 81,
  kFencedInstanceId = 82,
  kGroupSubscribedToTopic = 86,
  kInvalidRecord = 87,
  kUnstableOffsetCommit = 88,     // retriable
  kThrottlingQuotaExceeded = 89,  // retriable
  kProducerFenced = 90,
  kResourceNotFound = 91,        // DescribeUserScramCredentials: the user has no credential
  kDuplicateResource = 92,       // a user (and mechanism) named twice in one SCRAM request
  kUnacceptableCredential = 93,  // a SCRAM upsertion with iterations out of range or no user name
  kUnknownTopicId = 100,         // retriable
  kMismatchedEndpointType = 114,
  kUnsupportedEndpointType = 115,
};

constexpr int16_t code_of(KafkaError e) { return static_cast<int16_t>(e); }

// "NOT_COORDINATOR", or "UNKNOWN_CODE" for a number not listed above.
const char* kafka_error_name(KafkaError e);
// Whether Kafka marks the error retriable (the client retries rather than failing the call).
bool kafka_error_retriable(KafkaError e);

// The error a client should see for an internal Error, when nothing more specific applies:
//   kCorrupt -> CORRUPT_MESSAGE, kTooLarge -> MESSAGE_TOO_LARGE, kNotFound ->
//   UNKNOWN_TOPIC_OR_PARTITION, kOutOfRange -> OFFSET_OUT_OF_RANGE, kUnsupported ->
//   UNSUPPORTED_VERSION, kInvalidArgument -> INVALID_REQUEST,
//   kBusy -> NOT_ENOUGH_REPLICAS (retriable, and tells the producer nothing was written),
//   kTimeout -> REQUEST_TIMED_OUT (retriable; the append may have happened, which is what a
//   sync-flush timeout means), kIo / kDiskFull -> KAFKA_STORAGE_ERROR (retriable),
//   kClosed -> NOT_LEADER_OR_FOLLOWER (retriable; the client re-reads metadata and reconnects).
KafkaError to_kafka_error(ErrorCode code);

}  // namespace ringmq::broker::protocol
