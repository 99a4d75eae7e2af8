#include "platform/core/program.h"

#include "platform/core/log.h"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>
#include <vector>

namespace sb {

namespace {
void usage(const ProgramInfo& info, std::FILE* out) {
  std::fprintf(out,
               "%s %s - %s\n\n"
               "usage: %s [--config FILE] [--set key=value ...]\n"
               "       %s --check-config [--config FILE] [--set key=value ...]\n"
               "       %s --print-example-config | --print-config | --version | --help\n",
               info.name.c_str(), info.version.c_str(), info.summary.c_str(), info.name.c_str(), info.name.c_str(),
               info.name.c_str());
}
}  // namespace

std::optional<Config> load_program_config(int argc, char** argv, const ProgramInfo& info,
                                          const SettingTable& table, int* exit_code) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> overrides;
  bool check = false, print_example = false, print_effective = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](const char* what) -> std::optional<std::string> {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: %s needs a value\n", info.name.c_str(), what);
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    if (a == "--config" || a == "-c") {
      auto v = next("--config");
      if (!v) return *exit_code = 2, std::nullopt;
      path = *v;
    } else if (a == "--set") {
      auto v = next("--set");
      if (!v) return *exit_code = 2, std::nullopt;
      auto eq = v->find('=');
      if (eq == std::string::npos) {
        std::fprintf(stderr, "%s: --set expects key=value, got '%s'\n", info.name.c_str(), v->c_str());
        return *exit_code = 2, std::nullopt;
      }
      overrides.emplace_back(v->substr(0, eq), v->substr(eq + 1));
    } else if (a == "--check-config") {
      check = true;
    } else if (a == "--print-example-config") {
      print_example = true;
    } else if (a == "--print-config") {
      print_effective = true;
    } else if (a == "--version") {
      std::printf("%s %s\n", info.name.c_str(), info.version.c_str());
      return *exit_code = 0, std::nullopt;
    } else if (a == "--help" || a == "-h") {
      usage(info, stdout);
      return *exit_code = 0, std::nullopt;
    } else {
      std::fprintf(stderr, "%s: unknown argument '%s'\n", info.name.c_str(), a.c_str());
      usage(info, stderr);
      return *exit_code = 2, std::nullopt;
    }
  }
  if (print_example) {
    std::fputs(Config::example(table, info.name + " " + info.version).c_str(), stdout);
    return *exit_code = 0, std::nullopt;
  }
  Result<Config> config = Config::load(path, table, overrides);
  if (!config.ok()) {
    std::fprintf(stderr, "%s: %s\n", info.name.c_str(), config.status().message().c_str());
    return *exit_code = 2, std::nullopt;
  }
  if (print_effective) {  // shows the settings even when a check below would fail
    std::fputs(config->effective().c_str(), stdout);
    return *exit_code = 0, std::nullopt;
  }
  if (info.check) {
    if (Status s = info.check(*config); !s.ok()) {
      std::fprintf(stderr, "%s: config: %s\n", info.name.c_str(), s.message().c_str());
      return *exit_code = 2, std::nullopt;
    }
  }
  if (check) {
    std::printf("%s: configuration OK%s%s\n", info.name.c_str(), path.empty() ? "" : " (", path.empty() ? "" : (path + ")").c_str());
    return *exit_code = 0, std::nullopt;
  }
  *exit_code = 0;
  return std::move(config).value();
}

Result<std::string> read_secret_file(const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot read the secret file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

int run_program(int argc, char** argv, const ProgramInfo& info, const SettingTable& table,
                const std::function<int(const Config&)>& run) {
  block_shutdown_signals();  // before any thread starts, so all inherit the mask
  int code = 0;
  std::optional<Config> cfg = load_program_config(argc, argv, info, table, &code);
  if (!cfg) return code;
  for (const Setting& s : table) {
    log::Level level;
    if (s.name == "log.level" && log::parse_level(cfg->str("log.level"), &level)) log::set_level(level);
  }
  return run(*cfg);
}

int start_failure(const std::string& program, const std::string& what, const Status& status) {
  log::error(program, what, {{"error", status.to_string()}});
  std::fprintf(stderr, "%s: %s: %s\n", program.c_str(), what.c_str(), status.to_string().c_str());
  return 1;
}

void block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int wait_for_shutdown_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace sb
