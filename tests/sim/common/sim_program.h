// The program around a simulator: what stockbridge-erp-sim and
// stockbridge-clarus-sim do between the command line and exit.
//
// Answers a command-line error with the usage on stderr (exit 2) and --help
// with the usage on stdout (exit 0). Otherwise blocks SIGINT and SIGTERM
// before any thread starts, so every server thread inherits the mask and only
// the final sigwait sees them, and ignores SIGPIPE: a client that hangs up
// mid-answer must not kill the server. Then starts the simulator (exit 1 when
// it cannot), writes the port to the port file (atomically, via rename; exit 1
// when it cannot), prints {"msg":"listening","url":"http://..."} on stdout,
// waits for a stop signal, stops the simulator and prints
// {"msg":"stopped","signal":N} (exit 0).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sb::sim {

struct Started {
  std::string error;  // "" once listening
  uint16_t port = 0;
  std::string url;
};

struct Program {
  std::string name;          // prefixes every message on stderr
  std::string usage;         // the --help text
  std::string parse_error;   // "" when the command line was valid
  bool help = false;
  std::string port_file;     // "" = none
  // Makes and starts the simulator; called once the stop signals are blocked.
  std::function<Started()> start;
  std::function<void()> stop;
};

// The program's exit code.
int run_program(const Program& program);

// main() of a simulator program named `name`: parses the command line with
// parse_options (giving {options, error}, options with help and port_file),
// makes a Simulator(options) and starts it with start, which answers "" once
// listening or why it could not start.
template <class Simulator, class Parsed>
int run_simulator(const std::string& name, int argc, char** argv,
                  Parsed (*parse_options)(const std::vector<std::string>&), const std::string& usage,
                  const std::function<std::string(Simulator&)>& start) {
  const Parsed parsed = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  std::optional<Simulator> sim;
  return run_program({
      .name = name,
      .usage = usage,
      .parse_error = parsed.error,
      .help = parsed.options.help,
      .port_file = parsed.options.port_file,
      .start = [&]() -> Started {
        sim.emplace(parsed.options);
        if (std::string error = start(*sim); !error.empty()) return {error, 0, {}};
        return {"", sim->port(), sim->url()};
      },
      .stop = [&] { sim->stop(); },
  });
}

}  // namespace sb::sim
