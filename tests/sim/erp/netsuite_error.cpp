#include "netsuite_error.h"

#include <Poco/JSON/Array.h>

#include "json_body.h"

namespace sb::erpsim {
namespace {

struct StatusText {
  int status;
  const char* title;
  const char* type;
};

// NetSuite links each status to its section of the HTTP RFC.
constexpr StatusText kStatusTexts[] = {
    {400, "Bad Request", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1"},
    {401, "Unauthorized", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2"},
    {403, "Forbidden", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.4"},
    {404, "Not Found", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5"},
    {405, "Method Not Allowed", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.6"},
    {413, "Content Too Large", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.14"},
    {429, "Too Many Requests", "https://www.rfc-editor.org/rfc/rfc6585.html#section-4"},
    {500, "Internal Server Error", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.1"},
    {503, "Service Unavailable", "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.4"},
};

const StatusText& status_text(int status) {
  for (const auto& s : kStatusTexts) {
    if (s.status == status) return s;
  }
  return kStatusTexts[0];
}

}  // namespace

SimResponse netsuite_error(int status, const std::string& code, const std::string& detail,
                           const std::string& error_path) {
  const StatusText& text = status_text(status);
  auto entry = new_object();
  entry->set("detail", detail);
  entry->set("o:errorCode", code);
  if (!error_path.empty()) entry->set("o:errorPath", error_path);
  Poco::JSON::Array::Ptr details = new Poco::JSON::Array;
  details->add(entry);

  auto body = new_object();
  body->set("type", text.type);
  body->set("title", text.title);
  body->set("status", status);
  body->set("o:errorDetails", details);

  SimResponse response;
  response.status = status;
  response.content_type = kErrorType;
  response.body = to_json(body);
  return response;
}

SimResponse too_many_requests(int retry_after_s) {
  SimResponse response = netsuite_error(
      429, error_code::kConcurrencyLimit, "Concurrent request limit exceeded. Request blocked. Retry after the interval given in Retry-After.");
  response.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return response;
}

}  // namespace sb::erpsim
