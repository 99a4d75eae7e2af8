// Shipment exceptions end to end, every process real: the ERP simulator holds
// the sales orders, they are released to the site, a packer dispatches them in
// the Clarus simulator (through its REST API, with the carrier, tracking and
// quantities each scenario needs), the agent picks the shipments up and the
// relay posts the item fulfilments. What cannot be posted is held as an
// exception for the team that owns it -- by the relay, or by the site when its
// copy of the ERP's master data already tells -- and never reaches the ERP
// while held; other orders keep flowing; the fix (an edit or a discard by a
// person through the API, or the ERP's own change seen through the relay's
// change feed) is what lands, in the audit trail with who.
//   1. a carrier the ERP's carrier master lacks           UNKNOWN_CARRIER, IT: edit
//   2. a parcel without (or with a malformed) tracking    BAD_TRACKING, warehouse: edit
//   3. eaches shipped on an order line sold in cases      UOM_NOT_CONVERTIBLE, finance: discard
//   4. an item made inactive while its order is out       INACTIVE_SKU, finance: flows on by
//      itself once the ERP reactivates it -- held at the site that heard of it, at
//      the relay otherwise, also when the relay had posted the item minutes before
//   5. more received than the purchase order allows      OVER_RECEIPT, finance: the PO
//      raised in the ERP, then a person's retry
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "platform/http/admin_auth.h"
#include "tests/e2e/clarus_flow.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

namespace {

constexpr char kLead[] = "lead";
constexpr char kPassword[] = "dock-lead-pass";
constexpr char kSite[] = "site-1";

// A users file (admin.users_file) naming the one person who acts here.
struct Admins {
  testing::TempDir dir{"rules-shipments"};
  std::string users = dir.file("users");
  Admins() {
    Result<std::string> line = make_password_line(kLead, kPassword, 1000);
    CHECK_TRUE(line.ok());
    std::ofstream(users) << *line << "\n";
  }
};

StackOptions shipment_stack(const Admins& admins, const std::vector<std::string>& relay_extra = {}) {
  StackOptions o = clarus_options(true);
  o.clarus_duplicate_webhooks = 0;
  o.clarus_sweep_interval = "1s";
  o.erp_seed_items = 30;  // SKU-0001..SKU-0030 (ids 1001..); Clarus has SKU-0001..SKU-0020 in stock
  o.relay_settings = {"admin.users_file = " + admins.users, "exceptions.revalidate_every = 1h"};
  o.relay_settings.insert(o.relay_settings.end(), relay_extra.begin(), relay_extra.end());
  return o;
}

// --- the ERP simulator -------------------------------------------------------

void seed_erp(Stack& stack, const std::string& body) {
  Status seeded = stack.seed_erp(body);
  CHECK_TRUE_TEXT(seeded.ok(), seeded.to_string().c_str());
}

std::vector<Json> erp_records(Stack& stack, const std::string& type) {
  Result<Json> ledger = stack.get_json(stack.erp_url() + "/_sim/ledger?type=" + type);
  CHECK_TRUE_TEXT(ledger.ok(), ledger.status().to_string().c_str());
  return ledger->find("records")->items();
}

// The ERP's internal id of the record of `type` with this external id ("" when none).
std::string erp_id(Stack& stack, const std::string& type, const std::string& external_id) {
  for (const Json& r : erp_records(stack, type))
    if (r.get_string("externalId") == external_id) return r.get_string("id");
  return "";
}

// The item fulfilments the ERP holds for one shipment event (its external id).
std::vector<Json> fulfilments_of(Stack& stack, const std::string& event_id) {
  std::vector<Json> out;
  for (const Json& r : erp_records(stack, "itemFulfillment"))
    if (r.get_string("externalId") == event_id) out.push_back(r);
  return out;
}

// --- Clarus, as the packer's screens drive it --------------------------------

// Clarus's REST API with a token of the agent's own client (read from the stack's agent config).
class ClarusApi {
 public:
  explicit ClarusApi(Stack& stack) : stack_(stack) {}

  Status login() {
    std::ifstream secret_file(setting("clarus.client_secret_file"));
    std::string secret;
    std::getline(secret_file, secret);
    Json form = Json::object();
    form.set("grant_type", Json::string("client_credentials"));
    form.set("client_id", Json::string(setting("clarus.client_id")));
    form.set("client_secret", Json::string(secret));
    ClientRequest req;
    req.method = "POST";
    req.url = stack_.clarus_url() + "/oauth/token";
    req.body = form.dump();
    Result<HttpResponse> r = stack_.http().send(req);
    if (!r.ok()) return r.status();
    Result<Json> j = Json::parse(r->body);
    token_ = j.ok() ? j->get_string("access_token") : "";
    return token_.empty() ? Status::Unavailable("no Clarus token: " + r->body) : Status::Ok();
  }

  // POST under the REST prefix with `attributes` in Clarus's envelope; the record made (id, attributes).
  Result<Json> create(const std::string& path, const std::string& type, Json attributes) {
    Json data = Json::object();
    data.set("type", Json::string(type));
    data.set("attributes", std::move(attributes));
    Json body = Json::object();
    body.set("data", std::move(data));
    ClientRequest req;
    req.method = "POST";
    req.url = stack_.clarus_url() + "/api" + path;
    req.body = body.dump();
    req.headers.emplace_back("Authorization", "Bearer " + token_);
    req.headers.emplace_back("X-Clarus-Subdomain", setting("clarus.subdomain"));
    Result<HttpResponse> r = stack_.http().send(req);
    if (!r.ok()) return r.status();
    if (r->status != 201) return Status::InvalidArgument(path + " answered " + std::to_string(r->status) + ": " + r->body);
    Result<Json> j = Json::parse(r->body);
    if (!j.ok() || !j->find("data")) return Status::InvalidArgument(path + " answered " + r->body);
    return *j->find("data");
  }

 private:
  std::string setting(const std::string& key) {
    std::ifstream conf(stack_.dir() + "/agent.conf");
    for (std::string line; std::getline(conf, line);) {
      const size_t eq = line.find(" = ");
      if (eq != std::string::npos && line.substr(0, eq) == key) return line.substr(eq + 3);
    }
    return "";
  }

  Stack& stack_;
  std::string token_;
};

// The goods out Clarus holds for an ERP sales order, once the release has made it.
Json goods_out_for(Stack& stack, const std::string& erp_order_id) {
  Json found;
  bool there = testing::wait_until(
      [&] {
        Result<Json> state = stack.clarus_state();
        if (!state.ok()) return false;
        for (const Json& g : list(*state, "goods_outs")->items())
          if (g.get_string("external_system_reference1") == erp_order_id) found = g;
        return found.is_object();
      },
      Millis(30'000), Millis(200));
  CHECK_TRUE_TEXT(there, ("no goods out in Clarus for ERP order " + erp_order_id + "\n" + stack.logs(40)).c_str());
  return found;
}

// One dispatch as the packer keys it. Lines by the order's line reference; none = everything left.
struct Dispatch {
  int64_t carrier_id = 0;          // 0: the goods out's own carrier and service
  int64_t carrier_service_id = 0;
  std::string tracking_number;     // on the shipment and its one parcel ("" = none keyed)
  std::vector<std::pair<std::string, int64_t>> lines;
};

// Ships it through Clarus's REST API; the shipment's event id, as the agent names it.
std::string ship(ClarusApi& clarus, const Json& goods_out, const Dispatch& d) {
  Json a = Json::object();
  a.set("goods_out_id", *goods_out.find("id"));
  a.set("reference", Json::string("PARCELS-" + goods_out.get_string("reference")));
  if (d.carrier_id) a.set("carrier_id", Json::number(d.carrier_id));
  if (d.carrier_service_id) a.set("carrier_service_id", Json::number(d.carrier_service_id));
  if (!d.tracking_number.empty()) a.set("tracking_number", Json::string(d.tracking_number));
  Json parcel = Json::object();
  parcel.set("reference", Json::string("PARCEL-1"));
  parcel.set("weight", Json::number(1.5));
  if (!d.tracking_number.empty()) parcel.set("tracking_number", Json::string(d.tracking_number));
  a.set("packages", Json::array()).push(std::move(parcel));
  if (!d.lines.empty()) {
    Json& lines = a.set("lines", Json::array());
    for (const auto& [ref, qty] : d.lines)
      for (const Json& l : goods_out.find("lines")->items())
        if (l.get_string("alt_line_reference") == ref) {
          Json line = Json::object();
          line.set("goods_out_line_id", *l.find("id"));
          line.set("quantity", Json::number(qty));
          lines.push(std::move(line));
        }
  }
  Result<Json> made = clarus.create("/shipments", "shipments", std::move(a));
  CHECK_TRUE_TEXT(made.ok(), made.status().to_string().c_str());
  return std::string("clarus:") + kSite + ":shipment:" + made->find("id")->as_string();
}

// Sends SalesOrderRelease commands for ERP orders, as the relay's downlink would, and waits until applied.
// With the feed off the site hears of no item or carrier from the ERP, so its
// own checks cannot tell anything: the relay judges these shipments.
void release(ClarusFlow& flow, const std::vector<v1::Command>& orders) {
  CHECK_TRUE(flow.erp.start().ok());
  for (const v1::Command& c : orders) flow.erp.send(c);
  flow.wait_applied();
}

v1::Command order(const std::string& number, const std::string& erp_order_id, const Lines& lines) {
  v1::Command c = ErpCommands::order(number, lines);  // ROYALMAIL / RM1CLS, as ship item 9001
  c.mutable_sales_order_release()->set_erp_order_id(erp_order_id);
  return c;
}

// --- exceptions -----------------------------------------------------------------
// Kept where the event is held: at the relay (stack.relay_url()) or at the site
// (stack.agent_url()); both serve the same API.

std::vector<Json> exceptions_at(Stack& stack, const std::string& api, const std::string& query) {
  Result<Json> r = stack.get_json(api + "/api/exceptions" + query);
  if (!r.ok() || !r->find("exceptions")) return {};
  return r->find("exceptions")->items();
}

std::optional<Json> open_exception_at(Stack& stack, const std::string& api, const std::string& event_id) {
  for (const Json& x : exceptions_at(stack, api, "?state=unclosed"))
    if (x.get_string("subject_id") == event_id) return x;
  return std::nullopt;
}

std::optional<Json> open_exception_for(Stack& stack, const std::string& event_id) {
  return open_exception_at(stack, stack.relay_url(), event_id);
}

Json exception_at(Stack& stack, const std::string& api, const std::string& id) {
  Result<Json> x = stack.get_json(api + "/api/exceptions/" + id);
  CHECK_TRUE_TEXT(x.ok(), x.status().to_string().c_str());
  return *x;
}

Json exception(Stack& stack, const std::string& id) { return exception_at(stack, stack.relay_url(), id); }

// Waits until the relay holds `event_id` with an open exception, and returns it.
Json held_exception(Stack& stack, const std::string& event_id) {
  bool held = testing::wait_until(
      [&] { return stack.relay_event_state(event_id) == "held" && open_exception_for(stack, event_id).has_value(); },
      Millis(45'000), Millis(200));
  CHECK_TRUE_TEXT(held, ("not held: " + event_id + " is '" + stack.relay_event_state(event_id) + "'\n" + stack.logs(60)).c_str());
  return *open_exception_for(stack, event_id);
}

void expect_exception(const Json& x, const char* cls, const char* owner, const std::vector<std::string>& reason_says) {
  STRCMP_EQUAL_TEXT(cls, x.get_string("cls").c_str(), x.dump().c_str());
  STRCMP_EQUAL_TEXT(owner, x.get_string("owner").c_str(), x.dump().c_str());
  for (const std::string& words : reason_says)
    CHECK_TRUE_TEXT(x.get_string("reason").find(words) != std::string::npos, (words + " not in: " + x.get_string("reason")).c_str());
}

bool posted(Stack& stack, const std::string& event_id, Millis within = Millis(45'000)) {
  return testing::wait_until([&] { return stack.relay_event_state(event_id) == "posted"; }, within, Millis(200));
}

// POST /api/exceptions/{id}/{action}, as the lead (or with no credentials at all).
HttpResponse act(Stack& stack, const std::string& id, const std::string& action, const Json& body, bool as_lead = true) {
  ClientRequest r;
  r.method = "POST";
  r.url = stack.relay_url() + "/api/exceptions/" + id + "/" + action;
  r.body = body.dump();
  if (as_lead) r.headers.emplace_back("Authorization", basic_authorization(kLead, kPassword));
  Result<HttpResponse> answer = stack.http().send(r);
  CHECK_TRUE_TEXT(answer.ok(), answer.status().to_string().c_str());
  return *answer;
}

Json edit_body(const std::map<std::string, std::string>& patch, const std::string& note) {
  Json p = Json::object();
  for (const auto& [field, value] : patch) p.set(field, Json::string(value));
  Json body = Json::object();
  body.set("patch", std::move(p));
  body.set("note", Json::string(note));
  return body;
}

// The trail's last entry for `action`, or null.
Json trail_entry(const Json& x, const std::string& action) {
  Json found;
  for (const Json& t : x.find("trail")->items())
    if (t.get_string("action") == action) found = t;
  return found;
}

// The tracking numbers on a fulfilment's packages.
std::vector<std::string> tracking_of(const Json& fulfilment) {
  std::vector<std::string> out;
  const Json* list = fulfilment.find("body")->find("packageList");
  if (!list || !list->find("package")) return out;
  for (const Json& p : list->find("package")->items()) out.push_back(p.get_string("packageTrackingNumber"));
  return out;
}

// An edit by the lead is answered 200 and the event flows on: the exception resolves.
void edit_and_expect_posted(Stack& stack, const Json& x, const std::map<std::string, std::string>& patch, const std::string& note,
                            const std::string& event_id) {
  HttpResponse done = act(stack, x.get_string("id"), "edit", edit_body(patch, note));
  CHECK_EQUAL_TEXT(200, done.status, done.body.c_str());
  CHECK_TRUE_TEXT(posted(stack, event_id), stack.logs(60).c_str());
  CHECK_TRUE(testing::wait_until([&] { return exception(stack, x.get_string("id")).get_string("state") == "resolved"; },
                                 Millis(10'000), Millis(200)));
}

// With the relay's change feed on: orders come down from the ERP, and so do
// items and ship items to `item_sites` (the sites that take the item master).
StackOptions feed_stack(const Admins& admins, const std::string& item_sites) {
  return shipment_stack(admins, {"feed.enabled = true", "feed.interval = 1s", "feed.site_locations = 1=site-1",
                                 "feed.sites = " + item_sites, "downlink.resend_after = 2s"});
}

// Finance (de)activates a default item in the ERP (SKU-000N is item 100N, counted in eaches).
void set_item_active(Stack& stack, int n, bool active) {
  seed_erp(stack, std::string(R"({"items":[{"id":")") + std::to_string(1000 + n) + R"(","itemid":")" + sku(n) +
                      R"(","isinactive":)" + (active ? "false" : "true") + R"(,"unitsType":"Count",
      "units":[{"name":"Each","rate":1,"abbreviation":"EA"},{"name":"Case of 12","rate":12,"abbreviation":"CS"}],
      "stockUnit":"Each"}]})");
}

// The site has applied the feed's upsert of the item as inactive (its Clarus product is obsolete).
bool clarus_product_obsolete(Stack& stack, const std::string& code) {
  Result<Json> state = stack.clarus_state();
  if (!state.ok()) return false;
  for (const Json& p : list(*state, "products")->items()) {
    const Json* obsolete = p.find("obsolete");
    if (p.get_string("code") == code) return obsolete && obsolete->as_bool();
  }
  return false;
}

// Item upserts the relay's feed has queued since it started: one more each time it sees an item change.
int64_t item_changes_seen(Stack& stack) {
  Result<Json> st = stack.relay_status();
  return st.ok() ? static_cast<int64_t>(json_number(*st, "feed.queued.item_upsert")) : -1;
}

// The relay may re-validate the held shipment now and then while the item is
// inactive: it stays held (or is being tried), unposted, its exception open.
void expect_still_held(Stack& stack, const std::string& event_id) {
  const std::string state = stack.relay_event_state(event_id);
  CHECK_TRUE_TEXT(state == "held" || state == "pending", state.c_str());
  CHECK_TRUE(open_exception_for(stack, event_id).has_value());
  LONGS_EQUAL(0, fulfilments_of(stack, event_id).size());
}

// The shipment is posted, once, with its parcel's tracking number.
void expect_posted_once(Stack& stack, const std::string& event_id, const std::string& tracking) {
  CHECK_TRUE_TEXT(posted(stack, event_id, Millis(30'000)), stack.logs(60).c_str());
  std::vector<Json> f = fulfilments_of(stack, event_id);
  LONGS_EQUAL(1, f.size());
  CHECK_TRUE(tracking_of(f[0]) == std::vector<std::string>{tracking});
}

// The exception at `api` is resolved, with nobody but the system in its trail;
// the resolving entry's note says what the re-validation found. Returns it.
Json expect_resolved_by_the_system(Stack& stack, const std::string& api, const std::string& id, const std::string& note_says) {
  Json after;
  CHECK_TRUE(testing::wait_until(
      [&] {
        after = exception_at(stack, api, id);
        return after.get_string("state") == "resolved";
      },
      Millis(10'000), Millis(200)));
  for (const Json& t : after.find("trail")->items())
    CHECK_TRUE_TEXT(t.get_string("who") == "system", ("a person acted: " + t.dump()).c_str());
  const Json& last = after.find("trail")->items().back();
  CHECK_TRUE_TEXT(last.get_string("note").find(note_says) != std::string::npos, after.dump().c_str());
  return after;
}

}  // namespace

TEST_GROUP(RulesShipments) {};

// The packer books a shipment under DHL Express, which the ERP's carrier master
// has no ship item for (the Clarus simulator cannot rename a carrier, so a
// carrier the ERP lacks stands for one renamed in Clarus). IT corrects the
// carrier through the API; the fulfilment then carries Royal Mail's ship item.
TEST(RulesShipments, AShipmentWithACarrierTheErpLacksIsHeldForItUntilTheCarrierIsCorrected) {
  Admins admins;
  StackOptions o = shipment_stack(admins);
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  seed_erp(stack, R"({"salesOrders":[
     {"externalId":"SO-5101","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1003","quantity":2,"location":"1"}]},
     {"externalId":"SO-5102","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1004","quantity":1,"location":"1"}]}]})");
  const std::string so1 = erp_id(stack, "salesOrder", "SO-5101"), so2 = erp_id(stack, "salesOrder", "SO-5102");
  ClarusFlow flow(stack, kSite);
  release(flow, {order("SO-5101", so1, Lines{{sku(3), 2}}), order("SO-5102", so2, Lines{{sku(4), 1}})});
  ClarusApi clarus(stack);
  CHECK_TRUE(clarus.login().ok());

  Dispatch dhl;
  dhl.carrier_id = 3;  // DHL
  dhl.carrier_service_id = 6;  // DHLEXP
  dhl.tracking_number = "RB123456785GB";  // the Royal Mail label on the parcel
  const std::string held = ship(clarus, goods_out_for(stack, so1), dhl);
  Dispatch royal_mail;
  royal_mail.tracking_number = "RB223456785GB";
  const std::string other = ship(clarus, goods_out_for(stack, so2), royal_mail);

  Json x = held_exception(stack, held);
  expect_exception(x, "UNKNOWN_CARRIER", "IT", {"DHL", "DHLEXP"});
  CHECK_TRUE_TEXT(posted(stack, other), stack.logs(60).c_str());  // the other order flows
  LONGS_EQUAL(1, fulfilments_of(stack, other).size());
  LONGS_EQUAL(0, fulfilments_of(stack, held).size());  // nothing of the held shipment reached the ERP

  // A field the class does not allow is refused; no credentials, no edit.
  LONGS_EQUAL(400, act(stack, x.get_string("id"), "edit", edit_body({{"tracking_number", "RB123456785GB"}}, "wrong field")).status);
  LONGS_EQUAL(401, act(stack, x.get_string("id"), "edit", edit_body({{"carrier", "ROYALMAIL"}}, "no login"), false).status);
  STRCMP_EQUAL("held", stack.relay_event_state(held).c_str());

  // IT corrects the carrier (and its service) to what the label says.
  edit_and_expect_posted(stack, x, {{"carrier", "ROYALMAIL"}, {"carrier_service", "RM1CLS"}}, "went with Royal Mail", held);
  std::vector<Json> f = fulfilments_of(stack, held);
  LONGS_EQUAL(1, f.size());
  const Json& body = *f[0].find("body");
  STRCMP_EQUAL("9001", body.find("shipMethod")->get_string("id").c_str());  // Royal Mail 1st Class
  CHECK_TRUE(tracking_of(f[0]) == std::vector<std::string>{"RB123456785GB"});
  const Json after = exception(stack, x.get_string("id"));
  const Json edit = trail_entry(after, "edit");
  CHECK_TRUE_TEXT(edit.is_object(), after.dump().c_str());
  STRCMP_EQUAL(kLead, edit.get_string("who").c_str());
  STRCMP_EQUAL("went with Royal Mail", edit.get_string("note").c_str());
  CHECK_TRUE_TEXT(edit.get_string("change").find("carrier: 'DHL' -> 'ROYALMAIL'") != std::string::npos, edit.dump().c_str());
  CHECK_TRUE_TEXT(edit.get_string("change").find("carrier_service: 'DHLEXP' -> 'RM1CLS'") != std::string::npos, edit.dump().c_str());
  flow.erp.stop();
  CHECK_TRUE(stack.stop());
}

// One parcel leaves with no tracking number keyed, another with a number that
// is not Royal Mail's format: both are held for the warehouse; a third order
// flows. The lead keys the numbers from the labels; the ERP's fulfilments carry them.
TEST(RulesShipments, AShipmentWithoutAValidTrackingNumberIsHeldForTheWarehouseUntilItIsKeyed) {
  Admins admins;
  StackOptions o = shipment_stack(admins);
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  seed_erp(stack, R"({"salesOrders":[
     {"externalId":"SO-5201","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1005","quantity":2,"location":"1"}]},
     {"externalId":"SO-5202","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1006","quantity":1,"location":"1"}]},
     {"externalId":"SO-5203","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1007","quantity":1,"location":"1"}]}]})");
  const std::string so1 = erp_id(stack, "salesOrder", "SO-5201"), so2 = erp_id(stack, "salesOrder", "SO-5202"),
                    so3 = erp_id(stack, "salesOrder", "SO-5203");
  ClarusFlow flow(stack, kSite);
  release(flow, {order("SO-5201", so1, Lines{{sku(5), 2}}), order("SO-5202", so2, Lines{{sku(6), 1}}),
                 order("SO-5203", so3, Lines{{sku(7), 1}})});
  ClarusApi clarus(stack);
  CHECK_TRUE(clarus.login().ok());

  const std::string missing = ship(clarus, goods_out_for(stack, so1), Dispatch{});
  Dispatch typo;
  typo.tracking_number = "RB12345678GB";  // a digit short
  const std::string malformed = ship(clarus, goods_out_for(stack, so2), typo);
  Dispatch good;
  good.tracking_number = "RB323456785GB";
  const std::string other = ship(clarus, goods_out_for(stack, so3), good);

  Json x1 = held_exception(stack, missing);
  expect_exception(x1, "BAD_TRACKING", "warehouse", {"no tracking number"});
  Json x2 = held_exception(stack, malformed);
  expect_exception(x2, "BAD_TRACKING", "warehouse", {"RB12345678GB", "not in the format"});
  CHECK_TRUE_TEXT(posted(stack, other), stack.logs(60).c_str());
  CHECK_TRUE(tracking_of(fulfilments_of(stack, other).at(0)) == std::vector<std::string>{"RB323456785GB"});
  LONGS_EQUAL(0, fulfilments_of(stack, missing).size());
  LONGS_EQUAL(0, fulfilments_of(stack, malformed).size());

  edit_and_expect_posted(stack, x1, {{"tracking_number", "RB423456785GB"}}, "keyed from the label", missing);
  edit_and_expect_posted(stack, x2, {{"tracking_number", "RB523456785GB"}}, "retyped from the label", malformed);
  for (const auto& [event_id, number] : std::vector<std::pair<std::string, std::string>>{{missing, "RB423456785GB"},
                                                                                          {malformed, "RB523456785GB"}}) {
    std::vector<Json> f = fulfilments_of(stack, event_id);
    LONGS_EQUAL(1, f.size());
    CHECK_TRUE_TEXT(tracking_of(f[0]) == std::vector<std::string>{number}, f[0].dump().c_str());
  }
  const Json edit = trail_entry(exception(stack, x1.get_string("id")), "edit");
  STRCMP_EQUAL(kLead, edit.get_string("who").c_str());
  STRCMP_EQUAL("tracking_number: '' -> 'RB423456785GB'", edit.get_string("change").c_str());
  STRCMP_EQUAL("tracking_number: 'RB12345678GB' -> 'RB523456785GB'",
               trail_entry(exception(stack, x2.get_string("id")), "edit").get_string("change").c_str());
  flow.erp.stop();
  CHECK_TRUE(stack.stop());
}

// The ERP sells SKU-0007 by the case of 12; Clarus counts and ships eaches.
// Five eaches are not a whole number of cases: held for finance, nothing
// posted. The lead discards it (after the API refuses a discard without
// credentials and one without a reason); another order flows all along.
TEST(RulesShipments, EachesThatAreNotWholeCasesAreHeldForFinanceAndADiscardIsAudited) {
  Admins admins;
  StackOptions o = shipment_stack(admins);
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  seed_erp(stack, R"({"salesOrders":[
     {"externalId":"SO-5301","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1007","quantity":2,"units":"Case of 12","location":"1"}]},
     {"externalId":"SO-5302","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1008","quantity":1,"location":"1"}]}]})");
  const std::string so1 = erp_id(stack, "salesOrder", "SO-5301"), so2 = erp_id(stack, "salesOrder", "SO-5302");
  ClarusFlow flow(stack, kSite);
  // Two cases reach the warehouse as 24 eaches, the unit Clarus counts SKU-0007 in.
  release(flow, {order("SO-5301", so1, Lines{{sku(7), 24}}), order("SO-5302", so2, Lines{{sku(8), 1}})});
  ClarusApi clarus(stack);
  CHECK_TRUE(clarus.login().ok());

  Dispatch five;
  five.tracking_number = "RB623456785GB";
  five.lines = {{"1", 5}};
  const std::string held = ship(clarus, goods_out_for(stack, so1), five);
  Dispatch good;
  good.tracking_number = "RB723456785GB";
  const std::string other = ship(clarus, goods_out_for(stack, so2), good);

  Json x = held_exception(stack, held);
  expect_exception(x, "UOM_NOT_CONVERTIBLE", "finance", {sku(7), "Case of 12", "not a whole number"});
  CHECK_TRUE_TEXT(posted(stack, other), stack.logs(60).c_str());
  LONGS_EQUAL(0, fulfilments_of(stack, held).size());

  const std::string id = x.get_string("id");
  Json reason = Json::object();
  reason.set("reason", Json::string("packed loose by mistake; re-shipping as a case"));
  LONGS_EQUAL(401, act(stack, id, "discard", reason, false).status);
  Json no_reason = Json::object();
  no_reason.set("reason", Json::string(""));
  LONGS_EQUAL(400, act(stack, id, "discard", no_reason).status);
  STRCMP_EQUAL("held", stack.relay_event_state(held).c_str());
  HttpResponse done = act(stack, id, "discard", reason);
  CHECK_EQUAL_TEXT(200, done.status, done.body.c_str());

  STRCMP_EQUAL("discarded", stack.relay_event_state(held).c_str());
  const Json after = exception(stack, id);
  STRCMP_EQUAL("discarded", after.get_string("state").c_str());
  const Json& last = after.find("trail")->items().back();
  STRCMP_EQUAL("discard", last.get_string("action").c_str());
  STRCMP_EQUAL(kLead, last.get_string("who").c_str());
  STRCMP_EQUAL("packed loose by mistake; re-shipping as a case", last.get_string("note").c_str());
  LONGS_EQUAL(0, fulfilments_of(stack, held).size());
  for (const Json& so : erp_records(stack, "salesOrder")) {
    if (so.get_string("id") != so1) continue;
    int64_t fulfilled = -1;
    so.find("body")->find("item")->find("items")->items().at(0).find("quantityFulfilled")->as_int64(&fulfilled);
    LONGS_EQUAL(0, fulfilled);  // the ERP's order is untouched
  }
  Result<Json> relay = stack.relay_status();
  CHECK_TRUE(relay.ok());
  LONGS_EQUAL(1, json_number(*relay, "ledger.discarded"));
  flow.erp.stop();
  CHECK_TRUE(stack.stop());
}


// The whole loop as deployed, through the relay's change feed: the ERP
// releases two orders, finance makes SKU-0008 inactive while they are at the
// warehouse, and the feed tells the site (its Clarus product turns obsolete)
// before the parcels leave. The site holds SKU-0008's shipment for finance --
// it never reaches the relay or the ERP -- and forwards the other. Finance makes
// the item active again: the site hears it and the shipment flows on with
// nobody acting.
TEST(RulesShipments, AnItemMadeInactiveWhileItsOrderIsOutIsHeldAtTheSiteUntilTheErpReactivatesIt) {
  Admins admins;
  Stack stack(feed_stack(admins, kSite));
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  seed_erp(stack, R"({"salesOrders":[
     {"externalId":"SO-5401","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1008","quantity":3,"location":"1"}]},
     {"externalId":"SO-5402","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1009","quantity":2,"location":"1"}]}]})");
  const Json out1 = goods_out_for(stack, erp_id(stack, "salesOrder", "SO-5401"));
  const Json out2 = goods_out_for(stack, erp_id(stack, "salesOrder", "SO-5402"));
  set_item_active(stack, 8, false);
  CHECK_TRUE_TEXT(testing::wait_until([&] { return clarus_product_obsolete(stack, sku(8)); }, Millis(30'000), Millis(200)),
                  stack.logs(60).c_str());

  ClarusApi clarus(stack);
  CHECK_TRUE(clarus.login().ok());
  Dispatch d1;
  d1.tracking_number = "RB823456785GB";
  const std::string held = ship(clarus, out1, d1);
  Dispatch d2;
  d2.tracking_number = "RB923456785GB";
  const std::string other = ship(clarus, out2, d2);

  std::optional<Json> x;
  CHECK_TRUE_TEXT(testing::wait_until([&] { return (x = open_exception_at(stack, stack.agent_url(), held)).has_value(); },
                                      Millis(30'000), Millis(200)),
                  stack.logs(60).c_str());
  expect_exception(*x, "INACTIVE_SKU", "finance", {sku(8), "inactive"});
  CHECK_TRUE_TEXT(posted(stack, other), stack.logs(60).c_str());
  STRCMP_EQUAL("", stack.relay_event_state(held).c_str());  // never forwarded
  LONGS_EQUAL(0, fulfilments_of(stack, held).size());

  set_item_active(stack, 8, true);
  expect_posted_once(stack, held, "RB823456785GB");
  Json after = expect_resolved_by_the_system(stack, stack.agent_url(), x->get_string("id"), sku(8) + " arrived from the ERP");
  STRCMP_EQUAL("re-validate", after.find("trail")->items().back().get_string("action").c_str());
  CHECK_TRUE(stack.stop());
}

// A site that takes from the ERP only the items its orders name (feed.sites
// lists other sites) never hears that SKU-0008 went inactive: the relay tells,
// against the ERP itself. It holds the shipment for finance while the other
// order posts, and when finance reactivates the item the relay's feed sees it
// and the shipment flows on with nobody acting.
TEST(RulesShipments, AnItemMadeInactiveWhileItsOrderIsOutIsHeldAtTheRelayUntilTheErpReactivatesIt) {
  Admins admins;
  Stack stack(feed_stack(admins, "site-2"));
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  seed_erp(stack, R"({"salesOrders":[
     {"externalId":"SO-5501","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1008","quantity":3,"location":"1"}]},
     {"externalId":"SO-5502","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1009","quantity":2,"location":"1"}]}]})");
  const Json out1 = goods_out_for(stack, erp_id(stack, "salesOrder", "SO-5501"));
  const Json out2 = goods_out_for(stack, erp_id(stack, "salesOrder", "SO-5502"));
  set_item_active(stack, 8, false);

  ClarusApi clarus(stack);
  CHECK_TRUE(clarus.login().ok());
  Dispatch d1;
  d1.tracking_number = "RB833456785GB";
  const std::string held = ship(clarus, out1, d1);
  Dispatch d2;
  d2.tracking_number = "RB933456785GB";
  const std::string other = ship(clarus, out2, d2);

  Json x = held_exception(stack, held);
  expect_exception(x, "INACTIVE_SKU", "finance", {sku(8), "inactive"});
  CHECK_TRUE_TEXT(posted(stack, other), stack.logs(60).c_str());
  LONGS_EQUAL(0, fulfilments_of(stack, held).size());
  std::this_thread::sleep_for(std::chrono::seconds(4));  // re-validations while inactive change nothing
  expect_still_held(stack, held);

  set_item_active(stack, 8, true);
  expect_posted_once(stack, held, "RB833456785GB");
  expect_resolved_by_the_system(stack, stack.relay_url(), x.get_string("id"),
                                "re-validated (item " + sku(8) + " changed in the ERP)");
  CHECK_TRUE(stack.stop());
}

// The same as it often happens: the relay posted SKU-0010 minutes ago (the
// order's first parcel), so it knows the item as active. Finance makes it
// inactive and the relay's feed has seen that before the next parcel leaves.
// That parcel must be held as INACTIVE_SKU -- not posted against the inactive
// item for the ERP to refuse -- and flow on by itself once the item is active again.
TEST(RulesShipments, AnItemMadeInactiveAfterTheRelayLastPostedItIsHeldAsInactiveToo) {
  Admins admins;
  Stack stack(feed_stack(admins, "site-2"));
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  seed_erp(stack, R"({"salesOrders":[
     {"externalId":"SO-5601","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1010","quantity":6,"location":"1"}]}]})");
  const std::string so = erp_id(stack, "salesOrder", "SO-5601");
  ClarusApi clarus(stack);
  CHECK_TRUE(clarus.login().ok());
  Dispatch first;
  first.tracking_number = "RB133456785GB";
  first.lines = {{"1", 2}};
  CHECK_TRUE_TEXT(posted(stack, ship(clarus, goods_out_for(stack, so), first)), stack.logs(60).c_str());

  const int64_t seen = item_changes_seen(stack);
  set_item_active(stack, 10, false);
  CHECK_TRUE_TEXT(testing::wait_until([&] { return item_changes_seen(stack) > seen; }, Millis(30'000), Millis(200)),
                  stack.logs(60).c_str());
  std::this_thread::sleep_for(std::chrono::seconds(3));  // more than the relay's 2 s re-validation tick
  Dispatch rest;
  rest.tracking_number = "RB233456785GB";
  const std::string held = ship(clarus, goods_out_for(stack, so), rest);

  Json x = held_exception(stack, held);
  expect_exception(x, "INACTIVE_SKU", "finance", {sku(10), "inactive"});
  expect_still_held(stack, held);

  set_item_active(stack, 10, true);
  expect_posted_once(stack, held, "RB233456785GB");
  expect_resolved_by_the_system(stack, stack.relay_url(), x.get_string("id"),
                                "re-validated (item " + sku(10) + " changed in the ERP)");
  CHECK_TRUE(stack.stop());
}

// More received than the purchase order allows: held at the relay as
// OVER_RECEIPT for finance, nothing posted; finance raises the PO quantity in
// the ERP, a person retries, and the receipt posts in full.
TEST(RulesShipments, AnOverReceiptIsHeldForFinanceUntilThePurchaseOrderIsRaisedAndRetried) {
  testing::TempDir secrets("rules-po");
  Result<std::string> line = make_password_line("buyer", "buyer-password-1", 1000);
  CHECK_TRUE(line.ok());
  std::ofstream(secrets.file("users")) << *line << "\n";
  StackOptions o = clarus_options(true);
  o.erp_unique_external_id = true;
  o.relay_settings = {"admin.users_file = " + secrets.file("users")};
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  auto seed_po = [&](int quantity) {
    seed_erp(stack, R"({"purchaseOrders":[{"externalId":"PO-8801","location":"1","lines":[{"line":1,"item":"1005","quantity":)" +
                        std::to_string(quantity) + "}]}]}");
  };
  seed_po(10);
  std::string po_id;
  for (const Json& r : stack.get_json(stack.erp_url() + "/_sim/ledger?type=purchaseOrder").value().find("records")->items())
    if (r.get_string("externalId") == "PO-8801") po_id = r.get_string("id");
  CHECK_TRUE(!po_id.empty());

  ErpCommands erp(stack.broker().uri(), "site-1");
  CHECK_TRUE(erp.start().ok());
  v1::Command po = ErpCommands::purchase_order("PO-8801", Lines{{sku(5), 10}});
  po.mutable_purchase_order_release()->set_erp_po_id(po_id);
  erp.send(po);
  CHECK_TRUE(testing::wait_until(
      [&] {
        if (erp.acked_through() < erp.sent()) erp.resend();
        return !erp.outcomes().empty();
      },
      Millis(30'000), Millis(250)));
  // The warehouse receives more than was ordered.
  CHECK_TRUE(stack.clarus_post("/_sim/warehouse", R"({"under_receipt_rate":0,"over_receipt_rate":1})").ok());
  Json state;
  for (int i = 0; i < 50; ++i) {
    CHECK_TRUE(stack.clarus_post("/_sim/warehouse/step", R"({"steps":1,"only":["receive"]})").ok());
    state = stack.clarus_state().value();
    if (all_settled(state)) break;
  }
  CHECK_TRUE(all_settled(state));
  std::string receipt_event;
  int64_t received = 0;
  for (const Json& r : list(state, "goods_in_receipts")->items()) {
    receipt_event = "clarus:site-1:receipt:" + r.find("id")->as_string();
    for (const Json& l : r.find("lines")->items()) {
      int64_t q = 0;
      if (const Json* v = l.find("received_quantity")) v->as_int64(&q);
      received += q;
    }
  }
  CHECK_TRUE_TEXT(received > 10, state.find("goods_in_receipts")->dump().c_str());

  std::optional<Json> x;
  CHECK_TRUE_TEXT(testing::wait_until(
                      [&] {
                        Result<Json> l = stack.get_json(stack.relay_url() + "/api/exceptions?class=OVER_RECEIPT");
                        if (!l.ok() || l->find("exceptions")->items().empty()) return false;
                        x = l->find("exceptions")->items().front();
                        return true;
                      },
                      Millis(60'000), Millis(250)),
                  stack.logs(40).c_str());
  STRCMP_EQUAL("finance", x->get_string("owner").c_str());
  STRCMP_EQUAL(receipt_event.c_str(), x->get_string("subject_id").c_str());
  LONGS_EQUAL(0, stack.get_json(stack.erp_url() + "/_sim/ledger?type=itemReceipt").value().find("records")->items().size());

  // Finance raises the PO to what arrived; the buyer retries.
  seed_po(static_cast<int>(received));
  ClientRequest retry;
  retry.method = "POST";
  retry.url = stack.relay_url() + "/api/exceptions/" + x->get_string("id") + "/retry";
  retry.body = R"({"note":"PO raised to what the supplier sent"})";
  retry.headers.emplace_back("Authorization", basic_authorization("buyer", "buyer-password-1"));
  Result<HttpResponse> done = stack.http().send(retry);
  CHECK_TRUE(done.ok());
  CHECK_EQUAL_TEXT(200, done->status, done->body.c_str());
  CHECK_TRUE_TEXT(testing::wait_until([&] { return stack.relay_event_state(receipt_event) == "posted"; }, Millis(30'000),
                                      Millis(250)),
                  stack.logs(40).c_str());
  std::vector<Json> receipts = stack.get_json(stack.erp_url() + "/_sim/ledger?type=itemReceipt").value().find("records")->items();
  LONGS_EQUAL(1, receipts.size());
  int64_t posted = 0;
  for (const Json& l : receipts.front().find("body")->find("item")->find("items")->items()) {
    int64_t q = 0;
    if (l.find("itemReceive")->as_bool() && l.find("quantity")->as_int64(&q)) posted += q;
  }
  LONGS_EQUAL(received, posted);
  Json after = stack.get_json(stack.relay_url() + "/api/exceptions/" + x->get_string("id")).value();
  STRCMP_EQUAL("resolved", after.get_string("state").c_str());
  STRCMP_EQUAL("buyer", after.find("trail")->items()[1].get_string("who").c_str());
  erp.stop();
  CHECK_TRUE(stack.stop());
}
