// Happy path through every real process: 5,000 events from four concurrent
// producers reach the ERP once each; an event for a SKU the ERP does not know
// is held as an exception (reported back to the agent) without blocking the rest.
#include "tests/e2e/e2e_test_support.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

TEST_GROUP(HappyPath) {};

TEST(HappyPath, FiveThousandEventsReachTheErpExactlyOnce) {
  Stack stack(stack_options());
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());

  // Bad input first: a 400 with a reason, and nothing journaled.
  ClientRequest bad;
  bad.method = "POST";
  bad.url = stack.agent_url() + "/v1/events";
  bad.body = R"({"event_id":"x","occurred_at":"yesterday","stock_adjustment":{"sku":"S","warehouse":"WH1","quantity_delta":1}})";
  Result<HttpResponse> r = stack.http().send(bad);
  CHECK(r.ok());
  LONGS_EQUAL(400, r->status);
  CHECK(r->body.find("occurred_at") != std::string::npos);

  // An event the ERP will refuse: it must be held, and block only its own key.
  ClientRequest unknown = bad;
  unknown.body = R"({"event_id":"clarus:unknown-sku:1","occurred_at":"2026-11-26T10:00:00Z","stock_adjustment":{"sku":"SKU-9999","warehouse":"WH1","quantity_delta":4}})";
  r = stack.http().send(unknown);
  CHECK(r.ok());
  LONGS_EQUAL(201, r->status);

  Producer producer({stack.agent_url(), "happy", 4, 0, 1, 500});
  producer.start(5000);
  CHECK_TRUE_TEXT(producer.wait(Millis(120'000)), stack.logs().c_str());

  AuditReport report = drain_and_audit(stack, producer, 5000, {"clarus:unknown-sku:1"});
  CHECK_TRUE_TEXT(report.clean(), (report.summary() + "\n" + stack.logs()).c_str());
  LONGS_EQUAL(5000, report.acknowledged);
  LONGS_EQUAL(5000, report.events_recorded);

  // Another refusal once the rush has posted, so it is among the agent's most recent outcomes.
  unknown.body = R"({"event_id":"clarus:unknown-sku:2","occurred_at":"2026-11-26T11:00:00Z","stock_adjustment":{"sku":"SKU-9998","warehouse":"WH2","quantity_delta":-1}})";
  r = stack.http().send(unknown);
  CHECK(r.ok());
  LONGS_EQUAL(201, r->status);

  // What the people who watch it see: the agent drained and heard the outcomes.
  bool drained = agent_status_until(
      stack,
      [](const Json& st) {
        return json_number(st, "journal.backlog") == 0 && json_number(st, "outcomes.held") == 2 &&
               json_number(st, "outcomes.posted") == 5000;
      },
      Millis(30'000));
  Result<Json> agent = stack.agent_status();
  CHECK_TRUE_TEXT(drained, agent.ok() ? agent->dump().c_str() : "no agent status");
  STRCMP_EQUAL("flowing", agent->get_string("state").c_str());
  LONGS_EQUAL(5002, json_number(*agent, "intake.accepted"));
  LONGS_EQUAL(1, json_number(*agent, "intake.rejected"));

  Result<Json> relay = stack.relay_status();
  CHECK(relay.ok());
  LONGS_EQUAL(5000, json_number(*relay, "ledger.posted"));
  LONGS_EQUAL(2, json_number(*relay, "ledger.held"));
  LONGS_EQUAL(2, json_number(*relay, "erp.blocked_keys"));
  // The latest held event is shown with the ERP's reason, in words a person can act on.
  bool shown = false;
  for (const Json& o : agent->find("outcomes")->find("recent")->items()) {
    if (o.get_string("event_id") != "clarus:unknown-sku:2") continue;
    STRCMP_EQUAL("held", o.get_string("outcome").c_str());
    CHECK(o.get_string("reason").find("SKU-9998 is not an item in the ERP") != std::string::npos);
    shown = true;
  }
  CHECK_TRUE_TEXT(shown, agent->find("outcomes")->dump().c_str());
}
