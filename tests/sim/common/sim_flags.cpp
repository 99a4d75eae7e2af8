#include "sim_flags.h"

#include <sstream>
#include <utility>

namespace sb::sim {
namespace {

const Flag* find_flag(const std::vector<Flag>& flags, const std::string& name) {
  for (const auto& f : flags) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

}  // namespace

Flag text_flag(std::string name, std::string value_name, std::string description, std::string& target) {
  return {std::move(name), std::move(value_name), std::move(description), [&target](const std::string& v) {
            target = v;
            return std::string();
          }};
}

Flag switch_flag(std::string name, std::string description, std::function<void()> set) {
  return {std::move(name), "", std::move(description), [set = std::move(set)](const std::string&) {
            set();
            return std::string();
          }};
}

Flag help_flag(bool& help) {
  return switch_flag("help", "print this help", [&help] { help = true; });
}

std::string parse_flags(const std::vector<std::string>& args, const std::vector<Flag>& flags) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) return "unexpected argument '" + arg + "'";
    std::string name = arg.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const Flag* f = find_flag(flags, name);
    if (!f) return "unknown option --" + name;
    if (!f->takes_value()) {
      if (inline_value) return "--" + name + " takes no value";
      f->apply("");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) return "--" + name + " needs a value (" + f->value_name + ")";
      value = args[++i];
    }
    if (std::string error = f->apply(value); !error.empty()) return error;
  }
  return "";
}

std::string flags_usage(const std::string& intro, const std::vector<Flag>& flags) {
  std::ostringstream out;
  out << intro;
  for (const auto& f : flags) {
    std::string left = "  --" + f.name + (f.takes_value() ? " " + f.value_name : "");
    out << left;
    if (left.size() < 30) out << std::string(30 - left.size(), ' ');
    else out << "\n" << std::string(30, ' ');
    out << f.description << "\n";
  }
  return out.str();
}

}  // namespace sb::sim
