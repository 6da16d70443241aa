// HttpClient: one keep-alive HTTP/1.1 connection to one host:port, for the JSON requests of
// etcd's v3 gateway. Blocking, with a deadline per request: its only user is the cluster
// membership thread, which must notice a slow or dead etcd within a fraction of its lease.
// Bodies framed by Content-Length or chunked encoding are read whole.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "io/unique_fd.h"

namespace ringmq::cluster {

// Where an HTTP server listens: "http://127.0.0.1:2379" or "127.0.0.1:2379" (an IPv4 address
// or a host name; https is refused, the gateway's TLS is not supported yet).
struct HttpEndpoint {
  std::string host;
  uint16_t port = 0;

  std::string to_string() const { return host + ":" + std::to_string(port); }
};
Result<HttpEndpoint> parse_http_endpoint(std::string_view url);

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(HttpEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

  // POSTs `json` to `path` and returns the whole answer, any status. kTimeout when the
  // deadline passes, kIo when the server cannot be reached or breaks the protocol; the
  // connection is dropped after any error and opened again by the next request.
  Result<HttpResponse> post(std::string_view path, std::string_view json, std::chrono::milliseconds timeout);

  const HttpEndpoint& endpoint() const { return endpoint_; }

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  Status connect(Deadline deadline);
  Status send_all(std::string_view bytes, Deadline deadline);
  // Reads what is there into buffer_ (waiting up to the deadline); kClosed at end of stream.
  Status read_more(Deadline deadline);
  Result<HttpResponse> read_response(Deadline deadline);
  // The next line (without CRLF) from buffer_ at read_pos_, reading more as needed.
  Result<std::string> read_line(Deadline deadline);
  Result<std::string> read_exactly(size_t n, Deadline deadline);

  HttpEndpoint endpoint_;
  io::UniqueFd socket_;
  std::string buffer_;  // bytes received and not consumed yet, from read_pos_
  size_t read_pos_ = 0;
};

}  // namespace ringmq::cluster
