// The ERP misbehaves the ways NetSuite does: 500s, 429s with Retry-After,
// connections reset, and timeouts after the record was created. The relay
// retries, slows down, and looks records up by external id before posting
// again, so the ERP still ends with exactly one record per event.
#include "tests/e2e/e2e_test_support.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

TEST_GROUP(ErpFaults) {};

TEST(ErpFaults, FailuresNeverLoseOrDuplicateARecord) {
  StackOptions o = stack_options();
  o.relay_settings = {"erp.timeout = 1s", "erp.max_concurrency = 8"};
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  s = stack.set_erp_faults(
      R"({"seed":7,"p_error_500":0.08,"p_reset":0.03,"p_timeout_after_create":0.04,"hang_ms":1500,
          "throttle_429":25,"p_throttle_429":0.005})");
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());

  Producer producer({stack.agent_url(), "faults", 4, 0, 20, 500});
  producer.start(3000);
  CHECK_TRUE_TEXT(producer.wait(Millis(60'000)), stack.logs().c_str());
  AuditReport report = drain_and_audit(stack, producer, 3000, {}, Millis(240'000));
  CHECK_TRUE_TEXT(report.clean(), (report.summary() + "\n" + stack.logs()).c_str());
  LONGS_EQUAL(3000, report.events_recorded);

  Result<Json> relay = stack.relay_status();
  CHECK(relay.ok());
  std::printf("relay: %s\n", relay->find("erp")->dump().c_str());
  Result<Json> erp = stack.erp_stats();
  std::printf("erp sim: %s\n", erp.ok() ? erp->dump().c_str() : "?");
  CHECK(json_number(*relay, "erp.throttled") > 0);
  CHECK(json_number(*relay, "erp.retries") > 0);
  CHECK_TRUE_TEXT(json_number(*relay, "erp.found_by_lookup") > 0,
                  "records created before a timeout are found by external id, not posted again");
  LONGS_EQUAL(0, json_number(*relay, "ledger.held"));
}

// An ERP outage with stock moving: the adjustments waiting for each SKU and
// warehouse drain as net adjustments, each listing the events it covers, so
// the ERP sees far fewer calls than events and the books still add up.
TEST(ErpFaults, ALongOutageDrainsAsNetAdjustmentsNotOneCallPerEvent) {
  StackOptions o = stack_options();
  o.relay_settings = {"erp.max_concurrency = 4", "poster.backoff_cap = 2s"};
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  CHECK(stack.set_erp_faults(R"({"p_error_503":1.0})").ok());  // every request: 503 Service Unavailable

  Producer producer({stack.agent_url(), "outage", 4, 0, 20, 4});  // 4 SKUs in 2 warehouses: 8 keys
  producer.start(2000);
  CHECK_TRUE_TEXT(producer.wait(Millis(60'000)), stack.logs().c_str());
  // All of it in the relay's custody while the ERP is down.
  CHECK_TRUE_TEXT(testing::wait_until(
                      [&] {
                        Result<Json> st = stack.relay_status();
                        return st.ok() && json_number(*st, "ledger.taken") >= 2000;
                      },
                      Millis(60'000), Millis(200)),
                  stack.logs().c_str());
  CHECK(stack.set_erp_faults(R"({})").ok());

  AuditReport report = drain_and_audit(stack, producer, 2000, {}, Millis(240'000));
  CHECK_TRUE_TEXT(report.clean(), (report.summary() + "\n" + stack.logs()).c_str());
  LONGS_EQUAL(2000, report.events_recorded);
  Result<Json> relay = stack.relay_status();
  CHECK(relay.ok());
  std::printf("relay: %s\n", relay->find("erp")->dump().c_str());
  const double saved = json_number(*relay, "erp.coalesced.calls_saved");
  std::printf("2000 adjustments during the outage -> %zu ERP records (%zu net), %.0f creates saved\n",
              report.erp_records, report.coalesced_records, saved);
  CHECK_TRUE_TEXT(report.erp_records <= 200, "a backlog of 8 keys should drain in a few net records per key");
  LONGS_EQUAL(2000 - static_cast<long>(report.erp_records), static_cast<long>(saved));
  LONGS_EQUAL(0, json_number(*relay, "ledger.held"));
}
