// A simulator's command line as a table of flags: parsing "--name VALUE",
// "--name=VALUE" and bare "--name" switches, the messages for what does not
// fit, and the --help text listing every flag.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace sb::sim {

struct Flag {
  std::string name;        // without the leading "--"
  std::string value_name;  // shown in --help; "" = a switch that takes no value
  std::string description;
  // Takes the value ("" for a switch); returns "" or why the value is refused.
  std::function<std::string(const std::string& value)> apply;

  bool takes_value() const { return !value_name.empty(); }
};

// A flag that stores its value as text.
Flag text_flag(std::string name, std::string value_name, std::string description, std::string& target);
// A flag without a value that runs `set` when given.
Flag switch_flag(std::string name, std::string description, std::function<void()> set);

// The --help switch, setting `help`.
Flag help_flag(bool& help);

// Applies args to the flags in order; returns the first error ("" when the
// command line was valid).
std::string parse_flags(const std::vector<std::string>& args, const std::vector<Flag>& flags);

// `intro` (ending in a blank line) followed by one line per flag.
std::string flags_usage(const std::string& intro, const std::vector<Flag>& flags);

// The same for a simulator whose settings(options) makes its flags, bound to
// the options they fill: Parsed is {Options options; std::string error;}.
template <class Parsed, class Options>
Parsed parse_settings(const std::vector<std::string>& args, std::vector<Flag> (*settings)(Options&)) {
  Parsed parsed;
  parsed.error = parse_flags(args, settings(parsed.options));
  return parsed;
}

template <class Options>
std::string settings_usage(const std::string& intro, std::vector<Flag> (*settings)(Options&)) {
  Options unused;
  return flags_usage(intro, settings(unused));
}

}  // namespace sb::sim
