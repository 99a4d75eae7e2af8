// NetSuite token-based authentication in the simulator, over real HTTP: a
// request signed as a client would sign it (OAuth 1.0a, HMAC-SHA256, for the
// URL it addressed) is served; a wrong signature, a stale timestamp or a
// replayed nonce gets NetSuite's 401, and nothing is created.
#include <chrono>
#include <csignal>
#include <memory>
#include <string>

#include <Poco/JSON/Object.h>

#include "erp_simulator.h"
#include "platform/http/oauth1.h"
#include "sim_client.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::erpsim;
using namespace sb::erpsim::test;

namespace {

const OAuth1Credentials kClient{"ck_7f3a9c", "cs_secret_91b2", "tk_51e0aa", "ts_secret_c4d8", "1234567_SB1"};
constexpr char kSuiteQlPath[] = "/services/rest/query/v1/suiteql";

std::vector<std::string> tba_flags() {
  return {"--account", "1234567_SB1", "--tba-consumer-key", "ck_7f3a9c", "--tba-consumer-secret", "cs_secret_91b2",
          "--tba-token", "tk_51e0aa", "--tba-token-secret", "ts_secret_c4d8"};
}

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::unique_ptr<ErpSimulator> start_sim(std::vector<std::string> flags) {
  std::signal(SIGPIPE, SIG_IGN);
  flags.insert(flags.end(), {"--seed-items", "20"});
  ParsedOptions parsed = parse_options(flags);
  if (!parsed.error.empty()) FAIL(parsed.error.c_str());
  auto sim = std::make_unique<ErpSimulator>(parsed.options);
  if (std::string error = sim->start(); !error.empty()) FAIL(error.c_str());
  return sim;
}

int created_count(uint16_t port) { return ledger(port)->getValue<int>("count"); }

}  // namespace

TEST_GROUP(ErpSimTba) {
  std::unique_ptr<ErpSimulator> sim;
  uint16_t port = 0;
  int nonce_counter = 0;

  void setup() override {
    sim = start_sim(tba_flags());
    port = sim->port();
  }
  void teardown() override { sim.reset(); }

  std::string url(const std::string& path_and_query) const {
    return "http://127.0.0.1:" + std::to_string(port) + path_and_query;
  }
  // The Authorization header for one request, as the relay's signer makes it.
  std::string sign(const std::string& method, const std::string& path_and_query, int64_t timestamp = 0,
                   const std::string& nonce = "", const OAuth1Credentials& c = kClient) {
    OAuth1Stamp stamp{nonce.empty() ? "test-nonce-" + std::to_string(++nonce_counter) + "-abcdefghij" : nonce,
                      timestamp == 0 ? now_s() : timestamp};
    Result<OAuth1Signature> s = oauth1_sign(c, method, url(path_and_query), stamp);
    CHECK(s.ok());
    return s->authorization;
  }
  CallOptions with_auth(const std::string& header) const { return CallOptions{{{"Authorization", header}}, 5000}; }

  void check_refused(const HttpResult& r) const {
    LONGS_EQUAL(401, r.status);
    auto body = json_of(r.body);
    STRCMP_EQUAL("Unauthorized", body->getValue<std::string>("title").c_str());
    LONGS_EQUAL(401, body->getValue<int>("status"));
    STRCMP_EQUAL("INVALID_LOGIN", error_field(r, "o:errorCode").c_str());
    STRCMP_CONTAINS("Invalid login attempt", error_field(r, "detail").c_str());
  }
};

TEST(ErpSimTba, ASignedCreateIsServed) {
  HttpResult r = post_adjustment(port, adjustment("TBA-1"), with_auth(sign("POST", kAdjustments)));
  LONGS_EQUAL(204, r.status);
  LONGS_EQUAL(1, created_count(port));
}

TEST(ErpSimTba, ASignedReadAndASuiteQlQueryWithSignedParametersAreServed) {
  const std::string by_eid = std::string(kAdjustments) + "/eid:NOPE";
  LONGS_EQUAL(404, http_call(port, "GET", by_eid, "", with_auth(sign("GET", by_eid))).status);

  const std::string query = std::string(kSuiteQlPath) + "?limit=100&offset=0";
  CallOptions o = with_auth(sign("POST", query));
  o.headers["Prefer"] = "transient";
  HttpResult r = http_call(port, "POST", query, R"({"q":"SELECT id FROM item WHERE itemid = 'SKU-0001'"})", o);
  LONGS_EQUAL(200, r.status);
}

TEST(ErpSimTba, NoHeaderOrABearerTokenIsRefused) {
  check_refused(post_adjustment(port, adjustment("TBA-1")));
  check_refused(post_adjustment(port, adjustment("TBA-1"), with_auth("Bearer anything")));
  LONGS_EQUAL(0, created_count(port));
}

TEST(ErpSimTba, ATamperedSignatureIsRefused) {
  std::string header = sign("POST", kAdjustments);
  const size_t at = header.find("oauth_signature=\"") + 17;
  header[at] = header[at] == 'A' ? 'B' : 'A';
  check_refused(post_adjustment(port, adjustment("TBA-1"), with_auth(header)));
  LONGS_EQUAL(0, created_count(port));
}

TEST(ErpSimTba, AWrongTokenSecretOrRealmIsRefused) {
  OAuth1Credentials wrong_secret = kClient;
  wrong_secret.token_secret = "ts_other";
  check_refused(post_adjustment(port, adjustment("TBA-1"), with_auth(sign("POST", kAdjustments, 0, "", wrong_secret))));
  OAuth1Credentials production = kClient;
  production.realm = "1234567";
  check_refused(post_adjustment(port, adjustment("TBA-1"), with_auth(sign("POST", kAdjustments, 0, "", production))));
  LONGS_EQUAL(0, created_count(port));
}

TEST(ErpSimTba, ASignatureForAnotherUrlOrQueryIsRefused) {
  check_refused(
      post_adjustment(port, adjustment("TBA-1"), with_auth(sign("POST", std::string(kAdjustments) + "/other"))));
  const std::string signed_query = std::string(kSuiteQlPath) + "?limit=10&offset=0";
  const std::string sent_query = std::string(kSuiteQlPath) + "?limit=1000&offset=0";
  CallOptions o = with_auth(sign("POST", signed_query));
  o.headers["Prefer"] = "transient";
  check_refused(http_call(port, "POST", sent_query, R"({"q":"SELECT id FROM item"})", o));
}

TEST(ErpSimTba, AStaleOrFutureTimestampIsRefusedAFewMinutesOfSkewIsNot) {
  check_refused(post_adjustment(port, adjustment("TBA-1"), with_auth(sign("POST", kAdjustments, now_s() - 6 * 60))));
  check_refused(post_adjustment(port, adjustment("TBA-1"), with_auth(sign("POST", kAdjustments, now_s() + 6 * 60))));
  LONGS_EQUAL(0, created_count(port));
  LONGS_EQUAL(204,
              post_adjustment(port, adjustment("TBA-1"), with_auth(sign("POST", kAdjustments, now_s() - 4 * 60))).status);
}

TEST(ErpSimTba, AReplayedNonceIsRefused) {
  const std::string header = sign("POST", kAdjustments);
  LONGS_EQUAL(204, post_adjustment(port, adjustment("TBA-1"), with_auth(header)).status);
  check_refused(post_adjustment(port, adjustment("TBA-2"), with_auth(header)));
  // The same nonce with a new timestamp (so a new signature) is still a replay.
  check_refused(post_adjustment(port, adjustment("TBA-2"),
                                with_auth(sign("POST", kAdjustments, now_s() - 1, "test-nonce-1-abcdefghij"))));
  LONGS_EQUAL(1, created_count(port));
}

TEST(ErpSimTba, ARefusedRequestDoesNotSpendItsNonce) {
  check_refused(
      post_adjustment(port, adjustment("TBA-1"), with_auth(sign("POST", kAdjustments, now_s() - 3600, "nonce-x-0123456789"))));
  LONGS_EQUAL(204, post_adjustment(port, adjustment("TBA-1"),
                                   with_auth(sign("POST", kAdjustments, 0, "nonce-x-0123456789")))
                       .status);
}

TEST(ErpSimTba, WithBearerAlsoConfiguredEitherIsAccepted) {
  sim = start_sim([] {
    auto f = tba_flags();
    f.insert(f.end(), {"--bearer", "devtoken"});
    return f;
  }());
  port = sim->port();
  LONGS_EQUAL(204, post_adjustment(port, adjustment("TBA-1"), with_auth("Bearer devtoken")).status);
  LONGS_EQUAL(204, post_adjustment(port, adjustment("TBA-2"), with_auth(sign("POST", kAdjustments))).status);
  check_refused(post_adjustment(port, adjustment("TBA-3"), with_auth("Bearer wrong")));
  check_refused(post_adjustment(port, adjustment("TBA-3")));
}

TEST(ErpSimTba, AdminEndpointsNeedNoSignature) {
  LONGS_EQUAL(200, http_call(port, "GET", "/_sim/stats").status);
}

// The nonce memory and the window, with a clock the test moves.
TEST_GROUP(ErpSimTbaClock) {
  int64_t now = 1'764'172'800;
  std::unique_ptr<Authenticator> auth = make_tba_authenticator(kClient, [this] { return now; });

  SimRequest request(const OAuth1Stamp& stamp) {
    SimRequest r;
    r.method = "GET";
    r.host = "127.0.0.1:8500";
    r.path = "/services/rest/record/v1/inventoryAdjustment/eid:A";
    r.headers["authorization"] = oauth1_sign(kClient, "GET", "http://" + r.host + r.path, stamp)->authorization;
    return r;
  }
};

TEST(ErpSimTbaClock, ANonceMayComeBackAfterTenMinutes) {
  CHECK(auth->admits(request({"n-1234567890123456789", now})));
  now += 9 * 60;
  CHECK_FALSE(auth->admits(request({"n-1234567890123456789", now})));
  now += 2 * 60;
  CHECK(auth->admits(request({"n-1234567890123456789", now})));
}

TEST(ErpSimTbaClock, TheWindowIsFiveMinutesEitherWay) {
  CHECK(auth->admits(request({"a", now - 300})));
  CHECK(auth->admits(request({"b", now + 300})));
  CHECK_FALSE(auth->admits(request({"c", now - 301})));
  CHECK_FALSE(auth->admits(request({"d", now + 301})));
}

TEST_GROUP(ErpSimTbaOptions){};

TEST(ErpSimTbaOptions, TheFourCredentialsGoTogether) {
  ParsedOptions partial = parse_options({"--tba-consumer-key", "ck", "--tba-token", "tk"});
  STRCMP_CONTAINS("go together", partial.error.c_str());
  ParsedOptions full = parse_options(tba_flags());
  STRCMP_EQUAL("", full.error.c_str());
  STRCMP_EQUAL("1234567_SB1", full.options.account.c_str());
  STRCMP_EQUAL("ts_secret_c4d8", full.options.tba_token_secret.c_str());
  STRCMP_CONTAINS("--tba-consumer-key", usage().c_str());
}
