// The Router without sockets: what a client of the agent's HTTP API gets back.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "platform/core/log.h"
#include "platform/http/http.h"

#include <CppUTest/TestHarness.h>

namespace {

sb::HttpRequest request(std::string method, std::string path, std::string query = "") {
  sb::HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  return r;
}

// The "error" member of an error body, checking that the body is valid JSON.
std::string error_of(const sb::HttpResponse& r) {
  STRCMP_EQUAL("application/json", r.content_type.c_str());
  Poco::JSON::Parser parser;
  try {
    auto obj = parser.parse(r.body).extract<Poco::JSON::Object::Ptr>();
    CHECK_EQUAL(1, obj->size());
    return obj->getValue<std::string>("error");
  } catch (const Poco::Exception& e) {
    FAIL(("error body is not JSON: " + r.body).c_str());
  }
  return "";
}

sb::HttpHandler answer(std::string body) {
  return [body](const sb::HttpRequest&) { return sb::HttpResponse::json(200, body); };
}

}  // namespace

TEST_GROUP(Router) {
  sb::Router router;
  std::vector<std::string> logged;
  void setup() override {
    sb::log::set_sink([this](std::string_view line) { logged.emplace_back(line); });
  }
  void teardown() override { sb::log::set_sink(nullptr); }
};

TEST(Router, CapturesParamSegments) {
  sb::HttpRequest seen;
  router.add("POST", "/v1/sites/{site}/events/{event}", [&](const sb::HttpRequest& r) {
    seen = r;
    return sb::HttpResponse::json(202, "{}");
  });
  sb::HttpRequest r = request("POST", "/v1/sites/lyon-1/events/shipment:42");
  r.body = "{\"x\":1}";
  sb::HttpResponse resp = router.handle(r);
  CHECK_EQUAL(202, resp.status);
  STRCMP_EQUAL("lyon-1", seen.params.at("site").c_str());
  STRCMP_EQUAL("shipment:42", seen.params.at("event").c_str());
  STRCMP_EQUAL("{\"x\":1}", seen.body.c_str());
  CHECK_EQUAL(2, seen.params.size());
}

TEST(Router, RootAndLiteralPaths) {
  router.add("GET", "/", answer("root"));
  router.add("GET", "/status", answer("status"));
  STRCMP_EQUAL("root", router.handle(request("GET", "/")).body.c_str());
  STRCMP_EQUAL("status", router.handle(request("GET", "/status")).body.c_str());
}

TEST(Router, FirstAddedRouteWins) {
  router.add("GET", "/v1/sites/summary", answer("summary"));
  router.add("GET", "/v1/sites/{site}", answer("site"));
  STRCMP_EQUAL("summary", router.handle(request("GET", "/v1/sites/summary")).body.c_str());
  STRCMP_EQUAL("site", router.handle(request("GET", "/v1/sites/lyon-1")).body.c_str());
}

TEST(Router, UnknownPathIs404) {
  router.add("GET", "/v1/sites/{site}", answer("site"));
  for (const char* path : {"/v2/sites/a", "/v1/sites", "/v1/sites/a/b", "/v1/sites/a/", "/v1/sites//", ""}) {
    sb::HttpResponse r = router.handle(request("GET", path));
    CHECK_EQUAL_TEXT(404, r.status, path);
    STRCMP_EQUAL(("no such resource: " + std::string(path)).c_str(), error_of(r).c_str());
  }
}

TEST(Router, EmptyParamSegmentDoesNotMatch) {
  router.add("GET", "/v1/sites/{site}/status", answer("x"));
  CHECK_EQUAL(404, router.handle(request("GET", "/v1/sites//status")).status);
}

TEST(Router, KnownPathWithOtherMethodIs405WithAllow) {
  router.add("GET", "/v1/events/{id}", answer("get"));
  router.add("DELETE", "/v1/events/{id}", answer("delete"));
  router.add("POST", "/v1/events", answer("post"));
  sb::HttpResponse r = router.handle(request("PUT", "/v1/events/7"));
  CHECK_EQUAL(405, r.status);
  STRCMP_EQUAL("GET, HEAD, DELETE", r.header("Allow").c_str());
  STRCMP_EQUAL("method PUT is not allowed on /v1/events/7", error_of(r).c_str());
  STRCMP_EQUAL("POST", router.handle(request("GET", "/v1/events")).header("allow").c_str());
}

TEST(Router, HeadIsServedByGet) {
  router.add("GET", "/status", answer("status"));
  sb::HttpResponse r = router.handle(request("HEAD", "/status"));
  CHECK_EQUAL(200, r.status);
}

TEST(Router, ThrowingHandlerAnswers500AndIsLogged) {
  router.add("POST", "/boom", [](const sb::HttpRequest&) -> sb::HttpResponse {
    throw std::runtime_error("journal exploded");
  });
  router.add("POST", "/weird", [](const sb::HttpRequest&) -> sb::HttpResponse { throw 42; });
  router.add("GET", "/fine", answer("fine"));
  sb::HttpResponse r = router.handle(request("POST", "/boom"));
  CHECK_EQUAL(500, r.status);
  STRCMP_EQUAL("internal error", error_of(r).c_str());  // no internals leak to the client
  CHECK_EQUAL(1, logged.size());
  CHECK(logged[0].find("\"level\":\"error\"") != std::string::npos);
  CHECK(logged[0].find("journal exploded") != std::string::npos);
  CHECK(logged[0].find("/boom") != std::string::npos);
  CHECK_EQUAL(500, router.handle(request("POST", "/weird")).status);
  CHECK_EQUAL(200, router.handle(request("GET", "/fine")).status);
}

TEST_GROUP(HttpValues){};

TEST(HttpValues, QueryParamsAreDecoded) {
  sb::HttpRequest r = request("GET", "/", "site=lyon-1&q=hello%20world&plus=a+b&flag&empty=&enc%5Fkey=v&dup=1&dup=2");
  STRCMP_EQUAL("lyon-1", r.query_param("site").c_str());
  STRCMP_EQUAL("hello world", r.query_param("q").c_str());
  STRCMP_EQUAL("a b", r.query_param("plus").c_str());
  STRCMP_EQUAL("", r.query_param("flag").c_str());
  STRCMP_EQUAL("", r.query_param("empty").c_str());
  STRCMP_EQUAL("v", r.query_param("enc_key").c_str());
  STRCMP_EQUAL("1", r.query_param("dup").c_str());
  STRCMP_EQUAL("", r.query_param("absent").c_str());
  STRCMP_EQUAL("", r.query_param("sit").c_str());
  STRCMP_EQUAL("", request("GET", "/").query_param("site").c_str());
}

TEST(HttpValues, UrlEncodeKeepsOnlyUnreserved) {
  STRCMP_EQUAL("AZaz09-._~", sb::url_encode("AZaz09-._~").c_str());
  STRCMP_EQUAL("a%20b%2Fc%3Fd%26e%3Df%25%2B", sb::url_encode("a b/c?d&e=f%+").c_str());
  STRCMP_EQUAL("%C3%A9", sb::url_encode("\xC3\xA9").c_str());
  STRCMP_EQUAL("%00%FF", sb::url_encode(std::string_view("\0\xFF", 2)).c_str());
}

TEST(HttpValues, UrlDecodeRoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  std::string back = sb::url_decode(sb::url_encode(all));
  CHECK_EQUAL(256, back.size());
  CHECK_TRUE(back == all);
}

TEST(HttpValues, UrlDecodeToleratesStrayPercents) {
  STRCMP_EQUAL("a/b", sb::url_decode("a%2fb").c_str());
  STRCMP_EQUAL("a+b", sb::url_decode("a+b").c_str());  // '+' is a space only in queries
  STRCMP_EQUAL("100%", sb::url_decode("100%").c_str());
  STRCMP_EQUAL("%zz%4", sb::url_decode("%zz%4").c_str());
}

TEST(HttpValues, HeadersAreCaseInsensitive) {
  sb::HttpHeaders h = {{"Content-Type", "text/plain"}, {"X-Site", "lyon-1"}, {"x-site", "second"}};
  STRCMP_EQUAL("text/plain", sb::header_value(h, "content-type").c_str());
  STRCMP_EQUAL("lyon-1", sb::header_value(h, "X-SITE").c_str());
  STRCMP_EQUAL("", sb::header_value(h, "X-Sit").c_str());
  sb::HttpRequest r;
  r.headers = h;
  STRCMP_EQUAL("lyon-1", r.header("x-site").c_str());
}

TEST(HttpValues, ErrorBodyIsJsonEvenForHostileReasons) {
  const std::string reason = "bad \"event_id\"\n\\ at line 3\t\x01";
  sb::HttpResponse r = sb::HttpResponse::error(422, reason);
  CHECK_EQUAL(422, r.status);
  STRCMP_EQUAL(reason.c_str(), error_of(r).c_str());
}

TEST(HttpValues, ResponseHelpers) {
  sb::HttpResponse j = sb::HttpResponse::json(201, "{\"id\":1}");
  CHECK_EQUAL(201, j.status);
  STRCMP_EQUAL("application/json", j.content_type.c_str());
  STRCMP_EQUAL("{\"id\":1}", j.body.c_str());
  sb::HttpResponse t = sb::HttpResponse::text(200, "ok");
  STRCMP_EQUAL("text/plain; charset=utf-8", t.content_type.c_str());
  STRCMP_EQUAL("text/html", sb::HttpResponse::text(200, "<p>", "text/html").content_type.c_str());
}
