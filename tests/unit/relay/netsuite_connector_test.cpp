// NetSuiteConnector: the requests NetSuite receives and how its answers become
// outcomes. FakeHttpClient answers as NetSuite's REST record API and SuiteQL
// do (shared/reference/netsuite-rest.md). The TBA tests at the end post to
// the ERP simulator over loopback, which checks every signature for real.
#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "platform/core/json.h"
#include "platform/core/log.h"
#include "platform/http/http.h"
#include "platform/http/oauth1.h"
#include "relay/erp_auth.h"
#include "relay/netsuite_connector.h"
#include "tests/unit/relay/relay_fixtures.h"

#include "erp_simulator.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;
using namespace sb::relay::test;

namespace {

constexpr char kBase[] = "https://1234567.suitetalk.api.netsuite.com";
constexpr char kAdjustments[] = "https://1234567.suitetalk.api.netsuite.com/services/rest/record/v1/inventoryAdjustment";
constexpr char kSuiteQl[] = "https://1234567.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql";

HttpResponse reply(int status, std::string body = "", HttpHeaders headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

// NetSuite's error body shape.
std::string ns_error(int status, const std::string& code, const std::string& detail) {
  return "{\"type\":\"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1\",\"title\":\"Bad Request\","
         "\"status\":" + std::to_string(status) + ",\"o:errorDetails\":[{\"detail\":\"" + detail +
         "\",\"o:errorPath\":\"inventory.items[0].item\",\"o:errorCode\":\"" + code + "\"}]}";
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Just enough of NetSuite: an item master for SuiteQL, a scripted answer for
// the create, and the records it holds by external id.
struct NetSuiteTwin {
  struct Item {
    std::string id;
    bool inactive = false;
  };
  std::map<std::string, Item> items = {{"SKU-1", {"20", false}}};
  // inventoryItem records by internal id (the units a conversion uses); others answer 404.
  std::map<std::string, std::string> item_records = {
      {"20", R"({"id":"20","itemId":"SKU-1","stockUnit":{"id":"1","refName":"Each"},"units":{"items":[)"
             R"({"id":"1","unitName":"Each","abbreviation":"EA","conversionRate":1,"baseUnit":true},)"
             R"({"id":"2","unitName":"Case of 12","abbreviation":"CS","conversionRate":12,"baseUnit":false}]}})"}};
  std::function<Result<HttpResponse>()> create = [] {
    return Result<HttpResponse>(reply(204, "", {{"Location", std::string(kAdjustments) + "/4711"}}));
  };
  std::map<std::string, std::string> by_external_id;  // "eid:..." path tail -> internal id

  Result<HttpResponse> answer(const ClientRequest& r) {
    if (r.method == "POST" && r.url == kSuiteQl) {
      Result<Json> q = Json::parse(r.body);
      const std::string sql = q.ok() ? q->get_string("q") : "";
      std::string rows;
      for (const auto& [sku, item] : items) {
        if (sql.find("'" + sku + "'") == std::string::npos) continue;
        rows += std::string(rows.empty() ? "" : ",") + "{\"links\":[],\"id\":\"" + item.id + "\",\"itemid\":\"" + sku +
                "\",\"isinactive\":\"" + (item.inactive ? "T" : "F") + "\"}";
      }
      return reply(200, "{\"links\":[],\"count\":1,\"hasMore\":false,\"items\":[" + rows + "],\"offset\":0}");
    }
    if (r.method == "POST" && r.url == kAdjustments) return create();
    const std::string item_prefix = std::string(kBase) + "/services/rest/record/v1/inventoryItem/";
    if (r.method == "GET" && starts_with(r.url, item_prefix)) {
      auto it = item_records.find(r.url.substr(item_prefix.size()));
      if (it == item_records.end()) return reply(404, ns_error(404, "NONEXISTENT_ID", "Record not found."));
      return reply(200, it->second);
    }
    if (r.method == "GET" && starts_with(r.url, std::string(kAdjustments) + "/eid:")) {
      auto it = by_external_id.find(r.url.substr(std::string(kAdjustments).size() + 5));
      if (it == by_external_id.end()) return reply(404, ns_error(404, "NONEXISTENT_ID", "Record not found."));
      return reply(200, "{\"links\":[],\"id\":\"" + it->second + "\",\"tranId\":\"ADJ" + it->second + "\"}");
    }
    return reply(404, ns_error(404, "INVALID_URL", "unexpected request in test: " + r.method + " " + r.url));
  }
};

}  // namespace

TEST_GROUP(NetSuiteConnector) {
  NetSuiteTwin ns;
  std::unique_ptr<FakeHttpClient> http;
  std::unique_ptr<NetSuiteConnector> connector;
  NetSuiteOptions options;

  void setup() override {
    log::set_level(log::Level::kError);
    http = std::make_unique<FakeHttpClient>([this](const ClientRequest& r) { return ns.answer(r); });
    options.base_url = kBase;
    options.auth = std::make_shared<BearerAuth>("tok-123");
    options.adjustment_account = "58";
    options.location_map = {{"WH1", "6"}, {"WH2", "7"}};
    connector = std::make_unique<NetSuiteConnector>(*http, options);
  }
  void reconfigure() { connector = std::make_unique<NetSuiteConnector>(*http, options); }

  std::vector<ClientRequest> requests_to(const std::string& method, const std::string& url) {
    std::vector<ClientRequest> out;
    for (const ClientRequest& r : http->requests()) {
      if (r.method == method && r.url == url) out.push_back(r);
    }
    return out;
  }
  ErpOutcome post_with_create_answer(std::function<Result<HttpResponse>()> answer) {
    ns.create = std::move(answer);
    return connector->post(adjustment("site-a", 1, "site-a.adj.1001", "SKU-1@WH1"));
  }
};

TEST(NetSuiteConnector, PostsAnInventoryAdjustmentWithTheEventIdAsExternalId) {
  ErpOutcome o = connector->post(adjustment("site-a", 1, "site-a.adj.1001", "SKU-1@WH1", "SKU-1", -3, "WH1"));
  CHECK(o.kind == ErpOutcome::Kind::kPosted);
  STRCMP_EQUAL("4711", o.erp_id.c_str());

  std::vector<ClientRequest> posts = requests_to("POST", kAdjustments);
  LONGS_EQUAL(1, posts.size());
  Result<Json> body = Json::parse(posts[0].body);
  CHECK_TEXT(body.ok(), posts[0].body.c_str());
  STRCMP_EQUAL("site-a.adj.1001", body->get_string("externalId").c_str());
  STRCMP_EQUAL("58", body->find("account")->get_string("id").c_str());
  STRCMP_EQUAL("6", body->find("adjLocation")->get_string("id").c_str());
  const Json* items = body->find("inventory")->find("items");
  CHECK(items && items->is_array());
  LONGS_EQUAL(1, items->items().size());
  const Json& line = items->items().front();
  STRCMP_EQUAL("20", line.find("item")->get_string("id").c_str());
  STRCMP_EQUAL("6", line.find("location")->get_string("id").c_str());
  int64_t qty = 0;
  CHECK(line.find("adjustQtyBy")->as_int64(&qty));
  LONGLONGS_EQUAL(-3, qty);
}

TEST(NetSuiteConnector, ANetAdjustmentListsEveryEventItCoversAndSaysSoInItsMemo) {
  v1::Event net = adjustment("site-a", 1, "site-a.adj.1", "K", "SKU-1", -7, "WH1");
  ErpOutcome o = connector->post_net(net, {"site-a.adj.1", "site-a.adj.2", "site-a.adj.3"});
  CHECK(o.kind == ErpOutcome::Kind::kPosted);
  std::vector<ClientRequest> posts = requests_to("POST", kAdjustments);
  LONGS_EQUAL(1, posts.size());
  Result<Json> body = Json::parse(posts[0].body);
  CHECK(body.ok());
  STRCMP_EQUAL("site-a.adj.1", body->get_string("externalId").c_str());
  STRCMP_EQUAL("site-a.adj.1\nsite-a.adj.2\nsite-a.adj.3", body->get_string("custbody_sb_event_ids").c_str());
  const std::string memo = body->get_string("memo");
  CHECK_TEXT(memo.find("net of 3 stock adjustments") != std::string::npos, memo.c_str());
  int64_t qty = 0;
  CHECK(body->find("inventory")->find("items")->items().front().find("adjustQtyBy")->as_int64(&qty));
  LONGLONGS_EQUAL(-7, qty);
  // One event alone is an ordinary adjustment, with no list.
  connector->post_net(adjustment("site-a", 4, "site-a.adj.4", "K"), {"site-a.adj.4"});
  Result<Json> single = Json::parse(requests_to("POST", kAdjustments).back().body);
  CHECK(single.ok() && single->find("custbody_sb_event_ids") == nullptr);
}

TEST(NetSuiteConnector, AnAdjustmentCountedInCasesPostsInTheBaseUnitWithTheConversionOnTheLine) {
  v1::Event e = adjustment("site-a", 1, "adj-cs", "K", "SKU-1", -2, "WH1");
  e.mutable_stock_adjustment()->set_unit("CS");
  CHECK(connector->post(e).kind == ErpOutcome::Kind::kPosted);
  Result<Json> body = Json::parse(requests_to("POST", kAdjustments).back().body);
  CHECK(body.ok());
  const Json& line = body->find("inventory")->find("items")->items().front();
  int64_t qty = 0;
  CHECK(line.find("adjustQtyBy")->as_int64(&qty));
  LONGLONGS_EQUAL(-24, qty);
  STRCMP_EQUAL("1", line.find("units")->get_string("id").c_str());
  STRCMP_EQUAL("-2 CS (Case of 12 = 12) = -24 Each (= 1)", line.get_string("custcol_sb_uom_conversion").c_str());
  // The units are read once with the item, not per posting.
  connector->post(adjustment("site-a", 2, "adj-ea", "K", "SKU-1", 5, "WH1"));
  LONGS_EQUAL(1, requests_to("GET", std::string(kBase) + "/services/rest/record/v1/inventoryItem/20").size());
}

TEST(NetSuiteConnector, AUnitTheErpDoesNotKnowForTheItemIsHeldNotGuessed) {
  v1::Event e = adjustment("site-a", 1, "adj-pl", "K", "SKU-1", 1, "WH1");
  e.mutable_stock_adjustment()->set_unit("PALLET");
  ErpOutcome o = connector->post(e);
  CHECK(o.kind == ErpOutcome::Kind::kRejected);
  STRCMP_CONTAINS("UOM_NOT_CONVERTIBLE", o.reason.c_str());
  STRCMP_CONTAINS("EA, CS", o.reason.c_str());
  LONGS_EQUAL(0, requests_to("POST", kAdjustments).size());
}

TEST(NetSuiteConnector, ResolvesTheItemThroughSuiteQlOnceAndCachesIt) {
  CHECK(connector->post(adjustment("site-a", 1, "adj-1", "K")).kind == ErpOutcome::Kind::kPosted);
  std::vector<ClientRequest> queries = requests_to("POST", kSuiteQl);
  LONGS_EQUAL(1, queries.size());
  STRCMP_EQUAL("transient", header_value(queries[0].headers, "Prefer").c_str());
  Result<Json> q = Json::parse(queries[0].body);
  CHECK(q.ok());
  STRCMP_CONTAINS("FROM item", q->get_string("q").c_str());
  STRCMP_CONTAINS("'SKU-1'", q->get_string("q").c_str());

  CHECK(connector->post(adjustment("site-a", 2, "adj-2", "K")).kind == ErpOutcome::Kind::kPosted);
  LONGS_EQUAL(1, requests_to("POST", kSuiteQl).size());
  LONGS_EQUAL(2, requests_to("POST", kAdjustments).size());
}

TEST(NetSuiteConnector, AQuoteInASkuCannotBreakOutOfTheSuiteQlString) {
  ns.items["O'NEIL-1"] = {"31", false};
  connector->post(adjustment("site-a", 1, "adj-1", "K", "O'NEIL-1"));
  std::vector<ClientRequest> queries = requests_to("POST", kSuiteQl);
  LONGS_EQUAL(1, queries.size());
  STRCMP_CONTAINS("'O''NEIL-1'", Json::parse(queries[0].body)->get_string("q").c_str());
}

TEST(NetSuiteConnector, EveryRequestCarriesTheBearerToken) {
  connector->post(adjustment("site-a", 1, "adj-1", "K"));
  connector->find(adjustment("site-a", 1, "adj-1", "K"));
  std::vector<ClientRequest> all = http->requests();
  LONGS_EQUAL(4, all.size());  // SuiteQL, item units, create, lookup
  for (const ClientRequest& r : all) STRCMP_EQUAL("Bearer tok-123", header_value(r.headers, "Authorization").c_str());
}

TEST(NetSuiteConnector, ADuplicateExternalIdIsFoundAndCountsAsPosted) {
  ns.by_external_id["site-a.adj.1001"] = "900";
  ErpOutcome o = post_with_create_answer(
      [] { return Result<HttpResponse>(reply(400, ns_error(400, "DUP_RCRD", "This record already exists."))); });
  CHECK(o.kind == ErpOutcome::Kind::kPosted);
  STRCMP_EQUAL("900", o.erp_id.c_str());
  LONGS_EQUAL(1, requests_to("GET", std::string(kAdjustments) + "/eid:site-a.adj.1001").size());
}

TEST(NetSuiteConnector, AnInvalidReferenceIsRejectedWithNetSuitesDetail) {
  ErpOutcome o = post_with_create_answer([] {
    return Result<HttpResponse>(
        reply(400, ns_error(400, "INVALID_KEY_OR_REF", "Invalid item reference key 20 for subsidiary 1.")));
  });
  CHECK(o.kind == ErpOutcome::Kind::kRejected);
  STRCMP_CONTAINS("Invalid item reference key 20 for subsidiary 1.", o.reason.c_str());
  STRCMP_CONTAINS("INVALID_KEY_OR_REF", o.reason.c_str());
}

TEST(NetSuiteConnector, TooManyRequestsIsThrottledForRetryAfter) {
  ErpOutcome o = post_with_create_answer([] {
    return Result<HttpResponse>(reply(429, ns_error(429, "CONCURRENCY_LIMIT_EXCEEDED", "Too many requests"),
                                      {{"Retry-After", "2"}}));
  });
  CHECK(o.kind == ErpOutcome::Kind::kRetry);
  CHECK(o.throttled);
  CHECK_FALSE(o.ambiguous);
  LONGLONGS_EQUAL(2000, o.retry_after.count());
}

TEST(NetSuiteConnector, AServerErrorIsRetriedAsAmbiguous) {
  ErpOutcome o = post_with_create_answer(
      [] { return Result<HttpResponse>(reply(500, ns_error(500, "UNEXPECTED_ERROR", "An unexpected error occurred."))); });
  CHECK(o.kind == ErpOutcome::Kind::kRetry);
  CHECK(o.ambiguous);
  CHECK_FALSE(o.throttled);
}

TEST(NetSuiteConnector, TimeoutsAndDroppedConnectionsAreAmbiguousRefusedConnectionsAreNot) {
  ErpOutcome timeout = post_with_create_answer([] { return Result<HttpResponse>(Status::Timeout("no answer in 30 s")); });
  CHECK(timeout.kind == ErpOutcome::Kind::kRetry);
  CHECK(timeout.ambiguous);

  ErpOutcome lost = post_with_create_answer([] { return Result<HttpResponse>(Status::ConnectionLost("reset by peer")); });
  CHECK(lost.kind == ErpOutcome::Kind::kRetry);
  CHECK(lost.ambiguous);

  ErpOutcome refused = post_with_create_answer([] { return Result<HttpResponse>(Status::Unavailable("connection refused")); });
  CHECK(refused.kind == ErpOutcome::Kind::kRetry);
  CHECK_FALSE(refused.ambiguous);
}

TEST(NetSuiteConnector, RefusedCredentialsAreRetriedNotHeld) {
  ErpOutcome o = post_with_create_answer(
      [] { return Result<HttpResponse>(reply(401, ns_error(401, "INVALID_LOGIN", "Invalid login attempt."))); });
  CHECK(o.kind == ErpOutcome::Kind::kRetry);
  CHECK_FALSE(o.ambiguous);
}

TEST(NetSuiteConnector, AnUnknownSkuIsRejectedWithoutPosting) {
  ErpOutcome o = connector->post(adjustment("site-a", 1, "adj-1", "K", "SKU-NOPE"));
  CHECK(o.kind == ErpOutcome::Kind::kRejected);
  STRCMP_CONTAINS("UNKNOWN_SKU", o.reason.c_str());
  STRCMP_CONTAINS("SKU-NOPE", o.reason.c_str());
  LONGS_EQUAL(0, requests_to("POST", kAdjustments).size());
}

TEST(NetSuiteConnector, AnInactiveItemIsRejected) {
  ns.items["SKU-OLD"] = {"44", true};
  ErpOutcome o = connector->post(adjustment("site-a", 1, "adj-1", "K", "SKU-OLD"));
  CHECK(o.kind == ErpOutcome::Kind::kRejected);
  STRCMP_CONTAINS("INACTIVE_SKU", o.reason.c_str());
  LONGS_EQUAL(0, requests_to("POST", kAdjustments).size());
}

TEST(NetSuiteConnector, AnUnmappedWarehouseIsRejectedUnlessThereIsADefault) {
  ErpOutcome o = connector->post(adjustment("site-a", 1, "adj-1", "K", "SKU-1", 5, "WH9"));
  CHECK(o.kind == ErpOutcome::Kind::kRejected);
  STRCMP_CONTAINS("UNMAPPED_LOCATION", o.reason.c_str());
  STRCMP_CONTAINS("WH9", o.reason.c_str());
  LONGS_EQUAL(0, requests_to("POST", kAdjustments).size());

  options.default_location = "1";
  reconfigure();
  CHECK(connector->post(adjustment("site-a", 1, "adj-1", "K", "SKU-1", 5, "WH9")).kind == ErpOutcome::Kind::kPosted);
  std::vector<ClientRequest> posts = requests_to("POST", kAdjustments);
  LONGS_EQUAL(1, posts.size());
  STRCMP_EQUAL("1", Json::parse(posts[0].body)->find("adjLocation")->get_string("id").c_str());
}

TEST(NetSuiteConnector, FindReadsTheRecordByExternalId) {
  ns.by_external_id["site-a.adj.1001"] = "321";
  ErpOutcome found = connector->find(adjustment("site-a", 1, "site-a.adj.1001", "K"));
  CHECK(found.kind == ErpOutcome::Kind::kPosted);
  STRCMP_EQUAL("321", found.erp_id.c_str());
  LONGS_EQUAL(1, requests_to("GET", std::string(kAdjustments) + "/eid:site-a.adj.1001").size());

  ErpOutcome missing = connector->find(adjustment("site-a", 2, "site-a.adj.1002", "K"));
  CHECK(missing.kind == ErpOutcome::Kind::kNotFound);
}

TEST(NetSuiteConnector, ParsesTheLocationMap) {
  std::map<std::string, std::string> m;
  CHECK(parse_location_map("WH1=1, WH2=2", &m).ok());
  LONGS_EQUAL(2, m.size());
  STRCMP_EQUAL("1", m.at("WH1").c_str());
  STRCMP_EQUAL("2", m.at("WH2").c_str());

  Status bad = parse_location_map("WH1", &m);
  CHECK(bad.code() == Code::kInvalidArgument);
  STRCMP_CONTAINS("WH1", bad.message().c_str());
  CHECK(parse_location_map("", &m).ok());
  LONGS_EQUAL(0, m.size());
}

TEST(NetSuiteConnector, WithoutAuthNoAuthorizationHeaderIsSent) {
  options.auth = nullptr;
  reconfigure();
  connector->post(adjustment("site-a", 1, "adj-1", "K"));
  for (const ClientRequest& r : http->requests()) STRCMP_EQUAL("", header_value(r.headers, "Authorization").c_str());
}

TEST(NetSuiteConnector, WithTbaEveryRequestIsSignedForItsOwnMethodAndUrl) {
  const OAuth1Credentials creds{"ck_7f3a9c", "cs_secret_91b2", "tk_51e0aa", "ts_secret_c4d8", "1234567"};
  int n = 0;
  options.auth = std::make_shared<TbaAuth>(creds, [&n] { return OAuth1Stamp{"nonce-" + std::to_string(++n), 1764173000}; });
  reconfigure();
  connector->post(adjustment("site-a", 1, "adj-1", "K"));
  connector->find(adjustment("site-a", 1, "adj-1", "K"));
  std::vector<ClientRequest> all = http->requests();
  LONGS_EQUAL(4, all.size());  // SuiteQL, item units, create, lookup
  for (size_t i = 0; i < all.size(); ++i) {
    Result<OAuth1Signature> expected =
        oauth1_sign(creds, all[i].method, all[i].url, {"nonce-" + std::to_string(i + 1), 1764173000});
    CHECK(expected.ok());
    STRCMP_EQUAL(expected->authorization.c_str(), header_value(all[i].headers, "Authorization").c_str());
  }
}

TEST(NetSuiteConnector, TheDefaultTbaSignerUsesAFreshNonceEachRequest) {
  options.auth = std::make_shared<TbaAuth>(OAuth1Credentials{"ck", "cs", "tk", "ts", "1234567"});
  reconfigure();
  connector->post(adjustment("site-a", 1, "adj-1", "K"));
  connector->find(adjustment("site-a", 1, "adj-1", "K"));
  std::set<std::string> nonces;
  for (const ClientRequest& r : http->requests()) {
    Result<OAuth1Header> h = parse_oauth1_header(header_value(r.headers, "Authorization"));
    CHECK(h.ok());
    CHECK(h->param("oauth_nonce").size() >= 20);
    nonces.insert(h->param("oauth_nonce"));
  }
  LONGS_EQUAL(4, nonces.size());
}

// The connector against the ERP simulator started with TBA flags, over real HTTP.
TEST_GROUP(NetSuiteConnectorTba) {
  const OAuth1Credentials creds{"ck_relay", "cs_relay_secret", "tk_relay", "ts_relay_secret", "1234567_SB1"};
  std::unique_ptr<erpsim::ErpSimulator> sim;
  std::unique_ptr<HttpClient> http = make_poco_http_client();

  void setup() override {
    log::set_level(log::Level::kError);
    std::signal(SIGPIPE, SIG_IGN);
    erpsim::ParsedOptions parsed = erpsim::parse_options(
        {"--account", "1234567_SB1", "--tba-consumer-key", "ck_relay", "--tba-consumer-secret", "cs_relay_secret",
         "--tba-token", "tk_relay", "--tba-token-secret", "ts_relay_secret", "--seed-items", "20"});
    STRCMP_EQUAL("", parsed.error.c_str());
    sim = std::make_unique<erpsim::ErpSimulator>(parsed.options);
    std::string error = sim->start();
    STRCMP_EQUAL("", error.c_str());
  }
  void teardown() override { sim.reset(); }

  NetSuiteConnector connector_with(const OAuth1Credentials& c) {
    NetSuiteOptions o;
    o.base_url = sim->url();
    o.auth = std::make_shared<TbaAuth>(c);
    o.timeout = Millis(5000);
    o.location_map = {{"WH1", "6"}};
    return NetSuiteConnector(*http, o);
  }
};

TEST(NetSuiteConnectorTba, RecordsAreCreatedInTheErpWithSignedRequests) {
  NetSuiteConnector connector = connector_with(creds);
  const v1::Event e = adjustment("site-a", 1, "site-a.adj.1", "K", "SKU-0001", -3, "WH1");
  ErpOutcome posted = connector.post(e);
  CHECK_TEXT(posted.kind == ErpOutcome::Kind::kPosted, posted.reason.c_str());
  CHECK(!posted.erp_id.empty());

  auto records = sim->store().ledger("inventoryAdjustment", "");
  LONGS_EQUAL(1, records.size());
  STRCMP_EQUAL("site-a.adj.1", records[0].external_id.c_str());

  // The lookup after an ambiguous failure is signed too, and finds it.
  ErpOutcome found = connector.find(e);
  CHECK_TEXT(found.kind == ErpOutcome::Kind::kPosted, found.reason.c_str());
  STRCMP_EQUAL(posted.erp_id.c_str(), found.erp_id.c_str());
  CHECK(connector.post(adjustment("site-a", 2, "site-a.adj.2", "K", "SKU-0002", 5, "WH1")).kind ==
        ErpOutcome::Kind::kPosted);
  LONGS_EQUAL(2, sim->store().ledger("inventoryAdjustment", "").size());
}

TEST(NetSuiteConnectorTba, AWrongTokenSecretIsRefusedAndRetriedNothingIsCreated) {
  OAuth1Credentials wrong = creds;
  wrong.token_secret = "not-the-secret";
  NetSuiteConnector connector = connector_with(wrong);
  ErpOutcome o = connector.post(adjustment("site-a", 1, "site-a.adj.1", "K", "SKU-0001", -3, "WH1"));
  CHECK(o.kind == ErpOutcome::Kind::kRetry);
  CHECK_FALSE(o.ambiguous);
  STRCMP_CONTAINS("401", o.reason.c_str());
  STRCMP_CONTAINS("Invalid login attempt", o.reason.c_str());
  LONGS_EQUAL(0, sim->store().ledger("inventoryAdjustment", "").size());
}
