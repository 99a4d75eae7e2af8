#include "route_table.h"

#include <algorithm>

namespace sb::erpsim {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX -> byte; a malformed escape stays as it is.
std::string percent_decode(const std::string& segment) {
  std::string out;
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size() && hex_value(segment[i + 1]) >= 0 &&
        hex_value(segment[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(segment[i + 1]) * 16 + hex_value(segment[i + 2]));
      i += 2;
    } else {
      out += segment[i];
    }
  }
  return out;
}

// Split first, then decode each segment: an encoded "/" in an externalId
// stays inside its segment.
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.push_back(percent_decode(path.substr(start, slash - start)));
    start = slash + 1;
  }
  return out;
}

bool is_capture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool match_segments(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                    RouteParams* params) {
  if (pattern.size() != path.size()) return false;
  RouteParams captured;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (is_capture(pattern[i])) {
      captured[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  *params = std::move(captured);
  return true;
}

}  // namespace

void RouteTable::add(std::string method, std::string pattern, RequestKind kind, RouteHandler handler) {
  Entry entry{Route{std::move(method), std::move(pattern), kind, std::move(handler)}, {}};
  entry.segments = split_path(entry.route.pattern);
  entries_.push_back(std::move(entry));
}

RouteMatch RouteTable::match(const std::string& method, const std::string& path) const {
  RouteMatch result;
  const auto segments = split_path(path);
  for (const auto& entry : entries_) {
    RouteParams params;
    if (!match_segments(entry.segments, segments, &params)) continue;
    if (entry.route.method == method) {
      result.route = &entry.route;
      result.params = std::move(params);
      result.allowed.clear();
      return result;
    }
    if (std::find(result.allowed.begin(), result.allowed.end(), entry.route.method) == result.allowed.end())
      result.allowed.push_back(entry.route.method);
  }
  return result;
}

}  // namespace sb::erpsim
