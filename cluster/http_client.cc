#include "cluster/http_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <optional>

namespace ringmq::cluster {

namespace {

constexpr size_t kMaxResponseBytes = 64 << 20;  // a range over every key of a large cluster fits

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Waits until `fd` is ready for `events`; kTimeout at the deadline.
Status wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline, std::string_view what) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return {};
    if (n == 0) return make_error(ErrorCode::kTimeout, std::string(what) + ": no answer in time");
    if (errno != EINTR) return errno_error(std::string(what), errno);
  }
}

}  // namespace

Result<HttpEndpoint> parse_http_endpoint(std::string_view url) {
  if (url.starts_with("https://"))
    return make_error(ErrorCode::kUnsupported, "etcd endpoint " + std::string(url) + ": TLS to etcd is not supported");
  if (url.starts_with("http://")) url.remove_prefix(7);
  while (url.ends_with('/')) url.remove_suffix(1);
  const size_t colon = url.rfind(':');
  HttpEndpoint endpoint;
  unsigned port = 0;
  const char* port_end = url.data() + url.size();
  const auto parsed = colon == std::string_view::npos ? std::from_chars_result{nullptr, std::errc::invalid_argument}
                                                      : std::from_chars(url.data() + colon + 1, port_end, port);
  if (colon == std::string_view::npos || colon == 0 || parsed.ec != std::errc{} || parsed.ptr != port_end ||
      port == 0 || port > 65535 || url.find("://") != std::string_view::npos)
    return make_error(ErrorCode::kInvalidArgument,
                      "endpoint '" + std::string(url) + "' is not HOST:PORT (e.g. http://127.0.0.1:2379)");
  endpoint.host = std::string(url.substr(0, colon));
  endpoint.port = static_cast<uint16_t>(port);
  return endpoint;
}

Status HttpClient::connect(Deadline deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(endpoint_.port);
  if (int rc = ::getaddrinfo(endpoint_.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return make_error(ErrorCode::kIo, "resolving " + endpoint_.to_string() + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  Error last{ErrorCode::kIo, "no address for " + endpoint_.to_string()};
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    io::UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd.valid()) return errno_error("socket", errno);
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last = errno_error("connecting to " + endpoint_.to_string(), errno).error();
        continue;
      }
      if (auto ready = wait_for(fd.get(), POLLOUT, deadline, "connecting to " + endpoint_.to_string()); !ready) {
        last = ready.error();
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last = errno_error("connecting to " + endpoint_.to_string(), err).error();
        continue;
      }
    }
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    socket_ = std::move(fd);
    buffer_.clear();
    read_pos_ = 0;
    return {};
  }
  return std::unexpected(last);
}

Status HttpClient::send_all(std::string_view bytes, Deadline deadline) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(socket_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (auto ready = wait_for(socket_.get(), POLLOUT, deadline, "sending to " + endpoint_.to_string()); !ready)
        return ready;
    } else if (n < 0 && errno != EINTR) {
      return errno_error("sending to " + endpoint_.to_string(), errno);
    }
  }
  return {};
}

Status HttpClient::read_more(Deadline deadline) {
  if (read_pos_ > 0 && read_pos_ == buffer_.size()) {
    buffer_.clear();
    read_pos_ = 0;
  }
  if (buffer_.size() - read_pos_ > kMaxResponseBytes)
    return make_error(ErrorCode::kTooLarge, "answer from " + endpoint_.to_string() + " larger than 64 MiB");
  char chunk[16384];
  for (;;) {
    const ssize_t n = ::recv(socket_.get(), chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      return {};
    }
    if (n == 0) return make_error(ErrorCode::kClosed, endpoint_.to_string() + " closed the connection");
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (auto ready = wait_for(socket_.get(), POLLIN, deadline, "waiting for " + endpoint_.to_string()); !ready)
        return ready;
    } else if (errno != EINTR) {
      return errno_error("reading from " + endpoint_.to_string(), errno);
    }
  }
}

Result<std::string> HttpClient::read_line(Deadline deadline) {
  for (;;) {
    const size_t end = buffer_.find("\r\n", read_pos_);
    if (end != std::string::npos) {
      std::string line = buffer_.substr(read_pos_, end - read_pos_);
      read_pos_ = end + 2;
      return line;
    }
    if (auto more = read_more(deadline); !more) return std::unexpected(more.error());
  }
}

Result<std::string> HttpClient::read_exactly(size_t n, Deadline deadline) {
  while (buffer_.size() - read_pos_ < n)
    if (auto more = read_more(deadline); !more) return std::unexpected(more.error());
  std::string out = buffer_.substr(read_pos_, n);
  read_pos_ += n;
  return out;
}

Result<HttpResponse> HttpClient::read_response(Deadline deadline) {
  auto status_line = read_line(deadline);
  if (!status_line) return std::unexpected(status_line.error());
  HttpResponse response;
  // "HTTP/1.1 200 OK"
  if (!status_line->starts_with("HTTP/1.") || status_line->size() < 12 ||
      std::from_chars(status_line->data() + 9, status_line->data() + 12, response.status).ec != std::errc{})
    return make_error(ErrorCode::kIo, endpoint_.to_string() + " answered a malformed status line: " + *status_line);
  std::optional<size_t> content_length;
  bool chunked = false;
  bool close_after = false;
  for (;;) {
    auto line = read_line(deadline);
    if (!line) return std::unexpected(line.error());
    if (line->empty()) break;
    const size_t colon = line->find(':');
    if (colon == std::string::npos) continue;
    const std::string name = lower(std::string_view(*line).substr(0, colon));
    std::string_view value = std::string_view(*line).substr(colon + 1);
    while (value.starts_with(' ')) value.remove_prefix(1);
    if (name == "content-length") {
      size_t n = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), n).ec != std::errc{} || n > kMaxResponseBytes)
        return make_error(ErrorCode::kIo, endpoint_.to_string() + ": bad Content-Length " + std::string(value));
      content_length = n;
    } else if (name == "transfer-encoding") {
      chunked = lower(value).find("chunked") != std::string::npos;
    } else if (name == "connection") {
      close_after = lower(value) == "close";
    }
  }
  if (chunked) {
    for (;;) {
      auto size_line = read_line(deadline);
      if (!size_line) return std::unexpected(size_line.error());
      size_t n = 0;
      if (std::from_chars(size_line->data(), size_line->data() + size_line->size(), n, 16).ec != std::errc{} ||
          n > kMaxResponseBytes - response.body.size())
        return make_error(ErrorCode::kIo, endpoint_.to_string() + ": bad chunk size " + *size_line);
      if (n == 0) {
        // Trailers, then the empty line.
        for (;;) {
          auto trailer = read_line(deadline);
          if (!trailer) return std::unexpected(trailer.error());
          if (trailer->empty()) break;
        }
        break;
      }
      auto data = read_exactly(n + 2, deadline);  // the chunk and its CRLF
      if (!data) return std::unexpected(data.error());
      response.body.append(*data, 0, n);
    }
  } else if (content_length) {
    auto data = read_exactly(*content_length, deadline);
    if (!data) return std::unexpected(data.error());
    response.body = std::move(*data);
  } else {
    // Neither: the body runs to the end of the connection; only a real end ends it (a
    // timeout, an error or the size cap is not a complete answer).
    for (;;) {
      auto more = read_more(deadline);
      if (!more) {
        if (more.error().code != ErrorCode::kClosed) return std::unexpected(more.error());
        break;
      }
    }
    response.body = buffer_.substr(read_pos_);
    close_after = true;
  }
  if (close_after) socket_.reset();
  return response;
}

Result<HttpResponse> HttpClient::post(std::string_view path, std::string_view json, std::chrono::milliseconds timeout) {
  const Deadline deadline = std::chrono::steady_clock::now() + timeout;
  // A kept-alive connection the server has since closed fails the first write or read; one
  // retry on a fresh connection covers that without hiding a dead server.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = socket_.valid();
    if (!reused)
      if (auto connected = connect(deadline); !connected) return std::unexpected(connected.error());
    std::string request;
    request.reserve(160 + json.size());
    request.append("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(endpoint_.to_string());
    request.append("\r\nContent-Type: application/json\r\nContent-Length: ").append(std::to_string(json.size()));
    request.append("\r\n\r\n").append(json);
    Result<HttpResponse> answer = std::unexpected(Error{});
    if (auto sent = send_all(request, deadline); sent)
      answer = read_response(deadline);
    else
      answer = std::unexpected(sent.error());
    if (answer) return answer;
    socket_.reset();
    if (!reused || answer.error().code == ErrorCode::kTimeout) return std::unexpected(answer.error());
  }
  return make_error(ErrorCode::kIo, "unreachable");
}

}  // namespace ringmq::cluster
