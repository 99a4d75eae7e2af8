#include "sim_client.h"

#include <cctype>
#include <chrono>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>

namespace sb::erpsim::test {

HttpResult http_call(uint16_t port, const std::string& method, const std::string& path, const std::string& body,
                     const CallOptions& options) {
  HttpResult result;
  const auto started = std::chrono::steady_clock::now();
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(0, options.timeout_ms * 1000));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : options.headers) request.set(name, value);
    if (!body.empty() || method == "POST") {
      if (!request.has("Content-Type")) request.setContentType("application/json");  // a form, for the token endpoint
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Poco::StreamCopier::copyToString(in, result.body);
    result.status = response.getStatus();
    for (const auto& [name, value] : response) {
      std::string lower = name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      result.headers[lower] = value;
    }
  } catch (const Poco::Net::ConnectionResetException&) {
    result.failure = "reset";
  } catch (const Poco::TimeoutException&) {
    result.failure = "timeout";
  } catch (const Poco::Net::NoMessageException&) {
    result.failure = "closed";
  } catch (const Poco::Exception& e) {
    result.failure = e.displayText();
  }
  result.elapsed_ms = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
  return result;
}

Poco::JSON::Object::Ptr json_of(const std::string& body) {
  try {
    Poco::JSON::Parser parser;
    auto value = parser.parse(body);
    if (value.type() == typeid(Poco::JSON::Object::Ptr)) return value.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
  }
  return new Poco::JSON::Object;
}

std::string error_field(const HttpResult& result, const std::string& field) {
  auto details = json_of(result.body)->getArray("o:errorDetails");
  if (!details || details->size() == 0) return "";
  auto first = details->getObject(0);
  return first && first->has(field) ? first->getValue<std::string>(field) : "";
}

std::string adjustment(const std::string& external_id, const std::string& item, double qty,
                       const std::string& account) {
  std::ostringstream out;
  out << R"({"externalId":")" << external_id << R"(","account":{"id":")" << account
      << R"("},"adjLocation":{"id":"6"},"tranDate":"2026-11-26","memo":"cycle count",)"
      << R"("inventory":{"items":[{"item":{"id":")" << item << R"("},"location":{"id":"6"},"adjustQtyBy":)" << qty
      << R"(,"memo":"line"}]}})";
  return out.str();
}

HttpResult post_adjustment(uint16_t port, const std::string& body, const CallOptions& options) {
  return http_call(port, "POST", kAdjustments, body, options);
}

Poco::JSON::Object::Ptr ledger(uint16_t port) { return json_of(http_call(port, "GET", "/_sim/ledger").body); }

Poco::JSON::Object::Ptr stats(uint16_t port) { return json_of(http_call(port, "GET", "/_sim/stats").body); }

}  // namespace sb::erpsim::test
