// When MQTT stays unreachable, the agent sends its batches to the relay by
// HTTPS POST instead (plain HTTP on loopback here), with the same custody.
#include "tests/e2e/e2e_test_support.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

TEST_GROUP(HttpsFallback) {};

TEST(HttpsFallback, EventsFlowByHttpsWhileTheBrokerIsGone) {
  StackOptions o = stack_options();
  o.https_fallback_after = Millis(2000);
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  stack.broker().kill9();  // and it does not come back in this test

  Producer producer({stack.agent_url(), "fallback", 2, 0, 10, 500});
  producer.start(2000);
  CHECK_TRUE_TEXT(producer.wait(Millis(60'000)), stack.logs().c_str());
  AuditReport report = drain_and_audit(stack, producer, 2000, {}, Millis(90'000));
  CHECK_TRUE_TEXT(report.clean(), (report.summary() + "\n" + stack.logs()).c_str());
  LONGS_EQUAL(2000, report.events_recorded);

  bool drained = agent_drained(stack, Millis(30'000));
  CHECK(drained);
  Result<Json> st = stack.agent_status();
  CHECK(st->find("links")->find("relay")->find("https_fallback_active")->as_bool());
}
