// Clarus end to end: the Clarus simulator, the agent's Clarus adapter, the
// broker, the relay -- every process real, on loopback.
//
//  - Commands from the ERP reach Clarus through the agent, once each, in order.
//  - Every fact the scripted warehouse produces (shipments, partial ones too,
//    goods receipts, inspected returns, stock adjustments) reaches the relay
//    exactly once although a fifth of the webhooks are dropped and a fifth are
//    delivered twice: the sweeps find what no webhook brought.
//  - A polling-only site (no webhooks at all) carries every event type.
//  - Clarus down for a minute: commands wait, in order, then apply.
//  - A webhook that is not from Clarus, or not JSON, is refused and journals nothing.
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/clarus_flow.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

TEST_GROUP(E2eClarus) {};

TEST(E2eClarus, EveryFactReachesTheRelayOnceWhenAFifthOfWebhooksAreLostAndAFifthRepeated) {
  Stack stack(clarus_options(true));
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  CHECK_TRUE(stack.clarus_post("/_sim/faults", R"({"drop_webhooks_rate":0.2})").ok());
  ClarusFlow flow(stack, "site-1");
  flow.release_work(8);
  flow.wait_applied();

  // What the ERP sent is in Clarus as it sent it.
  Json state = stack.clarus_state().value();
  int orders = 0;
  for (const Json& g : list(state, "goods_outs")->items()) {
    if (g.get_string("reference").rfind("SO-", 0) == 0) orders++;
  }
  LONGS_EQUAL(9, orders);
  bool new_product = false;
  for (const Json& p : list(state, "products")->items()) new_product = new_product || p.get_string("code") == "SKU-NEW-1";
  CHECK_TRUE(new_product);

  flow.run_warehouse();
  flow.expect_every_fact_at_relay("site-1", Millis(30'000));

  Result<Json> stats = stack.get_json(stack.clarus_url() + "/_sim/stats");
  CHECK_TRUE(stats.ok());
  Result<Json> agent = stack.agent_status();
  // The losses were real, and the sweeps made up for them.
  CHECK_TRUE_TEXT(json_number(*stats, "webhooks.dropped") > 0, stats->dump().c_str());
  CHECK_TRUE_TEXT(json_number(*stats, "webhooks.duplicated") > 0, stats->dump().c_str());
  CHECK_TRUE_TEXT(json_number(*agent, "links.clarus.sweeps.events_found_first") > 0, agent->dump().c_str());
  CHECK_TRUE_TEXT(json_number(*agent, "links.clarus.webhook_intake.duplicates") > 0, agent->dump().c_str());
  flow.erp.stop();
  CHECK_TRUE(stack.stop());
}

TEST(E2eClarus, APollingOnlySiteCarriesEveryEventType) {
  Stack stack(clarus_options(false));
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  ClarusFlow flow(stack, "site-1");
  flow.release_work(4);
  flow.wait_applied();
  Json state = flow.run_warehouse();
  // Every kind of fact is present, so the sweep is shown to carry each one.
  bool purchase = false, ret = false;
  for (const Json& r : list(state, "goods_in_receipts")->items()) {
    purchase = purchase || r.get_string("receipt_type") == "purchase_order";
    ret = ret || r.get_string("receipt_type") == "return";
  }
  CHECK_TRUE(purchase && ret);
  CHECK_TRUE(!list(state, "stock_adjustments")->items().empty());
  flow.expect_every_fact_at_relay("site-1", Millis(30'000));
  Result<Json> agent = stack.agent_status();
  CHECK_TRUE(agent.ok());
  CHECK_FALSE(agent->find("links")->find("clarus")->find("webhooks")->as_bool());
  // No webhook route on a polling-only site.
  ClientRequest hook;
  hook.method = "POST";
  hook.url = stack.agent_url() + "/clarus/webhooks/hook-secret-for-tests-0001";
  hook.body = "{}";
  Result<HttpResponse> r = stack.http().send(hook);
  CHECK_TRUE(r.ok());
  LONGS_EQUAL(404, r->status);
  flow.erp.stop();
  CHECK_TRUE(stack.stop());
}

TEST(E2eClarus, ClarusDownForAMinuteCommandsWaitAndApplyAfterwardsInOrder) {
  Stack stack(clarus_options(true));
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  ErpCommands erp(stack.broker().uri(), "site-1");
  CHECK_TRUE(erp.start().ok());
  CHECK_TRUE(stack.clarus_post("/_sim/faults", R"({"down":true})").ok());
  const auto down_at = std::chrono::steady_clock::now();
  erp.send(ErpCommands::item("SKU-NEW-9", "Tubeless valve pair"));
  for (int i = 1; i <= 5; ++i) erp.send(ErpCommands::order("SO-D" + std::to_string(i), Lines{{sku(i), 1}}));
  erp.send(ErpCommands::order("SO-D9", Lines{{"SKU-NEW-9", 2}}));  // needs the item applied first
  erp.send(ErpCommands::cancel("SO-D2"));
  // Journaled and acknowledged at once, although Clarus is down.
  CHECK_TRUE(testing::wait_until(
      [&] {
        if (erp.acked_through() < 8) erp.resend();
        return erp.acked_through() == 8;
      },
      Millis(10'000), Millis(250)));
  CHECK_TRUE(testing::wait_until(
      [&] {
        Result<Json> a = stack.agent_status();
        return a.ok() && json_number(*a, "downlink.waiting") == 8 && a->find("downlink")->find("clarus_unavailable")->as_bool();
      },
      Millis(15'000)));
  CHECK_TRUE(erp.outcomes().empty());
  // The agent is killed while it waits: the commands are in its journal, not in memory.
  CHECK_TRUE(stack.restart_agent().ok());
  std::this_thread::sleep_until(down_at + std::chrono::seconds(60));
  Result<Json> still = stack.agent_status();
  LONGS_EQUAL(8, json_number(*still, "downlink.waiting"));
  CHECK_TRUE(stack.clarus_post("/_sim/faults", R"({"down":false})").ok());

  bool done = testing::wait_until(
      [&] {
        Result<Json> a = stack.agent_status();
        return a.ok() && json_number(*a, "downlink.waiting") == 0;
      },
      Millis(30'000));
  CHECK_TRUE_TEXT(done, stack.logs().c_str());
  Json state = stack.clarus_state().value();
  // In order: goods outs were created in the order released, the new item before its order,
  // and the cancel after its release.
  std::vector<std::string> refs;
  std::string d2_status;
  for (const Json& g : list(state, "goods_outs")->items()) {
    std::string ref = g.get_string("reference");
    if (ref.rfind("SO-D", 0) != 0) continue;
    refs.push_back(ref);
    if (ref == "SO-D2") d2_status = status_code(g);
  }
  std::vector<std::string> expected = {"SO-D1", "SO-D2", "SO-D3", "SO-D4", "SO-D5", "SO-D9"};
  CHECK_TRUE_TEXT(refs == expected, state.find("goods_outs")->dump().c_str());
  STRCMP_EQUAL("CANCELLED", d2_status.c_str());
  Result<Json> agent = stack.agent_status();
  LONGS_EQUAL(0, json_number(*agent, "downlink.held"));
  erp.stop();
  CHECK_TRUE(stack.stop());
}

TEST(E2eClarus, AWebhookNotFromClarusOrNotJsonIsRefusedAndJournalsNothing) {
  Stack stack(clarus_options(true));
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  auto post = [&](const std::string& secret, const std::string& subdomain, const std::string& automation,
                  const std::string& body) {
    ClientRequest r;
    r.method = "POST";
    r.url = stack.agent_url() + "/clarus/webhooks/" + secret;
    r.headers = {{"X-ClarusWMS-Subdomain", subdomain}, {"X-ClarusWMS-Automation-ID", automation},
                 {"X-ClarusWMS-Domain", "acme.claruswms.com"}, {"X-ClarusWMS-API-Domain", "clarus-api.com"}};
    r.body = body;
    Result<HttpResponse> a = stack.http().send(r);
    CHECK_TRUE(a.ok());
    return *a;
  };
  const std::string adjustment =
      R"({"data":{"id":424242,"type":"stock_adjustments","attributes":{"quantity":-2,"adjustment_type":"negative","reason_code":{"id":"DMG","code":"DMG"},"product":{"code":"SKU-0001"},"location":{"code":"A-01-01"},"warehouse":{"id":1,"code":"WH1"},"created_at":"2026-11-26T10:42:00Z"}}})";
  LONGS_EQUAL(401, post("not-the-secret-at-all", "acme", "1003", adjustment).status);
  LONGS_EQUAL(403, post("hook-secret-for-tests-0001", "someone-else", "1003", adjustment).status);
  LONGS_EQUAL(403, post("hook-secret-for-tests-0001", "acme", "666", adjustment).status);
  HttpResponse bad = post("hook-secret-for-tests-0001", "acme", "1003", R"({"data":{"id":1,)");
  LONGS_EQUAL(400, bad.status);
  CHECK_TRUE(bad.body.find("error") != std::string::npos);
  LONGS_EQUAL(413, post("hook-secret-for-tests-0001", "acme", "1003", std::string(2 << 20, ' ')).status);
  Result<Json> agent = stack.agent_status();
  LONGS_EQUAL(0, json_number(*agent, "journal.last_seq"));
  // The process is still up, and a genuine webhook is journaled once even when repeated.
  LONGS_EQUAL(201, post("hook-secret-for-tests-0001", "acme", "1003", adjustment).status);
  LONGS_EQUAL(200, post("hook-secret-for-tests-0001", "acme", "1003", adjustment).status);
  agent = stack.agent_status();
  LONGS_EQUAL(1, json_number(*agent, "journal.last_seq"));
  CHECK_TRUE(testing::wait_until([&] { return !stack.relay_event_state("clarus:site-1:adjustment:424242").empty(); },
                                 Millis(15'000)));
  CHECK_TRUE(stack.stop());
}

TEST(E2eClarus, ACommandClarusRefusesIsHeldWithItsReasonAndOnlyItsOrderWaits) {
  Stack stack(clarus_options(true));
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  ErpCommands erp(stack.broker().uri(), "site-1");
  CHECK_TRUE(erp.start().ok());
  v1::Command bad = ErpCommands::order("SO-BAD", Lines{{sku(1), 1}});
  bad.mutable_sales_order_release()->mutable_ship_to()->set_country_code("UK");  // Clarus wants GB
  erp.send(bad);
  erp.send(ErpCommands::order("SO-GOOD", Lines{{sku(2), 1}}));
  erp.send(ErpCommands::cancel("SO-BAD"));
  CHECK_TRUE(testing::wait_until(
      [&] {
        if (erp.acked_through() < 3) erp.resend();
        return erp.outcomes().size() == 3;
      },
      Millis(30'000), Millis(250)));
  auto out = erp.outcomes();
  const std::string first = "cmd-erp-1-1", good = "cmd-erp-1-2", cancel = "cmd-erp-1-3";
  LONGS_EQUAL(v1::CommandOutcome::HELD, out[first].kind());
  CHECK_TRUE_TEXT(out[first].reason().find("country_code 'UK'") != std::string::npos, out[first].reason().c_str());
  LONGS_EQUAL(v1::CommandOutcome::APPLIED, out[good].kind());
  LONGS_EQUAL(v1::CommandOutcome::HELD, out[cancel].kind());
  CHECK_TRUE_TEXT(out[cancel].reason().find("waits behind command " + first) != std::string::npos, out[cancel].reason().c_str());
  // The agent's status page shows both, with the reasons a person acts on.
  Result<Json> agent = stack.agent_status();
  CHECK_TRUE(agent.ok());
  LONGS_EQUAL(2, json_number(*agent, "downlink.held"));
  const Json* held = agent->find("downlink")->find("held_commands");
  CHECK_TRUE(held && held->items().size() == 2);
  bool shown = false;
  for (const Json& h : held->items())
    shown = shown || (h.get_string("command_id") == first && h.get_string("kind") == "SalesOrderRelease" &&
                      h.get_string("reason").find("country_code") != std::string::npos);
  CHECK_TRUE_TEXT(shown, held->dump().c_str());
  // Clarus holds the good order only.
  Json state = stack.clarus_state().value();
  std::set<std::string> refs;
  for (const Json& g : list(state, "goods_outs")->items()) refs.insert(g.get_string("reference"));
  CHECK_TRUE(refs.count("SO-GOOD") == 1 && refs.count("SO-BAD") == 0);
  erp.stop();
  CHECK_TRUE(stack.stop());
}
