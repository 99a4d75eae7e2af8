// A child process for end-to-end and crash tests: the real agent, relay,
// broker or a helper, started with fork/exec and killed when the test is done.
//
// Nothing leaks: the child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with the
// test program even if the test crashes, and ~Process kills and reaps it.
// Caveat of PR_SET_PDEATHSIG: it fires when the *thread* that spawned the child
// exits, so spawn from the test's own thread, not from a short-lived one.
// The child inherits no descriptor but stdin (/dev/null), stdout and stderr
// (both appended to the log file).
// Thread-safety: one Process is used by one thread.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/status.h"

namespace sb::testing {

class Process {
 public:
  using Env = std::map<std::string, std::string>;

  Process() = default;
  ~Process();  // kill9() if still running
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts argv[0] (searched on PATH when it has no '/') with this process's
  // environment plus `env` (which wins), appending stdout and stderr to
  // `log_file`. NotFound when the program does not exist, IoError when the log
  // cannot be opened or exec fails, FailedPrecondition when already running.
  Status spawn(std::vector<std::string> argv, Env env, std::string log_file);
  // Starts again with the same argv, env and log (appended to). A child still
  // running is killed first (SIGKILL).
  Status restart();

  pid_t pid() const { return pid_; }  // 0 when not running
  // False once the child has exited (it is reaped here).
  bool running();
  // SIGKILL, then reap: the crash a test wants, with nothing left behind.
  void kill9();
  // SIGTERM, wait up to `timeout` for a clean exit, then SIGKILL. Returns the
  // exit code (see wait_exit), or -1 when nothing was running.
  int terminate(Millis timeout = Millis(5000));
  // The exit code once the child has exited within `timeout`: its status for a
  // normal exit, 128 + signal number when a signal ended it (as a shell says).
  std::optional<int> wait_exit(Millis timeout);

  const std::string& log_file() const { return log_file_; }
  // The last `lines` lines of the log: what to print when a test fails.
  std::string log_tail(size_t lines = 40) const;

 private:
  Status launch();
  bool reap(bool block);

  std::vector<std::string> argv_;
  Env env_;
  std::string log_file_;
  std::string program_;  // argv_[0] resolved on PATH
  pid_t pid_ = 0;
  std::optional<int> exit_code_;
};

}  // namespace sb::testing
