#include "broker/server/socket_util.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace ringmq::broker {

std::string format_socket_address(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  return "unknown";
}

std::string peer_address_of(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "unknown";
  return format_socket_address(address);
}

Result<ListeningSocket> open_listening_socket(const std::string& host, uint16_t port, int backlog) {
  std::string bare_host = host;
  if (bare_host.size() > 2 && bare_host.front() == '[' && bare_host.back() == ']')
    bare_host = bare_host.substr(1, bare_host.size() - 2);
  const std::string wanted = host + ":" + std::to_string(port);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(bare_host.c_str(), service.c_str(), &hints, &found); rc != 0)
    return make_error(ErrorCode::kInvalidArgument, "resolve " + wanted + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, ::freeaddrinfo);

  io::UniqueFd fd(::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd.valid()) return errno_error("socket for " + wanted, errno);
  const int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    return errno_error("SO_REUSEADDR on " + wanted, errno);
  if (::bind(fd.get(), found->ai_addr, found->ai_addrlen) != 0) return errno_error("bind " + wanted, errno);
  if (::listen(fd.get(), backlog) != 0) return errno_error("listen on " + wanted, errno);

  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &length) != 0)
    return errno_error("getsockname of " + wanted, errno);
  ListeningSocket socket;
  socket.address = format_socket_address(bound);
  socket.port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                            : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  socket.fd = std::move(fd);
  return socket;
}

}  // namespace ringmq::broker
