// Sockets shared by the Kafka listener and the metrics endpoint: a non-blocking listening
// TCP socket bound to host:port (SO_REUSEADDR, close-on-exec), and peer addresses as text.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "common/result.h"
#include "io/unique_fd.h"

namespace ringmq::broker {

struct ListeningSocket {
  io::UniqueFd fd;
  uint16_t port = 0;    // the port bound (the ephemeral one when 0 was asked for)
  std::string address;  // "127.0.0.1:9092", "[::1]:9092"
};

// Resolves `host` (numeric or a name; the first address wins), binds and listens. Errors name
// the address: "bind 127.0.0.1:9092: Address already in use".
Result<ListeningSocket> open_listening_socket(const std::string& host, uint16_t port, int backlog = 1024);

// "10.0.0.7:51234" or "[fe80::1]:51234".
std::string format_socket_address(const sockaddr_storage& address);
// The peer of a connected socket, or "unknown".
std::string peer_address_of(int fd);

}  // namespace ringmq::broker
