// The NetSuite connector posting the order transactions against the ERP
// simulator over real HTTP: shipments become item fulfilments (partial ones
// leave the rest of the order open), goods receipts item receipts, returns an
// item receipt then a credit memo. Asserts on what the ERP then holds.
#include <csignal>
#include <memory>
#include <string>

#include "platform/core/json.h"
#include "platform/core/log.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/netsuite_connector.h"
#include "relay/shipped_ledger.h"
#include "erp_simulator.h"
#include "sim_options.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;

namespace {

v1::Event shipment(const std::string& id, const std::string& erp_order, std::vector<std::pair<std::string, int64_t>> lines,
                   const std::string& carrier = "ROYALMAIL", const std::string& service = "RM1CLS") {
  v1::Event e;
  e.set_event_id(id);
  e.set_site_id("site-1");
  e.set_occurred_at_ms(1'764'172'800'000);
  v1::Shipment* s = e.mutable_shipment();
  s->set_order_reference("SO-1001");
  s->set_erp_order_id(erp_order);
  s->set_clarus_shipment_id(id);
  s->set_carrier(carrier);
  s->set_carrier_service(service);
  s->set_tracking_number("AB123456789GB");
  s->set_warehouse("WH1");
  v1::Package* p = s->add_packages();
  p->set_reference("P1");
  p->set_tracking_number("AB123456789GB");
  p->set_weight(1.5);
  for (auto& [line, qty] : lines) {
    v1::ShipmentLine* l = s->add_lines();
    l->set_order_line_ref(line);
    l->set_sku(line == "1" ? "SKU-0001" : "SKU-0002");
    l->set_quantity(qty);
  }
  return e;
}

// A goods receipt of `qty` on line 1 (SKU-0001) of purchase order `po_id`.
v1::Event goods_receipt(const std::string& id, const std::string& po_id, int64_t qty) {
  v1::Event e;
  e.set_event_id(id);
  e.set_site_id("site-1");
  v1::GoodsReceipt* g = e.mutable_goods_receipt();
  g->set_erp_po_id(po_id);
  g->set_po_reference("PO-1");
  g->set_warehouse("WH1");
  v1::ReceiptLine* l = g->add_lines();
  l->set_line_ref("1");
  l->set_sku("SKU-0001");
  l->set_received_quantity(qty);
  return e;
}

constexpr char kOrders[] = R"({
 "salesOrders":[{"externalId":"SO-1001","location":"6","shipMethod":"9001","custbody_released_to_wms":true,
   "lines":[{"line":1,"item":"1001","quantity":10,"location":"6"},{"line":2,"item":"1002","quantity":4,"location":"6"}]}],
 "purchaseOrders":[{"externalId":"PO-1","location":"6","lines":[{"line":1,"item":"1001","quantity":5}]}],
 "returnAuthorizations":[{"externalId":"RMA-1","location":"6","lines":[{"line":1,"item":"1001","quantity":2,"rate":4.5}]}]})";

Json body_of(const erpsim::StoredRecord& r) {
  Result<Json> j = Json::parse(r.body);
  CHECK_TRUE(j.ok());
  return *j;
}

}  // namespace

TEST_GROUP(NetSuiteOrders) {
  std::unique_ptr<erpsim::ErpSimulator> sim;
  std::unique_ptr<HttpClient> http = make_poco_http_client();
  std::unique_ptr<MemoryStore> store = MemoryStore::create();
  std::unique_ptr<GroupCommitter> committer = std::make_unique<GroupCommitter>(*store);
  std::unique_ptr<ShippedLedger> shipped = std::move(ShippedLedger::open(*store, *committer, SystemClock::instance()).value());
  std::unique_ptr<NetSuiteConnector> connector;
  std::string so, po, rma;

  void setup() override {
    log::set_level(log::Level::kError);
    std::signal(SIGPIPE, SIG_IGN);
    erpsim::ParsedOptions parsed = erpsim::parse_options({"--seed-items", "20"});
    sim = std::make_unique<erpsim::ErpSimulator>(parsed.options);
    STRCMP_EQUAL("", sim->start().c_str());
    ClientRequest seed;
    seed.method = "POST";
    seed.url = sim->url() + "/_sim/seed";
    seed.body = kOrders;
    Result<HttpResponse> r = http->send(seed);
    CHECK_TRUE(r.ok());
    LONGS_EQUAL_TEXT(200, r->status, r->body.c_str());
    so = sim->store().ledger("salesOrder", "").at(0).id;
    po = sim->store().ledger("purchaseOrder", "").at(0).id;
    rma = sim->store().ledger("returnAuthorization", "").at(0).id;
    NetSuiteOptions o;
    o.base_url = sim->url();
    o.timeout = Millis(5000);
    o.location_map = {{"WH1", "6"}};
    o.shipped = shipped.get();
    connector = std::make_unique<NetSuiteConnector>(*http, o);
  }
  void teardown() override {
    connector.reset();
    sim.reset();
    committer->stop();
  }
  int64_t fulfilled(int line) {
    Json order = body_of(sim->store().ledger("salesOrder", "").at(0));
    for (const Json& l : order.find("item")->find("items")->items()) {
      int64_t n = 0, q = 0;
      l.find("orderLine")->as_int64(&n);
      if (n == line) l.find("quantityFulfilled")->as_int64(&q);
      if (n == line) return q;
    }
    return -1;
  }
};

TEST(NetSuiteOrders, TwoPartialShipmentsBecomeTwoFulfilmentsAndTheRestStaysOpen) {
  ErpOutcome first = connector->post(shipment("ship-1", so, {{"1", 4}}));
  CHECK_TEXT(first.kind == ErpOutcome::Kind::kPosted, first.reason.c_str());
  ErpOutcome second = connector->post(shipment("ship-2", so, {{"1", 6}, {"2", 1}}));
  CHECK_TEXT(second.kind == ErpOutcome::Kind::kPosted, second.reason.c_str());
  auto fulfilments = sim->store().ledger("itemFulfillment", "");
  LONGS_EQUAL(2, fulfilments.size());
  STRCMP_EQUAL("ship-1", fulfilments[0].external_id.c_str());
  STRCMP_EQUAL(first.erp_id.c_str(), fulfilments[0].id.c_str());
  LONGS_EQUAL(10, fulfilled(1));
  LONGS_EQUAL(1, fulfilled(2));  // 3 of line 2 stay open: the backorder is the ERP's own
  Json f = body_of(fulfilments[0]);
  STRCMP_EQUAL("9001", f.find("shipMethod")->get_string("id").c_str());
  STRCMP_EQUAL("AB123456789GB", f.find("packageList")->find("package")->items().at(0).get_string("packageTrackingNumber").c_str());
  // The same shipment again (a retry after a lost answer): found, not posted twice.
  ErpOutcome again = connector->post(shipment("ship-1", so, {{"1", 4}}));
  CHECK_TEXT(again.kind == ErpOutcome::Kind::kPosted, again.reason.c_str());
  STRCMP_EQUAL(first.erp_id.c_str(), again.erp_id.c_str());
  LONGS_EQUAL(2, sim->store().ledger("itemFulfillment", "").size());
  ErpOutcome found = connector->find(shipment("ship-2", so, {}));
  STRCMP_EQUAL(second.erp_id.c_str(), found.erp_id.c_str());
}

TEST(NetSuiteOrders, WhatDoesNotFitTheOrderIsHeldNeverPosted) {
  ErpOutcome over = connector->post(shipment("ship-over", so, {{"1", 11}}));
  CHECK_TRUE(over.kind == ErpOutcome::Kind::kRejected);
  CHECK_TEXT(over.reason.find("OVER_SHIPMENT") != std::string::npos, over.reason.c_str());
  ErpOutcome stray = connector->post(shipment("ship-stray", so, {{"7", 1}}));
  CHECK_TRUE(stray.kind == ErpOutcome::Kind::kRejected);
  CHECK_TEXT(stray.reason.find("line 7 is not on the order") != std::string::npos, stray.reason.c_str());
  ErpOutcome carrier = connector->post(shipment("ship-carrier", so, {{"1", 1}}, "PIGEON", "FAST"));
  CHECK_TRUE(carrier.kind == ErpOutcome::Kind::kRejected);
  CHECK_TEXT(carrier.reason.find("UNKNOWN_CARRIER") != std::string::npos, carrier.reason.c_str());
  v1::Event swapped = shipment("ship-swapped", so, {{"1", 1}});
  swapped.mutable_shipment()->mutable_lines(0)->set_sku("SKU-0009");
  ErpOutcome changed = connector->post(swapped);
  CHECK_TRUE(changed.kind == ErpOutcome::Kind::kRejected);
  CHECK_TEXT(changed.reason.find("changed on the order") != std::string::npos, changed.reason.c_str());
  ErpOutcome unknown = connector->post(shipment("ship-unknown", "999999", {{"1", 1}}));
  CHECK_TRUE(unknown.kind == ErpOutcome::Kind::kRejected);
  LONGS_EQUAL(0, sim->store().ledger("itemFulfillment", "").size());
  LONGS_EQUAL(0, fulfilled(1));
}

TEST(NetSuiteOrders, AGoodsReceiptBecomesAnItemReceiptOnThePurchaseOrder) {
  v1::Event e = goods_receipt("receipt-1", po, 3);
  ErpOutcome r = connector->post(e);
  CHECK_TEXT(r.kind == ErpOutcome::Kind::kPosted, r.reason.c_str());
  auto receipts = sim->store().ledger("itemReceipt", "");
  LONGS_EQUAL(1, receipts.size());
  STRCMP_EQUAL("receipt-1", receipts[0].external_id.c_str());
  STRCMP_EQUAL(r.erp_id.c_str(), connector->find(e).erp_id.c_str());
}

TEST(NetSuiteOrders, AnInspectedReturnBecomesAReceiptAndACreditMemo) {
  v1::Event e;
  e.set_event_id("return-1");
  e.set_site_id("site-1");
  v1::ReturnReceipt* r = e.mutable_return_receipt();
  r->set_erp_return_id(rma);
  r->set_rma_reference("RMA-1");
  r->set_warehouse("WH1");
  v1::ReceiptLine* l = r->add_lines();
  l->set_line_ref("1");
  l->set_sku("SKU-0001");
  l->set_received_quantity(2);
  l->set_disposition("restock");
  CHECK_TRUE(connector->find(e).kind == ErpOutcome::Kind::kNotFound);
  ErpOutcome posted = connector->post(e);
  CHECK_TEXT(posted.kind == ErpOutcome::Kind::kPosted, posted.reason.c_str());
  LONGS_EQUAL(1, sim->store().ledger("itemReceipt", "").size());
  auto credits = sim->store().ledger("creditMemo", "");
  LONGS_EQUAL(1, credits.size());
  STRCMP_EQUAL("return-1:credit", credits[0].external_id.c_str());
  CHECK_TRUE(body_of(sim->store().ledger("itemReceipt", "")[0]).get_string("memo").find("SKU-0001 x2 restock") != std::string::npos);
  // Posted again (the relay was unsure): the receipt is found, the credit memo found, nothing new.
  ErpOutcome again = connector->post(e);
  CHECK_TEXT(again.kind == ErpOutcome::Kind::kPosted, again.reason.c_str());
  LONGS_EQUAL(1, sim->store().ledger("itemReceipt", "").size());
  LONGS_EQUAL(1, sim->store().ledger("creditMemo", "").size());
}

// The ERP counts CASE-SKU's stock in cases of 12; the warehouse counts in its
// stock unit (CS), or in eaches where it says so. What the ERP's lines get is
// in the lines' own units, with the conversion written on each line.
TEST(NetSuiteOrders, ACaseOf12ItemReceivedAsCasesPostsTheCountInEachAndAShipmentInEachFillsCases) {
  ClientRequest seed;
  seed.method = "POST";
  seed.url = sim->url() + "/_sim/seed";
  seed.body = R"({"items":[{"id":"30","itemid":"CASE-SKU","externalId":"CASE-SKU","stockUnit":"Case of 12",
                   "units":[{"name":"Each","rate":1},{"name":"Case of 12","rate":12}]}],
    "purchaseOrders":[{"externalId":"PO-CS","location":"6","lines":[{"line":1,"item":"30","quantity":120}]}],
    "salesOrders":[{"externalId":"SO-CS","location":"6","custbody_released_to_wms":true,
                    "lines":[{"line":1,"item":"30","quantity":3,"units":"Case of 12","location":"6"}]}]})";
  Result<HttpResponse> seeded = http->send(seed);
  CHECK_TRUE(seeded.ok());
  LONGS_EQUAL_TEXT(200, seeded->status, seeded->body.c_str());
  const std::string po_cs = sim->store().ledger("purchaseOrder", "").at(1).id;
  const std::string so_cs = sim->store().ledger("salesOrder", "").at(1).id;

  v1::Event e;
  e.set_event_id("receipt-cs");
  e.set_site_id("site-1");
  v1::GoodsReceipt* g = e.mutable_goods_receipt();
  g->set_erp_po_id(po_cs);
  g->set_warehouse("WH1");
  v1::ReceiptLine* l = g->add_lines();
  l->set_line_ref("1");
  l->set_sku("CASE-SKU");
  l->set_received_quantity(10);  // no unit: the item's stock unit, cases
  ErpOutcome r = connector->post(e);
  CHECK_TEXT(r.kind == ErpOutcome::Kind::kPosted, r.reason.c_str());
  Json receipt = body_of(sim->store().ledger("itemReceipt", "").at(0));
  const Json& line = receipt.find("item")->find("items")->items().at(0);
  int64_t qty = 0;
  CHECK(line.find("quantity")->as_int64(&qty));
  LONGLONGS_EQUAL(120, qty);
  STRCMP_EQUAL("10 CS (Case of 12 = 12) = 120 Each (= 1)", line.get_string("custcol_sb_uom_conversion").c_str());

  // 30 eaches are 2.5 cases: held, never rounded; 36 eaches are 3 cases.
  v1::Event odd = shipment("ship-cs-odd", so_cs, {{"1", 30}});
  odd.mutable_shipment()->mutable_lines(0)->set_sku("CASE-SKU");
  odd.mutable_shipment()->mutable_lines(0)->set_unit("EA");
  ErpOutcome held = connector->post(odd);
  CHECK(held.kind == ErpOutcome::Kind::kRejected);
  STRCMP_CONTAINS("30 EA of CASE-SKU is 2.5 Case of 12, not a whole number (UOM_NOT_CONVERTIBLE)", held.reason.c_str());
  v1::Event whole = shipment("ship-cs", so_cs, {{"1", 36}});
  whole.mutable_shipment()->mutable_lines(0)->set_sku("CASE-SKU");
  whole.mutable_shipment()->mutable_lines(0)->set_unit("EA");
  ErpOutcome shipped = connector->post(whole);
  CHECK_TEXT(shipped.kind == ErpOutcome::Kind::kPosted, shipped.reason.c_str());
  Json order = body_of(sim->store().ledger("salesOrder", "").at(1));
  int64_t done = 0;
  CHECK(order.find("item")->find("items")->items().at(0).find("quantityFulfilled")->as_int64(&done));
  LONGLONGS_EQUAL(3, done);
  Json fulfilment = body_of(sim->store().ledger("itemFulfillment", "").at(0));
  STRCMP_EQUAL("36 EA (Each = 1) = 3 Case of 12 (= 12)",
               fulfilment.find("item")->find("items")->items().at(0).get_string("custcol_sb_uom_conversion").c_str());
}

// The relay's own shipped ledger: a shipment seen again under another event id
// is not fulfilled twice, and what the relay sent before counts even when the
// ERP's counters no longer show it.
TEST(NetSuiteOrders, ASecondFulfilmentOfOneShipmentIsHeldByTheRelaysShippedLedger) {
  ErpOutcome first = connector->post(shipment("ship-1", so, {{"1", 4}}));
  CHECK_TEXT(first.kind == ErpOutcome::Kind::kPosted, first.reason.c_str());
  v1::Event again = shipment("ship-1-again", so, {{"1", 4}});
  again.mutable_shipment()->set_clarus_shipment_id("ship-1");  // the same Clarus shipment, another event id
  ErpOutcome second = connector->post(again);
  CHECK(second.kind == ErpOutcome::Kind::kRejected);
  STRCMP_CONTAINS("DUPLICATE_SHIPMENT", second.reason.c_str());
  STRCMP_CONTAINS("ship-1", second.reason.c_str());
  LONGS_EQUAL(1, sim->store().ledger("itemFulfillment", "").size());
  LONGS_EQUAL(4, fulfilled(1));
}

TEST(NetSuiteOrders, WhatTheRelaySentBeforeCountsEvenWhenTheErpNoLongerShowsIt) {
  // As if an earlier fulfilment of 8 had been deleted in the ERP: its counters show 10 open.
  CHECK(shipped->record(so, "ship-0", "ship-0", {{"1", 8}}).ok());
  ErpOutcome o = connector->post(shipment("ship-5", so, {{"1", 4}}));
  CHECK(o.kind == ErpOutcome::Kind::kRejected);
  STRCMP_CONTAINS("the relay has sent 8 of it to the ERP already", o.reason.c_str());
  STRCMP_CONTAINS("OVER_SHIPMENT", o.reason.c_str());
  LONGS_EQUAL(0, sim->store().ledger("itemFulfillment", "").size());
  // 2 more fit.
  ErpOutcome fits = connector->post(shipment("ship-6", so, {{"1", 2}}));
  CHECK_TEXT(fits.kind == ErpOutcome::Kind::kPosted, fits.reason.c_str());
}

TEST(NetSuiteOrders, ARefusedFulfilmentLeavesNothingInTheShippedLedgerAndARetryDoesNotCountItself) {
  ErpOutcome refused = connector->post(shipment("ship-x", so, {{"1", 3}}, "NOSUCH", "NONE"));
  CHECK(refused.kind == ErpOutcome::Kind::kRejected);
  STRCMP_CONTAINS("UNKNOWN_CARRIER", refused.reason.c_str());
  Result<ShippedLedger::OrderView> view = shipped->view(so, "ship-x", "someone-else");
  CHECK(view.ok());
  LONGS_EQUAL(0, view->sent.size());
  STRCMP_EQUAL("", view->shipment_owner.c_str());
  // An attempt recorded before a crash: the retry finds its own entries and posts all 10.
  CHECK(shipped->record(so, "ship-r", "ship-r", {{"1", 10}}).ok());
  ErpOutcome retried = connector->post(shipment("ship-r", so, {{"1", 10}}));
  CHECK_TEXT(retried.kind == ErpOutcome::Kind::kPosted, retried.reason.c_str());
  LONGS_EQUAL(10, fulfilled(1));
}

// Over-receipt: beyond the PO line is held as OVER_RECEIPT unless within the
// allowance the relay is told the account has (and then the ERP takes it).
TEST(NetSuiteOrders, AnOverReceiptIsHeldUnlessWithinTheAccountsAllowance) {
  auto receipt = [&](const std::string& id, int64_t qty) { return goods_receipt(id, po, qty); };
  // PO-1 line 1 is for 5. Without an allowance 6 is held, nothing posted.
  ErpOutcome held = connector->post(receipt("over-1", 6));
  CHECK(held.kind == ErpOutcome::Kind::kRejected);
  STRCMP_CONTAINS("OVER_RECEIPT", held.reason.c_str());
  LONGS_EQUAL(0, sim->store().ledger("itemReceipt", "").size());

  // The account allows 20% (1 of 5): a simulator with that preference, a connector told so.
  connector.reset();
  sim.reset();
  erpsim::ParsedOptions parsed = erpsim::parse_options({"--seed-items", "20", "--over-receipt-percent", "20"});
  sim = std::make_unique<erpsim::ErpSimulator>(parsed.options);
  STRCMP_EQUAL("", sim->start().c_str());
  ClientRequest seed;
  seed.method = "POST";
  seed.url = sim->url() + "/_sim/seed";
  seed.body = kOrders;
  CHECK(http->send(seed).ok());
  po = sim->store().ledger("purchaseOrder", "").at(0).id;
  NetSuiteOptions o;
  o.base_url = sim->url();
  o.location_map = {{"WH1", "6"}};
  o.over_receipt_percent = 20;
  connector = std::make_unique<NetSuiteConnector>(*http, o);
  ErpOutcome within = connector->post(receipt("over-2", 6));
  CHECK_TEXT(within.kind == ErpOutcome::Kind::kPosted, within.reason.c_str());
  ErpOutcome beyond = connector->post(receipt("over-3", 1));  // 7 of 5 is beyond 20%
  CHECK(beyond.kind == ErpOutcome::Kind::kRejected);
  STRCMP_CONTAINS("(1 more allowed, 20%)", beyond.reason.c_str());
  LONGS_EQUAL(1, sim->store().ledger("itemReceipt", "").size());
}

// The shipped ledger forgets an order nothing was recorded for within its retention, and only that.
TEST_GROUP(ShippedLedgerRetention) {};

TEST(ShippedLedgerRetention, AQuietOrderIsForgottenAnActiveOneKept) {
  std::unique_ptr<MemoryStore> store = MemoryStore::create();
  GroupCommitter committer(*store);
  ManualClock clock;
  std::unique_ptr<ShippedLedger> l = std::move(ShippedLedger::open(*store, committer, clock).value());
  CHECK(l->record("SO-OLD", "s1", "e1", {{"1", 3}}).ok());
  CHECK(l->record("SO-BUSY", "s2", "e2", {{"1", 2}}).ok());
  clock.advance(Millis(100LL * 86'400'000));
  CHECK(l->record("SO-BUSY", "s3", "e3", {{"1", 1}}).ok());  // shipped again: its clock restarts
  clock.advance(Millis(90LL * 86'400'000));
  Result<uint64_t> n = l->prune(Millis(180LL * 86'400'000));
  CHECK(n.ok());
  LONGS_EQUAL(1, *n);
  LONGS_EQUAL(0, l->view("SO-OLD", "s1", "other")->sent.size());
  STRCMP_EQUAL("", l->view("SO-OLD", "s1", "other")->shipment_owner.c_str());
  LONGS_EQUAL(3, l->view("SO-BUSY", "s9", "other")->sent["1"]);
  STRCMP_EQUAL("e2", l->view("SO-BUSY", "s2", "other")->shipment_owner.c_str());
  LONGS_EQUAL(0, *l->prune(Millis(180LL * 86'400'000)));
  committer.stop();
}
