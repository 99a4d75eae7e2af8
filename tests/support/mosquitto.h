// A real mosquitto broker on a free loopback port, for integration, end-to-end
// and crash tests.
//
// The generated config is `listener <port> 127.0.0.1`, `allow_anonymous true`
// and the extra lines given; everything else is mosquitto's default, notably
// persistence off, so a broker killed with kill9() comes back with no sessions,
// subscriptions or retained messages -- crash tests rely on that. Run as root,
// the config also says `user root`: dropping to the mosquitto user would clear
// the parent-death signal that kills the broker with a crashed test.
// Thread-safety: one Mosquitto is used by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/status.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace sb::testing {

class Mosquitto {
 public:
  // Picks the port and writes the config; nothing runs until start().
  explicit Mosquitto(std::vector<std::string> extra_config = {});
  ~Mosquitto() = default;  // the Process member kills the broker

  // Spawns mosquitto (found on PATH, else /usr/sbin/mosquitto) and returns at
  // once; wait_ready() says when it accepts connections.
  Status start();
  // True once a TCP connect to the port succeeds; false on timeout or when the
  // broker exited (its log_tail() says why).
  bool wait_ready(Millis timeout = Millis(5000));
  // SIGKILL: clients see their connections drop, nothing is saved.
  void kill9();
  // kill9() if running, then start() on the same port (does not wait).
  Status restart();
  bool running() { return process_.running(); }
  pid_t pid() const { return process_.pid(); }

  uint16_t port() const { return port_; }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  const TempDir& dir() const { return dir_; }
  std::string log_tail(size_t lines = 40) const { return process_.log_tail(lines); }

 private:
  TempDir dir_;
  uint16_t port_;
  std::string config_;
  Process process_;
};

}  // namespace sb::testing
