// Loopback ports for tests that start real servers.
// Thread-safety: free functions, safe from any thread.
#pragma once

#include <cstdint>

namespace sb::testing {

// A port that was free on 127.0.0.1 a moment ago (bound to port 0, read,
// closed); 0 if no socket could be bound. Another process may take it before
// you bind it, so use it at once.
uint16_t free_port();

// True when a TCP connect to 127.0.0.1:port succeeds, i.e. something listens.
bool tcp_port_open(uint16_t port);

}  // namespace sb::testing
