// Command-line handling shared by every Stockbridge program.
//
//   --config FILE            settings file (see --print-example-config)
//   --set key=value          override one setting (repeatable)
//   --check-config           validate the settings, name the bad key and why, exit 0/2
//   --print-example-config   print a commented config with every setting and its default
//   --print-config           print the effective settings (secrets masked)
//   --version, --help
//
// Exit codes: 0 fine, 2 bad usage or bad config. Thread-safety: call from main only.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "platform/core/config.h"

namespace sb {

struct ProgramInfo {
  std::string name;     // "stockbridge-agent"
  std::string version;  // "0.1.0"
  std::string summary;  // one line for --help
  // Checks that look at several settings together (e.g. what erp.auth needs),
  // run by --check-config and before every start; an error names the setting
  // and why, and exits 2 like a bad value. Null = none.
  std::function<Status(const Config&)> check;
};

// Parses argv and loads the config. Returns the config to run with, or nullopt
// when the program should exit now with *exit_code (help, version, checks, errors);
// messages are printed to stdout/stderr here.
std::optional<Config> load_program_config(int argc, char** argv, const ProgramInfo& info,
                                          const SettingTable& table, int* exit_code);

// Blocks SIGINT and SIGTERM in the calling thread (call before starting threads
// so they inherit the mask), then later wait_for_shutdown_signal() returns the
// signal number when one arrives.
// The contents of a secret file, trailing whitespace trimmed ("" for an empty path).
// InvalidArgument naming the file when it cannot be read. Never log the result.
Result<std::string> read_secret_file(const std::string& path);

void block_shutdown_signals();
int wait_for_shutdown_signal();

// A whole program's main(): blocks the shutdown signals, loads the config
// (handling --help, --check-config and the rest), applies a `log.level`
// setting if the table has one, and calls run(config).
int run_program(int argc, char** argv, const ProgramInfo& info, const SettingTable& table,
                const std::function<int(const Config&)>& run);

// Reports a start-up failure on stderr and in the log; returns the exit code 1.
int start_failure(const std::string& program, const std::string& what, const Status& status);

}  // namespace sb
