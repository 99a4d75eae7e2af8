// The test support library itself: processes end as told and leave nothing
// behind, scratch directories go away, ports and waits say the truth.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

#include <CppUTest/TestHarness.h>

using namespace std::chrono_literals;
using sb::testing::Process;

static SimpleString StringFrom(sb::Code code) { return SimpleString(sb::code_name(code)); }

TEST_GROUP(SupportProcess) {
  sb::testing::TempDir dir{"support-test"};
};

TEST(SupportProcess, RunsWithExtraEnvironmentAndReportsExitCode) {
  Process p;
  CHECK_TRUE(p.spawn({"sh", "-c", "echo \"site=$SB_SITE\"; exit 3"}, {{"SB_SITE", "site-7"}}, dir.file("p.log")).ok());
  const auto code = p.wait_exit(5s);
  CHECK_TRUE(code.has_value());
  CHECK_EQUAL(3, *code);
  CHECK_FALSE(p.running());
  STRCMP_EQUAL("site=site-7\n", p.log_tail(1).c_str());
}

TEST(SupportProcess, Kill9AndTerminateEndTheChild) {
  Process sleeper;
  CHECK_TRUE(sleeper.spawn({"sleep", "30"}, {}, dir.file("s.log")).ok());
  CHECK_TRUE(sleeper.running());
  sleeper.kill9();
  CHECK_FALSE(sleeper.running());
  CHECK_EQUAL(0, sleeper.pid());

  CHECK_TRUE(sleeper.restart().ok());
  CHECK_EQUAL(128 + 15, sleeper.terminate(5s));

  // A child that ignores SIGTERM is killed when the timeout passes.
  Process stubborn;
  CHECK_TRUE(stubborn.spawn({"sh", "-c", "trap '' TERM; echo up; while :; do sleep 0.05; done"}, {}, dir.file("t.log")).ok());
  CHECK_TRUE(sb::testing::wait_until([&] { return stubborn.log_tail(1) == "up\n"; }, 5s));
  CHECK_EQUAL(128 + 9, stubborn.terminate(200ms));
}

TEST(SupportProcess, RestartAppendsToTheSameLog) {
  Process p;
  CHECK_TRUE(p.spawn({"sh", "-c", "echo run"}, {}, dir.file("r.log")).ok());
  CHECK_TRUE(p.wait_exit(5s).has_value());
  CHECK_TRUE(p.restart().ok());
  CHECK_TRUE(p.wait_exit(5s).has_value());
  STRCMP_EQUAL("run\nrun\n", p.log_tail(10).c_str());
}

TEST(SupportProcess, MissingProgramIsNotFound) {
  Process p;
  CHECK_EQUAL(sb::Code::kNotFound, p.spawn({"no-such-program-here"}, {}, dir.file("m.log")).code());
  CHECK_FALSE(p.running());
}

TEST(SupportProcess, ChildInheritsNoDescriptorOfTheTest) {
  // A socket without CLOEXEC, as Paho's are: it must not reach the child.
  const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  CHECK_TRUE(sock >= 0);
  CHECK_EQUAL(50, ::dup2(sock, 50));
  Process p;
  CHECK_TRUE(p.spawn({"sh", "-c", "if [ -e /proc/self/fd/50 ]; then echo leaked; else echo clean; fi"}, {},
                     dir.file("fd.log"))
                 .ok());
  CHECK_TRUE(p.wait_exit(5s).has_value());
  ::close(50);
  ::close(sock);
  STRCMP_EQUAL("clean\n", p.log_tail(1).c_str());
}

TEST_GROUP(SupportBasics){};

TEST(SupportBasics, TempDirIsRemovedWithItsContents) {
  std::string path;
  {
    sb::testing::TempDir d("support-tmp");
    path = d.path();
    std::ofstream(d.file("journal.mdb")) << "x";
    CHECK_TRUE(std::filesystem::exists(d.file("journal.mdb")));
  }
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST(SupportBasics, FreePortIsClosedUntilSomeoneListens) {
  const uint16_t port = sb::testing::free_port();
  CHECK_TRUE(port > 0);
  CHECK_FALSE(sb::testing::tcp_port_open(port));
}

TEST(SupportBasics, WaitUntilReportsTimeout) {
  int calls = 0;
  CHECK_FALSE(sb::testing::wait_until([&] { return ++calls < 0; }, 50ms, 10ms));
  CHECK_TRUE(calls >= 2);
  CHECK_TRUE(sb::testing::wait_until([&] { return true; }, 0ms));
}
