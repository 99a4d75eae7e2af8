// stockbridge-clarus-sim: the Clarus simulator as a program a person (or a
// test script) points the Stockbridge agent at instead of Clarus. See --help
// and README.md.
//
// Logs one JSON line per notable thing on stderr; prints
// {"msg":"listening","url":"http://..."} on stdout and writes the port to
// --port-file (atomically, via rename) once listening. SIGTERM or SIGINT stop
// it cleanly (exit 0).
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <pthread.h>
#include <string>
#include <vector>

#include "clarus_simulator.h"
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
  using namespace sb::clarus_sim;
  auto parsed = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.error.empty()) {
    std::cerr << "stockbridge-clarus-sim: " << parsed.error << "\n\n" << usage();
    return 2;
  }
  if (parsed.options.help) {
    std::cout << usage();
    return 0;
  }

  // Blocked before any thread starts, so only sigwait below sees them.
  // SIGPIPE is ignored: a client that hangs up mid-answer must not kill the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  ClarusSimulator sim(parsed.options);
  if (sb::Status st = sim.start(); !st.ok()) {
    std::cerr << "stockbridge-clarus-sim: " << st.to_string() << "\n";
    return 1;
  }
  if (!parsed.options.port_file.empty() && !write_port_file(parsed.options.port_file, sim.port())) {
    std::cerr << "stockbridge-clarus-sim: cannot write port file " << parsed.options.port_file << "\n";
    return 1;
  }
  std::cout << R"({"msg":"listening","url":")" << sim.url() << "\"}" << std::endl;

  int received = 0;
  sigwait(&stop_signals, &received);
  sim.stop();
  std::cout << R"({"msg":"stopped","signal":)" << received << "}" << std::endl;
  return 0;
}
