// Plain request/response values the simulator's logic works on.
//
// The logic never sees Poco's server types, so tests (and the in-memory path
// ErpSimulator::handle) can drive it without sockets. What only a socket can
// do — answer nothing and reset, or hang and close — is a ConnectionFate the
// listener carries out. Thread-safety: value types.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sb::erpsim {

struct SimRequest {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // as sent (percent-encoded), without the query;
                                              // the router decodes each segment, so an
                                              // externalId may hold an encoded "/"
  std::map<std::string, std::string> query;   // decoded query parameters
  std::map<std::string, std::string> headers; // names lower-cased
  std::string body;
  std::string host;                           // Host header, for Location and links

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string query_param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
};

// NetSuite labels its JSON by kind; clients that check the type see the same.
inline constexpr const char* kRecordType =
    "application/vnd.oracle.resource+json; type=singular-resource; charset=UTF-8";
inline constexpr const char* kCollectionType =
    "application/vnd.oracle.resource+json; type=collection; charset=UTF-8";
inline constexpr const char* kErrorType =
    "application/vnd.oracle.resource+json; type=error; charset=UTF-8";
inline constexpr const char* kJsonType = "application/json";

struct SimResponse {
  int status = 200;
  std::string content_type = kJsonType;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool created = false;  // this request created a record (after-create faults hook on it)
};

enum class ConnectionFate {
  kAnswer,  // send the response
  kClose,   // send nothing, close normally (FIN): the client waits, then sees EOF or its timeout
  kReset,   // send nothing, close with SO_LINGER 0 (RST): the client sees "connection reset"
};

struct SimOutcome {
  SimResponse response;
  ConnectionFate fate = ConnectionFate::kAnswer;
};

}  // namespace sb::erpsim
