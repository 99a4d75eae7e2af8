// OAuth 2.0 machine-to-machine (relay/oauth2_m2m.h): the client assertion as
// NetSuite documents it, checked with OpenSSL against the public key; the
// access token obtained, cached, renewed ahead of expiry and after a refusal,
// with a clock the test moves and a FakeHttpClient as the token endpoint; the
// settings; and, over loopback, the ERP simulator issuing a token for the
// assertion and accepting the connector's requests with it. Keys are made at
// run time, never committed.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/config.h"
#include "platform/core/json.h"
#include "platform/core/log.h"
#include "platform/http/http.h"
#include "relay/erp_auth.h"
#include "relay/netsuite_connector.h"
#include "relay/oauth2_m2m.h"
#include "relay/settings.h"
#include "tests/unit/relay/relay_fixtures.h"

#include "erp_simulator.h"
#include "oauth2_test_keys.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;
using namespace sb::relay::test;
using sb::erpsim::test::TestKeyPair;

namespace {

constexpr char kTokenUrl[] = "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token";

const TestKeyPair& rsa_key() {
  static const TestKeyPair k = erpsim::test::make_rsa_key(2048);
  return k;
}
const TestKeyPair& ec_key() {
  static const TestKeyPair k = erpsim::test::make_p256_key();
  return k;
}

std::shared_ptr<const JwtSigningKey> key_of(const std::string& pem, JwsAlgorithm alg) {
  Result<std::shared_ptr<const JwtSigningKey>> key = JwtSigningKey::from_pem(pem, alg);
  if (!key.ok()) FAIL(key.status().message().c_str());
  return *key;
}

OAuth2ClientCredentials credentials(std::string token_url = kTokenUrl) {
  OAuth2ClientCredentials c;
  c.token_url = std::move(token_url);
  c.client_id = "client-9f8e7d";
  c.certificate_id = "cert-abc123";
  return c;
}

std::vector<std::string> parts_of(const std::string& jwt) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = jwt.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(jwt.substr(start, dot - start));
  parts.push_back(jwt.substr(start));
  return parts;
}

Json json_part(const std::string& b64) {
  Result<std::string> text = base64url_decode(b64);
  CHECK(text.ok());
  Result<Json> j = Json::parse(*text);
  CHECK(j.ok());
  return *j;
}

int64_t int_of(const Json& o, const char* key) {
  int64_t n = -1;
  const Json* v = o.find(key);
  CHECK(v && v->as_int64(&n));
  return n;
}

// The decoded value of one form field of a token request.
std::string form_field(const std::string& body, const std::string& name) {
  const std::string prefix = name + "=";
  size_t start = 0;
  while (start < body.size()) {
    size_t amp = body.find('&', start);
    std::string pair = body.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (pair.rfind(prefix, 0) == 0) return url_decode(pair.substr(prefix.size()));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return "";
}

HttpResponse token_answer(const std::string& token, const std::string& expires_in = "\"3600\"") {
  HttpResponse r;
  r.body = R"({"access_token":")" + token + R"(","expires_in":)" + expires_in + R"(,"token_type":"bearer"})";
  return r;
}

}  // namespace

// ---- the client assertion ------------------------------------------------------

TEST_GROUP(OAuth2Assertion){};

TEST(OAuth2Assertion, HeaderAndClaimsAreNetSuites) {
  const std::string jwt = *make_client_assertion(credentials(), *key_of(rsa_key().private_pem, JwsAlgorithm::kPS256),
                                                 1'764'172'800, 600);
  CHECK(jwt.find_first_of("=+/") == std::string::npos);  // base64url, no padding
  std::vector<std::string> parts = parts_of(jwt);
  LONGS_EQUAL(3, parts.size());
  Json header = json_part(parts[0]);
  STRCMP_EQUAL("JWT", header.get_string("typ").c_str());
  STRCMP_EQUAL("PS256", header.get_string("alg").c_str());
  STRCMP_EQUAL("cert-abc123", header.get_string("kid").c_str());
  Json claims = json_part(parts[1]);
  STRCMP_EQUAL("client-9f8e7d", claims.get_string("iss").c_str());
  STRCMP_EQUAL(kTokenUrl, claims.get_string("aud").c_str());
  const Json* scope = claims.find("scope");
  CHECK(scope && scope->is_array());
  LONGS_EQUAL(1, scope->items().size());
  STRCMP_EQUAL("rest_webservices", scope->items()[0].as_string().c_str());
  LONGS_EQUAL(1'764'172'800, int_of(claims, "iat"));
  LONGS_EQUAL(1'764'173'400, int_of(claims, "exp"));
}

TEST(OAuth2Assertion, Ps256VerifiesWithThePublicKeyAndNotWithAnother) {
  auto key = key_of(rsa_key().private_pem, JwsAlgorithm::kPS256);
  const std::string a = *make_client_assertion(credentials(), *key, 1'764'172'800, 600);
  const std::string b = *make_client_assertion(credentials(), *key, 1'764'172'800, 600);
  CHECK(erpsim::test::verify_jws(a, rsa_key().public_pem, "PS256"));
  CHECK(erpsim::test::verify_jws(b, rsa_key().public_pem, "PS256"));
  CHECK(a != b);  // PSS is salted: the same claims sign differently each time
  LONGS_EQUAL(256, base64url_decode(parts_of(a)[2])->size());
  CHECK_FALSE(erpsim::test::verify_jws(a, erpsim::test::make_rsa_key(2048).public_pem, "PS256"));
  std::string tampered = a;
  tampered[parts_of(a)[0].size() + 3] ^= 1;  // a claim byte
  CHECK_FALSE(erpsim::test::verify_jws(tampered, rsa_key().public_pem, "PS256"));
}

TEST(OAuth2Assertion, Es256IsRawRAndSAndVerifies) {
  const std::string jwt = *make_client_assertion(credentials(), *key_of(ec_key().private_pem, JwsAlgorithm::kES256),
                                                 1'764'172'800, 600);
  STRCMP_EQUAL("ES256", json_part(parts_of(jwt)[0]).get_string("alg").c_str());
  LONGS_EQUAL(64, base64url_decode(parts_of(jwt)[2])->size());  // r||s, not DER
  CHECK(erpsim::test::verify_jws(jwt, ec_key().public_pem, "ES256"));
  CHECK_FALSE(erpsim::test::verify_jws(jwt, erpsim::test::make_p256_key().public_pem, "ES256"));
}

TEST(OAuth2Assertion, AKeyThatDoesNotFitTheAlgorithmIsRefusedSayingWhy) {
  STRCMP_CONTAINS("EC private key on P-256",
                  JwtSigningKey::from_pem(rsa_key().private_pem, JwsAlgorithm::kES256).status().message().c_str());
  STRCMP_CONTAINS("RSA", JwtSigningKey::from_pem(ec_key().private_pem, JwsAlgorithm::kPS256).status().message().c_str());
  STRCMP_CONTAINS("2048", JwtSigningKey::from_pem(erpsim::test::make_rsa_key(1024).private_pem, JwsAlgorithm::kPS256)
                              .status()
                              .message()
                              .c_str());
  STRCMP_CONTAINS("not a PEM private key",
                  JwtSigningKey::from_pem("-----BEGIN NOTHING-----", JwsAlgorithm::kPS256).status().message().c_str());
  STRCMP_CONTAINS("not a PEM private key",
                  JwtSigningKey::from_pem(rsa_key().public_pem, JwsAlgorithm::kPS256).status().message().c_str());
}

TEST(OAuth2Assertion, AnEncryptedKeyIsRefusedNotPromptedFor) {
  BIO* in = BIO_new_mem_buf(ec_key().private_pem.data(), static_cast<int>(ec_key().private_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  CHECK(PEM_write_bio_PKCS8PrivateKey(out, key, EVP_aes_256_cbc(), const_cast<char*>("secret"), 6, nullptr, nullptr));
  char* data = nullptr;
  const long size = BIO_get_mem_data(out, &data);  // first: the order of a call's arguments is unspecified
  const std::string encrypted(data, static_cast<size_t>(size));
  BIO_free(in);
  BIO_free(out);
  EVP_PKEY_free(key);
  STRCMP_CONTAINS("encrypted", JwtSigningKey::from_pem(encrypted, JwsAlgorithm::kES256).status().message().c_str());
}

TEST(OAuth2Assertion, Base64UrlRoundTripsWithoutPadding) {
  const std::string bytes("\xfb\xff\x00\x01\x3e", 5);
  STRCMP_EQUAL("-_8AAT4", base64url_encode(bytes).c_str());
  CHECK(bytes == *base64url_decode("-_8AAT4"));
  CHECK(bytes == *base64url_decode("-_8AAT4="));
  CHECK_FALSE(base64url_decode("ab+c").ok());
  STRCMP_EQUAL("", base64url_encode("").c_str());
}

// ---- the access token --------------------------------------------------------------

TEST_GROUP(OAuth2Token) {
  ManualClock clock;
  std::vector<Result<HttpResponse>> script;  // answers in order; the last repeats
  std::mutex mu;
  size_t answered = 0;
  std::shared_ptr<FakeHttpClient> http = std::make_shared<FakeHttpClient>([this](const ClientRequest&) {
    std::lock_guard lock(mu);
    Result<HttpResponse> r = script.at(std::min(answered, script.size() - 1));
    ++answered;
    return r;
  });
  std::vector<std::string> log_lines;
  std::unique_ptr<OAuth2ClientCredentialsAuth> auth;

  void setup() override {
    log::set_level(log::Level::kInfo);
    log::set_sink([this](std::string_view line) {
      std::lock_guard lock(mu);
      log_lines.emplace_back(line);
    });
    auth = std::make_unique<OAuth2ClientCredentialsAuth>(
        credentials(), key_of(ec_key().private_pem, JwsAlgorithm::kES256), http, clock);
  }
  void teardown() override { log::set_sink(nullptr); }

  size_t requests() const { return http->requests().size(); }
  std::string header() const { return auth->authorization("POST", "https://x/services/rest/record/v1/x"); }
};

TEST(OAuth2Token, TheTokenRequestIsNetSuitesFormWithASignedAssertion) {
  script = {token_answer("tok-1")};
  STRCMP_EQUAL("Bearer tok-1", header().c_str());
  ClientRequest r = http->requests().at(0);
  STRCMP_EQUAL("POST", r.method.c_str());
  STRCMP_EQUAL(kTokenUrl, r.url.c_str());
  STRCMP_EQUAL("application/x-www-form-urlencoded", r.content_type.c_str());
  STRCMP_CONTAINS("grant_type=client_credentials&client_assertion_type="
                  "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=ey",
                  r.body.c_str());
  const std::string jwt = form_field(r.body, "client_assertion");
  CHECK(erpsim::test::verify_jws(jwt, ec_key().public_pem, "ES256"));
  Json claims = json_part(parts_of(jwt)[1]);
  LONGS_EQUAL(clock.wall_ms() / 1000, int_of(claims, "iat"));
  CHECK(int_of(claims, "exp") - int_of(claims, "iat") <= 3600);
  CHECK(int_of(claims, "exp") > int_of(claims, "iat"));
}

TEST(OAuth2Token, TheTokenIsReusedUntilFiveMinutesBeforeExpiryThenRenewed) {
  script = {token_answer("tok-1"), token_answer("tok-2", "3600")};  // expires_in as a number is fine too
  STRCMP_EQUAL("Bearer tok-1", header().c_str());
  clock.advance(Millis(54 * 60'000));
  STRCMP_EQUAL("Bearer tok-1", header().c_str());
  STRCMP_EQUAL("Bearer tok-1", header().c_str());
  LONGS_EQUAL(1, requests());
  clock.advance(Millis(60'000));  // 55 minutes: 5 before expiry
  STRCMP_EQUAL("Bearer tok-2", header().c_str());
  LONGS_EQUAL(2, requests());
  clock.advance(Millis(54 * 60'000));
  STRCMP_EQUAL("Bearer tok-2", header().c_str());
  LONGS_EQUAL(2, requests());
}

TEST(OAuth2Token, ARefusedTokenRequestSaysWhyAndTheRequestGoesWithoutAHeader) {
  HttpResponse refused;
  refused.status = 400;
  refused.body = R"({"error":"invalid_client","error_description":"No certificate with id 'cert-abc123'."})";
  script = {refused};
  Result<std::string> token = auth->access_token();
  CHECK_FALSE(token.ok());
  STRCMP_CONTAINS("refused", token.status().message().c_str());
  STRCMP_CONTAINS("400 invalid_client: No certificate with id 'cert-abc123'.", token.status().message().c_str());
  STRCMP_EQUAL("", header().c_str());  // the ERP answers 401: retried later, like a revoked TBA token
  // Not asked again at once (many poster threads must not hammer the endpoint)...
  LONGS_EQUAL(1, requests());
  // ...but after the back-off, and on success the header is back.
  script = {token_answer("tok-1")};
  answered = 0;
  clock.advance(Millis(5'000));
  STRCMP_EQUAL("Bearer tok-1", header().c_str());
  LONGS_EQUAL(2, requests());
}

TEST(OAuth2Token, AnUnreachableEndpointIsRetryLaterAndTheBackOffGrows) {
  script = {Status::Unavailable("connection refused")};
  Result<std::string> token = auth->access_token();
  LONGS_EQUAL(static_cast<int>(Code::kUnavailable), static_cast<int>(token.status().code()));
  STRCMP_CONTAINS("cannot reach the ERP's token endpoint", token.status().message().c_str());
  clock.advance(Millis(5'000));
  CHECK_FALSE(auth->access_token().ok());
  LONGS_EQUAL(2, requests());
  clock.advance(Millis(5'000));  // the second wait is 10 s
  CHECK_FALSE(auth->access_token().ok());
  LONGS_EQUAL(2, requests());
  clock.advance(Millis(5'000));
  CHECK_FALSE(auth->access_token().ok());
  LONGS_EQUAL(3, requests());
}

TEST(OAuth2Token, WhenRenewalFailsTheCurrentTokenServesUntilItExpires) {
  HttpResponse down;
  down.status = 503;
  script = {token_answer("tok-1"), down};
  STRCMP_EQUAL("Bearer tok-1", header().c_str());
  clock.advance(Millis(56 * 60'000));
  STRCMP_EQUAL("Bearer tok-1", header().c_str());  // renewal failed; still valid for 4 minutes
  LONGS_EQUAL(2, requests());
  clock.advance(Millis(4 * 60'000));
  STRCMP_EQUAL("", header().c_str());
}

TEST(OAuth2Token, AnAnswerWithoutATokenOrOfAnotherTypeIsNotUsed) {
  HttpResponse no_token;
  no_token.body = R"({"expires_in":"3600","token_type":"bearer"})";
  script = {no_token};
  STRCMP_CONTAINS("without an access_token", auth->access_token().status().message().c_str());
  HttpResponse mac;
  mac.body = R"({"access_token":"x","expires_in":"3600","token_type":"mac"})";
  script = {mac};
  answered = 0;
  clock.advance(Millis(5'000));
  STRCMP_CONTAINS("not a bearer token", auth->access_token().status().message().c_str());
}

TEST(OAuth2Token, ARefusalForgetsTheTokenUnlessItIsFresh) {
  script = {token_answer("tok-1"), token_answer("tok-2")};
  STRCMP_EQUAL("Bearer tok-1", header().c_str());
  auth->refused();  // a 401 for a request sent before this token: keep it
  STRCMP_EQUAL("Bearer tok-1", header().c_str());
  LONGS_EQUAL(1, requests());
  clock.advance(Millis(10 * 60'000));
  auth->refused();
  STRCMP_EQUAL("Bearer tok-2", header().c_str());
  LONGS_EQUAL(2, requests());
}

TEST(OAuth2Token, ManyThreadsShareOneRenewal) {
  script = {token_answer("tok-1")};
  http = std::make_shared<FakeHttpClient>([](const ClientRequest&) -> Result<HttpResponse> {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return token_answer("tok-slow");
  });
  auth = std::make_unique<OAuth2ClientCredentialsAuth>(
      credentials(), key_of(ec_key().private_pem, JwsAlgorithm::kES256), http, clock);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] { good += header() == "Bearer tok-slow" ? 1 : 0; });
  for (auto& t : threads) t.join();
  LONGS_EQUAL(8, good.load());
  LONGS_EQUAL(1, requests());
}

TEST(OAuth2Token, NeitherTheKeyNorTheAssertionNorTheTokenIsLogged) {
  HttpResponse refused;
  refused.status = 400;
  refused.body = R"({"error":"invalid_grant"})";
  script = {token_answer("tok-secret-1"), refused};
  STRCMP_EQUAL("Bearer tok-secret-1", header().c_str());
  clock.advance(Millis(56 * 60'000));
  header();
  clock.advance(Millis(10 * 60'000));
  auth->refused();
  header();
  CHECK(log_lines.size() >= 3);  // obtained, cannot obtain, ...
  const std::string assertion = form_field(http->requests().at(0).body, "client_assertion");
  const std::string key_line = ec_key().private_pem.substr(ec_key().private_pem.find('\n') + 1, 40);
  for (const std::string& line : log_lines) {
    CHECK_TEXT(line.find("tok-secret-1") == std::string::npos, line.c_str());
    CHECK_TEXT(line.find(parts_of(assertion)[2]) == std::string::npos, line.c_str());
    CHECK_TEXT(line.find(parts_of(assertion)[1]) == std::string::npos, line.c_str());
    CHECK_TEXT(line.find(key_line) == std::string::npos, line.c_str());
  }
}

// ---- the settings ------------------------------------------------------------------

TEST_GROUP(OAuth2Settings) {
  std::vector<std::string> files;
  void setup() override { log::set_level(log::Level::kError); }
  void teardown() override {
    for (const std::string& f : files) erpsim::test::remove_temp_file(f);
    log::set_level(log::Level::kInfo);
  }
  std::string file(const std::string& text) {
    files.push_back(erpsim::test::write_temp_file("key.pem", text));
    return files.back();
  }
  Result<std::unique_ptr<ErpAuth>> from(const std::string& extra) {
    Result<Config> cfg = Config::parse(
        "erp.base_url = https://1234567.suitetalk.api.netsuite.com\nerp.auth = oauth2\n" + extra, relay_settings());
    if (!cfg.ok()) FAIL(cfg.status().message().c_str());
    return erp_auth_from(*cfg, SystemClock::instance(), std::make_shared<FakeHttpClient>(
                                                            [](const ClientRequest&) { return token_answer("t"); }));
  }
};

TEST(OAuth2Settings, AllSetGivesTheOAuth2Scheme) {
  Result<std::unique_ptr<ErpAuth>> auth = from("erp.oauth2_client_id = c\nerp.oauth2_certificate_id = k\n"
                                               "erp.oauth2_private_key_file = " + file(rsa_key().private_pem) + "\n");
  CHECK_TEXT(auth.ok(), auth.status().message().c_str());
  STRCMP_EQUAL("oauth2", (*auth)->scheme().c_str());
  STRCMP_EQUAL("Bearer t", (*auth)->authorization("GET", "https://x").c_str());
  Result<std::unique_ptr<ErpAuth>> es = from("erp.oauth2_client_id = c\nerp.oauth2_certificate_id = k\n"
                                             "erp.oauth2_algorithm = ES256\nerp.oauth2_private_key_file = " +
                                             file(ec_key().private_pem) + "\n");
  CHECK_TEXT(es.ok(), es.status().message().c_str());
}

TEST(OAuth2Settings, AMissingSettingOrABadKeyFileIsNamed) {
  STRCMP_EQUAL("erp.oauth2_client_id: must be set when erp.auth = oauth2",
               from("erp.oauth2_certificate_id = k\n").status().message().c_str());
  STRCMP_EQUAL("erp.oauth2_certificate_id: must be set when erp.auth = oauth2",
               from("erp.oauth2_client_id = c\n").status().message().c_str());
  STRCMP_CONTAINS("erp.oauth2_private_key_file: must be set",
                  from("erp.oauth2_client_id = c\nerp.oauth2_certificate_id = k\n").status().message().c_str());
  STRCMP_CONTAINS("erp.oauth2_private_key_file:", from("erp.oauth2_client_id = c\nerp.oauth2_certificate_id = k\n"
                                                       "erp.oauth2_private_key_file = /nonexistent/key.pem\n")
                                                      .status()
                                                      .message()
                                                      .c_str());
  const std::string wrong = from("erp.oauth2_client_id = c\nerp.oauth2_certificate_id = k\nerp.oauth2_algorithm = ES256\n"
                                 "erp.oauth2_private_key_file = " + file(rsa_key().private_pem) + "\n")
                                .status()
                                .message();
  STRCMP_CONTAINS("erp.oauth2_private_key_file: ", wrong.c_str());
  STRCMP_CONTAINS("ES256 needs an EC private key", wrong.c_str());
  CHECK(wrong.find("PRIVATE KEY-----") == std::string::npos);
  Result<Config> bad_alg = Config::parse(
      "erp.base_url = https://1234567.suitetalk.api.netsuite.com\nerp.oauth2_algorithm = RS256\n", relay_settings());
  CHECK_FALSE(bad_alg.ok());
  STRCMP_CONTAINS("PS256 or ES256", bad_alg.status().message().c_str());
}

// ---- over loopback, against the ERP simulator ----------------------------------------

TEST_GROUP(OAuth2AgainstTheSimulator) {
  std::string key_file;
  std::unique_ptr<erpsim::ErpSimulator> sim;
  std::shared_ptr<HttpClient> http = make_poco_http_client();

  void setup() override {
    log::set_level(log::Level::kError);
    std::signal(SIGPIPE, SIG_IGN);
    key_file = erpsim::test::write_temp_file("netsuite-cert.pem", rsa_key().public_pem);
    erpsim::ParsedOptions parsed = erpsim::parse_options({"--oauth2-client-id", "client-9f8e7d", "--oauth2-certificate-id",
                                                          "cert-abc123", "--oauth2-public-key", key_file,
                                                          "--seed-items", "20"});
    STRCMP_EQUAL("", parsed.error.c_str());
    sim = std::make_unique<erpsim::ErpSimulator>(parsed.options);
    STRCMP_EQUAL("", sim->start().c_str());
  }
  void teardown() override {
    sim.reset();
    erpsim::test::remove_temp_file(key_file);
    log::set_level(log::Level::kInfo);
  }

  std::shared_ptr<OAuth2ClientCredentialsAuth> auth_with(const std::string& private_pem, OAuth2Options o = {}) {
    return std::make_shared<OAuth2ClientCredentialsAuth>(
        credentials(sim->url() + kOAuth2TokenPath), key_of(private_pem, JwsAlgorithm::kPS256), http,
        SystemClock::instance(), o);
  }
  NetSuiteConnector connector_with(std::shared_ptr<const ErpAuth> auth) {
    NetSuiteOptions o;
    o.base_url = sim->url();
    o.auth = std::move(auth);
    o.timeout = Millis(5000);
    o.location_map = {{"WH1", "6"}};
    return NetSuiteConnector(*http, o);
  }
};

TEST(OAuth2AgainstTheSimulator, TheConnectorPostsWithATokenTheSimulatorIssuedAndReusesIt) {
  NetSuiteConnector connector = connector_with(auth_with(rsa_key().private_pem));
  ErpOutcome posted = connector.post(adjustment("site-a", 1, "site-a.adj.1", "K", "SKU-0001", -3, "WH1"));
  CHECK_TEXT(posted.kind == ErpOutcome::Kind::kPosted, posted.reason.c_str());
  CHECK(connector.post(adjustment("site-a", 2, "site-a.adj.2", "K", "SKU-0002", 5, "WH1")).kind ==
        ErpOutcome::Kind::kPosted);
  LONGS_EQUAL(2, sim->store().ledger("inventoryAdjustment", "").size());
  LONGS_EQUAL(1, sim->oauth2().issued());
}

TEST(OAuth2AgainstTheSimulator, APlainRequestWithTheTokenIsServedAndARefusalBuysANewOne) {
  OAuth2Options o;
  o.min_age_to_refuse = Millis(0);
  auto auth = auth_with(rsa_key().private_pem, o);
  ClientRequest r;
  r.url = sim->url() + "/services/rest/record/v1/inventoryItem/1001";
  r.headers.emplace_back("Authorization", auth->authorization("GET", r.url));
  Result<HttpResponse> got = http->send(r);
  CHECK(got.ok());
  LONGS_EQUAL_TEXT(200, got->status, got->body.c_str());
  auth->refused();
  CHECK(auth->access_token().ok());
  LONGS_EQUAL(2, sim->oauth2().issued());
}

TEST(OAuth2AgainstTheSimulator, AKeyTheSimulatorDoesNotKnowIsInvalidClientAndPostsWaitWithA401) {
  auto auth = auth_with(erpsim::test::make_rsa_key(2048).private_pem);
  Result<std::string> token = auth->access_token();
  CHECK_FALSE(token.ok());
  STRCMP_CONTAINS("invalid_client", token.status().message().c_str());
  NetSuiteConnector connector = connector_with(auth);
  ErpOutcome o = connector.post(adjustment("site-a", 1, "site-a.adj.1", "K", "SKU-0001", -3, "WH1"));
  CHECK(o.kind == ErpOutcome::Kind::kRetry);
  STRCMP_CONTAINS("401", o.reason.c_str());
  LONGS_EQUAL(0, sim->store().ledger("inventoryAdjustment", "").size());
}
