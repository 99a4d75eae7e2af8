#include "platform/core/text.h"

namespace sb {

std::vector<std::string> split_list(std::string_view text, std::string_view separators) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(separators, start);
    std::string_view item = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

Status parse_pairs(std::string_view text, std::map<std::string, std::string>* out) {
  out->clear();
  for (const std::string& item : split_list(text)) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      return Status::InvalidArgument("'" + item + "' is not key=value");
    (*out)[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return Status::Ok();
}

}  // namespace sb
