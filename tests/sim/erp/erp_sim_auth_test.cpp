// NetSuite token-based authentication in the simulator, over real HTTP: a
// request signed as a client would sign it (OAuth 1.0a, HMAC-SHA256, for the
// URL it addressed) is served; a wrong signature, a stale timestamp or a
// replayed nonce gets NetSuite's 401, and nothing is created.
// Then OAuth 2.0 client credentials (M2M): a JWT signed with a key made at run
// time buys a token the API accepts; every kind of bad assertion gets the
// token endpoint's 400 with its error, and an expired token NetSuite's 401.
#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>

#include <Poco/JSON/Object.h>

#include "erp_simulator.h"
#include "oauth2_test_keys.h"
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

// ---- OAuth 2.0 client credentials (M2M) -------------------------------------------

namespace {

constexpr char kClientId[] = "a1b2c3d4e5f6-client";
constexpr char kRsaKid[] = "cert-rsa-01";
constexpr char kEcKid[] = "cert-ec-01";
constexpr char kTokenPath[] = "/services/rest/auth/oauth2/v1/token";

// Made once per run: RSA key generation takes a moment.
const TestKeyPair& rsa_key() {
  static const TestKeyPair k = make_rsa_key(2048);
  return k;
}
const TestKeyPair& ec_key() {
  static const TestKeyPair k = make_p256_key();
  return k;
}

std::string form(const std::string& assertion, const std::string& grant = "client_credentials",
                 const std::string& type = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer") {
  return "grant_type=" + grant + "&client_assertion_type=" + type + "&client_assertion=" + assertion;
}

CallOptions form_post() { return CallOptions{{{"Content-Type", "application/x-www-form-urlencoded"}}, 5000}; }

}  // namespace

TEST_GROUP(ErpSimOAuth2) {
  std::string key_file;
  std::unique_ptr<ErpSimulator> sim;
  uint16_t port = 0;

  void setup() override { key_file = write_temp_file("public.pem", rsa_key().public_pem); }
  void teardown() override {
    sim.reset();
    remove_temp_file(key_file);
  }

  std::vector<std::string> flags(int ttl_s = 3600) const {
    return {"--oauth2-client-id", kClientId, "--oauth2-certificate-id", kRsaKid, "--oauth2-public-key", key_file,
            "--oauth2-token-ttl-s", std::to_string(ttl_s), "--seed-items", "20"};
  }
  // The flags' RSA certificate, plus an EC one added in-process (two mappings, as after a rotation).
  void start(std::vector<std::string> f) {
    std::signal(SIGPIPE, SIG_IGN);
    ParsedOptions parsed = parse_options(f);
    if (!parsed.error.empty()) FAIL(parsed.error.c_str());
    parsed.options.oauth2_certificates[kEcKid] = ec_key().public_pem;
    sim = std::make_unique<ErpSimulator>(parsed.options);
    if (std::string error = sim->start(); !error.empty()) FAIL(error.c_str());
    port = sim->port();
  }

  // A valid assertion for this simulator; tests spoil one field.
  Assertion good(const std::string& alg = "PS256") const {
    Assertion a;
    a.alg = alg;
    a.kid = alg == "PS256" ? kRsaKid : kEcKid;
    a.iss = kClientId;
    a.aud = "http://127.0.0.1:" + std::to_string(port) + kTokenPath;
    a.iat = now_s();
    a.exp = a.iat + 3600;
    return a;
  }
  std::string signed_by(const Assertion& a) const {
    return make_assertion(a, a.alg == "PS256" ? rsa_key().private_pem : ec_key().private_pem);
  }
  HttpResult ask(const std::string& body) const { return http_call(port, "POST", kTokenPath, body, form_post()); }

  // The token from a 200 answer.
  std::string token_from(const HttpResult& r) const {
    LONGS_EQUAL_TEXT(200, r.status, r.body.c_str());
    auto body = json_of(r.body);
    STRCMP_EQUAL("bearer", body->getValue<std::string>("token_type").c_str());
    CHECK(body->get("expires_in").isString());  // NetSuite sends a string
    return body->getValue<std::string>("access_token");
  }
  void check_oauth_error(const HttpResult& r, const char* error, const char* description_part) const {
    LONGS_EQUAL_TEXT(400, r.status, r.body.c_str());
    auto body = json_of(r.body);
    STRCMP_EQUAL(error, body->optValue<std::string>("error", "").c_str());
    STRCMP_CONTAINS(description_part, body->optValue<std::string>("error_description", "").c_str());
  }
  CallOptions bearer(const std::string& token) const { return CallOptions{{{"Authorization", "Bearer " + token}}, 5000}; }
};

TEST(ErpSimOAuth2, AGoodAssertionBuysATokenTheApiAccepts) {
  start(flags());
  HttpResult r = ask(form(signed_by(good())));
  const std::string token = token_from(r);
  CHECK(token.size() >= 32);
  STRCMP_EQUAL("3600", json_of(r.body)->getValue<std::string>("expires_in").c_str());
  STRCMP_EQUAL("no-store", r.header("cache-control").c_str());

  LONGS_EQUAL(204, post_adjustment(port, adjustment("M2M-1"), bearer(token)).status);
  CallOptions q = bearer(token);
  q.headers["Prefer"] = "transient";
  LONGS_EQUAL(200, http_call(port, "POST", std::string(kSuiteQlPath) + "?limit=10&offset=0",
                             R"({"q":"SELECT id FROM item WHERE itemid = 'SKU-0001'"})", q)
                       .status);
  LONGS_EQUAL(401, post_adjustment(port, adjustment("M2M-2")).status);
  LONGS_EQUAL(401, post_adjustment(port, adjustment("M2M-2"), bearer(token + "x")).status);
  LONGS_EQUAL(1, created_count(port));
  LONGS_EQUAL(1, sim->oauth2().issued());
}

TEST(ErpSimOAuth2, Es256AndAScopeStringAndAnyHostInAudAreAccepted) {
  start(flags());
  LONGS_EQUAL(204, post_adjustment(port, adjustment("M2M-1"), bearer(token_from(ask(form(signed_by(good("ES256")))))))
                       .status);
  Assertion a = good();
  a.aud = std::string("https://1234567.suitetalk.api.netsuite.com") + kTokenPath;  // only the path is compared
  a.scope = R"("restlets,rest_webservices")";
  token_from(ask(form(signed_by(a))));
}

TEST(ErpSimOAuth2, AnUnknownCertificateIdIsInvalidClient) {
  start(flags());
  Assertion a = good();
  a.kid = "cert-unknown";
  check_oauth_error(ask(form(signed_by(a))), "invalid_client", "cert-unknown");
}

TEST(ErpSimOAuth2, ABadSignatureIsInvalidClient) {
  start(flags());
  std::string tampered = signed_by(good());
  char& c = tampered[tampered.size() - 5];
  c = c == 'A' ? 'B' : 'A';
  check_oauth_error(ask(form(tampered)), "invalid_client", "signature");
  // Signed by another key under the right kid (someone else's private key).
  Assertion a = good();
  check_oauth_error(ask(form(make_assertion(a, make_rsa_key(2048).private_pem))), "invalid_client", "signature");
  // An ES256 JWT naming the RSA certificate.
  Assertion es = good("ES256");
  es.kid = kRsaKid;
  check_oauth_error(ask(form(signed_by(es))), "invalid_client", "does not fit");
  LONGS_EQUAL(0, sim->oauth2().issued());
}

TEST(ErpSimOAuth2, AnotherClientIdIsInvalidClient) {
  start(flags());
  Assertion a = good();
  a.iss = "someone-else";
  check_oauth_error(ask(form(signed_by(a))), "invalid_client", "iss");
}

TEST(ErpSimOAuth2, AWrongAudienceIsInvalidGrant) {
  start(flags());
  Assertion a = good();
  a.aud = "http://127.0.0.1:" + std::to_string(port) + "/services/rest/record/v1";
  check_oauth_error(ask(form(signed_by(a))), "invalid_grant", "aud");
}

TEST(ErpSimOAuth2, AnExpiredAssertionOrOneLivingOverAnHourIsInvalidGrant) {
  start(flags());
  Assertion expired = good();
  expired.iat = now_s() - 3700;
  expired.exp = now_s() - 100;
  check_oauth_error(ask(form(signed_by(expired))), "invalid_grant", "expired");
  Assertion too_long = good();
  too_long.exp = too_long.iat + 3601;
  check_oauth_error(ask(form(signed_by(too_long))), "invalid_grant", "3600");
  Assertion future = good();
  future.iat = now_s() + 600;
  future.exp = future.iat + 60;
  check_oauth_error(ask(form(signed_by(future))), "invalid_grant", "future");
}

TEST(ErpSimOAuth2, AScopeWithoutRestWebservicesIsInvalidScope) {
  start(flags());
  Assertion a = good();
  a.scope = R"(["restlets"])";
  check_oauth_error(ask(form(signed_by(a))), "invalid_scope", "rest_webservices");
}

TEST(ErpSimOAuth2, AMalformedRequestIsInvalidRequestOrUnsupportedGrantType) {
  start(flags());
  const std::string jwt = signed_by(good());
  check_oauth_error(ask(form(jwt, "authorization_code")), "unsupported_grant_type", "client_credentials");
  check_oauth_error(ask(form(jwt, "client_credentials", "urn%3Aother")), "invalid_request", "client_assertion_type");
  check_oauth_error(ask(form("not-a-jwt")), "invalid_request", "JWT");
  check_oauth_error(ask("client_assertion=" + jwt), "invalid_request", "grant_type");
  check_oauth_error(http_call(port, "POST", kTokenPath, form(jwt), CallOptions{{{"Content-Type", "application/json"}}, 5000}),
                    "invalid_request", "x-www-form-urlencoded");
  LONGS_EQUAL(0, sim->oauth2().issued());
}

TEST(ErpSimOAuth2, AnExpiredTokenIsRefusedWithNetSuites401) {
  start(flags(1));
  const std::string token = token_from(ask(form(signed_by(good()))));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  HttpResult r = post_adjustment(port, adjustment("M2M-1"), bearer(token));
  LONGS_EQUAL(401, r.status);
  STRCMP_EQUAL("INVALID_LOGIN", error_field(r, "o:errorCode").c_str());
  LONGS_EQUAL(0, created_count(port));
  // A new token works again.
  LONGS_EQUAL(204, post_adjustment(port, adjustment("M2M-1"), bearer(token_from(ask(form(signed_by(good())))))).status);
}

TEST(ErpSimOAuth2, StaticBearerStillWorksAlongside) {
  auto f = flags();
  f.insert(f.end(), {"--bearer", "devtoken"});
  start(f);
  LONGS_EQUAL(204, post_adjustment(port, adjustment("M2M-1"), bearer("devtoken")).status);
  LONGS_EQUAL(204, post_adjustment(port, adjustment("M2M-2"), bearer(token_from(ask(form(signed_by(good())))))).status);
  LONGS_EQUAL(401, post_adjustment(port, adjustment("M2M-3"), bearer("wrong")).status);
}

TEST(ErpSimOAuth2, WithoutTheFlagsTheTokenEndpointRefusesAndNoAuthIsAsked) {
  sim = start_sim({});
  port = sim->port();
  check_oauth_error(ask(form(signed_by(good()))), "invalid_client", "--oauth2-client-id");
  LONGS_EQUAL(204, post_adjustment(port, adjustment("OPEN-1")).status);
}

// Token lifetime with a clock the test moves.
TEST_GROUP(ErpSimOAuth2Clock) {
  int64_t now = 1'764'172'800;
  OAuth2Issuer issuer{kClientId, 3600, [this] { return now; }};

  void setup() override { STRCMP_EQUAL("", issuer.add_certificate(kEcKid, ec_key().public_pem).c_str()); }

  std::string issue() {
    Assertion a;
    a.alg = "ES256";
    a.kid = kEcKid;
    a.iss = kClientId;
    a.aud = std::string("http://127.0.0.1:8500") + kTokenPath;
    a.iat = now;
    a.exp = now + 300;
    SimRequest r;
    r.method = "POST";
    r.path = kTokenPath;
    r.headers["content-type"] = "application/x-www-form-urlencoded";
    r.body = form(make_assertion(a, ec_key().private_pem));
    SimResponse answer = issuer.token(r);
    LONGS_EQUAL_TEXT(200, answer.status, answer.body.c_str());
    return json_of(answer.body)->getValue<std::string>("access_token");
  }
  bool admits(const std::string& token) const {
    SimRequest r;
    r.headers["authorization"] = "Bearer " + token;
    return issuer.admits(r);
  }
};

TEST(ErpSimOAuth2Clock, ATokenIsAcceptedForItsLifetimeThenRefused) {
  const std::string token = issue();
  CHECK(admits(token));
  now += 3599;
  CHECK(admits(token));
  now += 1;
  CHECK_FALSE(admits(token));
  CHECK_FALSE(admits("unknown"));
}

TEST(ErpSimOAuth2Clock, TokensAreDistinct) {
  const std::string a = issue();
  const std::string b = issue();
  CHECK(a != b);
  CHECK(admits(a));
  CHECK(admits(b));
}

TEST_GROUP(ErpSimOAuth2Options){};

TEST(ErpSimOAuth2Options, TheFlagsGoTogetherAndTheKeyFileIsChecked) {
  STRCMP_CONTAINS("go together", parse_options({"--oauth2-client-id", "c"}).error.c_str());
  STRCMP_CONTAINS("cannot read",
                  parse_options({"--oauth2-client-id", "c", "--oauth2-certificate-id", "k", "--oauth2-public-key",
                                 "/nonexistent/key.pem"})
                      .error.c_str());
  const std::string bad = write_temp_file("bad.pem", "not a key");
  STRCMP_CONTAINS("not a PEM public key",
                  parse_options({"--oauth2-client-id", "c", "--oauth2-certificate-id", "k", "--oauth2-public-key", bad})
                      .error.c_str());
  remove_temp_file(bad);
  const std::string good_file = write_temp_file("ec.pem", ec_key().public_pem);
  ParsedOptions ok = parse_options(
      {"--oauth2-client-id", "c", "--oauth2-certificate-id", "k", "--oauth2-public-key", good_file, "--oauth2-token-ttl-s", "60"});
  remove_temp_file(good_file);
  STRCMP_EQUAL("", ok.error.c_str());
  LONGS_EQUAL(60, ok.options.oauth2_token_ttl_s);
  LONGS_EQUAL(1, ok.options.oauth2_certificates.count("k"));
  STRCMP_CONTAINS("--oauth2-public-key", usage().c_str());
}
