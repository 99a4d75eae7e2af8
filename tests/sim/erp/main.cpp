// stockbridge-erp-sim: the ERP simulator as a program a person (or a test
// script) points the relay at instead of NetSuite. See --help and README.md.
//
// Prints one JSON line once listening: {"msg":"listening","url":"http://..."}
// and writes the port to --port-file (atomically, via rename) so scripts can
// wait for either. SIGTERM or SIGINT stop it cleanly (exit 0).
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <pthread.h>
#include <string>
#include <vector>

#include "erp_simulator.h"
#include "sim_options.h"

namespace {

bool write_port_file(const std::string& path, uint16_t port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sb::erpsim;
  auto parsed = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.error.empty()) {
    std::cerr << "stockbridge-erp-sim: " << parsed.error << "\n\n" << usage();
    return 2;
  }
  if (parsed.options.help) {
    std::cout << usage();
    return 0;
  }

  // Blocked before any thread starts, so every server thread inherits the
  // mask and only sigwait below sees them. SIGPIPE is ignored: a client that
  // hangs up mid-answer must not kill the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  ErpSimulator sim(parsed.options);
  if (std::string error = sim.start(); !error.empty()) {
    std::cerr << "stockbridge-erp-sim: " << error << "\n";
    return 1;
  }
  if (!parsed.options.port_file.empty() && !write_port_file(parsed.options.port_file, sim.port())) {
    std::cerr << "stockbridge-erp-sim: cannot write port file " << parsed.options.port_file << "\n";
    return 1;
  }
  std::cout << R"({"msg":"listening","url":")" << sim.url() << "\"}" << std::endl;

  int received = 0;
  sigwait(&stop_signals, &received);
  sim.stop();
  std::cout << R"({"msg":"stopped","signal":)" << received << "}" << std::endl;
  return 0;
}
