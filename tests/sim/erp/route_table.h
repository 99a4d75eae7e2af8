// Request routing: method + path pattern -> handler, with the kind of request
// each route is, because the kind decides what the pipeline does to it
// (auth, the concurrency limit, latency and which faults apply).
//
// Patterns are "/"-separated; a segment in braces captures one path segment:
// "/services/rest/record/v1/inventoryAdjustment/{id}". Thread-safety: routes
// are added before serving, then the table is only read.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim_http.h"

namespace sb::erpsim {

enum class RequestKind {
  kRecordRead,   // GET of a record
  kRecordWrite,  // POST/PUT/PATCH/DELETE of a record, transforms: what faults hit by default
  kQuery,        // SuiteQL
  kAdmin,        // /_sim: no auth, no limit, no faults
  kToken,        // the OAuth 2.0 token endpoint: its own credentials (the assertion), no limit, no faults
};

using RouteParams = std::map<std::string, std::string>;
using RouteHandler = std::function<SimResponse(const SimRequest&, const RouteParams&)>;

struct Route {
  std::string method;
  std::string pattern;
  RequestKind kind;
  RouteHandler handler;
};

struct RouteMatch {
  const Route* route = nullptr;      // null: see allowed
  RouteParams params;
  std::vector<std::string> allowed;  // methods of the path when the method did not match (405); empty = 404
};

class RouteTable {
 public:
  void add(std::string method, std::string pattern, RequestKind kind, RouteHandler handler);
  // path as sent (percent-encoded); captured parameters come back decoded.
  RouteMatch match(const std::string& method, const std::string& path) const;

 private:
  struct Entry {
    Route route;
    std::vector<std::string> segments;
  };
  std::vector<Entry> entries_;
};

inline constexpr const char* kRecordBase = "/services/rest/record/v1";
inline constexpr const char* kQueryBase = "/services/rest/query/v1";

}  // namespace sb::erpsim
