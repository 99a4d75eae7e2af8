// Small text helpers shared by the programs' settings and the simulators.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/status.h"

namespace sb {

// "a, b ,c" -> {"a", "b", "c"}: split at any character of `separators`,
// spaces around each item trimmed, empty items dropped.
std::vector<std::string> split_list(std::string_view text, std::string_view separators = ",");

// "A=1, B=2" -> {A: 1, B: 2} (items as split_list). InvalidArgument naming an
// item that is not `key=value` with both sides non-empty.
Status parse_pairs(std::string_view text, std::map<std::string, std::string>* out);

}  // namespace sb
