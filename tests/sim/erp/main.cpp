// stockbridge-erp-sim: the ERP simulator as a program a person (or a test
// script) points the relay at instead of NetSuite. See --help and README.md.
//
// Prints one JSON line once listening: {"msg":"listening","url":"http://..."}
// and writes the port to --port-file (atomically, via rename) so scripts can
// wait for either. SIGTERM or SIGINT stop it cleanly (exit 0). The program
// around the simulator is sb::sim::run_simulator (tests/sim/common).
#include <string>

#include "erp_simulator.h"
#include "sim_options.h"
#include "sim_program.h"

int main(int argc, char** argv) {
  using namespace sb::erpsim;
  return sb::sim::run_simulator<ErpSimulator>("stockbridge-erp-sim", argc, argv, parse_options, usage(),
                                              [](ErpSimulator& sim) { return sim.start(); });
}
