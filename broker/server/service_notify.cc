#include "broker/server/service_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "io/unique_fd.h"

namespace ringmq::broker {

ServiceNotifier ServiceNotifier::from_environment() {
  const char* address = std::getenv("NOTIFY_SOCKET");
  return ServiceNotifier(address ? address : "");
}

Status ServiceNotifier::notify(std::string_view state) const {
  if (!enabled()) return {};
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (address_.size() >= sizeof addr.sun_path || (address_[0] != '/' && address_[0] != '@'))
    return make_error(ErrorCode::kInvalidArgument, "NOTIFY_SOCKET '" + address_ + "' is not a socket path");
  std::memcpy(addr.sun_path, address_.data(), address_.size());
  if (address_[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  const socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  io::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno_error("socket(AF_UNIX)", errno);
  if (::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), length) < 0)
    return errno_error("notifying " + address_, errno);
  return {};
}

}  // namespace ringmq::broker
