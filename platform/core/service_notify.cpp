#include "platform/core/service_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace sb {

Status notify_service(std::string_view state) {
  const char* name = std::getenv("NOTIFY_SOCKET");
  if (name == nullptr || *name == '\0') return Status::Ok();
  return notify_service_at(name, state);
}

Status notify_service_at(const std::string& socket_name, std::string_view state) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // Only absolute paths and abstract names are valid, as in sd_notify: a
  // relative name would depend on our working directory.
  if ((socket_name[0] != '/' && socket_name[0] != '@') || socket_name.size() < 2 ||
      socket_name.size() >= sizeof addr.sun_path) {
    return Status::InvalidArgument("NOTIFY_SOCKET is not an absolute path or an abstract name: " + socket_name);
  }
  std::memcpy(addr.sun_path, socket_name.data(), socket_name.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // the abstract namespace: no file, name length counts
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_name.size());

  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IoError(std::string("notify socket: ") + std::strerror(errno));
  ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), len);
  int err = errno;
  ::close(fd);
  if (sent < 0) return Status::IoError("notify " + socket_name + ": " + std::strerror(err));
  if (static_cast<size_t>(sent) != state.size()) return Status::IoError("notify " + socket_name + ": short send");
  return Status::Ok();
}

}  // namespace sb
