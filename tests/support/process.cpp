#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

extern char** environ;

namespace sb::testing {
namespace {

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::vector<std::string> merged_environment(const Process::Env& extra) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    if (!extra.count(entry.substr(0, entry.find('=')))) out.push_back(entry);
  }
  for (const auto& [key, value] : extra) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Between fork and exec only async-signal-safe calls: the test program has
// other threads (Paho's, the store's), and one of them may hold a lock.
[[noreturn]] void exec_child(pid_t parent, int log_fd, int null_fd, int report_fd, const char* program,
                             char* const* argv, char* const* envp) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the test died before prctl took effect
  // Its own process group: Ctrl-C at a terminal reaches the test (or the demo),
  // which then stops its children in order, rather than every process at once.
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) ::sigaction(sig, &dfl, nullptr);
  ::dup2(null_fd, 0);
  ::dup2(log_fd, 1);
  ::dup2(log_fd, 2);
  // A test's sockets must not live on in its children: a broker holding the
  // test's own client socket would never see that client disconnect.
  const int keep = report_fd;
  if (::close_range(keep + 1, ~0U, 0) != 0) {
    for (int fd = keep + 1; fd < 65536; ++fd) ::close(fd);  // kernel before 5.9
  }
  for (int fd = 3; fd < keep; ++fd) ::close(fd);
  ::execve(program, argv, envp);
  const int err = errno;
  ssize_t ignored = ::write(report_fd, &err, sizeof(err));
  (void)ignored;
  ::_exit(127);
}

}  // namespace

Process::~Process() { kill9(); }

Process::Process(Process&& other) noexcept { *this = std::move(other); }

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    kill9();
    argv_ = std::move(other.argv_);
    env_ = std::move(other.env_);
    log_file_ = std::move(other.log_file_);
    program_ = std::move(other.program_);
    pid_ = std::exchange(other.pid_, 0);
    exit_code_ = std::exchange(other.exit_code_, std::nullopt);
  }
  return *this;
}

Status Process::spawn(std::vector<std::string> argv, Env env, std::string log_file) {
  if (running()) return Status::FailedPrecondition("process already running: pid " + std::to_string(pid_));
  if (argv.empty()) return Status::InvalidArgument("spawn needs a program");
  argv_ = std::move(argv);
  env_ = std::move(env);
  log_file_ = std::move(log_file);
  program_ = find_program(argv_[0]);
  if (program_.empty()) return Status::NotFound("program not found: " + argv_[0]);
  return launch();
}

Status Process::restart() {
  if (argv_.empty()) return Status::FailedPrecondition("restart before spawn");
  kill9();
  return launch();
}

Status Process::launch() {
  const int log_fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::IoError("open " + log_file_ + ": " + std::strerror(errno));
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  // Closed by a successful exec; carries errno back when exec fails.
  int report[2];
  if (null_fd < 0 || ::pipe2(report, O_CLOEXEC) != 0) {
    const std::string err = std::strerror(errno);
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return Status::IoError("pipe: " + err);
  }
  std::vector<std::string> args = argv_;
  std::vector<std::string> envs = merged_environment(env_);
  std::vector<char*> argp = pointers(args);
  std::vector<char*> envp = pointers(envs);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(parent, log_fd, null_fd, report[1], program_.c_str(), argp.data(), envp.data());
  const int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    return Status::IoError(std::string("fork: ") + std::strerror(fork_errno));
  }
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &exec_errno, sizeof(exec_errno));
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  pid_ = pid;
  exit_code_.reset();
  if (n == static_cast<ssize_t>(sizeof(exec_errno))) {
    reap(true);
    return Status::IoError("exec " + program_ + ": " + std::strerror(exec_errno));
  }
  return Status::Ok();
}

bool Process::reap(bool block) {
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  exit_code_ = r == pid_ ? exit_code_of(status) : -1;
  pid_ = 0;
  return true;
}

bool Process::running() { return pid_ > 0 && !reap(false); }

void Process::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap(true);
}

int Process::terminate(Millis timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  if (auto code = wait_exit(timeout)) return *code;
  kill9();
  return exit_code_.value_or(-1);
}

std::optional<int> Process::wait_exit(Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(Millis(10));
  }
  return exit_code_;
}

std::string Process::log_tail(size_t lines) const {
  std::ifstream in(log_file_);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(std::move(line));
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

}  // namespace sb::testing
