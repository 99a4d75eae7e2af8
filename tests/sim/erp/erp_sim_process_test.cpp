// The simulator as the program a person or a script starts: command line,
// the "listening" line, the port file, and a clean stop on SIGTERM.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "sim_client.h"

#include <CppUTest/TestHarness.h>

using namespace sb::erpsim::test;

extern char** environ;

namespace {

// A child process with its stdout on a pipe. Killed (SIGKILL) if the test
// leaves it running.
struct Child {
  pid_t pid = -1;
  int out = -1;

  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (out >= 0) ::close(out);
  }

  bool spawn(const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe(fds) != 0) return false;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out = fds[0];
    if (rc != 0) pid = -1;
    return rc == 0;
  }

  // One line of stdout, or "" after timeout_ms.
  std::string read_line(int timeout_ms) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char c;
      if (::read(out, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return "";
  }

  // The exit status, or -1 if it did not exit within timeout_ms.
  int wait_exit(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
};

std::filesystem::path make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "erp-sim-test-XXXXXX").string();
  return ::mkdtemp(pattern.data()) ? std::filesystem::path(pattern) : std::filesystem::path();
}

}  // namespace

TEST_GROUP(ErpSimProcess) {
  std::filesystem::path dir;
  void setup() override {
    std::signal(SIGPIPE, SIG_IGN);
    dir = make_temp_dir();
    CHECK(!dir.empty());
  }
  void teardown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

TEST(ErpSimProcess, StartsOnAFreePortAnnouncesItAndStopsCleanlyOnSigterm) {
  const std::string port_file = (dir / "port").string();
  Child child;
  CHECK(child.spawn({ERP_SIM_EXECUTABLE, "--port", "0", "--port-file", port_file, "--seed-items", "3",
                     "--concurrency-limit", "4"}));
  const std::string line = child.read_line(5000);
  CHECK(line.rfind(R"({"msg":"listening","url":"http://127.0.0.1:)", 0) == 0);

  int port = 0;
  std::ifstream(port_file) >> port;
  CHECK(port > 0);
  CHECK(line.find(":" + std::to_string(port) + "\"") != std::string::npos);

  LONGS_EQUAL(200, http_call(port, "GET", "/services/rest/record/v1/inventoryItem/1003").status);
  LONGS_EQUAL(404, http_call(port, "GET", "/services/rest/record/v1/inventoryItem/1004").status);
  LONGS_EQUAL(204, post_adjustment(port, adjustment("PROC-1", "1002")).status);

  ::kill(child.pid, SIGTERM);
  LONGS_EQUAL(0, child.wait_exit(5000));
}

TEST(ErpSimProcess, BadOptionsExit2AndHelpExits0) {
  Child bad;
  CHECK(bad.spawn({ERP_SIM_EXECUTABLE, "--port", "notaport"}));
  LONGS_EQUAL(2, bad.wait_exit(5000));
  Child help;
  CHECK(help.spawn({ERP_SIM_EXECUTABLE, "--help"}));
  CHECK(help.read_line(5000).rfind("usage:", 0) == 0);
  LONGS_EQUAL(0, help.wait_exit(5000));
}
