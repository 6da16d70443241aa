// The Kafka codec in one include: every request the broker speaks, decoded into a plain
// struct of views into the frame, and every response encoded from a plain struct into one
// ready-to-send frame. How a connection handler uses it:
//
//   // frame: the bytes after the 4-byte size prefix (parse_frame_size checks the prefix)
//   auto header = parse_request_header(frame);
//   if (!header) -> close the connection (log header.error().message)
//   if (!header->supported()) {
//     if (header->key() == ApiKey::kApiVersions)        // a client newer than the broker
//       encode_api_versions_fallback(header->correlation_id, writer);
//     else -> close the connection (what Kafka does for an unknown API or version)
//   }
//   if (auto ok = decode_request(*header, request); !ok) -> close the connection
//   if (auto* produce = std::get_if<ProduceRequest>(&request)) {
//     ... validate produce->topics[i].partitions[j].records with RecordBatchIterator,
//         append, fill a ProduceResponse ...
//     if (produce->acks != 0)
//       encode_produce_response(header->api_version, header->correlation_id, response, writer);
//   }
//   // or, to refuse a request that decoded: every partition / group / topic of it gets `error`
//   encode_error_response(*header, request, KafkaError::kNotCoordinator, writer);
//
// Decoded views point into the frame, and response structs hold views of the handler's data:
// both must stay alive (and unmodified) until decode results are used / the encode returns.
// One Request per connection can be reused: decoding into the same alternative keeps the
// capacity of its vectors, so steady-state decoding does not allocate.
#pragma once

#include <cstdint>
#include <variant>

#include "broker/protocol/acl_admin.h"
#include "broker/protocol/api_keys.h"
#include "broker/protocol/api_versions.h"
#include "broker/protocol/cluster_admin.h"
#include "broker/protocol/config_admin.h"
#include "broker/protocol/consumer_group.h"
#include "broker/protocol/error_codes.h"
#include "broker/protocol/fetch.h"
#include "broker/protocol/group_admin.h"
#include "broker/protocol/group_offsets.h"
#include "broker/protocol/init_producer_id.h"
#include "broker/protocol/leader_epoch.h"
#include "broker/protocol/list_offsets.h"
#include "broker/protocol/metadata.h"
#include "broker/protocol/produce.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/record_batch.h"
#include "broker/protocol/request_header.h"
#include "broker/protocol/sasl.h"
#include "broker/protocol/scram_admin.h"
#include "broker/protocol/topic_admin.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

using Request =
    std::variant<std::monostate, ProduceRequest, FetchRequest, ListOffsetsRequest, MetadataRequest, OffsetCommitRequest,
                 OffsetFetchRequest, FindCoordinatorRequest, JoinGroupRequest, HeartbeatRequest, LeaveGroupRequest,
                 SyncGroupRequest, ApiVersionsRequest, CreateTopicsRequest, DeleteTopicsRequest, InitProducerIdRequest,
                 DescribeGroupsRequest, ListGroupsRequest, DeleteGroupsRequest, OffsetDeleteRequest,
                 CreatePartitionsRequest, DeleteRecordsRequest, DescribeConfigsRequest, AlterConfigsRequest,
                 IncrementalAlterConfigsRequest, DescribeClusterRequest, DescribeLogDirsRequest,
                 OffsetForLeaderEpochRequest, SaslHandshakeRequest, SaslAuthenticateRequest,
                 DescribeUserScramCredentialsRequest, AlterUserScramCredentialsRequest, DescribeAclsRequest,
                 CreateAclsRequest, DeleteAclsRequest>;

// Decodes header.body as the request (header.api_key, header.api_version) into `out`.
// kUnsupported for an API or version the broker does not speak; kCorrupt for a body that does
// not match the layout (truncated, impossible lengths, trailing bytes).
Status decode_request(const RequestHeader& header, Request& out);

// A complete response to `request` in which every partition (or topic, member, group the
// request named) carries `error`, offsets and ids are -1, and nothing else is filled in: what
// Kafka answers when it refuses a request that parsed. For ApiVersions the broker's table is
// included; an ApiVersions version the broker does not speak gets the v0 fallback.
Status encode_error_response(const RequestHeader& header, const Request& request, KafkaError error, Writer& writer);
// The same without the request, for when only the header is known: arrays are empty and only
// top-level error codes (where the API has one) carry `error`.
Status encode_error_response(ApiKey key, int16_t version, int32_t correlation_id, KafkaError error, Writer& writer);

}  // namespace ringmq::broker::protocol
