#include "stockbridge/v1/checks.h"

#include <regex>
#include <vector>

namespace stockbridge::v1 {

std::pair<std::string, std::string> erp_carrier(const std::map<std::string, std::string>& aliases,
                                                const std::string& carrier, const std::string& service) {
  if (auto a = aliases.find(carrier + "/" + service); a != aliases.end()) {
    const size_t slash = a->second.find('/');
    return {a->second.substr(0, slash), slash == std::string::npos ? service : a->second.substr(slash + 1)};
  }
  if (auto c = aliases.find(carrier); c != aliases.end()) return {c->second, service};
  return {carrier, service};
}

std::string tracking_problem(const Shipment& s, const std::string& pattern) {
  if (pattern.empty()) return "";
  std::regex format;
  try {
    format = std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    return "";
  }
  std::vector<std::string> numbers;
  for (const Package& p : s.packages()) numbers.push_back(p.tracking_number().empty() ? s.tracking_number() : p.tracking_number());
  if (numbers.empty()) numbers.push_back(s.tracking_number());
  for (const std::string& n : numbers) {
    if (n.empty()) return "has no tracking number, and carrier " + s.carrier() + " " + s.carrier_service() + " needs one";
    if (!std::regex_match(n, format))
      return "has tracking number '" + n + "', which is not in the format carrier " + s.carrier() + " " +
             s.carrier_service() + " uses";
  }
  return "";
}

}  // namespace stockbridge::v1
