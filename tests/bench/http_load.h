// A lean HTTP/1.1 load generator for the intake benchmark: N threads, one
// keep-alive connection each, one request in flight per connection (like a
// webhook sender), raw sockets so the generator costs little CPU next to the
// agent on the same machine.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace sb::bench {

struct LoadResult {
  uint64_t requests = 0;
  uint64_t ok = 0;        // 2xx
  uint64_t failed = 0;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0;
};

// body(thread, n) returns the JSON body of request n of a thread. headers are
// extra header lines, each ending in "\r\n" (e.g. Clarus's webhook headers).
LoadResult run_http_load(uint16_t port, const std::string& path, int connections, double seconds,
                         const std::function<std::string(int thread, uint64_t n)>& body,
                         const std::string& headers = "");

}  // namespace sb::bench
