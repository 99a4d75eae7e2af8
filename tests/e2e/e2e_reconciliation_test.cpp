// Stock reconciliation through every process: Clarus (simulator) and the ERP
// (simulator) start with the same stock; the warehouse adjusts stock, the
// events flow, and each snapshot the agent sweeps is reconciled by the relay
// against the ERP's on-hand (SuiteQL inventoryitemlocations). Asserts what
// finance sees: reports with no drift whose CSV totals are the ERP's own
// on-hand totals; an event the ERP refuses for a while counted as in flight,
// not as drift; a change made in the ERP alone raised as INVENTORY_DRIFT after
// two sweeps in a row, and resolved by the first sweep after the fix; each
// report reads the ERP in a few bulk requests (erp_calls).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "platform/http/admin_auth.h"
#include "tests/e2e/clarus_flow.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

namespace {

constexpr int64_t kLocation = 1;  // WH1=1 in the stack's erp.location_map

Json get(Stack& stack, const std::string& url) {
  Result<Json> j = stack.get_json(url);
  CHECK_TRUE_TEXT(j.ok(), (url + ": " + j.status().to_string()).c_str());
  return j.ok() ? *j : Json::object();
}

// Reports of site-1 whose snapshot was taken after `after_ms`, newest first.
std::vector<Json> reports_after(Stack& stack, int64_t after_ms) {
  std::vector<Json> out;
  Json list = get(stack, stack.relay_url() + "/api/reports?site=site-1&limit=100");
  for (const Json& r : list.find("reports")->items())
    if (json_number(r, "taken_at_ms") > static_cast<double>(after_ms)) out.push_back(r);
  return out;
}

// Waits for `n` reports of snapshots taken after `after_ms`; the newest.
Json wait_reports(Stack& stack, int64_t after_ms, size_t n) {
  std::vector<Json> found;
  bool ok = testing::wait_until([&] { return (found = reports_after(stack, after_ms)).size() >= n; }, Millis(60'000),
                                Millis(500));
  CHECK_TRUE_TEXT(ok, stack.logs(40).c_str());
  return found.empty() ? Json::object() : found.front();
}

int64_t now_ms() { return SystemClock::instance().wall_ms(); }

// A NetSuite inventory adjustment made by a person directly in the ERP (not through Stockbridge).
void adjust_in_erp(Stack& stack, const std::string& external_id, const std::string& item, int64_t qty) {
  ClientRequest req;
  req.method = "POST";
  req.url = stack.erp_url() + "/services/rest/record/v1/inventoryAdjustment";
  req.body = R"({"externalId":")" + external_id + R"(","account":{"id":"1"},"adjLocation":{"id":"1"},)"
             R"("inventory":{"items":[{"item":{"id":")" + item + R"("},"location":{"id":"1"},"adjustQtyBy":)" +
             std::to_string(qty) + "}]}}";
  Result<HttpResponse> r = stack.http().send(req);
  CHECK_TRUE_TEXT(r.ok() && r->status == 204, r.ok() ? r->body.c_str() : r.status().to_string().c_str());
}

std::vector<Json> drift_exceptions(Stack& stack, const std::string& state) {
  Json list = get(stack, stack.relay_url() + "/api/exceptions?class=INVENTORY_DRIFT&state=" + state);
  return list.find("exceptions")->items();
}

// The TOTAL row of a report's CSV, by column name.
std::map<std::string, std::string> csv_totals(const std::string& csv) {
  std::vector<std::string> lines;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  auto split = [](const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) out.emplace_back();
      else out.back() += c;
    }
    return out;
  };
  std::map<std::string, std::string> out;
  if (lines.size() < 2) return out;
  std::vector<std::string> header = split(lines.front()), total = split(lines.back());
  for (size_t i = 0; i < header.size() && i < total.size(); ++i) out[header[i]] = total[i];
  return out;
}

}  // namespace

TEST_GROUP(Reconciliation) {};

TEST(Reconciliation, ReportsAgreeWithTheErpAndDriftIsRaisedAfterTwoSweepsThenResolved) {
  StackOptions o = clarus_options(true);
  o.clarus_duplicate_webhooks = 0;
  o.agent_settings = {"clarus.snapshot_interval = 3s"};
  testing::TempDir admins("reconciliation-admins");
  {
    Result<std::string> line = make_password_line("controller", "month-end-close", 1000);
    CHECK_TRUE(line.ok());
    std::ofstream(admins.file("users")) << *line << "\n";
  }
  o.relay_settings = {"reconcile.interval = 1s", "admin.users_file = " + admins.file("users")};
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());

  // The same stock on both sides: the ERP's opening stock is what Clarus holds in WH1, with a cost.
  Json state = stack.clarus_state().value();
  std::string on_hand;
  for (const Json& b : list(state, "stock_balances")->items()) {
    if (json_number(b, "warehouse_id") != 1) continue;
    const std::string code = b.find("product")->get_string("code");
    if (code.rfind("SKU-", 0) != 0) continue;
    const int n = std::atoi(code.c_str() + 4);
    char entry[160];
    std::snprintf(entry, sizeof entry, R"({"item":"%d","location":"%lld","quantity":%lld,"averageCost":%.2f})", 1000 + n,
                  static_cast<long long>(kLocation), static_cast<long long>(json_number(b, "available")), 1.25 + n);
    on_hand += (on_hand.empty() ? "" : ",") + std::string(entry);
  }
  CHECK_TRUE(!on_hand.empty());
  Status seeded = stack.seed_erp(R"({"onHand":[)" + on_hand + "]}");
  CHECK_TRUE_TEXT(seeded.ok(), seeded.to_string().c_str());

  // The warehouse adjusts stock; the adjustments reach the ERP as inventory adjustments.
  CHECK_TRUE(stack.clarus_post("/_sim/warehouse/step", R"({"steps":3,"only":["adjust"]})").ok());
  const size_t adjustments = list(stack.clarus_state().value(), "stock_adjustments")->items().size();
  CHECK_TRUE(adjustments > 0);
  bool posted = testing::wait_until(
      [&] {
        Result<Json> l = stack.get_json(stack.erp_url() + "/_sim/ledger?type=inventoryAdjustment");
        return l.ok() && l->find("records")->items().size() == adjustments;
      },
      Millis(60'000), Millis(250));
  CHECK_TRUE_TEXT(posted, stack.logs(40).c_str());

  // A sweep after that: no drift, and the CSV's totals are the ERP's on-hand totals.
  const int64_t settled = now_ms();
  Json report = wait_reports(stack, settled, 1);
  const std::string id = report.get_string("id");
  DOUBLES_EQUAL(0, json_number(report, "totals.drift"), 1e-9);
  DOUBLES_EQUAL(0, json_number(report, "totals.drifting"), 1e-9);
  // What it cost the ERP: a few bulk requests (items and units kept between sweeps), not one or two per SKU.
  const double erp_calls = json_number(report, "erp_calls");
  CHECK_TRUE_TEXT(erp_calls >= 1 && erp_calls <= 10, report.dump().c_str());
  ClientRequest download;
  download.url = stack.relay_url() + "/api/reports/" + id + ".csv";
  Result<HttpResponse> csv = stack.http().send(download);
  CHECK_TRUE(csv.ok() && csv->status == 200);
  CHECK_TRUE(csv->header("Content-Type").rfind("text/csv", 0) == 0);
  CHECK_TRUE(csv->header("Content-Disposition").find("attachment") == 0);
  std::map<std::string, std::string> totals = csv_totals(csv->body);
  Json erp = get(stack, stack.erp_url() + "/_sim/on_hand");  // read from the simulator, not through the relay
  DOUBLES_EQUAL(json_number(erp, "totalQuantity"), std::atof(totals["erp_quantity"].c_str()), 1e-6);
  DOUBLES_EQUAL(json_number(erp, "totalValue"), std::atof(totals["erp_value"].c_str()), 1e-3);
  DOUBLES_EQUAL(json_number(erp, "totalQuantity"), std::atof(totals["clarus_quantity"].c_str()), 1e-6);
  STRCMP_EQUAL("0", totals["drift"].c_str());

  // The ERP refuses writes for a while: an adjustment stays pending at the relay. In flight, not drift.
  CHECK_TRUE(stack.set_erp_faults(R"({"error_503":1000000})").ok());
  CHECK_TRUE(stack.clarus_post("/_sim/warehouse/step", R"({"steps":1,"only":["adjust"]})").ok());
  int64_t newest = 0;  // the adjustment just made: the highest id
  for (const Json& a : list(stack.clarus_state().value(), "stock_adjustments")->items())
    newest = std::max<int64_t>(newest, static_cast<int64_t>(json_number(a, "id")));
  const std::string held_event = "clarus:site-1:adjustment:" + std::to_string(newest);
  CHECK_TRUE_TEXT(testing::wait_until([&] { return stack.relay_event_state(held_event) == "pending"; }, Millis(30'000),
                                      Millis(200)),
                  held_event.c_str());
  const int64_t pending_since = now_ms();
  Json in_flight = wait_reports(stack, pending_since, 2);
  CHECK_TRUE_TEXT(json_number(in_flight, "totals.in_flight") != 0, in_flight.dump().c_str());
  DOUBLES_EQUAL(0, json_number(in_flight, "totals.drifting"), 1e-9);
  CHECK_EQUAL("pending", stack.relay_event_state(held_event));
  LONGS_EQUAL(0, drift_exceptions(stack, "unclosed").size());
  CHECK_TRUE(stack.set_erp_faults("{}").ok());
  CHECK_TRUE(testing::wait_until([&] { return stack.relay_event_state(held_event) == "posted"; }, Millis(30'000),
                                 Millis(200)));

  // A person adjusts SKU-0001 in the ERP alone: drift -7, raised after two sweeps in a row.
  const int64_t changed = now_ms();
  adjust_in_erp(stack, "MANUAL-1", "1001", 7);
  std::vector<Json> open;
  CHECK_TRUE_TEXT(testing::wait_until([&] { return !(open = drift_exceptions(stack, "unclosed")).empty(); },
                                      Millis(60'000), Millis(500)),
                  stack.logs(40).c_str());
  CHECK_TRUE(reports_after(stack, changed).size() >= 2);
  LONGS_EQUAL(1, open.size());
  const Json& x = open.front();
  STRCMP_EQUAL("INVENTORY_DRIFT", x.get_string("cls").c_str());
  STRCMP_EQUAL("finance", x.get_string("owner").c_str());
  STRCMP_EQUAL("site-1", x.get_string("site").c_str());
  STRCMP_EQUAL("INVENTORY_DRIFT/site-1/1/SKU-0001", x.get_string("subject_id").c_str());
  CHECK_TRUE_TEXT(x.get_string("reason").find("drift -7") != std::string::npos, x.get_string("reason").c_str());

  // A person's retry reconciles the site now (through the API, as the page's form does): still there, so
  // it stays open with the check in its trail; an edit is refused, there being no record to correct.
  auto act = [&](const std::string& action, const std::string& body) {
    ClientRequest req;
    req.method = "POST";
    req.url = stack.relay_url() + "/api/exceptions/" + x.get_string("id") + "/" + action;
    req.headers.emplace_back("Authorization", basic_authorization("controller", "month-end-close"));
    req.body = body;
    Result<HttpResponse> r = stack.http().send(req);
    CHECK_TRUE(r.ok());
    return r.ok() ? *r : HttpResponse{};
  };
  // A sweep running at that moment answers 409 ("try again in a minute"): the retry is tried again.
  HttpResponse retried;
  testing::wait_until([&] { return (retried = act("retry", R"({"note":"counted again: 7 short"})")).status != 409; },
                      Millis(30'000), Millis(200));
  CHECK_EQUAL_TEXT(200, retried.status, retried.body.c_str());
  Json after = get(stack, stack.relay_url() + "/api/exceptions/" + x.get_string("id"));
  STRCMP_EQUAL("open", after.get_string("state").c_str());
  std::string trail = after.find("trail")->dump();
  CHECK_TRUE_TEXT(trail.find("controller") != std::string::npos && trail.find("retry") != std::string::npos, trail.c_str());
  HttpResponse edited = act("edit", R"({"patch":{"sku":"SKU-0002"}})");
  CHECK_EQUAL_TEXT(400, edited.status, edited.body.c_str());

  // Fixed in the ERP: the next sweep resolves it.
  adjust_in_erp(stack, "MANUAL-2", "1001", -7);
  CHECK_TRUE_TEXT(testing::wait_until([&] { return drift_exceptions(stack, "unclosed").empty(); }, Millis(60'000),
                                      Millis(500)),
                  stack.logs(40).c_str());
  std::vector<Json> resolved = drift_exceptions(stack, "resolved");
  LONGS_EQUAL(1, resolved.size());
  CHECK_TRUE(stack.stop());
}
