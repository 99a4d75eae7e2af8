// OAuth and the tenant header: what an adapter sees when its credentials,
// token or subdomain are wrong, expired or revoked.
#include "clarus_test_client.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::clarus_sim;
using namespace sb::clarus_sim::test;

TEST_GROUP_BASE(ClarusSimAuth, SimTest) {
  ManualClock clock;
  void setup() override {
    SimOptions options;
    options.clock = &clock;
    options.token_ttl_s = 60;
    open(options, false);
  }
};

TEST(ClarusSimAuth, ClientCredentialsGiveABearerTokenThatOpensTheApi) {
  Answer token = client->token();
  LONGS_EQUAL(200, token.status);
  STRCMP_EQUAL("Bearer", token.json.get_string("token_type").c_str());
  LONGS_EQUAL(60, int_at(token.json, "expires_in"));
  CHECK(!client->bearer.empty());
  Answer product = client->api("GET", "/products/1");
  LONGS_EQUAL(200, product.status);
  STRCMP_EQUAL("SKU-0001", str_at(product.json, "data.attributes.code").c_str());
  STRCMP_EQUAL("products", str_at(product.json, "data.type").c_str());
}

TEST(ClarusSimAuth, WrongSecretIsInvalidClient) {
  Answer token = client->token("stockbridge", "not-the-secret");
  LONGS_EQUAL(401, token.status);
  STRCMP_EQUAL("invalid_client", token.error().c_str());
}

TEST(ClarusSimAuth, MissingOrUnknownTokenIs401) {
  Answer no_token = client->api("GET", "/products/1");
  LONGS_EQUAL(401, no_token.status);
  CHECK(!no_token.error().empty());
  client->bearer = "made-up";
  LONGS_EQUAL(401, client->api("GET", "/products/1").status);
}

TEST(ClarusSimAuth, WrongOrMissingSubdomainIs401) {
  client->token();
  client->subdomain = "someone-else";
  Answer wrong = client->api("GET", "/products/1");
  LONGS_EQUAL(401, wrong.status);
  CHECK(wrong.error().find("subdomain") != std::string::npos);
  client->subdomain = "";
  LONGS_EQUAL(401, client->api("GET", "/products/1").status);
  client->subdomain = "stockbridge";
  LONGS_EQUAL(200, client->api("GET", "/products/1").status);
}

TEST(ClarusSimAuth, ExpiredTokenIs401AndANewOneWorks) {
  client->token();
  LONGS_EQUAL(200, client->api("GET", "/products/1").status);
  clock.advance(Millis(61'000));
  Answer expired = client->api("GET", "/products/1");
  LONGS_EQUAL(401, expired.status);
  STRCMP_EQUAL("token expired", expired.error().c_str());
  client->token();
  LONGS_EQUAL(200, client->api("GET", "/products/1").status);
}

TEST(ClarusSimAuth, RevokedTokensAre401) {
  client->token();
  LONGS_EQUAL(200, client->api("GET", "/products/1").status);
  LONGS_EQUAL(200, client->admin("POST", "/revoke_tokens").status);
  LONGS_EQUAL(401, client->api("GET", "/products/1").status);
  LONGS_EQUAL(401, client->graphql("{ products { all { edges { node { id } } } } }").status);
}
