// Small text helpers shared by the programs' settings and the simulators.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sb {

// "a, b ,c" -> {"a", "b", "c"}: split at any character of `separators`,
// spaces around each item trimmed, empty items dropped.
std::vector<std::string> split_list(std::string_view text, std::string_view separators = ",");

}  // namespace sb
