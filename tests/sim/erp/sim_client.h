// Test-side HTTP calls to a running simulator, over real sockets with Poco's
// HTTPClientSession (a fresh connection per call, so one call's fate never
// leaks into the next). Failures a relay must survive come back as values.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <Poco/JSON/Object.h>

namespace sb::erpsim::test {

struct HttpResult {
  int status = 0;                              // 0 when no answer arrived
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string failure;  // "" | "reset" | "timeout" | "closed" | other exception text
  long elapsed_ms = 0;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct CallOptions {
  std::map<std::string, std::string> headers;
  int timeout_ms = 5000;
};

HttpResult http_call(uint16_t port, const std::string& method, const std::string& path,
                     const std::string& body = "", const CallOptions& options = {});

// Parses a JSON object body; an empty object when it does not parse.
Poco::JSON::Object::Ptr json_of(const std::string& body);

// The first o:errorDetails entry's field ("o:errorCode", "o:errorPath", "detail"); "" when absent.
std::string error_field(const HttpResult& result, const std::string& field);

// An inventory adjustment body: one line of `item` at location 6, adjusted by qty.
std::string adjustment(const std::string& external_id, const std::string& item = "1001", double qty = -3,
                       const std::string& account = "1");

inline constexpr const char* kAdjustments = "/services/rest/record/v1/inventoryAdjustment";

// POST kAdjustments.
HttpResult post_adjustment(uint16_t port, const std::string& body, const CallOptions& options = {});
// GET /_sim/ledger as parsed JSON.
Poco::JSON::Object::Ptr ledger(uint16_t port);
// GET /_sim/stats as parsed JSON.
Poco::JSON::Object::Ptr stats(uint16_t port);

}  // namespace sb::erpsim::test
