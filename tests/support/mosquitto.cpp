#include "tests/support/mosquitto.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace sb::testing {
namespace {

// Debian installs the broker in /usr/sbin, which is not on every user's PATH.
std::string mosquitto_program() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = dir + "/mosquitto";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "/usr/sbin/mosquitto";
}

}  // namespace

Mosquitto::Mosquitto(std::vector<std::string> extra_config)
    : dir_("stockbridge-mosquitto"), port_(free_port()), config_(dir_.file("mosquitto.conf")) {
  std::ofstream out(config_);
  out << "listener " << port_ << " 127.0.0.1\n"
      << "allow_anonymous true\n";
  // As root, mosquitto switches to its own user, and a change of user clears
  // the parent-death signal: the broker would outlive a crashed test.
  if (::geteuid() == 0) out << "user root\n";
  for (const auto& line : extra_config) out << line << "\n";
}

Status Mosquitto::start() {
  if (process_.running()) return Status::FailedPrecondition("mosquitto already running");
  return process_.spawn({mosquitto_program(), "-c", config_}, {}, dir_.file("mosquitto.log"));
}

bool Mosquitto::wait_ready(Millis timeout) {
  wait_until([this] { return !process_.running() || tcp_port_open(port_); }, timeout, Millis(10));
  return process_.running() && tcp_port_open(port_);
}

void Mosquitto::kill9() { process_.kill9(); }

Status Mosquitto::restart() {
  process_.kill9();
  return start();
}

}  // namespace sb::testing
