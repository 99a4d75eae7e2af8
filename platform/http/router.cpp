// Router: literal and {param} segments matched by plain comparison (no regex:
// this runs once per request on the event intake path). Routes match in the
// order they were added, so add literal routes before overlapping {param} ones.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "platform/core/log.h"
#include "platform/http/http.h"

namespace sb {
namespace {

// Longer paths cannot match any route; patterns are limited to this many segments.
constexpr size_t kMaxSegments = 32;

// "/v1/sites/a" -> {"v1","sites","a"}; "/" -> {""}. Returns the count, or
// kMaxSegments + 1 when there are too many.
size_t split_path(std::string_view path, std::array<std::string_view, kMaxSegments>& out) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t n = 0;
  while (true) {
    if (n == kMaxSegments) return kMaxSegments + 1;
    size_t slash = path.find('/');
    out[n++] = path.substr(0, slash);
    if (slash == std::string_view::npos) return n;
    path.remove_prefix(slash + 1);
  }
}

bool is_param(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

bool matches(const std::vector<std::string>& pattern, const std::array<std::string_view, kMaxSegments>& segs,
             size_t n) {
  if (pattern.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (is_param(pattern[i])) {
      if (segs[i].empty()) return false;  // "/sites//uplink" names no site
    } else if (pattern[i] != segs[i]) {
      return false;
    }
  }
  return true;
}

void capture(const std::vector<std::string>& pattern, const std::array<std::string_view, kMaxSegments>& segs,
             std::map<std::string, std::string>* params) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i])) {
      (*params)[pattern[i].substr(1, pattern[i].size() - 2)] = std::string(segs[i]);
    }
  }
}

void add_allowed(std::string* allow, const std::string& method) {
  // Allow lists are a handful of short names; a substring scan is enough to dedupe.
  size_t pos = 0;
  while ((pos = allow->find(method, pos)) != std::string::npos) {
    bool starts = pos == 0 || (*allow)[pos - 1] == ' ';
    bool ends = pos + method.size() == allow->size() || (*allow)[pos + method.size()] == ',';
    if (starts && ends) return;
    pos += method.size();
  }
  if (!allow->empty()) *allow += ", ";
  *allow += method;
}

}  // namespace

void Router::add(const std::string& method, const std::string& pattern, HttpHandler handler) {
  std::array<std::string_view, kMaxSegments> segs;
  size_t n = split_path(pattern, segs);
  if (n > kMaxSegments || pattern.empty() || pattern.front() != '/') {
    std::fprintf(stderr, "http: programming error: bad route pattern '%s'\n", pattern.c_str());
    std::abort();
  }
  Route route{method, {}, std::move(handler)};
  route.segments.reserve(n);
  for (size_t i = 0; i < n; ++i) route.segments.emplace_back(segs[i]);
  routes_.push_back(std::move(route));
}

HttpResponse Router::handle(HttpRequest request) const {
  std::array<std::string_view, kMaxSegments> segs;
  size_t n = split_path(request.path, segs);
  const Route* chosen = nullptr;
  const Route* get_for_head = nullptr;
  bool path_known = false;
  if (n <= kMaxSegments) {
    for (const Route& route : routes_) {
      if (!matches(route.segments, segs, n)) continue;
      path_known = true;
      if (route.method == request.method) {
        chosen = &route;
        break;
      }
      if (!get_for_head && request.method == "HEAD" && route.method == "GET") get_for_head = &route;
    }
  }
  if (!chosen) chosen = get_for_head;
  if (!chosen) {
    if (!path_known) return HttpResponse::error(404, "no such resource: " + request.path);
    std::string allow;
    for (const Route& route : routes_) {
      if (!matches(route.segments, segs, n)) continue;
      add_allowed(&allow, route.method);
      if (route.method == "GET") add_allowed(&allow, "HEAD");
    }
    HttpResponse r = HttpResponse::error(405, "method " + request.method + " is not allowed on " + request.path);
    r.headers.emplace_back("Allow", std::move(allow));
    return r;
  }
  capture(chosen->segments, segs, &request.params);
  // The route's pattern is logged, not the path: a path segment may be a
  // secret (the Clarus webhook URL carries one).
  std::string pattern;
  for (const std::string& seg : chosen->segments) pattern += "/" + seg;
  try {
    return chosen->handler(request);
  } catch (const std::exception& e) {
    log::error("http", "handler failed", {{"method", request.method}, {"route", pattern}, {"error", e.what()}});
  } catch (...) {
    log::error("http", "handler failed", {{"method", request.method}, {"route", pattern},
                                           {"error", "unknown exception"}});
  }
  return HttpResponse::error(500, "internal error");
}

}  // namespace sb
