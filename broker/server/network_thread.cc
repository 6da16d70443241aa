#include "broker/server/network_thread.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <ctime>
#include <system_error>

#include "broker/server/logging.h"
#include "broker/server/socket_util.h"
#include "common/errno_text.h"
#include "numa/thread_pinning.h"

namespace ringmq::broker {
namespace {

int16_t read_be16(const std::byte* p) { return static_cast<int16_t>((uint16_t(p[0]) << 8) | uint16_t(p[1])); }
int32_t read_be32(const std::byte* p) {
  return static_cast<int32_t>((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]));
}

}  // namespace

NetworkThread::NetworkThread(unsigned index, NetworkShared& shared)
    : index_(index), shared_(shared), epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (!epoll_fd_.valid()) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  inbox_ = std::make_shared<CompletionInbox>(*this);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeToken;
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, inbox_->event_fd(), &event) != 0)
    throw std::system_error(errno, std::generic_category(), "epoll_ctl(eventfd)");
}

NetworkThread::~NetworkThread() { stop(); }

void NetworkThread::start(std::vector<io::UniqueFd> listeners, std::vector<NetworkThread*> peers) {
  listeners_ = std::move(listeners);
  peers_ = std::move(peers);
  for (size_t i = 0; i < listeners_.size(); ++i) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kListenToken - i;
    if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, listeners_[i].get(), &event) != 0)
      throw std::system_error(errno, std::generic_category(), "epoll_ctl(listener)");
  }
  if (!listeners_.empty()) spare_fd_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  thread_ = std::thread([this] { run(); });
}

void NetworkThread::adopt(io::UniqueFd fd, std::string peer, uint32_t listener) {
  {
    std::lock_guard lock(mutex_);
    adopted_.push_back(Adopted{std::move(fd), std::move(peer), listener});
  }
  inbox_->wake();
}

void NetworkThread::begin_drain() {
  draining_.store(true, std::memory_order_release);
  inbox_->wake();
}

void NetworkThread::stop() {
  stop_.store(true, std::memory_order_release);
  inbox_->wake();
  if (thread_.joinable()) thread_.join();
}

std::chrono::milliseconds NetworkThread::epoll_timeout() const {
  const auto until_check =
      std::chrono::duration_cast<std::chrono::milliseconds>(next_idle_check_ - std::chrono::steady_clock::now());
  return std::max(std::chrono::milliseconds(0), until_check + std::chrono::milliseconds(1));
}

void NetworkThread::run() {
  const std::string role = "net-" + std::to_string(index_);
  set_thread_name(role);
  if (shared_.placement.topology != nullptr && shared_.placement.plan != nullptr) {
    if (auto s = numa::pin_current_thread(*shared_.placement.topology, *shared_.placement.plan, role); !s)
      spdlog::warn("network thread {} not pinned: {}", role, s.error().message);
  }
  inbox_->bind_to_current_thread();
  events_.resize(256);
  // Idle connections and unauthenticated ones are looked for a few times per timeout.
  uint32_t shortest_ms = 4000;
  for (const uint32_t ms : {shared_.config.idle_connection_timeout_ms, shared_.config.authentication_timeout_ms})
    if (ms != 0) shortest_ms = std::min(shortest_ms, ms);
  const auto idle_check_interval = std::chrono::milliseconds(std::clamp<uint32_t>(shortest_ms / 4, 10, 1000));
  next_idle_check_ = std::chrono::steady_clock::now() + idle_check_interval;

  while (!stop_.load(std::memory_order_acquire)) {
    const bool more_work = !write_queue_.empty() || !close_queue_.empty() || !pending_reads_.empty();
    const int timeout_ms = more_work ? 0 : static_cast<int>(epoll_timeout().count());
    const int n = ::epoll_wait(epoll_fd_.get(), events_.data(), static_cast<int>(events_.size()), timeout_ms);
    if (n < 0 && errno != EINTR) {
      spdlog::error("{}: epoll_wait failed: {}", role, errno_text(errno));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (int i = 0; i < n; ++i) {
      const uint64_t token = events_[i].data.u64;
      const uint32_t flags = events_[i].events;
      if (token == kWakeToken) {
        inbox_->clear_wake();
        run_commands();
        inbox_->take(completions_, tasks_);
        for (Completion& completion : completions_) deliver(std::move(completion));
        completions_.clear();
        for (auto& task : tasks_) task();  // their answers are delivered at once (same thread)
        tasks_.clear();
      } else if (token > kListenToken - listeners_.size()) {
        accept_connections(static_cast<uint32_t>(kListenToken - token));
      } else if (Connection* connection = find(token); connection != nullptr && !connection->closing) {
        if (flags & (EPOLLHUP | EPOLLERR)) {
          request_close(*connection, "connection reset or hung up", spdlog::level::debug);
          continue;
        }
        if (flags & EPOLLIN) on_readable(*connection);
        if ((flags & EPOLLOUT) && !connection->closing) queue_write(*connection);
      }
    }
    read_pending_input();
    flush_writes();
    close_queued();
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_idle_check_) {
      close_idle(now);
      close_queued();
      next_idle_check_ = now + idle_check_interval;
    }
  }
  close_everything();
}

void NetworkThread::run_commands() {
  std::vector<Adopted> adopted;
  {
    std::lock_guard lock(mutex_);
    adopted.swap(adopted_);
  }
  for (Adopted& a : adopted) add_connection(std::move(a.fd), std::move(a.peer), a.listener);
  if (draining_.load(std::memory_order_acquire) && !drain_applied_) {
    drain_applied_ = true;
    for (io::UniqueFd& listener : listeners_) {
      if (!listener.valid()) continue;
      ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, listener.get(), nullptr);
      listener.reset();
    }
    for (auto& [id, connection] : connections_) update_interest(*connection);
  }
}

void NetworkThread::accept_connections(uint32_t listener_index) {
  io::UniqueFd& listener = listeners_[listener_index];
  const auto now = std::chrono::steady_clock::now();
  auto log_reject = [&](const std::string& message) {
    if (now - last_reject_log_ < std::chrono::seconds(1)) {
      ++rejects_not_logged_;
      return;
    }
    if (rejects_not_logged_ > 0) {
      spdlog::warn("{} ({} more since the last such message)", message, rejects_not_logged_);
    } else {
      spdlog::warn("{}", message);
    }
    rejects_not_logged_ = 0;
    last_reject_log_ = now;
  };
  while (listener.valid()) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd =
        ::accept4(listener.get(), reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EMFILE || errno == ENFILE) {
        // Level-triggered epoll would report the listener forever: free the spare fd, take the
        // connection off the queue and close it, and take the spare back.
        spare_fd_.reset();
        const int victim = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (victim >= 0) ::close(victim);
        spare_fd_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        shared_.metrics.connections_rejected.add();
        log_reject("out of file descriptors: closed a new connection (raise the nofile limit)");
        return;
      }
      spdlog::error("accept on the Kafka listener failed: {}", errno_text(errno));
      return;
    }
    io::UniqueFd socket(fd);
    std::string peer = format_socket_address(address);
    if (shared_.open_connections.fetch_add(1, std::memory_order_acq_rel) >= shared_.config.max_connections) {
      shared_.open_connections.fetch_sub(1, std::memory_order_acq_rel);
      shared_.metrics.connections_rejected.add();
      log_reject("rejected connection from peer=" + peer + ": server.max_connections (" +
                 std::to_string(shared_.config.max_connections) + ") are open");
      continue;
    }
    const int one = 1;
    ::setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // The kernel stamps what it receives: the socket-wait stage (bytes in, not yet read).
    ::setsockopt(socket.get(), SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    shared_.metrics.connections_accepted.add();
    NetworkThread* target = peers_.empty() ? this : peers_[next_peer_++ % peers_.size()];
    if (target == this) {
      add_connection(std::move(socket), std::move(peer), listener_index);
    } else {
      target->adopt(std::move(socket), std::move(peer), listener_index);
    }
  }
}

void NetworkThread::add_connection(io::UniqueFd fd, std::string peer, uint32_t listener) {
  if (draining_.load(std::memory_order_acquire) || stop_.load(std::memory_order_acquire)) {
    shared_.open_connections.fetch_sub(1, std::memory_order_acq_rel);
    return;  // shutting down: the socket closes here
  }
  const ConnectionId id = shared_.next_connection_id.fetch_add(1, std::memory_order_relaxed);
  auto created = Connection::create(std::move(fd), id, std::move(peer), shared_.listeners[listener], shared_.config,
                                    shared_.metrics, shared_.inflight_requests);
  if (!created) {
    spdlog::error("connection dropped: {}", created.error().message);
    shared_.open_connections.fetch_sub(1, std::memory_order_acq_rel);
    return;
  }
  std::unique_ptr<Connection> connection = std::move(*created);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = id;
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, connection->fd(), &event) != 0) {
    spdlog::error("connection from peer={} dropped: epoll_ctl failed: {}", connection->peer(), errno_text(errno));
    shared_.open_connections.fetch_sub(1, std::memory_order_acq_rel);
    return;
  }
  connection->registered_events = EPOLLIN;
  spdlog::debug("connection {} opened peer={}", id, connection->peer());
  const std::string& peer_text = connection->peer();
  connections_.emplace(id, std::move(connection));
  connection_count_.fetch_add(1, std::memory_order_relaxed);
  shared_.metrics.connections.add(1);
  try {
    shared_.router.connection_opened(id, peer_text);
  } catch (const std::exception& e) {
    spdlog::error("connection_opened handler threw: {}", e.what());
  }
}

Connection* NetworkThread::find(ConnectionId id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

bool NetworkThread::paused(const Connection& connection) const {
  return draining_.load(std::memory_order_relaxed) ||
         connection.inflight() >= shared_.config.max_inflight_requests_per_connection ||
         connection.unsent_bytes() >= shared_.config.max_unsent_bytes_per_connection;
}

void NetworkThread::on_readable(Connection& connection) {
  size_t total = 0;
  while (!connection.closing && !paused(connection) && total < kReadBudget) {
    auto read = connection.read_once();
    if (!read) {
      close_after_io_error(connection, read.error());
      return;
    }
    if (read->bytes == 0) break;
    if (read->kernel_received_ns != 0) {
      timespec now;
      ::clock_gettime(CLOCK_REALTIME, &now);  // the kernel's stamp is on this clock
      shared_.metrics.socket_wait_latency.record(
          std::chrono::nanoseconds(int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec - read->kernel_received_ns));
    }
    total += read->bytes;
    connection.last_activity = std::chrono::steady_clock::now();
    dispatch_frames(connection);
    // A short read emptied the socket; level-triggered epoll reports it again if more comes,
    // so skip the recv() that would only say EAGAIN.
    if (!read->maybe_more) break;
  }
  if (connection.closing) return;
  if (connection.tls_wants_write()) queue_write(connection);  // a handshake flight to send
  if (connection.has_pending_input()) pending_reads_.push_back(connection.id());
  if (!connection.queued_for_write) update_interest(connection);
}

void NetworkThread::read_pending_input() {
  if (pending_reads_.empty()) return;
  // on_readable may queue the same connection again: read from a second list (both keep their
  // capacity, so this allocates nothing after warm-up).
  pending_reads_.swap(reading_now_);
  for (const ConnectionId id : reading_now_) {
    Connection* connection = find(id);
    if (connection == nullptr || connection->closing || paused(*connection)) continue;
    if (connection->has_pending_input()) on_readable(*connection);
  }
  reading_now_.clear();
}

void NetworkThread::close_after_io_error(Connection& connection, const Error& error) {
  if (connection.tls_established()) {
    request_close(connection, error.message, spdlog::level::debug);
    return;
  }
  // A client with the wrong CA, an expired certificate, or plaintext on a TLS port.
  shared_.metrics.tls_handshake_failures.add();
  request_close(connection, error.message, spdlog::level::info);
}

void NetworkThread::dispatch_frames(Connection& connection) {
  while (!connection.closing && !paused(connection)) {
    auto frame = connection.next_frame();
    if (!frame) {
      shared_.metrics.frames_rejected.add();
      request_close(connection, "refused frame: " + frame.error().message, spdlog::level::warn);
      return;
    }
    if (frame->empty()) return;
    Request request;
    request.frame = *frame;
    request.connection = connection.id();
    request.peer = connection.peer();
    request.session = &connection.session();
    request.api_key = read_be16(frame->data());
    request.api_version = read_be16(frame->data() + 2);
    request.correlation_id = read_be32(frame->data() + 4);
    request.received_at = std::chrono::steady_clock::now();
    const uint64_t sequence = connection.begin_request(request.api_key, request.correlation_id, request.received_at);
    shared_.metrics.count_request(request.api_key);
    try {
      shared_.router.handle(request, ResponseSlot(inbox_, connection.id(), sequence, connection.take_spare_buffer()));
    } catch (const std::exception& e) {
      // The slot died with the exception, which closes the connection; say why.
      spdlog::error("handler for api={} correlation_id={} peer={} threw: {}", BrokerMetrics::api_name(request.api_key),
                    request.correlation_id, connection.peer(), e.what());
    }
  }
}

void NetworkThread::deliver(Completion&& completion) {
  Connection* connection = find(completion.connection);
  if (connection == nullptr) return;  // closed meanwhile: the answer has nowhere to go
  if (completion.spare.capacity() > 0) connection->recycle(std::move(completion.spare));
  switch (completion.kind) {
    case Completion::Kind::kResponse:
    case Completion::Kind::kNoResponse:
      if (auto s = connection->complete(completion.sequence, completion.kind, std::move(completion.body),
                                        completion.answered_at);
          s) {
        queue_write(*connection);
      } else if (s.error().code == ErrorCode::kNotFound) {
        spdlog::error("connection {} peer={}: {} was ignored", connection->id(), connection->peer(), s.error().message);
      } else {
        const auto [api_key, correlation_id] = connection->describe(completion.sequence);
        request_close(*connection,
                      s.error().message + " (api=" + BrokerMetrics::api_name(api_key) +
                          " correlation_id=" + std::to_string(correlation_id) + ")",
                      spdlog::level::err);
      }
      break;
    case Completion::Kind::kClose: {
      const auto [api_key, correlation_id] = connection->describe(completion.sequence);
      request_close(*connection,
                    completion.reason + " (api=" + BrokerMetrics::api_name(api_key) +
                        " correlation_id=" + std::to_string(correlation_id) + ")",
                    spdlog::level::warn);
      break;
    }
    case Completion::Kind::kAbandoned: {
      const auto [api_key, correlation_id] = connection->describe(completion.sequence);
      request_close(*connection,
                    completion.reason + " without answering api=" + BrokerMetrics::api_name(api_key) +
                        " correlation_id=" + std::to_string(correlation_id),
                    spdlog::level::err);
      break;
    }
  }
}

void NetworkThread::queue_write(Connection& connection) {
  if (connection.queued_for_write) return;
  connection.queued_for_write = true;
  write_queue_.push_back(connection.id());
}

void NetworkThread::flush_writes() {
  // By index: dispatching buffered frames below can answer at once and queue more writes.
  for (size_t i = 0; i < write_queue_.size(); ++i) {
    Connection* connection = find(write_queue_[i]);
    if (connection == nullptr) continue;
    connection->queued_for_write = false;
    if (connection->closing) continue;
    auto all_written = connection->write_ready();
    if (!all_written) {
      close_after_io_error(*connection, all_written.error());
      continue;
    }
    // A failed SASL authentication: its answer is out, now close (as Kafka does).
    if (*all_written && connection->session().authentication_failed && connection->inflight() == 0) {
      request_close(*connection, "SASL authentication failed", spdlog::level::debug);
      continue;
    }
    // Back under the limits: take the frames that were waiting in the buffer first.
    if (!paused(*connection) && connection->has_buffered_frame()) {
      dispatch_frames(*connection);
      if (connection->queued_for_write) continue;  // answered at once: written in this loop
    }
    if (!paused(*connection) && connection->has_pending_input()) pending_reads_.push_back(connection->id());
    if (!connection->closing) {
      const uint32_t want = (paused(*connection) ? 0u : uint32_t{EPOLLIN}) | (*all_written ? 0u : uint32_t{EPOLLOUT});
      if (want != connection->registered_events) {
        epoll_event event{};
        event.events = want;
        event.data.u64 = connection->id();
        ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, connection->fd(), &event);
        connection->registered_events = want;
      }
    }
  }
  write_queue_.clear();
}

void NetworkThread::update_interest(Connection& connection) {
  // Keeps EPOLLOUT as it is (flush_writes owns it); sets EPOLLIN from the back-pressure state.
  const uint32_t want =
      (paused(connection) ? 0u : uint32_t{EPOLLIN}) | (connection.registered_events & uint32_t{EPOLLOUT});
  if (want == connection.registered_events) return;
  epoll_event event{};
  event.events = want;
  event.data.u64 = connection.id();
  ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, connection.fd(), &event);
  connection.registered_events = want;
}

void NetworkThread::request_close(Connection& connection, std::string reason, spdlog::level::level_enum level) {
  if (connection.closing) return;
  connection.closing = true;
  spdlog::log(level, "closing connection {} peer={}: {}", connection.id(), connection.peer(), reason);
  close_queue_.push_back(connection.id());
}

void NetworkThread::close_queued() {
  // By index: connection_closed() may answer slots of other connections, which can queue more.
  for (size_t i = 0; i < close_queue_.size(); ++i) {
    const ConnectionId id = close_queue_[i];
    auto it = connections_.find(id);
    if (it == connections_.end()) continue;
    std::unique_ptr<Connection> connection = std::move(it->second);
    connections_.erase(it);
    connection.reset();  // closes the socket, which also leaves the epoll set
    connection_count_.fetch_sub(1, std::memory_order_relaxed);
    shared_.open_connections.fetch_sub(1, std::memory_order_acq_rel);
    shared_.metrics.connections.add(-1);
    try {
      shared_.router.connection_closed(id);
    } catch (const std::exception& e) {
      spdlog::error("connection_closed handler threw: {}", e.what());
    }
  }
  close_queue_.clear();
}

void NetworkThread::close_idle(std::chrono::steady_clock::time_point now) {
  const uint32_t idle_ms = shared_.config.idle_connection_timeout_ms;
  const auto authentication_timeout = std::chrono::milliseconds(shared_.config.authentication_timeout_ms);
  for (auto& [id, connection] : connections_) {
    if (connection->closing) continue;
    if (connection->awaiting_authentication() && authentication_timeout.count() > 0 &&
        now - connection->opened_at > authentication_timeout) {
      shared_.metrics.unauthenticated_closed.add();
      request_close(*connection,
                    std::string(connection->tls_established() ? "SASL authentication" : "TLS handshake") +
                        " not finished within server.authentication_timeout_ms (" +
                        std::to_string(authentication_timeout.count()) + " ms)",
                    spdlog::level::info);
      continue;
    }
    if (idle_ms == 0 || connection->inflight() > 0) continue;
    if (now - connection->last_activity > std::chrono::milliseconds(idle_ms))
      request_close(*connection,
                    "idle for more than server.idle_connection_timeout_ms (" + std::to_string(idle_ms) + " ms)",
                    spdlog::level::info);
  }
}

void NetworkThread::close_everything() {
  // From here on answers are dropped, also those given inside connection_closed().
  inbox_->close();
  listeners_.clear();
  for (auto& [id, connection] : connections_) {
    if (!connection->closing) {
      connection->closing = true;
      close_queue_.push_back(id);
    }
  }
  close_queued();
  std::lock_guard lock(mutex_);
  shared_.open_connections.fetch_sub(static_cast<uint32_t>(adopted_.size()), std::memory_order_acq_rel);
  adopted_.clear();
}

}  // namespace ringmq::broker
