#include "relay/netsuite_wire.h"

#include <chrono>

#include "platform/core/clock.h"
#include "platform/core/json.h"

namespace sb::relay::netsuite {

// At most `max` bytes of s, never cutting a UTF-8 character (a reason must stay
// valid UTF-8 to travel in a protobuf string).
std::string utf8_prefix(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// The first entry of NetSuite's o:errorDetails, or the title when there is none.
NetSuiteError parse_error(const std::string& body) {
  NetSuiteError e;
  Result<Json> j = Json::parse(body);
  if (!j.ok() || !j->is_object()) {
    e.detail = utf8_prefix(body, 200);
    return e;
  }
  e.detail = j->get_string("title");
  if (const Json* details = j->find("o:errorDetails"); details && details->is_array() && !details->items().empty()) {
    const Json& d = details->items().front();
    e.code = d.get_string("o:errorCode");
    e.detail = d.get_string("detail", e.detail);
    e.path = d.get_string("o:errorPath");
  }
  return e;
}

std::string describe(const NetSuiteError& e) {
  std::string s = e.detail.empty() ? "the ERP refused the record" : e.detail;
  if (!e.code.empty()) s += " (" + e.code + (e.path.empty() ? "" : " at " + e.path) + ")";
  return s;
}

// The record id at the end of a Location header.
std::string id_from_location(const std::string& location) {
  auto slash = location.find_last_of('/');
  return slash == std::string::npos ? location : location.substr(slash + 1);
}

std::string suiteql_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string tran_date(int64_t ms) { return format_iso8601(ms).substr(0, 10); }


int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace sb::relay::netsuite
