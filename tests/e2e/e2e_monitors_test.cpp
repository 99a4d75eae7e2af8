// The relay's monitors through every process, with thresholds of seconds:
// each condition is caused for real, shows on GET /api/exceptions with its
// class, owner, site and a reason in words, and resolves itself once the
// cause is fixed; a chat webhook (a real HTTP receiver in this test) hears
// exactly one "raised" and one "resolved" message for each condition.
//   ORPHANED_ORDER         the ERP releases an order, Clarus holds it, nothing ships; then it ships;
//   UNPOSTED_SHIPMENT      that shipment reaches the relay while the ERP refuses every record (503); then it is back;
//   RETURN_WITHOUT_CREDIT  a return received in Clarus meanwhile gets no credit memo; then it does;
//   SITE_OFFLINE           the agent is killed (-9); then started again;
//   BACKLOG                the relay's ledger is given a disk allowance it already uses up, so the
//                          site's events wait at the gateway; then it is given its disk back.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/clarus_flow.h"
#include "tests/support/webhook_receiver.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

namespace {

constexpr Millis kWait{45'000};  // generous: outcomes, never fixed sleeps

std::vector<Json> conditions(Stack& stack, const std::string& cls) {
  Result<Json> r = stack.get_json(stack.relay_url() + "/api/exceptions?class=" + cls);
  if (!r.ok() || !r->find("exceptions")) return {};
  return r->find("exceptions")->items();
}

// The newest exception of `cls` in `state` ("open", "resolved"), waiting for it.
std::optional<Json> wait_condition(Stack& stack, const std::string& cls, const std::string& state) {
  std::optional<Json> found;
  testing::wait_until(
      [&] {
        for (const Json& x : conditions(stack, cls))
          if (x.get_string("state") == state) {
            found = x;
            return true;
          }
        return false;
      },
      kWait, Millis(250));
  return found;
}

// The open condition of `cls`, checked for owner and site; its id.
std::string expect_raised(Stack& stack, const std::string& cls, const std::string& owner, const std::string& words) {
  std::optional<Json> x = wait_condition(stack, cls, "open");
  CHECK_TRUE_TEXT(x.has_value(), (cls + " was not raised\n" + stack.logs(40)).c_str());
  STRCMP_EQUAL(owner.c_str(), x->get_string("owner").c_str());
  STRCMP_EQUAL("site-1", x->get_string("site").c_str());
  STRCMP_EQUAL("condition", x->get_string("subject_kind").c_str());
  const std::string reason = x->get_string("reason");
  CHECK_TEXT(reason.find(words) != std::string::npos, (cls + ": " + reason).c_str());
  std::printf("  %s %s: %s\n", x->get_string("id").c_str(), cls.c_str(), reason.c_str());
  return x->get_string("id");
}

void expect_resolved(Stack& stack, const std::string& cls, const std::string& id) {
  bool resolved = testing::wait_until(
      [&] {
        for (const Json& x : conditions(stack, cls))
          if (x.get_string("id") == id) return x.get_string("state") == "resolved";
        return false;
      },
      kWait, Millis(250));
  CHECK_TRUE_TEXT(resolved, (cls + " " + id + " did not resolve\n" + stack.logs(40)).c_str());
}

// Sets (or, with value "", removes) one line of the relay's config file.
void set_relay_setting(Stack& stack, const std::string& key, const std::string& value) {
  const std::string path = stack.dir() + "/relay.conf";
  std::ifstream in(path);
  std::stringstream kept;
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) != 0) kept << line << "\n";
  in.close();
  if (!value.empty()) kept << key << " = " << value << "\n";
  std::ofstream(path) << kept.str();
}

// What the webhook heard, by exception id: "raised" and "resolved" changes.
// A digest's lines each say their own change; a body that is not ours counts nothing.
void count_changes(const testing::WebhookReceiver& hook, std::map<std::string, int>* raised,
                   std::map<std::string, int>* resolved) {
  raised->clear();
  resolved->clear();
  for (const Json& body : hook.bodies()) {
    const Json* sb = body.find("stockbridge");
    if (!sb || !sb->find("exceptions")) continue;
    for (const Json& x : sb->find("exceptions")->items()) {
      const std::string change = sb->get_string("kind") == "digest" ? x.get_string("change") : sb->get_string("kind");
      if (change == "raised") (*raised)[x.get_string("id")]++;
      else if (change == "resolved") (*resolved)[x.get_string("id")]++;
    }
  }
}

// A clean stop (so no alert is cut between its send and its record) and a start.
void restart_relay(Stack& stack) {
  stack.relay().terminate();
  Status s = stack.start_relay();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
}

}  // namespace

TEST_GROUP(Monitors) {};

TEST(Monitors, EachConditionIsRaisedOnceAndResolvesItselfWhenFixed) {
  testing::WebhookReceiver hook;
  CHECK_TRUE(hook.ok());
  StackOptions o = clarus_options(true);
  o.erp_unique_external_id = true;
  o.agent_settings.push_back("forward.ack_timeout = 1s");  // resend soon after the relay takes batches again
  o.relay_settings = {"feed.enabled = true", "feed.interval = 1s", "feed.site_locations = 1=site-1", "feed.sites = site-1",
                      "downlink.resend_after = 2s",
                      "monitors.interval = 500ms", "monitors.orphaned_order_after = 4s",
                      "monitors.unposted_shipment_after = 3s", "monitors.return_without_credit_after = 3s",
                      "monitors.backlog_events = 3", "monitors.backlog_age = 10m", "monitors.offline_after = 3s",
                      "alerts.webhook_url = " + hook.url(), "alerts.batch_window = 500ms", "alerts.digest_after = 100",
                      "alerts.classes = ORPHANED_ORDER,UNPOSTED_SHIPMENT,RETURN_WITHOUT_CREDIT,BACKLOG,SITE_OFFLINE"};
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  CHECK_TRUE(stack.clarus_post("/_sim/warehouse", R"({"partial_dispatch_rate":0,"under_receipt_rate":0,"over_receipt_rate":0})").ok());
  Status seeded = stack.seed_erp(R"({
     "salesOrders":[{"externalId":"SO-6001","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
       "lines":[{"line":1,"item":"1003","quantity":2,"location":"1"}]}],
     "returnAuthorizations":[{"externalId":"RMA-6001","location":"1","lines":[{"line":1,"item":"1006","quantity":1,"rate":9.5}]}]})");
  CHECK_TRUE_TEXT(seeded.ok(), seeded.to_string().c_str());

  // ORPHANED_ORDER: released, in Clarus, and nothing ships.
  std::printf("\n");
  const std::string orphaned = expect_raised(stack, "ORPHANED_ORDER", "warehouse", "nothing of it has shipped");
  CHECK_TRUE_TEXT(wait_condition(stack, "ORPHANED_ORDER", "open")->get_string("reason").find("was released to site-1") !=
                      std::string::npos,
                  "the reason names the site");

  // The ERP refuses every record from now on; the warehouse ships the order and receives the return.
  CHECK_TRUE(stack.set_erp_faults(R"({"p_error_503":1.0})").ok());
  Json state;
  bool worked = testing::wait_until(
      [&] {
        (void)stack.clarus_post("/_sim/warehouse/step", R"({"steps":1,"only":["dispatch","return"]})");
        state = stack.clarus_state().value();
        bool returned = false;
        for (const Json& r : list(state, "goods_in_receipts")->items())
          returned = returned || (r.get_string("receipt_type") == "return" && r.get_string("status") == "completed");
        return !list(state, "shipments")->items().empty() && returned;
      },
      kWait, Millis(300));
  CHECK_TRUE_TEXT(worked, state.dump().c_str());
  expect_resolved(stack, "ORPHANED_ORDER", orphaned);  // a shipment of it reached the relay
  const std::string unposted = expect_raised(stack, "UNPOSTED_SHIPMENT", "IT", "is not in the ERP yet");
  const std::string uncredited = expect_raised(stack, "RETURN_WITHOUT_CREDIT", "finance", "no credit memo is in the ERP yet");
  LONGS_EQUAL(1, conditions(stack, "ORPHANED_ORDER").size());  // raised once, not per sweep

  // The ERP is back: both post, both conditions clear.
  CHECK_TRUE(stack.set_erp_faults("{}").ok());
  expect_resolved(stack, "UNPOSTED_SHIPMENT", unposted);
  expect_resolved(stack, "RETURN_WITHOUT_CREDIT", uncredited);

  // SITE_OFFLINE: the gateway's agent dies; its last will says so. Then it is back.
  stack.agent().kill9();
  const std::string offline = expect_raised(stack, "SITE_OFFLINE", "IT", "has been offline for");
  s = stack.start_agent();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  expect_resolved(stack, "SITE_OFFLINE", offline);

  // BACKLOG: the relay may not take more (its disk allowance is used up), so
  // the site's new events wait at the gateway. Then it gets its disk back.
  set_relay_setting(stack, "ledger.max_map", "64KiB");
  restart_relay(stack);
  bool waiting = agent_status_until(
      stack,
      [&](const Json& st) {
        (void)stack.clarus_post("/_sim/warehouse/step", R"({"steps":2,"only":["adjust"]})");
        return json_number(st, "journal.backlog") > 3;
      },
      kWait);
  CHECK_TRUE_TEXT(waiting, stack.logs(40).c_str());
  const std::string backlog = expect_raised(stack, "BACKLOG", "IT", "events waiting to be sent");
  set_relay_setting(stack, "ledger.max_map", "");
  restart_relay(stack);
  CHECK_TRUE_TEXT(agent_drained(stack, kWait), stack.logs(40).c_str());
  expect_resolved(stack, "BACKLOG", backlog);

  // The webhook heard exactly one "raised" and one "resolved" for each condition.
  const std::vector<std::string> ids = {orphaned, unposted, uncredited, offline, backlog};
  std::map<std::string, int> raised, resolved;
  bool heard = testing::wait_until(
      [&] {
        count_changes(hook, &raised, &resolved);
        return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) { return resolved[id] >= 1; });
      },
      kWait, Millis(250));
  CHECK_TRUE_TEXT(heard, ("the webhook did not hear every resolution\n" + stack.logs(40)).c_str());
  for (const Json& body : hook.bodies())
    if (body.find("stockbridge")) CHECK_FALSE(body.get_string("text").empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a few more passes: a repeat would show
  count_changes(hook, &raised, &resolved);
  for (const std::string& id : ids) {
    LONGS_EQUAL_TEXT(1, raised[id], (id + " raised").c_str());
    LONGS_EQUAL_TEXT(1, resolved[id], (id + " resolved").c_str());
  }
  // The status page says as much.
  Result<Json> st = stack.relay_status();
  CHECK_TRUE(st.ok());
  CHECK_TRUE(json_number(*st, "alerts.sent") >= 1);  // counted since the last restart
  LONGS_EQUAL(0, static_cast<long>(json_number(*st, "alerts.owed")));
  CHECK_TRUE(json_number(*st, "monitors.sweeps") >= 1);
  LONGS_EQUAL(0, static_cast<long>(json_number(*st, "monitors.open.BACKLOG")));
  CHECK_TRUE(stack.stop());
}
