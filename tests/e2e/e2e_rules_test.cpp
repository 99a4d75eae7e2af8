// Exceptions end to end, driven from the Clarus simulator through every real
// process: a product created on the floor (in Clarus, unknown to the ERP) is
// adjusted. Its events are held at the relay as UNKNOWN_SKU for finance and
// never reach the ERP, while another SKU keeps flowing. A warehouse lead lists
// the exception with the command line, fails to discard without credentials,
// discards one event with a reason (audited). Then finance creates the item in
// the ERP; the relay's change feed sees it and the held events flow on by
// themselves, their exceptions resolved with a note.
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "platform/http/admin_auth.h"
#include "tests/e2e/clarus_flow.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

namespace {

constexpr char kLead[] = "lead";
constexpr char kPassword[] = "floor-lead-pass";
constexpr char kFloorSku[] = "FLOOR-1";

std::string event_id_of(const Json& adjustment) { return "clarus:site-1:adjustment:" + adjustment.find("id")->as_string(); }

std::string sku_of(const Json& adjustment) {
  const Json* p = adjustment.find("product");
  return p && p->is_object() ? p->get_string("code") : adjustment.get_string("product_code");
}

int64_t quantity_of(const Json& adjustment) {
  int64_t q = 0;
  const Json* v = adjustment.find("quantity");
  if (v) v->as_int64(&q);
  return q;
}

// The exceptions the relay lists (GET /api/exceptions?...).
std::vector<Json> exceptions(Stack& stack, const std::string& query) {
  Result<Json> r = stack.get_json(stack.relay_url() + "/api/exceptions" + query);
  if (!r.ok() || !r->find("exceptions")) return {};
  return r->find("exceptions")->items();
}

// The open exception holding `event_id`, or null.
std::optional<Json> open_exception_for(Stack& stack, const std::string& event_id) {
  for (const Json& x : exceptions(stack, "?state=unclosed"))
    if (x.get_string("subject_id") == event_id) return x;
  return std::nullopt;
}

Result<HttpResponse> post(Stack& stack, const std::string& path, const std::string& body, bool with_login) {
  ClientRequest r;
  r.method = "POST";
  r.url = stack.relay_url() + path;
  r.body = body;
  if (with_login) r.headers.emplace_back("Authorization", basic_authorization(kLead, kPassword));
  return stack.http().send(r);
}

// Sum of ERP inventory adjustment quantities per item id.
std::map<std::string, int64_t> erp_adjusted(Stack& stack) {
  std::map<std::string, int64_t> out;
  Result<Json> ledger = stack.get_json(stack.erp_url() + "/_sim/ledger?type=inventoryAdjustment");
  if (!ledger.ok()) return out;
  for (const Json& rec : ledger->find("records")->items()) {
    const Json* body = rec.find("body");
    const Json* inv = body ? body->find("inventory") : nullptr;
    const Json* items = inv ? inv->find("items") : nullptr;
    for (const Json& l : items && items->is_array() ? items->items() : std::vector<Json>{}) {
      int64_t q = 0;
      if (const Json* v = l.find("adjustQtyBy")) v->as_int64(&q);
      const Json* item = l.find("item");
      out[item ? item->get_string("id") : ""] += q;
    }
  }
  return out;
}

}  // namespace

TEST_GROUP(Rules) {};

TEST(Rules, AProductCreatedOnTheFloorIsHeldForFinanceUntilTheErpKnowsItAndADiscardIsAudited) {
  testing::TempDir secrets("rules");
  Result<std::string> line = make_password_line(kLead, kPassword, 1000);
  CHECK_TRUE(line.ok());
  std::ofstream(secrets.file("users")) << *line << "\n";

  StackOptions o = clarus_options(true);
  o.clarus_duplicate_webhooks = 0;
  o.clarus_args = {"--seed-products", "1"};  // SKU-0001 only (known to the ERP); FLOOR-1 is added below
  o.relay_settings = {"feed.enabled = true", "feed.interval = 1s", "feed.site_locations = 1=site-1",
                      "feed.sites = site-1", "admin.users_file = " + secrets.file("users"),
                      "exceptions.revalidate_every = 1h", "poster.coalesce_max = 1"};
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  CHECK_TRUE(stack.clarus_post("/_sim/seed", R"({"products":[{"code":"FLOOR-1","description":"Made on the floor","stock":60}]})").ok());

  // The floor adjusts stock of both products until FLOOR-1 has three adjustments.
  std::vector<Json> floor, known;
  for (int i = 0; i < 200 && (floor.size() < 3 || known.empty()); ++i) {
    CHECK_TRUE(stack.clarus_post("/_sim/warehouse/step", R"({"steps":1,"only":["adjust"]})").ok());
    Json state = stack.clarus_state().value();
    floor.clear();
    known.clear();
    for (const Json& a : list(state, "stock_adjustments")->items()) (sku_of(a) == kFloorSku ? floor : known).push_back(a);
  }
  CHECK_TRUE_TEXT(floor.size() >= 3 && !known.empty(), "the scripted warehouse did not adjust both products");
  std::printf("\n  adjustments: %zu of FLOOR-1 (unknown to the ERP), %zu of SKU-0001\n", floor.size(), known.size());

  // SKU-0001 flows; FLOOR-1's first event is held as UNKNOWN_SKU for finance, the rest wait behind it.
  const std::string head = event_id_of(floor.front());
  bool settled = testing::wait_until(
      [&] {
        for (const Json& a : known)
          if (stack.relay_event_state(event_id_of(a)) != "posted") return false;
        return stack.relay_event_state(head) == "held" && open_exception_for(stack, head).has_value();
      },
      Millis(60'000), Millis(250));
  CHECK_TRUE_TEXT(settled, stack.logs(60).c_str());
  Json x = *open_exception_for(stack, head);
  STRCMP_EQUAL("UNKNOWN_SKU", x.get_string("cls").c_str());
  STRCMP_EQUAL("finance", x.get_string("owner").c_str());
  CHECK_TRUE_TEXT(x.get_string("reason").find(kFloorSku) != std::string::npos, x.dump().c_str());
  for (size_t i = 1; i < floor.size(); ++i) STRCMP_EQUAL("pending", stack.relay_event_state(event_id_of(floor[i])).c_str());
  Result<Json> one = stack.get_json(stack.relay_url() + "/api/exceptions/" + x.get_string("id"));
  CHECK_TRUE(one.ok());
  LONGS_EQUAL(static_cast<long>(floor.size() - 1), static_cast<long>(json_number(*one, "waiting_behind")));
  // Nothing of FLOOR-1 reached the ERP (it has no such item to post against).
  Result<Json> stats = stack.erp_stats();
  CHECK_TRUE(stats.ok());
  const std::map<std::string, int64_t> before = erp_adjusted(stack);
  CHECK_TRUE(before.count("") == 0);

  // The lead lists it from the command line.
  testing::Process cli;
  CHECK_TRUE(cli.spawn({o.bin_dir + "/relay/stockbridge-relay", "exceptions", "list", "--url", stack.relay_url()}, {},
                       secrets.file("cli.out"))
                 .ok());
  CHECK_EQUAL(0, cli.wait_exit(Millis(10'000)).value_or(-1));
  std::stringstream listed;
  listed << std::ifstream(secrets.file("cli.out")).rdbuf();
  CHECK_TRUE_TEXT(listed.str().find(x.get_string("id")) != std::string::npos, listed.str().c_str());
  CHECK_TRUE_TEXT(listed.str().find("UNKNOWN_SKU") != std::string::npos, listed.str().c_str());

  // A discard without credentials is refused and changes nothing; with them and a reason, it is done and audited.
  const std::string discard = "/api/exceptions/" + x.get_string("id") + "/discard";
  Result<HttpResponse> refused = post(stack, discard, R"({"reason":"miscount"})", false);
  CHECK_TRUE(refused.ok());
  LONGS_EQUAL(401, refused->status);
  STRCMP_EQUAL("held", stack.relay_event_state(head).c_str());
  Result<HttpResponse> no_reason = post(stack, discard, R"({"reason":""})", true);
  CHECK_TRUE(no_reason.ok());
  LONGS_EQUAL(400, no_reason->status);
  Result<HttpResponse> done = post(stack, discard, R"({"reason":"counted twice on the floor"})", true);
  CHECK_TRUE(done.ok());
  CHECK_EQUAL_TEXT(200, done->status, done->body.c_str());
  STRCMP_EQUAL("discarded", stack.relay_event_state(head).c_str());
  Json after = stack.get_json(stack.relay_url() + "/api/exceptions/" + x.get_string("id")).value();
  STRCMP_EQUAL("discarded", after.get_string("state").c_str());
  const Json& last = after.find("trail")->items().back();
  STRCMP_EQUAL(kLead, last.get_string("who").c_str());
  STRCMP_EQUAL("counted twice on the floor", last.get_string("note").c_str());

  // The next FLOOR-1 event is now the head of its key: held as its own exception.
  const std::string second = event_id_of(floor[1]);
  CHECK_TRUE_TEXT(testing::wait_until([&] { return open_exception_for(stack, second).has_value(); }, Millis(30'000),
                                      Millis(250)),
                  stack.logs(40).c_str());

  // Finance creates the item in the ERP: the feed sees it, the held events flow on by themselves.
  Status seeded = stack.seed_erp(R"({"items":[{"id":"7001","itemid":"FLOOR-1","isinactive":false,"unitsType":"Count",
      "units":[{"name":"Each","rate":1,"abbreviation":"EA"},{"name":"Case of 12","rate":12,"abbreviation":"CS"}],
      "stockUnit":"Each"}]})");
  CHECK_TRUE_TEXT(seeded.ok(), seeded.to_string().c_str());
  bool flowed = testing::wait_until(
      [&] {
        for (size_t i = 1; i < floor.size(); ++i)
          if (stack.relay_event_state(event_id_of(floor[i])) != "posted") return false;
        return true;
      },
      Millis(60'000), Millis(250));
  CHECK_TRUE_TEXT(flowed, stack.logs(60).c_str());
  CHECK_TRUE(testing::wait_until([&] { return exceptions(stack, "?state=unclosed").empty(); }, Millis(10'000), Millis(200)));
  Json resolved = stack.get_json(stack.relay_url() + "/api/exceptions?class=UNKNOWN_SKU&state=resolved").value();
  CHECK_TRUE(!resolved.find("exceptions")->items().empty());
  const Json& r0 = resolved.find("exceptions")->items().front();
  bool revalidated = false;
  for (const Json& t : r0.find("trail")->items())
    revalidated |= t.get_string("who") == "system" && t.get_string("note").find("re-validated") != std::string::npos;
  CHECK_TRUE_TEXT(revalidated, r0.dump().c_str());

  // The ERP holds FLOOR-1's adjustments except the discarded one: the same total as Clarus's, less it.
  int64_t expected = 0;
  for (size_t i = 1; i < floor.size(); ++i) expected += quantity_of(floor[i]);
  std::map<std::string, int64_t> now = erp_adjusted(stack);
  LONGS_EQUAL(expected, now["7001"]);
  Result<Json> relay = stack.relay_status();
  CHECK_TRUE(relay.ok());
  LONGS_EQUAL(0, json_number(*relay, "exceptions.open"));
  LONGS_EQUAL(1, json_number(*relay, "ledger.discarded"));
  CHECK_TRUE(stack.stop());
}

// The site checks on its own while the relay is unreachable: the ERP made an
// item inactive and the feed told the site; the floor adjusts it while the
// relay is down; the agent holds those events as INACTIVE_SKU (its own
// exception list, its own command line, kept across a kill -9) and forwards the rest. Once the ERP
// reactivates the item and the relay is back, the feed tells the site and the
// held events go on by themselves; the ERP ends up with what Clarus did.
TEST(Rules, AnItemMadeInactiveInTheErpIsHeldAtTheSiteWhileTheRelayIsDownAndGoesOnWhenReactivated) {
  StackOptions o = clarus_options(true);
  o.clarus_duplicate_webhooks = 0;
  o.erp_seed_items = 2;                      // SKU-0001, SKU-0002 in the ERP
  o.clarus_args = {"--seed-products", "2"};  // and in Clarus
  o.relay_settings = {"feed.enabled = true", "feed.interval = 1s", "feed.site_locations = 1=site-1",
                      "feed.sites = site-1", "poster.coalesce_max = 1"};
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  const char* kUnits = R"("unitsType":"Count","units":[{"name":"Each","rate":1,"abbreviation":"EA"},{"name":"Case of 12","rate":12,"abbreviation":"CS"}],"stockUnit":"Each")";
  auto set_active = [&](bool active) {
    Status seeded = stack.seed_erp(std::string(R"({"items":[{"id":"1002","itemid":"SKU-0002","isinactive":)") +
                                   (active ? "false" : "true") + "," + kUnits + "}]}");
    CHECK_TRUE_TEXT(seeded.ok(), seeded.to_string().c_str());
  };
  // The site hears of both items, then of SKU-0002 made inactive.
  auto site_applied = [&](int upserts) {
    return testing::wait_until(
        [&] {
          Result<Json> relay = stack.relay_status();
          Result<Json> agent = stack.agent_status();
          return relay.ok() && agent.ok() && json_number(*relay, "feed.queued.item_upsert") >= upserts &&
                 json_number(*agent, "downlink.waiting") == 0 && json_number(*agent, "rules.master_items") >= 2;
        },
        Millis(60'000), Millis(250));
  };
  CHECK_TRUE_TEXT(site_applied(2), stack.logs(40).c_str());
  set_active(false);
  bool told = site_applied(3);
  if (!told) {
    std::printf("relay: %s\nagent: %s\n", stack.relay_status().value().find("feed")->dump().c_str(),
                stack.agent_status().value().find("downlink")->dump().c_str());
  }
  CHECK_TRUE_TEXT(told, stack.logs(40).c_str());

  // The relay goes down; the floor adjusts both products.
  stack.relay().kill9();
  std::vector<Json> inactive, other;
  for (int i = 0; i < 200 && (inactive.size() < 2 || other.empty()); ++i) {
    CHECK_TRUE(stack.clarus_post("/_sim/warehouse/step", R"({"steps":1,"only":["adjust"]})").ok());
    inactive.clear();
    other.clear();
    const Json state = stack.clarus_state().value();
    for (const Json& a : list(state, "stock_adjustments")->items()) (sku_of(a) == "SKU-0002" ? inactive : other).push_back(a);
  }
  CHECK_TRUE(inactive.size() >= 2 && !other.empty());
  const std::string head = event_id_of(inactive.front());
  std::optional<Json> x;
  bool held = testing::wait_until(
      [&] {
        Result<Json> list = stack.get_json(stack.agent_url() + "/api/exceptions?state=unclosed");
        if (!list.ok()) return false;
        for (const Json& e : list->find("exceptions")->items())
          if (e.get_string("subject_id") == head) x = e;
        Result<Json> agent = stack.agent_status();
        return x.has_value() && agent.ok() && json_number(*agent, "rules.held_events") == static_cast<double>(inactive.size()) &&
               json_number(*agent, "journal.last_seq") >= static_cast<double>(other.size());
      },
      Millis(30'000), Millis(250));
  CHECK_TRUE_TEXT(held, stack.logs(40).c_str());
  STRCMP_EQUAL("INACTIVE_SKU", x->get_string("cls").c_str());
  STRCMP_EQUAL("finance", x->get_string("owner").c_str());

  // Site IT reads the same from the agent's command line.
  testing::TempDir out("rules-cli");
  testing::Process cli;
  CHECK_TRUE(cli.spawn({o.bin_dir + "/agent/stockbridge-agent", "exceptions", "list", "--url", stack.agent_url()}, {},
                       out.file("cli.out"))
                 .ok());
  CHECK_EQUAL(0, cli.wait_exit(Millis(10'000)).value_or(-1));
  std::stringstream listed;
  listed << std::ifstream(out.file("cli.out")).rdbuf();
  CHECK_TRUE_TEXT(listed.str().find("INACTIVE_SKU") != std::string::npos, listed.str().c_str());

  // The gateway loses power (kill -9): the held events and their exception are on its disk.
  CHECK_TRUE(stack.restart_agent().ok());
  Result<Json> after_crash = stack.agent_status();
  CHECK_TRUE(after_crash.ok());
  LONGS_EQUAL(static_cast<long>(inactive.size()), static_cast<long>(json_number(*after_crash, "rules.held_events")));
  LONGS_EQUAL(1, static_cast<long>(json_number(*after_crash, "exceptions.open")));

  // Finance reactivates the item; the relay comes back; the site hears it and the held events go on.
  set_active(true);
  CHECK_TRUE(stack.restart_relay().ok());
  bool posted = testing::wait_until(
      [&] {
        for (const auto* group : {&inactive, &other})
          for (const Json& a : *group)
            if (stack.relay_event_state(event_id_of(a)) != "posted") return false;
        return true;
      },
      Millis(90'000), Millis(500));
  CHECK_TRUE_TEXT(posted, stack.logs(60).c_str());
  Json resolved = stack.get_json(stack.agent_url() + "/api/exceptions/" + x->get_string("id")).value();
  STRCMP_EQUAL("resolved", resolved.get_string("state").c_str());
  const Json& last = resolved.find("trail")->items().back();
  STRCMP_EQUAL("system", last.get_string("who").c_str());
  CHECK_TRUE_TEXT(last.get_string("note").find("SKU-0002 arrived from the ERP") != std::string::npos, last.dump().c_str());
  int64_t expected = 0;
  for (const Json& a : inactive) expected += quantity_of(a);
  LONGS_EQUAL(expected, erp_adjusted(stack)["1002"]);
  CHECK_TRUE(stack.stop());
}

// A command Clarus refuses is an exception at the site: an order released
// before its product reached Clarus is held (CLARUS_REJECTED, for the
// warehouse) while other orders are applied; when the item arrives from the
// ERP the order is applied by itself and the exception resolves.
TEST(Rules, AnOrderClarusRefusesForAMissingProductIsHeldAtTheSiteAndAppliedWhenTheItemArrives) {
  StackOptions o = clarus_options(true);
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  ErpCommands erp(stack.broker().uri(), "site-1");
  CHECK_TRUE(erp.start().ok());
  v1::Command early = ErpCommands::order("SO-9001", Lines{{"NEW-9", 2}});
  v1::Command other = ErpCommands::order("SO-9002", Lines{{sku(1), 1}});
  erp.send(early);
  erp.send(other);
  // (The outcomes ride on the agent's next acknowledgement, whichever sender's
  // stream it answers: the relay runs its own downlink here. So this test reads
  // what the site and Clarus hold instead.)
  auto in_clarus = [&](const std::string& reference) {
    Result<Json> state = stack.clarus_state();
    if (!state.ok()) return false;
    for (const Json& g : list(*state, "goods_outs")->items())
      if (g.get_string("reference") == reference) return true;
    return false;
  };
  auto refused = [&]() -> std::optional<Json> {
    Result<Json> listed = stack.get_json(stack.agent_url() + "/api/exceptions?class=CLARUS_REJECTED");
    if (!listed.ok() || listed->find("exceptions")->items().empty()) return std::nullopt;
    return listed->find("exceptions")->items().front();
  };
  bool answered = testing::wait_until(
      [&] {
        if (erp.acked_through() < erp.sent()) erp.resend();
        return refused().has_value() && in_clarus("SO-9002");
      },
      Millis(30'000), Millis(250));
  CHECK_TRUE_TEXT(answered, stack.logs(40).c_str());
  CHECK_FALSE(in_clarus("SO-9001"));
  const Json x = *refused();
  STRCMP_EQUAL("warehouse", x.get_string("owner").c_str());
  STRCMP_EQUAL("command", x.get_string("subject_kind").c_str());
  CHECK_TRUE_TEXT(x.get_string("reason").find("NEW-9 on order SO-9001") != std::string::npos, x.dump().c_str());

  // The ERP sends the item: Clarus gets the product, and the held order goes on by itself.
  erp.send(ErpCommands::item("NEW-9", "New thing", 6));
  bool applied = testing::wait_until(
      [&] {
        if (erp.acked_through() < erp.sent()) erp.resend();
        return in_clarus("SO-9001");
      },
      Millis(30'000), Millis(250));
  CHECK_TRUE_TEXT(applied, stack.logs(40).c_str());
  Json after = stack.get_json(stack.agent_url() + "/api/exceptions/" + x.get_string("id")).value();
  STRCMP_EQUAL("resolved", after.get_string("state").c_str());
  bool by_itself = false;
  for (const Json& t : after.find("trail")->items())
    by_itself |= t.get_string("who") == "system" && t.get_string("note").find("NEW-9 arrived from the ERP") != std::string::npos;
  CHECK_TRUE_TEXT(by_itself, after.dump().c_str());
  erp.stop();
  CHECK_TRUE(stack.stop());
}

// The SKU master audit through the running agent: a product created on the
// floor (in Clarus, no ERP item) is an SKU_DIVERGENCE for finance once the
// audit runs (on demand, signed in); it cannot be pushed (the ERP has no
// values for it) and is discarded with a reason; the next audit raises
// nothing new for it.
TEST(Rules, TheSkuAuditFindsAProductCreatedOnTheFloor) {
  testing::TempDir secrets("rules-audit");
  Result<std::string> line = make_password_line(kLead, kPassword, 1000);
  CHECK_TRUE(line.ok());
  std::ofstream(secrets.file("users")) << *line << "\n";
  StackOptions o = clarus_options(true);
  o.clarus_args = {"--seed-products", "1"};
  o.agent_settings.push_back("admin.users_file = " + secrets.file("users"));
  o.agent_settings.push_back("audit.sku_interval = 0");
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  // The site hears of SKU-0001 from the ERP (as Clarus has it: cases of 12).
  ErpCommands erp(stack.broker().uri(), "site-1");
  CHECK_TRUE(erp.start().ok());
  erp.send(ErpCommands::item(sku(1), "Seeded product 0001", 12));
  CHECK_TRUE_TEXT(testing::wait_until(
                      [&] {
                        if (erp.acked_through() < erp.sent()) erp.resend();
                        Result<Json> a = stack.agent_status();
                        return a.ok() && json_number(*a, "rules.master_items") == 1 && json_number(*a, "downlink.applied") >= 1;
                      },
                      Millis(30'000), Millis(250)),
                  stack.logs(40).c_str());
  CHECK_TRUE(stack.clarus_post("/_sim/seed", R"({"products":[{"code":"FLOOR-7","description":"made on the floor","stock":2}]})").ok());

  auto audit = [&](bool signed_in) {
    ClientRequest r;
    r.method = "POST";
    r.url = stack.agent_url() + "/api/sku-audit";
    if (signed_in) r.headers.emplace_back("Authorization", basic_authorization(kLead, kPassword));
    return stack.http().send(r);
  };
  Result<HttpResponse> anonymous = audit(false);
  CHECK_TRUE(anonymous.ok());
  LONGS_EQUAL(401, anonymous->status);
  Result<HttpResponse> ran = audit(true);
  CHECK_TRUE(ran.ok());
  CHECK_EQUAL_TEXT(200, ran->status, ran->body.c_str());
  Json report = Json::parse(ran->body).value();
  LONGS_EQUAL(1, json_number(report, "divergent"));
  LONGS_EQUAL(1, json_number(report, "raised"));

  Json listed = stack.get_json(stack.agent_url() + "/api/exceptions?class=SKU_DIVERGENCE").value();
  LONGS_EQUAL(1, listed.find("exceptions")->items().size());
  const Json x = listed.find("exceptions")->items().front();
  STRCMP_EQUAL("finance", x.get_string("owner").c_str());
  STRCMP_EQUAL("FLOOR-7", x.get_string("subject_id").c_str());
  CHECK_TRUE_TEXT(x.get_string("reason").find("the ERP has no such item") != std::string::npos, x.dump().c_str());

  auto act = [&](const std::string& what, const std::string& body) {
    ClientRequest r;
    r.method = "POST";
    r.url = stack.agent_url() + "/api/exceptions/" + x.get_string("id") + "/" + what;
    r.body = body;
    r.headers.emplace_back("Authorization", basic_authorization(kLead, kPassword));
    return stack.http().send(r);
  };
  Result<HttpResponse> push = act("retry", "{}");
  CHECK_TRUE(push.ok());
  LONGS_EQUAL(400, push->status);  // no ERP item to push
  Result<HttpResponse> discarded = act("discard", R"({"reason":"a sample; it will be deleted in Clarus"})");
  CHECK_TRUE(discarded.ok());
  CHECK_EQUAL_TEXT(200, discarded->status, discarded->body.c_str());
  Result<HttpResponse> again = audit(true);
  CHECK_TRUE(again.ok());
  LONGS_EQUAL(0, json_number(Json::parse(again->body).value(), "raised"));
  erp.stop();
  CHECK_TRUE(stack.stop());
}
