// Serves a request handler over Poco's threaded HTTP server, and carries out
// the connection fates only a socket can: answer nothing and reset (RST), or
// answer nothing and close.
//
// Poco stays behind this file: the handler sees only SimRequest/SimOutcome.
// Thread-safety: the handler is called from up to `threads` threads at once;
// start() and stop() from one controlling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sim_http.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace sb::erpsim {

class HttpListener {
 public:
  using Handler = std::function<SimOutcome(const SimRequest&)>;

  explicit HttpListener(Handler handler);
  ~HttpListener();

  // Returns "" or why it could not listen.
  std::string start(const std::string& bind, uint16_t port, int threads);
  // Closes every connection (in-progress ones too) and waits for the threads.
  void stop();
  uint16_t port() const { return port_; }

 private:
  Handler handler_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  uint16_t port_ = 0;
};

}  // namespace sb::erpsim
