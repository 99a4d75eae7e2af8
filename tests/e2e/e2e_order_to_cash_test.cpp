// Order to cash through every process: the ERP simulator holds a sales order,
// a purchase order and a return authorisation; they are released to the site
// (through the broker, as the relay's downlink does), Clarus works them --
// the order dispatched in several partial shipments -- and the relay posts
// what happened: one item fulfilment per shipment with its lines and tracking,
// the item receipt of the PO, the return's item receipt and credit memo.
// Asserts on what the ERP then holds.
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "tests/e2e/clarus_flow.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

namespace {

constexpr char kErpSeed[] = R"({
 "salesOrders":[{"externalId":"SO-7001","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
   "lines":[{"line":1,"item":"1003","quantity":6,"location":"1"},{"line":2,"item":"1004","quantity":3,"location":"1"}]}],
 "purchaseOrders":[{"externalId":"PO-7001","location":"1","lines":[{"line":1,"item":"1005","quantity":12}]}],
 "returnAuthorizations":[{"externalId":"RMA-7001","location":"1","lines":[{"line":1,"item":"1006","quantity":2,"rate":9.5}]}]})";

// Seeds the ERP simulator (POST /_sim/seed); the test stops if it refuses.
void seed_erp(Stack& stack, const std::string& body) {
  Status seeded = stack.seed_erp(body);
  CHECK_TRUE_TEXT(seeded.ok(), seeded.to_string().c_str());
}

// Internal ids of the ERP's records of a type, by external id.
std::map<std::string, std::string> erp_ids(Stack& stack, const std::string& type) {
  std::map<std::string, std::string> out;
  Result<Json> ledger = stack.get_json(stack.erp_url() + "/_sim/ledger?type=" + type);
  CHECK_TRUE_TEXT(ledger.ok(), ledger.status().to_string().c_str());
  for (const Json& r : ledger->find("records")->items()) out[r.get_string("externalId")] = r.get_string("id");
  return out;
}

std::vector<Json> erp_records(Stack& stack, const std::string& type) {
  Result<Json> ledger = stack.get_json(stack.erp_url() + "/_sim/ledger?type=" + type);
  CHECK_TRUE(ledger.ok());
  return ledger->find("records")->items();
}

}  // namespace

TEST_GROUP(OrderToCash) {};

TEST(OrderToCash, PartialShipmentsReceiptsAndAReturnReachTheErpAsTheyHappened) {
  StackOptions o = clarus_options(true);
  o.erp_unique_external_id = true;
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  seed_erp(stack, kErpSeed);
  const std::string so = erp_ids(stack, "salesOrder")["SO-7001"];
  const std::string po = erp_ids(stack, "purchaseOrder")["PO-7001"];
  const std::string rma = erp_ids(stack, "returnAuthorization")["RMA-7001"];
  CHECK_TRUE(!so.empty() && !po.empty() && !rma.empty());

  // Released to the site with the ERP's own ids and order lines.
  ErpCommands erp(stack.broker().uri(), "site-1");
  CHECK_TRUE(erp.start().ok());
  v1::Command order = ErpCommands::order("SO-7001", Lines{{sku(3), 6}, {sku(4), 3}});
  order.mutable_sales_order_release()->set_erp_order_id(so);
  v1::Command purchase = ErpCommands::purchase_order("PO-7001", Lines{{sku(5), 12}});
  purchase.mutable_purchase_order_release()->set_erp_po_id(po);
  v1::Command ret = ErpCommands::return_authorisation("RMA-7001", Lines{{sku(6), 2}});
  ret.mutable_return_authorisation()->set_erp_return_id(rma);
  erp.send(order);
  erp.send(purchase);
  erp.send(ret);
  CHECK_TRUE(testing::wait_until(
      [&] {
        if (erp.acked_through() < 3) erp.resend();
        auto out = erp.outcomes();
        return out.size() == 3;
      },
      Millis(30'000), Millis(250)));
  for (auto& [id, out] : erp.outcomes()) CHECK_EQUAL_TEXT(v1::CommandOutcome::APPLIED, out.kind(), out.reason().c_str());

  // The warehouse ships part of the order at a time, and receives exactly what was expected.
  CHECK_TRUE(stack.clarus_post("/_sim/warehouse", R"({"partial_dispatch_rate":1,"under_receipt_rate":0,"over_receipt_rate":0})").ok());
  Json state;
  for (int i = 0; i < 100; ++i) {
    CHECK_TRUE(stack.clarus_post("/_sim/warehouse/step", R"({"steps":1,"only":["dispatch","receive","return"]})").ok());
    state = stack.clarus_state().value();
    if (all_settled(state)) break;
  }
  CHECK_TRUE(all_settled(state));
  const size_t shipments = list(state, "shipments")->items().size();
  CHECK_TRUE_TEXT(shipments >= 2, state.find("shipments")->dump().c_str());

  // Every fact posted: a fulfilment per shipment, the PO's receipt, the return's receipt and credit.
  bool posted = testing::wait_until(
      [&] {
        return erp_records(stack, "itemFulfillment").size() == shipments && erp_records(stack, "itemReceipt").size() == 2 &&
               erp_records(stack, "creditMemo").size() == 1;
      },
      Millis(60'000), Millis(500));
  CHECK_TRUE_TEXT(posted, stack.logs(60).c_str());

  // The fulfilments carry the lines Clarus shipped and each shipment's tracking number.
  std::map<int64_t, int64_t> shipped;  // orderLine -> quantity over all fulfilments
  std::set<std::string> tracking;
  for (const Json& f : erp_records(stack, "itemFulfillment")) {
    const Json& body = *f.find("body");
    STRCMP_EQUAL("9001", body.find("shipMethod")->get_string("id").c_str());
    for (const Json& p : body.find("packageList")->find("package")->items()) tracking.insert(p.get_string("packageTrackingNumber"));
    for (const Json& l : body.find("item")->find("items")->items()) {
      if (!l.find("itemReceive")->as_bool()) continue;
      int64_t line = 0, qty = 0;
      l.find("orderLine")->as_int64(&line);
      l.find("quantity")->as_int64(&qty);
      shipped[line] += qty;
    }
  }
  std::map<int64_t, int64_t> clarus_shipped;
  std::set<std::string> clarus_tracking;
  for (const Json& sh : list(state, "shipments")->items()) {
    const Json* packages = sh.find("packages");
    if (packages && !packages->items().empty()) {
      for (const Json& p : packages->items()) clarus_tracking.insert(p.get_string("tracking_number"));
    } else {
      clarus_tracking.insert(sh.get_string("tracking_number"));
    }
    for (const Json& l : sh.find("lines")->items()) {
      int64_t qty = 0;
      l.find("quantity")->as_int64(&qty);
      clarus_shipped[std::atoll(l.get_string("alt_line_reference").c_str())] += qty;
    }
  }
  CHECK_TRUE(shipped == clarus_shipped);
  CHECK_TRUE(tracking == clarus_tracking);  // every parcel's tracking number, none invented
  // The order in the ERP says as much, and nothing more was posted.
  Json so_now = erp_records(stack, "salesOrder").at(0);
  for (const Json& l : so_now.find("body")->find("item")->find("items")->items()) {
    int64_t line = 0, done = 0;
    l.find("orderLine")->as_int64(&line);
    l.find("quantityFulfilled")->as_int64(&done);
    LONGS_EQUAL(clarus_shipped[line], done);
  }
  LONGS_EQUAL(1, erp_records(stack, "creditMemo").size());
  erp.stop();
  CHECK_TRUE(stack.stop());
}

// The whole loop with nothing standing in: the ERP releases an order, the
// relay's change feed finds it and sends it down, the agent creates it in
// Clarus, the warehouse ships it in parts, and the ERP ends up fulfilled.
TEST(OrderToCash, AnOrderReleasedInTheErpComesBackAsItsFulfilments) {
  StackOptions o = clarus_options(true);
  o.erp_unique_external_id = true;
  o.relay_settings = {"feed.enabled = true", "feed.interval = 1s", "feed.site_locations = 1=site-1", "feed.sites = site-1",
                      "downlink.resend_after = 2s"};
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  CHECK_TRUE(stack.clarus_post("/_sim/warehouse", R"({"partial_dispatch_rate":1,"under_receipt_rate":0,"over_receipt_rate":0})").ok());
  // CASE-SKU: the ERP counts its stock in cases of 12 and buys it by the each.
  seed_erp(stack, R"({"items":[{"id":"2001","itemid":"CASE-SKU","externalId":"CASE-SKU","stockUnit":"Case of 12",
                   "units":[{"name":"Each","rate":1},{"name":"Case of 12","rate":12}]}],
     "salesOrders":[{"externalId":"SO-8001","location":"1","shipMethod":"9002","custbody_released_to_wms":true,
     "shippingAddress":{"addressee":"Acme Ltd","addr1":"1 Quay St","city":"Bristol","zip":"BS1 4DJ","country":"GB"},
     "lines":[{"line":1,"item":"1007","quantity":5,"location":"1"},{"line":2,"item":"1008","quantity":2,"location":"1"}]}],
     "purchaseOrders":[{"externalId":"PO-8001","location":"1","lines":[{"line":1,"item":"2001","quantity":120}]}]})");
  const std::string so = erp_ids(stack, "salesOrder")["SO-8001"];

  // The goods out appears in Clarus with the ERP's lines and carrier.
  Json state;
  bool released = testing::wait_until(
      [&] {
        state = stack.clarus_state().value();
        for (const Json& g : list(state, "goods_outs")->items())
          if (g.get_string("external_system_reference1") == so) return true;
        return false;
      },
      Millis(30'000), Millis(250));
  CHECK_TRUE_TEXT(released, stack.logs(60).c_str());
  for (const Json& g : list(state, "goods_outs")->items()) {
    if (g.get_string("external_system_reference1") != so) continue;
    STRCMP_EQUAL("DPD", g.find("carrier")->get_string("code").c_str());
    LONGS_EQUAL(2, g.find("lines")->items().size());
    // The ERP's ship-to address, in Clarus's address lines.
    STRCMP_EQUAL("Acme Ltd", g.find("address")->get_string("name").c_str());
    STRCMP_EQUAL("BS1 4DJ", g.find("address")->get_string("postcode").c_str());
    STRCMP_EQUAL("GB", g.find("address")->get_string("country_code").c_str());
  }
  // The PO reached Clarus in the item's stock unit: 120 Each = 10 cases.
  CHECK_TRUE_TEXT(testing::wait_until(
                      [&] {
                        state = stack.clarus_state().value();
                        return list(state, "goods_in_receipts")->items().size() == 1;
                      },
                      Millis(30'000), Millis(250)),
                  stack.logs(60).c_str());
  const Json& expected_line = list(state, "goods_in_receipts")->items().at(0).find("lines")->items().at(0);
  int64_t expected_cases = 0;
  expected_line.find("expected_quantity")->as_int64(&expected_cases);
  LONGS_EQUAL(10, expected_cases);
  for (int i = 0; i < 50 && !all_settled(state); ++i) {
    CHECK_TRUE(stack.clarus_post("/_sim/warehouse/step", R"({"steps":1,"only":["dispatch","receive"]})").ok());
    state = stack.clarus_state().value();
  }
  CHECK_TRUE(all_settled(state));
  const size_t shipments = list(state, "shipments")->items().size();
  CHECK_TRUE(shipments >= 2);
  // Received as 10 cases, posted as 120 Each with the factor on the line.
  CHECK_TRUE_TEXT(testing::wait_until([&] { return erp_records(stack, "itemReceipt").size() == 1; }, Millis(60'000), Millis(500)),
                  stack.logs(60).c_str());
  const std::vector<Json> receipts = erp_records(stack, "itemReceipt");
  const Json& received = receipts.at(0).find("body")->find("item")->find("items")->items().at(0);
  int64_t each = 0;
  received.find("quantity")->as_int64(&each);
  LONGS_EQUAL(120, each);
  STRCMP_EQUAL("10 CS (Case of 12 = 12) = 120 Each (= 1)", received.get_string("custcol_sb_uom_conversion").c_str());
  CHECK_TRUE_TEXT(testing::wait_until([&] { return erp_records(stack, "itemFulfillment").size() == shipments; },
                                      Millis(60'000), Millis(500)),
                  stack.logs(60).c_str());
  Json so_now = erp_records(stack, "salesOrder").at(0);
  int64_t fulfilled = 0;
  for (const Json& l : so_now.find("body")->find("item")->find("items")->items()) {
    int64_t done = 0;
    l.find("quantityFulfilled")->as_int64(&done);
    fulfilled += done;
  }
  int64_t shipped = 0;
  for (const Json& sh : list(state, "shipments")->items())
    for (const Json& l : sh.find("lines")->items()) {
      int64_t q = 0;
      l.find("quantity")->as_int64(&q);
      shipped += q;
    }
  LONGS_EQUAL(shipped, fulfilled);
  CHECK_TRUE(shipped > 0);
  Result<Json> relay = stack.relay_status();
  CHECK_TRUE(relay.ok());
  LONGS_EQUAL_TEXT(1, json_number(*relay, "feed.queued.sales_order_release"), relay->dump().c_str());
  LONGS_EQUAL_TEXT(0, json_number(*relay, "feed.failed_polls"), relay->dump().c_str());
  CHECK_TRUE(stack.stop());
}

// The same loop while the ERP fails as integrators see it fail (500s, 429s,
// records created but the answer lost) and the agent is killed twice: the
// ERP ends with exactly one fulfilment per shipment, one receipt per receipt,
// one credit memo -- nothing lost, nothing twice.
TEST(OrderToCash, UnderErpFaultsAndAgentKillsTheErpHoldsExactlyWhatHappened) {
  StackOptions o = clarus_options(true);
  o.erp_unique_external_id = false;  // a duplicate the relay caused must stay visible
  o.relay_settings = {"feed.enabled = true", "feed.interval = 1s", "feed.site_locations = 1=site-1", "feed.sites = site-1",
                      "downlink.resend_after = 2s", "erp.timeout = 1s"};
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  CHECK_TRUE(stack.clarus_post("/_sim/warehouse", R"({"partial_dispatch_rate":0.7,"under_receipt_rate":0,"over_receipt_rate":0})").ok());
  seed_erp(stack, R"({"salesOrders":[
     {"externalId":"SO-9001","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1009","quantity":4,"location":"1"},{"line":2,"item":"1010","quantity":3,"location":"1"}]},
     {"externalId":"SO-9002","location":"1","shipMethod":"9002","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1011","quantity":5,"location":"1"}]},
     {"externalId":"SO-9003","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
      "lines":[{"line":1,"item":"1012","quantity":2,"location":"1"},{"line":2,"item":"1013","quantity":2,"location":"1"}]}],
   "purchaseOrders":[{"externalId":"PO-9001","location":"1","lines":[{"line":1,"item":"1014","quantity":8}]}],
   "returnAuthorizations":[{"externalId":"RMA-9001","location":"1","lines":[{"line":1,"item":"1015","quantity":1,"rate":20}]}]})");
  CHECK_TRUE(stack.set_erp_faults(R"({"seed":11,"p_error_500":0.1,"p_throttle_429":0.1,"p_timeout_after_create":0.25,"hang_ms":1500})").ok());

  // Released and worked, with the agent killed twice along the way.
  Json state;
  CHECK_TRUE(testing::wait_until(
      [&] {
        state = stack.clarus_state().value();
        return list(state, "goods_outs")->items().size() == 3 && list(state, "goods_in_receipts")->items().size() == 2;
      },
      Millis(60'000), Millis(250)));
  CHECK_TRUE(stack.restart_agent().ok());
  for (int i = 0; i < 200 && !all_settled(state); ++i) {
    CHECK_TRUE(stack.clarus_post("/_sim/warehouse/step", R"({"steps":1,"only":["dispatch","receive","return","adjust"]})").ok());
    if (i == 3) CHECK_TRUE(stack.restart_agent().ok());
    state = stack.clarus_state().value();
  }
  // Stock counted and corrected on the floor while the ERP still fails.
  CHECK_TRUE(stack.clarus_post("/_sim/warehouse/step", R"({"steps":20,"only":["adjust"]})").ok());
  state = stack.clarus_state().value();
  CHECK_TRUE(all_settled(state));
  const size_t shipments = list(state, "shipments")->items().size();
  bool done = testing::wait_until(
      [&] {
        return erp_records(stack, "itemFulfillment").size() >= shipments && erp_records(stack, "itemReceipt").size() >= 2 &&
               erp_records(stack, "creditMemo").size() >= 1;
      },
      Millis(120'000), Millis(500));
  CHECK_TRUE_TEXT(done, stack.logs(60).c_str());
  (void)stack.set_erp_faults("{}");
  std::this_thread::sleep_for(std::chrono::seconds(3));  // anything still retrying would land now

  // Exactly once: one record per external id, one per fact.
  std::map<std::string, int> by_external_id;
  for (const char* type : {"itemFulfillment", "itemReceipt", "creditMemo"})
    for (const Json& r : erp_records(stack, type)) by_external_id[std::string(type) + " " + r.get_string("externalId")]++;
  for (const auto& [id, n] : by_external_id) LONGS_EQUAL_TEXT(1, n, id.c_str());
  LONGS_EQUAL(shipments, erp_records(stack, "itemFulfillment").size());
  LONGS_EQUAL(2, erp_records(stack, "itemReceipt").size());
  LONGS_EQUAL(1, erp_records(stack, "creditMemo").size());
  // Stock adjustments: each in exactly one ERP record (alone, or in a net one
  // when they queued up behind faults), and per item the ERP moved what Clarus did.
  const std::vector<Json> clarus_adjustments = list(state, "stock_adjustments")->items();
  std::map<std::string, int> covered;             // event id -> ERP records listing it
  std::map<std::string, int64_t> erp_moved;       // item id -> sum of adjustQtyBy
  auto read_adjustments = [&] {
    covered.clear();
    erp_moved.clear();
    for (const Json& r : erp_records(stack, "inventoryAdjustment")) {
      const Json& body = *r.find("body");
      std::string ids = body.get_string("custbody_sb_event_ids");
      if (ids.empty()) ids = r.get_string("externalId");
      for (size_t at = 0; at <= ids.size();) {
        size_t nl = ids.find('\n', at);
        covered[ids.substr(at, nl == std::string::npos ? std::string::npos : nl - at)]++;
        if (nl == std::string::npos) break;
        at = nl + 1;
      }
      for (const Json& l : body.find("inventory")->find("items")->items()) {
        int64_t q = 0;
        l.find("adjustQtyBy")->as_int64(&q);
        erp_moved[l.find("item")->get_string("id")] += q;
      }
    }
    return covered.size() >= clarus_adjustments.size();
  };
  CHECK_TRUE_TEXT(testing::wait_until(read_adjustments, Millis(60'000), Millis(500)), stack.logs(60).c_str());
  std::map<std::string, int64_t> clarus_moved;  // item id -> signed quantity
  for (const Json& a : clarus_adjustments) {
    int64_t q = 0;
    a.find("quantity")->as_int64(&q);
    if (a.get_string("adjustment_type").find("negative") != std::string::npos && q > 0) q = -q;
    const std::string sku = a.find("product")->get_string("code");
    clarus_moved[std::to_string(1000 + std::atoi(sku.c_str() + 4))] += q;
    const std::string id = a.find("id")->as_string();  // a number's text
    LONGS_EQUAL_TEXT(1, covered["clarus:site-1:adjustment:" + id], id.c_str());
  }
  LONGS_EQUAL(clarus_adjustments.size(), covered.size());
  for (const auto& [item, q] : clarus_moved) LONGS_EQUAL_TEXT(q, erp_moved[item], ("item " + item).c_str());
  std::printf("\n  %zu Clarus stock adjustments -> %zu ERP adjustment records\n", clarus_adjustments.size(),
              erp_records(stack, "inventoryAdjustment").size());

  // Each order fulfilled exactly as far as Clarus shipped it.
  std::map<std::string, int64_t> shipped;  // "<erp order id>/<line>"
  for (const Json& sh : list(state, "shipments")->items())
    for (const Json& l : sh.find("lines")->items()) {
      int64_t q = 0;
      l.find("quantity")->as_int64(&q);
      shipped[sh.find("goods_out")->get_string("external_system_reference1") + "/" + l.get_string("alt_line_reference")] += q;
    }
  for (const Json& order : erp_records(stack, "salesOrder")) {
    for (const Json& l : order.find("body")->find("item")->find("items")->items()) {
      int64_t line = 0, done_qty = 0;
      l.find("orderLine")->as_int64(&line);
      l.find("quantityFulfilled")->as_int64(&done_qty);
      const std::string key = order.get_string("id") + "/" + std::to_string(line);
      LONGS_EQUAL_TEXT(shipped[key], done_qty, key.c_str());
    }
  }
  Result<Json> erp_stats = stack.erp_stats();
  std::printf("\n  ERP faults injected: %s\n", erp_stats.ok() ? erp_stats->dump().c_str() : "?");
  CHECK_TRUE(stack.stop());
}
