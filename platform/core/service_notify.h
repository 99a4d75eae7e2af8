// Telling the service manager how this process is doing: systemd's sd_notify
// protocol, without libsystemd (gateways keep their dependencies few).
//
// notify_service("READY=1") sends one datagram to the AF_UNIX socket named by
// $NOTIFY_SOCKET (a path, or '@' for the abstract namespace), as a unit of
// Type=notify expects once the program serves. Without $NOTIFY_SOCKET (run by
// hand, in tests, under another supervisor) it does nothing and returns OK.
// Thread-safety: may be called from any thread.
#pragma once

#include <string>
#include <string_view>

#include "platform/core/status.h"

namespace sb {

// Sends `state` ("READY=1", "STOPPING=1", "STATUS=...", newline-separated) to
// $NOTIFY_SOCKET. OK when unset; IoError naming the socket when sending fails.
Status notify_service(std::string_view state);

// The same to an explicit socket name (as NOTIFY_SOCKET would hold it).
Status notify_service_at(const std::string& socket_name, std::string_view state);

}  // namespace sb
