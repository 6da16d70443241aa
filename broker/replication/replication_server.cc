#include "broker/replication/replication_server.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <chrono>

#include "broker/server/socket_util.h"

namespace ringmq::broker {
Result<std::unique_ptr<ReplicationServer>> ReplicationServer::bind(ReplicationServerOptions options) {
  auto socket = open_listening_socket(options.host, options.port, 64);
  if (!socket) return make_error(socket.error().code, "replication listener: " + socket.error().message);
  return std::unique_ptr<ReplicationServer>(
      new ReplicationServer(std::move(options), std::move(socket->fd), socket->port, socket->address));
}

void ReplicationServer::start(engine::MessageStore& store, std::function<std::optional<int32_t>()> leading_epoch,
                              AckListener on_ack) {
  store_ = &store;
  leading_epoch_ = std::move(leading_epoch);
  on_ack_ = std::move(on_ack);
  acceptor_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "repl-accept");
    accept_loop();
  });
}

void ReplicationServer::stop() {
  if (stopping_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  std::lock_guard lock(sessions_mutex_);
  for (Session& s : sessions_) ::shutdown(s.socket.get(), SHUT_RDWR);
  for (Session& s : sessions_)
    if (s.thread.joinable()) s.thread.join();
  sessions_.clear();
}

void ReplicationServer::accept_loop() {
  while (!stopping_.load(std::memory_order_acquire)) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    io::UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd.valid()) continue;
    std::lock_guard lock(sessions_mutex_);
    reap_finished_sessions();
    Session& session = sessions_.emplace_back();
    session.socket = std::move(fd);
    session.thread = std::thread([this, &session] {
      ::pthread_setname_np(::pthread_self(), "repl-send");
      serve(session);
      session.finished.store(true, std::memory_order_release);
    });
  }
}

void ReplicationServer::reap_finished_sessions() {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (!it->finished.load(std::memory_order_acquire)) {
      ++it;
      continue;
    }
    it->thread.join();
    it = sessions_.erase(it);
  }
}

void ReplicationServer::serve(Session& session) {
  const int fd = session.socket.get();
  const std::string peer = peer_address_of(fd);
  if (auto s = set_socket_timeouts(fd, options_.io_timeout_ms); !s) return;
  auto accepted = handshake(fd);
  if (!accepted) return;
  const auto& [hello, epoch] = *accepted;
  spdlog::info("replication: follower {} ({}) connected in epoch {}, streaming from commit-log offset {}",
               hello.node_id, peer, epoch, hello.log_end);
  const uint64_t stream_token =
      progress_.connected(hello.node_id, hello.log_end, store_->written_offset().value(), progress_clock_ns());
  std::atomic<bool> follower_gone{false};
  std::thread acks([&, node = hello.node_id, stream_token] {
    ::pthread_setname_np(::pthread_self(), "repl-acks");
    std::byte ack[kAckSize];
    while (receive_exactly(fd, ack, kAckSize)) {
      const ReplicaAck decoded = decode_ack(ack);
      progress_.acked(node, stream_token, decoded, store_->written_offset().value(), progress_clock_ns());
      if (on_ack_) on_ack_(node, decoded);
    }
    follower_gone.store(true, std::memory_order_release);
    ::shutdown(fd, SHUT_RDWR);  // the sender stops at its next send
  });
  stream(fd, hello, epoch, follower_gone);
  ::shutdown(fd, SHUT_RDWR);
  acks.join();
  progress_.disconnected(hello.node_id, stream_token);
  spdlog::info("replication: follower {} ({}) disconnected", hello.node_id, peer);
}

std::optional<std::pair<ReplicationHello, int32_t>> ReplicationServer::handshake(int fd) {
  auto body = receive_message(fd);
  if (!body) return std::nullopt;
  auto hello = decode_hello(std::as_bytes(std::span(*body)));
  const std::optional<int32_t> epoch = leading_epoch_();
  ReplicationHelloReply reply;
  reply.epoch = epoch.value_or(-1);
  reply.log_start = store_->log_start_offset().value();
  reply.log_end = store_->written_offset().value();
  if (!hello) {
    reply.status = HelloStatus::kBadHello;
    reply.message = hello.error().message;
  } else if (hello->group != options_.group) {
    reply.status = HelloStatus::kWrongGroup;
    reply.message = "this broker replicates " + options_.group + ", not " + hello->group;
  } else if (!epoch) {
    reply.status = HelloStatus::kNotLeader;
    reply.message = "this broker does not lead " + options_.group;
  } else if (hello->segment_bytes != store_->config().segment_bytes) {
    reply.status = HelloStatus::kSegmentMismatch;
    reply.message = "the leader's segments are " + std::to_string(store_->config().segment_bytes) +
                    " bytes, the follower's " + std::to_string(hello->segment_bytes) +
                    "; replicas need the same engine.segment_bytes";
  } else if (auto diverged = divergence(*hello)) {
    reply.status = HelloStatus::kDiverged;
    reply.message = *diverged;
  }
  if (auto sent = send_message(fd, encode_hello_reply(reply)); !sent) return std::nullopt;
  if (reply.status != HelloStatus::kAccepted) {
    spdlog::warn("replication: refused follower {} ({}): {}", hello ? hello->node_id : -1,
                 hello_status_name(reply.status), reply.message);
    return std::nullopt;
  }
  return std::make_pair(std::move(*hello), *epoch);
}

std::optional<std::string> ReplicationServer::divergence(const ReplicationHello& hello) const {
  const std::string end = std::to_string(hello.log_end);
  if (auto at = store_->read_log(hello.log_end, 0); !at)
    return "the follower's log end " + end + " is not a point of the leader's log [" +
           std::to_string(store_->log_start_offset().value()) + ", " +
           std::to_string(store_->written_offset().value()) + "]: " + at.error().message;
  if (hello.last_record_at == UINT64_MAX) return std::nullopt;
  auto tip = store_->record_tip(hello.last_record_at);
  if (!tip && tip.error().code == ErrorCode::kOutOfRange) return std::nullopt;  // retention took it
  if (!tip || tip->crc != hello.last_record_crc)
    return "the follower's last record (at " + std::to_string(hello.last_record_at) +
           ") differs from the leader's record there: its log diverged";
  // After its last record the follower's log holds nothing but, perhaps, the end of that
  // segment (a marker or a tail too short for one): it ends there or at the next segment.
  const uint64_t segment = store_->config().segment_bytes;
  const bool at_record_end = hello.log_end == tip->end;
  bool at_next_segment = tip->end % segment != 0 && hello.log_end == (tip->end / segment + 1) * segment;
  if (at_next_segment) {  // and the leader's segment ends there too, with no record after tip->end
    auto rest = store_->read_log(tip->end, 0);
    at_next_segment = rest && (rest->at == hello.log_end || (rest->records == 0 && rest->next == hello.log_end));
  }
  if (!at_record_end && !at_next_segment)
    return "the follower's log ends at " + end + ", not where its last record (at " +
           std::to_string(hello.last_record_at) + ") ends in the leader's log: its log diverged";
  return std::nullopt;
}

void ReplicationServer::stream(int fd, const ReplicationHello& hello, int32_t epoch, std::atomic<bool>& follower_gone) {
  uint64_t pos = hello.log_end;
  std::byte header[kFrameHeaderSize];
  while (!stopping_.load(std::memory_order_acquire) && !follower_gone.load(std::memory_order_acquire)) {
    if (leading_epoch_() != epoch) {
      spdlog::info("replication: no longer leading in epoch {}; ending the stream to follower {}", epoch,
                   hello.node_id);
      return;
    }
    auto chunk = store_->read_log(pos, options_.max_chunk_bytes);
    if (!chunk) {
      spdlog::error("replication: reading the log at {} for follower {}: {}", pos, hello.node_id,
                    chunk.error().to_string());
      return;
    }
    if (chunk->bytes.empty()) {
      pos = chunk->next;
      if (store_->wait_for_log_beyond(pos, std::chrono::milliseconds(options_.heartbeat_ms))) continue;
      encode_frame_header({FrameType::kHeartbeat, pos, store_->written_offset().value(), 0}, header);
      if (!send_all(fd, header)) return;
      continue;
    }
    encode_frame_header({FrameType::kData, chunk->at, chunk->next, static_cast<uint32_t>(chunk->bytes.size())}, header);
    if (!send_all(fd, header, chunk->bytes)) return;
    bytes_sent_.fetch_add(chunk->bytes.size(), std::memory_order_relaxed);
    pos = chunk->next;
  }
}

}  // namespace ringmq::broker
