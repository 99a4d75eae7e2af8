// The failures the simulator injects, over real sockets: each must do exactly
// what a relay has to survive — and leave the ERP holding what it claims.
#include <atomic>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "erp_simulator.h"
#include "sim_client.h"

#include <CppUTest/TestHarness.h>

using namespace sb::erpsim;
using namespace sb::erpsim::test;

namespace {

std::unique_ptr<ErpSimulator> start_sim(SimOptions options) {
  std::signal(SIGPIPE, SIG_IGN);
  options.port = 0;
  options.seed_items = 20;
  auto sim = std::make_unique<ErpSimulator>(options);
  std::string error = sim->start();
  if (!error.empty()) FAIL(error.c_str());
  return sim;
}

void set_faults(uint16_t port, const std::string& plan) {
  HttpResult set = http_call(port, "POST", "/_sim/faults", plan);
  if (set.status != 200) FAIL(("setting faults " + plan + " answered " + set.body).c_str());
}

int fault_count(uint16_t port, const std::string& name) {
  return stats(port)->getObject("faults")->getValue<int>(name);
}

int ledger_count(uint16_t port) { return ledger(port)->getValue<int>("count"); }

}  // namespace

TEST_GROUP(ErpSimFaults) {
  std::unique_ptr<ErpSimulator> sim;
  uint16_t port = 0;
  void setup() override {
    sim = start_sim({});
    port = sim->port();
  }
  void teardown() override { sim.reset(); }
};

TEST(ErpSimFaults, RequestsOverTheConcurrencyLimitGet429AtOnce) {
  SimOptions options;
  options.concurrency_limit = 3;
  options.latency_ms = 800;
  options.retry_after_s = 7;
  auto narrow = start_sim(options);
  const uint16_t p = narrow->port();

  constexpr int kClients = 10;
  std::vector<HttpResult> results(kClients);
  std::atomic<int> ready{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      ++ready;
      while (ready.load() < kClients) std::this_thread::yield();
      results[i] = http_call(p, "GET", "/services/rest/record/v1/inventoryItem/1001");
    });
  }
  for (auto& c : clients) c.join();

  int ok = 0, throttled = 0;
  for (const auto& r : results) {
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++throttled;
      STRCMP_EQUAL("7", r.header("retry-after").c_str());
      STRCMP_EQUAL("CONCURRENCY_LIMIT_EXCEEDED", error_field(r, "o:errorCode").c_str());
      CHECK(r.elapsed_ms < 500);  // answered at once, not after the latency
    }
  }
  LONGS_EQUAL(kClients, ok + throttled);
  CHECK(ok >= 3);
  CHECK(throttled >= 1);
  auto s = stats(p);
  LONGS_EQUAL(3, s->getValue<int>("max_concurrent"));
  LONGS_EQUAL(throttled, s->getValue<int>("throttled"));
  LONGS_EQUAL(0, s->getValue<int>("in_flight"));
}

TEST(ErpSimFaults, Error500And503AndThrottleCreateNothingAndAreCounted) {
  set_faults(port, R"({"error_500":1,"error_503":1,"throttle_429":1})");
  HttpResult e500 = post_adjustment(port, adjustment("F1"));
  LONGS_EQUAL(500, e500.status);
  LONGS_EQUAL(500, json_of(e500.body)->getValue<int>("status"));
  CHECK(!error_field(e500, "o:errorCode").empty());
  HttpResult e503 = post_adjustment(port, adjustment("F1"));
  LONGS_EQUAL(503, e503.status);
  HttpResult e429 = post_adjustment(port, adjustment("F1"));
  LONGS_EQUAL(429, e429.status);
  STRCMP_EQUAL("1", e429.header("retry-after").c_str());
  LONGS_EQUAL(0, ledger_count(port));

  // Counted faults are spent: the retry with the same externalId goes through once.
  LONGS_EQUAL(204, post_adjustment(port, adjustment("F1")).status);
  LONGS_EQUAL(1, ledger_count(port));
  LONGS_EQUAL(1, fault_count(port, "error_500"));
  LONGS_EQUAL(1, fault_count(port, "error_503"));
  LONGS_EQUAL(1, fault_count(port, "throttle_429"));
}

TEST(ErpSimFaults, TimeoutAfterCreateLeavesTheRecordForALookupByExternalId) {
  set_faults(port, R"({"timeout_after_create":1,"hang_ms":1500})");
  HttpResult lost = post_adjustment(port, adjustment("T1"), CallOptions{{}, 400});
  STRCMP_EQUAL("timeout", lost.failure.c_str());
  LONGS_EQUAL(0, lost.status);
  LONGS_EQUAL(1, ledger_count(port));
  HttpResult lookup = http_call(port, "GET", std::string(kAdjustments) + "/eid:T1");
  LONGS_EQUAL(200, lookup.status);
  // Posting again without the lookup is what duplicates records; NetSuite refuses it here.
  LONGS_EQUAL(400, post_adjustment(port, adjustment("T1")).status);
  LONGS_EQUAL(1, fault_count(port, "timeout_after_create"));
}

TEST(ErpSimFaults, ResetAnswersWithRstAndCreatesNothing) {
  set_faults(port, R"({"reset":1})");
  HttpResult reset = post_adjustment(port, adjustment("R1"));
  STRCMP_EQUAL("reset", reset.failure.c_str());
  LONGS_EQUAL(0, ledger_count(port));
  LONGS_EQUAL(1, fault_count(port, "reset"));
  LONGS_EQUAL(204, post_adjustment(port, adjustment("R1")).status);
}

TEST(ErpSimFaults, ResetAfterCreateAnswersWithRstButTheRecordExists) {
  set_faults(port, R"({"reset_after_create":1})");
  HttpResult reset = post_adjustment(port, adjustment("R2"));
  STRCMP_EQUAL("reset", reset.failure.c_str());
  LONGS_EQUAL(1, ledger_count(port));
  LONGS_EQUAL(1, fault_count(port, "reset_after_create"));
}

TEST(ErpSimFaults, FaultsHitWritesOnlyUnlessAppliedToAll) {
  set_faults(port, R"({"error_500":1})");
  LONGS_EQUAL(200, http_call(port, "GET", "/services/rest/record/v1/inventoryItem/1001").status);
  LONGS_EQUAL(500, post_adjustment(port, adjustment("W1")).status);

  set_faults(port, R"({"error_500":1,"apply_to":"all"})");
  LONGS_EQUAL(500, http_call(port, "GET", "/services/rest/record/v1/inventoryItem/1001").status);
  LONGS_EQUAL(204, post_adjustment(port, adjustment("W1")).status);
}

TEST(ErpSimFaults, ProbabilisticFaultsAndSlowMsApplyToEveryMatchingRequest) {
  set_faults(port, R"({"p_error_500":1.0,"slow_ms":250,"seed":3})");
  for (int i = 0; i < 3; ++i) {
    HttpResult r = post_adjustment(port, adjustment("P" + std::to_string(i)));
    LONGS_EQUAL(500, r.status);
    CHECK(r.elapsed_ms >= 240);
  }
  LONGS_EQUAL(0, ledger_count(port));
  LONGS_EQUAL(3, fault_count(port, "error_500"));

  auto shown = json_of(http_call(port, "GET", "/_sim/faults").body);
  DOUBLES_EQUAL(1.0, shown->getValue<double>("p_error_500"), 1e-9);
  LONGS_EQUAL(200, http_call(port, "DELETE", "/_sim/faults").status);
  LONGS_EQUAL(204, post_adjustment(port, adjustment("P9")).status);
}

TEST(ErpSimFaults, AFaultPlanWithAnUnknownKeyIsRefused) {
  HttpResult typo = http_call(port, "POST", "/_sim/faults", R"({"eror_500":1})");
  LONGS_EQUAL(400, typo.status);
  HttpResult bad_p = http_call(port, "POST", "/_sim/faults", R"({"p_reset":2})");
  LONGS_EQUAL(400, bad_p.status);
}

TEST(ErpSimFaults, ResetForgetsRecordsFaultsAndStatsButKeepsMasterData) {
  LONGS_EQUAL(204, post_adjustment(port, adjustment("X1")).status);
  set_faults(port, R"({"error_500":5})");
  LONGS_EQUAL(500, post_adjustment(port, adjustment("X2")).status);
  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/reset").status);

  LONGS_EQUAL(0, ledger_count(port));
  auto s = stats(port);
  LONGS_EQUAL(0, s->getValue<int>("requests"));
  LONGS_EQUAL(0, s->getObject("faults")->getValue<int>("error_500"));
  LONGS_EQUAL(204, post_adjustment(port, adjustment("X1")).status);  // externalIds forgotten too
  LONGS_EQUAL(200, http_call(port, "GET", "/services/rest/record/v1/inventoryItem/1001").status);
}
