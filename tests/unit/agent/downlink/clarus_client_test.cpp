// The Clarus client against a scripted Clarus (FakeHttpClient): tokens are
// fetched, renewed before expiry and once on a 401; answers are sorted into
// rejection / unavailable / not found; GraphQL pages are followed to the end.
#include <atomic>
#include <string>
#include <vector>

#include "agent/clarus/clarus_client.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;

namespace {

HttpResponse json(int status, const std::string& body) { return HttpResponse::json(status, body); }

struct ScriptedClarus {
  std::atomic<int> tokens{0};
  std::string valid_token = "t1";
  int answer_status = 200;  // for REST calls
  std::string answer_body = R"({"data":{"id":7,"type":"goods_outs","attributes":{}}})";

  Result<HttpResponse> answer(const ClientRequest& r) {
    if (r.url.find("/oauth/token") != std::string::npos) {
      if (r.body.find("client_secret=s3cret") == std::string::npos) return json(401, R"({"error":"invalid_client"})");
      tokens++;
      valid_token = "t" + std::to_string(tokens.load());
      return json(200, R"({"access_token":")" + valid_token + R"(","token_type":"Bearer","expires_in":3600})");
    }
    if (header_value(r.headers, "X-Clarus-Subdomain") != "acme") return json(401, R"({"error":"unknown subdomain"})");
    if (header_value(r.headers, "Authorization") != "Bearer " + valid_token) return json(401, R"({"error":"token expired"})");
    if (r.url.find("/graphql") != std::string::npos) return graphql(r);
    return json(answer_status, answer_body);
  }

  // Three products, two per page.
  Result<HttpResponse> graphql(const ClientRequest& r) {
    Result<Json> body = Json::parse(r.body);
    CHECK_TRUE(body.ok());
    const Json* after = body->find("variables")->find("after");
    if (!after || after->is_null())
      return json(200, R"({"data":{"products":{"all":{"pageInfo":{"hasNextPage":true,"endCursor":"c2"},"edges":[{"node":{"id":1}},{"node":{"id":2}}]}}}})");
    if (after->as_string() == "c2")
      return json(200, R"({"data":{"products":{"all":{"pageInfo":{"hasNextPage":false,"endCursor":"c3"},"edges":[{"node":{"id":3}}]}}}})");
    return json(200, R"({"errors":[{"message":"bad cursor"}]})");
  }
};

}  // namespace

TEST_GROUP(ClarusClient) {
  ScriptedClarus clarus;
  FakeHttpClient http{[this](const ClientRequest& r) { return clarus.answer(r); }};
  ManualClock clock;
  ClarusOptions options() {
    ClarusOptions o;
    o.base_url = "http://clarus.test";
    o.subdomain = "acme";
    o.client_id = "stockbridge";
    o.client_secret = "s3cret";
    return o;
  }
};

TEST(ClarusClient, FetchesATokenOnceAndRenewsItBeforeItExpires) {
  ClarusClient c(http, clock, options());
  CHECK_TRUE(c.rest("GET", "/goods_outs/7", Json()).ok());
  CHECK_TRUE(c.rest("GET", "/goods_outs/7", Json()).ok());
  LONGS_EQUAL(1, clarus.tokens.load());
  clock.advance(Millis(3'550'000));  // within the renewal margin of a one-hour token
  CHECK_TRUE(c.rest("GET", "/goods_outs/7", Json()).ok());
  LONGS_EQUAL(2, clarus.tokens.load());
  std::vector<ClientRequest> seen = http.requests();
  STRCMP_EQUAL("http://clarus.test/api/goods_outs/7", seen.back().url.c_str());
}

TEST(ClarusClient, ARevokedTokenIsReplacedOnceAndTheCallRepeated) {
  ClarusClient c(http, clock, options());
  CHECK_TRUE(c.rest("GET", "/goods_outs/7", Json()).ok());
  clarus.valid_token = "revoked-by-someone-logging-in";
  // The client's token no longer works; it fetches a new one and repeats.
  Result<Json> r = c.rest("GET", "/goods_outs/7", Json());
  CHECK_TRUE_TEXT(r.ok(), r.status().to_string().c_str());
  LONGS_EQUAL(2, clarus.tokens.load());
}

TEST(ClarusClient, WrongCredentialsAreUnavailableNotARejection) {
  ClarusOptions o = options();
  o.client_secret = "wrong";
  ClarusClient c(http, clock, o);
  Result<Json> r = c.rest("POST", "/goods_outs", Json::object());
  LONGS_EQUAL(static_cast<int>(Code::kUnavailable), static_cast<int>(r.status().code()));
  CHECK_TRUE(r.status().message().find("clarus.client_secret_file") != std::string::npos);
}

TEST(ClarusClient, AnswersAreSortedIntoWhatTheCallerDoesNext) {
  ClarusClient c(http, clock, options());
  clarus.answer_status = 422;
  clarus.answer_body = R"({"error":"reference is too long"})";
  Result<Json> r = c.rest("POST", "/goods_outs", Json::object());
  LONGS_EQUAL(static_cast<int>(Code::kInvalidArgument), static_cast<int>(r.status().code()));
  CHECK_TRUE(r.status().message().find("reference is too long") != std::string::npos);
  clarus.answer_status = 503;
  clarus.answer_body = R"({"error":"maintenance"})";
  LONGS_EQUAL(static_cast<int>(Code::kUnavailable), static_cast<int>(c.rest("GET", "/x", Json()).status().code()));
  clarus.answer_status = 404;
  LONGS_EQUAL(static_cast<int>(Code::kNotFound), static_cast<int>(c.rest("GET", "/x", Json()).status().code()));
  LONGS_EQUAL(1, c.counters().rejected);
  LONGS_EQUAL(1, c.counters().unavailable);
}

TEST(ClarusClient, PagesAreFollowedToTheEnd) {
  ClarusClient c(http, clock, options());
  std::vector<int64_t> ids;
  Json filter = Json::object();
  Json gt = Json::object();
  gt.set("gt", Json::number(int64_t{0}));
  filter.set("id", gt);
  Status s = c.page_all("products", filter, "id", 2, [&](const Json& n) {
    int64_t id = 0;
    CHECK_TRUE(n.find("id")->as_int64(&id));
    ids.push_back(id);
    return true;
  });
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  std::vector<int64_t> expected = {1, 2, 3};
  CHECK_TRUE(ids == expected);
  std::vector<ClientRequest> seen = http.requests();
  CHECK_TRUE(seen.back().body.find("all(filter: {id: {gt: 0}}, first: 2") != std::string::npos);
}

TEST(ClarusClient, GraphqlLiteralsAreWrittenAsGraphqlNotJson) {
  Json f = Json::object();
  Json in = Json::object();
  Json list = Json::array();
  list.push(Json::string("SO-1"));
  list.push(Json::string("SO-\"2"));
  in.set("in", list);
  f.set("reference", in);
  STRCMP_EQUAL(R"({reference: {in: ["SO-1", "SO-\"2"]}})", graphql_literal(f).c_str());
}
