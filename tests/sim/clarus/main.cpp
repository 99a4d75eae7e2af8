// stockbridge-clarus-sim: the Clarus simulator as a program a person (or a
// test script) points the Stockbridge agent at instead of Clarus. See --help
// and README.md.
//
// Logs one JSON line per notable thing on stderr; prints
// {"msg":"listening","url":"http://..."} on stdout and writes the port to
// --port-file (atomically, via rename) once listening. SIGTERM or SIGINT stop
// it cleanly (exit 0). The program around the simulator is
// sb::sim::run_simulator (tests/sim/common).
#include <string>

#include "clarus_simulator.h"
#include "sim_options.h"
#include "sim_program.h"

int main(int argc, char** argv) {
  using namespace sb::clarus_sim;
  return sb::sim::run_simulator<ClarusSimulator>("stockbridge-clarus-sim", argc, argv, parse_options, usage(),
                                                 [](ClarusSimulator& sim) {
                                                   sb::Status st = sim.start();
                                                   return st.ok() ? std::string() : st.to_string();
                                                 });
}
