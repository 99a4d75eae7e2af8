#include "sim_program.h"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <pthread.h>

namespace sb::sim {
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

int run_program(const Program& p) {
  if (!p.parse_error.empty()) {
    std::cerr << p.name << ": " << p.parse_error << "\n\n" << p.usage;
    return 2;
  }
  if (p.help) {
    std::cout << p.usage;
    return 0;
  }

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  Started started = p.start();
  if (!started.error.empty()) {
    std::cerr << p.name << ": " << started.error << "\n";
    return 1;
  }
  if (!p.port_file.empty() && !write_port_file(p.port_file, started.port)) {
    std::cerr << p.name << ": cannot write port file " << p.port_file << "\n";
    return 1;
  }
  std::cout << R"({"msg":"listening","url":")" << started.url << "\"}" << std::endl;

  int received = 0;
  sigwait(&stop_signals, &received);
  p.stop();
  std::cout << R"({"msg":"stopped","signal":)" << received << "}" << std::endl;
  return 0;
}

}  // namespace sb::sim
