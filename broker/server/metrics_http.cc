#include "broker/server/metrics_http.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string_view>

#include "broker/server/logging.h"
#include "broker/server/socket_util.h"
#include "common/errno_text.h"

namespace ringmq::broker {
namespace {

constexpr int kClientTimeoutMs = 2000;
constexpr size_t kMaxRequestHeadBytes = 8192;

// Reads until the end of the request head ("\r\n\r\n"), the size limit or the deadline.
std::string read_request_head(int client) {
  std::string head;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kClientTimeoutMs);
  char buffer[2048];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < kMaxRequestHeadBytes) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{client, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    head.append(buffer, static_cast<size_t>(n));
  }
  return head;
}

// Writes all of `data`, giving up on a client that stops reading.
void write_all(int client, std::string_view data) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kClientTimeoutMs);
  while (!data.empty()) {
    const ssize_t n = ::send(client, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{client, POLLOUT, 0};
      if (left.count() > 0 && ::poll(&p, 1, static_cast<int>(left.count())) > 0) continue;
    }
    return;
  }
}

std::string response(std::string_view status, std::string_view content_type, std::string_view body, bool include_body,
                     std::string_view extra_headers = {}) {
  std::string out = "HTTP/1.1 " + std::string(status) + "\r\nContent-Type: " + std::string(content_type) +
                    "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
                    std::string(extra_headers) + "\r\n";
  if (include_body) out += body;
  return out;
}

}  // namespace

Result<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::start(const std::string& host, uint16_t port,
                                                                    const MetricsRegistry& registry) {
  auto listener = open_listening_socket(host, port, 64);
  if (!listener) {
    Error error = listener.error();
    error.message = "metrics endpoint (metrics.host / metrics.port): " + error.message;
    return std::unexpected(std::move(error));
  }
  std::unique_ptr<MetricsHttpServer> server(
      new MetricsHttpServer(std::move(listener->fd), listener->port, listener->address, registry));
  if (!server->stop_event_.valid()) return errno_error("eventfd for the metrics endpoint", errno);
  server->thread_ = std::thread([raw = server.get()] { raw->run(); });
  spdlog::info("metrics on http://{}/metrics", server->address_);
  return server;
}

MetricsHttpServer::MetricsHttpServer(io::UniqueFd listener, uint16_t port, std::string address,
                                     const MetricsRegistry& registry)
    : listener_(std::move(listener)),
      stop_event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      port_(port),
      address_(std::move(address)),
      registry_(registry) {}

MetricsHttpServer::~MetricsHttpServer() { stop(); }

void MetricsHttpServer::stop() {
  if (!thread_.joinable()) return;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_event_.get(), &one, sizeof one);
  thread_.join();
}

void MetricsHttpServer::run() {
  set_thread_name("rmq-metrics");
  while (true) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_event_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("metrics endpoint: poll failed: {}", errno_text(errno));
      return;
    }
    if (fds[1].revents & POLLIN) return;
    if (!(fds[0].revents & POLLIN)) continue;
    io::UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client.valid()) continue;  // EAGAIN (the listener is non-blocking), ECONNABORTED, EMFILE
    serve(client.get());
  }
}

void MetricsHttpServer::serve(int client) {
  const std::string head = read_request_head(client);
  const size_t line_end = head.find("\r\n");
  if (line_end == std::string::npos) return;  // not HTTP, or too slow: just close
  const std::string_view line(head.data(), line_end);
  const size_t first_space = line.find(' ');
  const size_t second_space = first_space == std::string_view::npos ? first_space : line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) {
    write_all(client, response("400 Bad Request", "text/plain", "bad request line\n", true));
    return;
  }
  const std::string_view method = line.substr(0, first_space);
  std::string_view target = line.substr(first_space + 1, second_space - first_space - 1);
  target = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") {
    write_all(client,
              response("405 Method Not Allowed", "text/plain", "only GET and HEAD\n", true, "Allow: GET, HEAD\r\n"));
    return;
  }
  if (target != "/metrics") {
    write_all(client, response("404 Not Found", "text/plain", "not found; try /metrics\n", method == "GET"));
    return;
  }
  const std::string body = registry_.render();
  write_all(client, response("200 OK", "text/plain; version=0.0.4; charset=utf-8", body, method == "GET"));
}

}  // namespace ringmq::broker
