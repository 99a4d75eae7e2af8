// A site that dies: connects with a retained last will, announces itself on
// the will's topic and then waits. SIGKILL (the test's crash) makes the broker
// publish the will; SIGTERM stops cleanly, so the will is not published.
//   mqtt_will_client <server-uri> <client-id> <topic> <will-payload> <online-payload>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "platform/mqtt/transport.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s <server-uri> <client-id> <topic> <will-payload> <online-payload>\n", argv[0]);
    return 2;
  }
  // Blocked before any thread starts, so only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  sb::MqttOptions options;
  options.server_uri = argv[1];
  options.client_id = argv[2];
  options.will = {argv[3], argv[4], 1, true};
  auto transport = sb::make_paho_transport(options);
  std::atomic<bool> up{false};
  transport->on_connection([&up](bool connected, const std::string&) { up = connected; });
  if (auto s = transport->start(); !s.ok()) {
    std::fprintf(stderr, "start: %s\n", s.to_string().c_str());
    return 1;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!up && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (auto s = transport->publish(argv[3], argv[5], 1, true); !s.ok()) {
    std::fprintf(stderr, "publish: %s\n", s.to_string().c_str());
    return 1;
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  transport->stop();
  return 0;
}
