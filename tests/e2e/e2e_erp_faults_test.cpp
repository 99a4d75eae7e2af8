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
  LONGS_EQUAL(3000, report.erp_records);

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
