// The replication stream between a group's leader and a follower, over one TCP connection
// the follower opens to the leader's replication port. Little-endian, fixed layouts:
//
//   follower → leader, once:  Hello       magic "RMQR", version, the follower's node id, the
//                                         leader epoch it expects, its segment size, its log end
//                                         and last record, and the cluster/group it belongs to
//   leader → follower, once:  HelloReply  a status (kAccepted or why not), the leader's epoch,
//                                         log start and log end, a message for the follower's log
//   leader → follower:        Data        at, next, length, then `length` bytes of the log
//                                         (CommitLog::read_chunk), pushed as they are appended
//                             Heartbeat   the leader's log end, when there is nothing to send
//   follower → leader:        Ack         the follower's log end (received) and flushed offset
//                                         (durable), after every chunk and as they advance
//
// There is no request per chunk: the leader sends as fast as the follower's socket takes it
// (RocketMQ HA's push), and the follower's acks only report progress.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/result.h"
#include "io/unique_fd.h"

namespace ringmq::broker {

inline constexpr uint32_t kReplicationMagic = 0x52514D52;  // "RMQR" little-endian
inline constexpr uint16_t kReplicationVersion = 1;

struct ReplicationHello {
  int32_t node_id = 0;
  int32_t epoch = 0;  // the leader epoch the follower expects to find
  uint64_t segment_bytes = 0;
  uint64_t log_end = 0;
  // The follower's last record (UINT64_MAX: none known) and its CRC: the leader's record there
  // must be the same, or the follower's tail diverged (it led, or followed a deposed leader).
  uint64_t last_record_at = UINT64_MAX;
  uint32_t last_record_crc = 0;
  std::string group;  // "<cluster>/<group>"
};

enum class HelloStatus : uint16_t {
  kAccepted = 0,
  kNotLeader = 1,        // not leading, or in another epoch than the follower expects
  kWrongGroup = 2,       // another cluster or group
  kSegmentMismatch = 3,  // segment sizes differ: the logs cannot be byte-identical
  kDiverged = 4,         // the follower's log end is not a point of the leader's log
  kBadHello = 5,
};
const char* hello_status_name(HelloStatus status);

struct ReplicationHelloReply {
  HelloStatus status = HelloStatus::kAccepted;
  int32_t epoch = 0;
  uint64_t log_start = 0;
  uint64_t log_end = 0;
  std::string message;
};

enum class FrameType : uint8_t { kData = 1, kHeartbeat = 2 };

// Leader → follower, before a chunk's bytes (kData) or alone (kHeartbeat: at = next = the
// leader's log end, length 0).
struct FrameHeader {
  FrameType type = FrameType::kData;
  uint64_t at = 0;
  uint64_t next = 0;
  uint32_t length = 0;
};
inline constexpr size_t kFrameHeaderSize = 1 + 8 + 8 + 4;

struct ReplicaAck {
  uint64_t received = 0;
  uint64_t durable = 0;
};
inline constexpr size_t kAckSize = 16;

// Hellos end with strings, so they are length-prefixed as a whole (u32) and capped at 4 KiB.
std::string encode_hello(const ReplicationHello& hello);
Result<ReplicationHello> decode_hello(std::span<const std::byte> body);
std::string encode_hello_reply(const ReplicationHelloReply& reply);
Result<ReplicationHelloReply> decode_hello_reply(std::span<const std::byte> body);
inline constexpr uint32_t kMaxHelloBytes = 4096;

void encode_frame_header(const FrameHeader& header, std::byte* out);
Result<FrameHeader> decode_frame_header(const std::byte* in);
void encode_ack(const ReplicaAck& ack, std::byte* out);
ReplicaAck decode_ack(const std::byte* in);

// Blocking socket I/O for the replication threads. Deadlines come from SO_RCVTIMEO and
// SO_SNDTIMEO (set_socket_timeouts): a timeout is kTimeout, an orderly close kClosed.
Status set_socket_timeouts(int fd, uint32_t timeout_ms);
Status send_all(int fd, std::span<const std::byte> first, std::span<const std::byte> second = {});
Status receive_exactly(int fd, std::byte* out, size_t n);
// A length-prefixed hello or reply.
Status send_message(int fd, const std::string& body);
Result<std::string> receive_message(int fd);
// A TCP connection to host:port, blocking, with `timeout_ms` for the connect and later I/O.
Result<io::UniqueFd> connect_to(const std::string& host, uint16_t port, uint32_t timeout_ms);

}  // namespace ringmq::broker
