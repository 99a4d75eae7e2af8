// Faults on purpose: outages, 5xx, latency and rejected creates, as the
// adapter's retry and rejection paths must meet them.
#include <chrono>

#include "clarus_test_client.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::clarus_sim;
using namespace sb::clarus_sim::test;

TEST_GROUP_BASE(ClarusSimFaults, SimTest) {};

TEST(ClarusSimFaults, DownAnswers503EverywhereButTheAdminApi) {
  LONGS_EQUAL(200, client->admin("POST", "/faults", R"({"down":true})").status);
  LONGS_EQUAL(503, client->api("GET", "/products/1").status);
  LONGS_EQUAL(503, client->token().status);
  LONGS_EQUAL(503, client->graphql("{ products { all { edges { node { id } } } } }").status);
  Answer faults = client->admin("GET", "/faults");
  CHECK(at(faults.json, "down")->as_bool());
  client->admin("POST", "/faults", R"({"down":false})");
  LONGS_EQUAL(200, client->api("GET", "/products/1").status);
}

TEST(ClarusSimFaults, ErrorRateGives5xxAndNothingIsCreated) {
  client->admin("POST", "/faults", R"({"error_5xx_rate":1.0})");
  Answer a = client->api("POST", "/goods_outs", goods_out_body("SO-5XX", {{1, 1}}));
  CHECK(a.status == 500 || a.status == 503);
  LONGS_EQUAL(0, static_cast<long>(at(sim->state(), "goods_outs")->items().size()));
  client->admin("POST", "/faults", R"({"error_5xx_rate":0})");
  LONGS_EQUAL(201, client->api("POST", "/goods_outs", goods_out_body("SO-5XX", {{1, 1}})).status);
}

TEST(ClarusSimFaults, RejectCreatesAnswers422OnlyOnCreates) {
  client->admin("POST", "/faults", R"({"reject_creates_rate":1.0})");
  Answer a = client->api("POST", "/goods_outs", goods_out_body("SO-REJ", {{1, 1}}));
  LONGS_EQUAL(422, a.status);
  CHECK(a.error().find("simulated rejection") != std::string::npos);
  LONGS_EQUAL(200, client->api("GET", "/products/1").status);
  LONGS_EQUAL(1, int_at(sim->stats(), "fault_rejected_creates"));
}

TEST(ClarusSimFaults, LatencyDelaysAnswers) {
  client->admin("POST", "/faults", R"({"latency_ms":300})");
  auto start = std::chrono::steady_clock::now();
  LONGS_EQUAL(200, client->api("GET", "/products/1").status);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  CHECK(elapsed.count() >= 290);
}

TEST(ClarusSimFaults, UnknownFaultIs400) {
  Answer a = client->admin("POST", "/faults", R"({"explode":true})");
  LONGS_EQUAL(400, a.status);
  CHECK(a.error().find("explode") != std::string::npos);
}

TEST(ClarusSimFaults, ResetForgetsOrdersAndFaults) {
  client->api("POST", "/goods_outs", goods_out_body("SO-RESET", {{1, 1}}));
  client->admin("POST", "/faults", R"({"latency_ms":5})");
  LONGS_EQUAL(200, client->admin("POST", "/reset").status);
  Json state = sim->state();
  LONGS_EQUAL(0, static_cast<long>(at(state, "goods_outs")->items().size()));
  LONGS_EQUAL(10, static_cast<long>(at(state, "products")->items().size()));
  LONGS_EQUAL(0, int_at(state, "faults.latency_ms"));
}
