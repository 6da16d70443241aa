#include "broker/replication/replication_client.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>

namespace ringmq::broker {
namespace {

// A chunk is at most the leader's max_chunk_bytes or one record; anything larger is not a
// frame of ours.
constexpr uint32_t kMaxFrameBytes = 256u << 20;

void raise_to(std::atomic<uint64_t>& value, uint64_t to) {
  uint64_t seen = value.load(std::memory_order_relaxed);
  while (seen < to && !value.compare_exchange_weak(seen, to, std::memory_order_relaxed)) {
  }
}

}  // namespace

void ReplicationClient::AckChannel::send() {
  std::lock_guard lock(mutex);
  if (fd < 0) return;
  std::byte ack[kAckSize];
  encode_ack({received.load(std::memory_order_relaxed), durable.load(std::memory_order_relaxed)}, ack);
  const ssize_t n = ::send(fd, ack, kAckSize, MSG_DONTWAIT | MSG_NOSIGNAL);
  // A partial ack would break the framing: end the stream instead (it reconnects).
  if (n > 0 && n != static_cast<ssize_t>(kAckSize)) ::shutdown(fd, SHUT_RDWR);
}

void ReplicationClient::AckChannel::close() {
  std::lock_guard lock(mutex);
  fd = -1;
}

std::unique_ptr<ReplicationClient> ReplicationClient::start(ReplicationClientOptions options,
                                                            engine::MessageStore& store,
                                                            std::function<std::optional<ReplicationTarget>()> target) {
  std::unique_ptr<ReplicationClient> client(new ReplicationClient(std::move(options), store, std::move(target)));
  client->thread_.start("repl-follow", [c = client.get()] { c->run_once(); });
  return client;
}

void ReplicationClient::stop() {
  stopping_.store(true, std::memory_order_release);
  {
    std::lock_guard lock(stream_mutex_);
    if (stream_fd_ >= 0) ::shutdown(stream_fd_, SHUT_RDWR);
  }
  thread_.stop();
}

void ReplicationClient::note_problem(const std::string& what) {
  if (what == last_problem_) return;
  spdlog::warn("replication: {}", what);
  last_problem_ = what;
}

void ReplicationClient::run_once() {
  const auto target = target_();
  if (!target) {
    thread_.sleep_for(std::chrono::milliseconds(100));
    return;
  }
  auto stream = open_stream(*target);
  if (!stream) {
    note_problem(stream.error().message);
    thread_.sleep_for(std::chrono::milliseconds(500));
    return;
  }
  {
    std::lock_guard lock(stream_mutex_);
    if (stopping_.load(std::memory_order_acquire)) return;
    stream_fd_ = stream->get();
  }
  auto channel = std::make_shared<AckChannel>();
  channel->fd = stream->get();
  stats_.leader.store(target->node_id);
  stats_.connected.store(true);
  const Status ended = follow(stream->get(), *target, channel);
  channel->close();
  stats_.connected.store(false);
  stats_.leader.store(-1);
  {
    std::lock_guard lock(stream_mutex_);
    stream_fd_ = -1;
  }
  if (!ended && !stopping_.load(std::memory_order_acquire)) {
    stats_.errors.fetch_add(1, std::memory_order_relaxed);
    note_problem("streaming from leader " + std::to_string(target->node_id) + ": " + ended.error().message);
    thread_.sleep_for(std::chrono::milliseconds(200));
  }
}

Result<io::UniqueFd> ReplicationClient::open_stream(const ReplicationTarget& target) {
  const std::string leader =
      "leader " + std::to_string(target.node_id) + " (" + target.host + ":" + std::to_string(target.port) + ")";
  auto fd = connect_to(target.host, target.port, options_.io_timeout_ms);
  if (!fd) return std::unexpected(fd.error());
  ReplicationHello hello;
  hello.node_id = options_.node_id;
  hello.epoch = target.epoch;
  hello.segment_bytes = store_.config().segment_bytes;
  hello.log_end = store_.written_offset().value();
  if (const auto tip = store_.last_record()) {
    hello.last_record_at = tip->at;
    hello.last_record_crc = tip->crc;
  }
  hello.group = options_.group;
  if (auto s = send_message(fd->get(), encode_hello(hello)); !s) return std::unexpected(s.error());
  auto body = receive_message(fd->get());
  if (!body) return std::unexpected(body.error());
  auto reply = decode_hello_reply(std::as_bytes(std::span(*body)));
  if (!reply) return std::unexpected(reply.error());
  if (reply->status != HelloStatus::kAccepted) {
    stats_.refusals.fetch_add(1, std::memory_order_relaxed);
    return make_error(ErrorCode::kIo, leader + " refused to replicate to us (" + hello_status_name(reply->status) +
                                          "): " + reply->message);
  }
  if (reply->epoch < target.epoch)
    return make_error(ErrorCode::kIo, leader + " answers in epoch " + std::to_string(reply->epoch) +
                                          ", older than the group's " + std::to_string(target.epoch));
  stats_.leader_end.store(reply->log_end);
  spdlog::info("replication: following {} in epoch {} from commit-log offset {} (the leader's log ends at {})", leader,
               reply->epoch, hello.log_end, reply->log_end);
  last_problem_.clear();
  return std::move(*fd);
}

Status ReplicationClient::follow(int fd, const ReplicationTarget& target, const std::shared_ptr<AckChannel>& channel) {
  std::byte header_bytes[kFrameHeaderSize];
  channel->received.store(store_.written_offset().value());
  channel->durable.store(store_.flushed_offset().value());
  for (;;) {
    if (stopping_.load(std::memory_order_acquire) || target_() != target) return {};
    if (auto s = receive_exactly(fd, header_bytes, kFrameHeaderSize); !s) return s;
    auto header = decode_frame_header(header_bytes);
    if (!header) return std::unexpected(header.error());
    raise_to(stats_.leader_end, header->next);
    if (header->type == FrameType::kHeartbeat) {
      channel->durable.store(store_.flushed_offset().value(), std::memory_order_relaxed);
      channel->send();
      continue;
    }
    if (header->length > kMaxFrameBytes)
      return make_error(ErrorCode::kCorrupt, "a replication frame of " + std::to_string(header->length) + " bytes");
    if (header->length > buffer_.size()) buffer_.resize(header->length);
    if (auto s = receive_exactly(fd, buffer_.data(), header->length); !s) return s;
    auto appended = store_.append_replicated(header->at, std::span(buffer_.data(), header->length));
    if (!appended) return std::unexpected(appended.error());
    const uint64_t end = appended->end_offset;
    if (end != header->next)
      return make_error(ErrorCode::kCorrupt, "after the chunk at " + std::to_string(header->at) + " the log ends at " +
                                                 std::to_string(end) + ", the leader's at " +
                                                 std::to_string(header->next));
    stats_.bytes_received.fetch_add(header->length, std::memory_order_relaxed);
    stats_.chunks_applied.fetch_add(1, std::memory_order_relaxed);
    channel->received.store(end, std::memory_order_relaxed);
    raise_to(channel->durable, store_.flushed_offset().value());
    channel->send();
    store_.when_durable(engine::LogPosition(end), [channel, end](Status flushed) {
      if (!flushed) return;
      raise_to(channel->durable, end);
      channel->send();
    });
  }
}

}  // namespace ringmq::broker
