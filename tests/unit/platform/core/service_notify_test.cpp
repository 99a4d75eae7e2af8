// The readiness message reaches the service manager's socket as one datagram:
// a real AF_UNIX datagram socket stands in for systemd's, both as a file and
// in the abstract namespace ('@' in NOTIFY_SOCKET).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include "platform/core/service_notify.h"

#include <CppUTest/TestHarness.h>

namespace {

// A bound datagram socket, as the service manager holds; `name` as NOTIFY_SOCKET spells it.
struct ManagerSocket {
  int fd = -1;
  std::string name;

  explicit ManagerSocket(const std::string& n) : name(n) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    if (name[0] == '@') addr.sun_path[0] = '\0';
    CHECK_EQUAL(0, ::bind(fd, reinterpret_cast<sockaddr*>(&addr),
                          static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())));
  }
  ~ManagerSocket() {
    ::close(fd);
    if (name[0] == '/') ::unlink(name.c_str());
  }
  // The next datagram, or "" when none is waiting.
  std::string received() {
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
};

std::string unique(const char* prefix) { return prefix + std::to_string(::getpid()); }

}  // namespace

TEST_GROUP(ServiceNotify) {
  void teardown() override { ::unsetenv("NOTIFY_SOCKET"); }
};

TEST(ServiceNotify, ReadyReachesASocketNamedByAPath) {
  ManagerSocket manager("/tmp/" + unique("sb-notify-test-"));
  ::setenv("NOTIFY_SOCKET", manager.name.c_str(), 1);
  CHECK_TRUE(sb::notify_service("READY=1\nSTATUS=serving").ok());
  STRCMP_EQUAL("READY=1\nSTATUS=serving", manager.received().c_str());
  CHECK_TRUE(sb::notify_service("STOPPING=1").ok());
  STRCMP_EQUAL("STOPPING=1", manager.received().c_str());
}

TEST(ServiceNotify, ReadyReachesAnAbstractSocket) {
  ManagerSocket manager("@" + unique("sb-notify-test-abstract-"));
  ::setenv("NOTIFY_SOCKET", manager.name.c_str(), 1);
  CHECK_TRUE(sb::notify_service("READY=1").ok());
  STRCMP_EQUAL("READY=1", manager.received().c_str());
}

TEST(ServiceNotify, WithoutNotifySocketNothingIsSentAndAllIsWell) {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_TRUE(sb::notify_service("READY=1").ok());
}

TEST(ServiceNotify, AMissingOrMalformedSocketIsAnErrorNotACrash) {
  sb::Status gone = sb::notify_service_at("/tmp/" + unique("sb-notify-test-nobody-"), "READY=1");
  CHECK_FALSE(gone.ok());
  CHECK_TRUE(gone.message().find("sb-notify-test-nobody-") != std::string::npos);
  CHECK_FALSE(sb::notify_service_at("relative/socket", "READY=1").ok());
  CHECK_FALSE(sb::notify_service_at("", "READY=1").ok());
}
