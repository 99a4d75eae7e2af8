// Quantity on hand per item and location, as a relay reconciling stock reads
// it (SuiteQL inventoryitemlocations): seeded opening stock, then changed by
// an item fulfilment (-), item receipts of a purchase order and of a return
// authorisation (+) and inventory adjustments (adjustQtyBy), in base units.
#include <csignal>
#include <map>
#include <memory>
#include <string>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "erp_simulator.h"
#include "sim_client.h"

#include <CppUTest/TestHarness.h>

using namespace sb::erpsim;
using namespace sb::erpsim::test;
using Poco::JSON::Object;

namespace {

const std::string kRecords = "/services/rest/record/v1/";

// SKU-0001 (1001) 100 at location 6 costing 2.5; SKU-0002 (1002) 30 at 6, no cost.
// SO: 10 x 1001 and 1 Case of 12 x 1002; PO: 5 x 1003; RMA: 2 x 1001.
const char* kSeed = R"({
  "onHand":[{"item":"1001","location":"6","quantity":100,"averageCost":2.5},{"item":"1002","location":"6","quantity":30}],
  "salesOrders":[{"externalId":"SO-1","location":"6","shipMethod":"9001","custbody_released_to_wms":true,
    "lines":[{"item":"1001","quantity":10},{"line":3,"item":"1002","quantity":1,"units":"Case of 12"}]}],
  "purchaseOrders":[{"externalId":"PO-1","location":"6","lines":[{"item":"1003","quantity":5}]}],
  "returnAuthorizations":[{"externalId":"RMA-1","location":"6","lines":[{"item":"1001","quantity":2,"rate":4.5}]}]})";

struct OnHand {
  std::string quantity;
  std::string cost;  // "" when the row has none
};

// Every inventoryitemlocations row, paged `page` at a time as a client pages them.
std::map<std::string, OnHand> on_hand(uint16_t port, int page = 1000) {
  std::map<std::string, OnHand> out;
  for (int offset = 0;; offset += page) {
    HttpResult r = http_call(port, "POST",
                             "/services/rest/query/v1/suiteql?limit=" + std::to_string(page) +
                                 "&offset=" + std::to_string(offset),
                             R"({"q":"SELECT item, location, quantityonhand, averagecostmli FROM inventoryitemlocations WHERE location IN (6) ORDER BY item, location"})",
                             CallOptions{{{"Prefer", "transient"}}, 5000});
    if (r.status != 200) FAIL(r.body.c_str());
    Object::Ptr body = json_of(r.body);
    auto items = body->getArray("items");
    for (unsigned i = 0; i < items->size(); ++i) {
      Object::Ptr row = items->getObject(i);
      const std::string key = row->getValue<std::string>("item") + "@" + row->getValue<std::string>("location");
      out[key] = {row->getValue<std::string>("quantityonhand"),
                  row->has("averagecostmli") ? row->getValue<std::string>("averagecostmli") : ""};
    }
    if (!body->getValue<bool>("hasMore")) break;
  }
  return out;
}

}  // namespace

TEST_GROUP(ErpSimOnHand) {
  std::unique_ptr<ErpSimulator> sim;
  uint16_t port = 0;
  void setup() override {
    std::signal(SIGPIPE, SIG_IGN);
    SimOptions options;
    options.seed_items = 5;
    sim = std::make_unique<ErpSimulator>(options);
    if (std::string error = sim->start(); !error.empty()) FAIL(error.c_str());
    port = sim->port();
    HttpResult seeded = http_call(port, "POST", "/_sim/seed", kSeed);
    if (seeded.status != 200) FAIL(seeded.body.c_str());
  }
  void teardown() override { sim.reset(); }
};

TEST(ErpSimOnHand, SeededStockIsOnHandWithItsCost) {
  std::map<std::string, OnHand> rows = on_hand(port);
  LONGS_EQUAL(2, rows.size());
  STRCMP_EQUAL("100", rows["1001@6"].quantity.c_str());
  STRCMP_EQUAL("2.5", rows["1001@6"].cost.c_str());
  STRCMP_EQUAL("30", rows["1002@6"].quantity.c_str());
  STRCMP_EQUAL("", rows["1002@6"].cost.c_str());  // no cost: the column is omitted, as SuiteQL omits nulls
}

TEST(ErpSimOnHand, FulfilmentReceiptsAndAdjustmentsMoveOnHandInBaseUnits) {
  HttpResult shipped = http_call(port, "POST", kRecords + "salesOrder/eid:SO-1/!transform/itemFulfillment",
                                 R"({"externalId":"SHIP-1","shipStatus":"C","item":{"items":[{"orderLine":1,"quantity":4}]}})");
  LONGS_EQUAL(204, shipped.status);  // line 3 (1 case of 12) goes in full too: an unmentioned line is fulfilled
  HttpResult received = http_call(port, "POST", kRecords + "purchaseOrder/eid:PO-1/!transform/itemReceipt", R"({"externalId":"GR-1"})");
  LONGS_EQUAL(204, received.status);
  HttpResult returned = http_call(port, "POST", kRecords + "returnAuthorization/eid:RMA-1/!transform/itemReceipt", R"({"externalId":"RR-1"})");
  LONGS_EQUAL(204, returned.status);
  HttpResult adjusted = post_adjustment(port, adjustment("ADJ-1", "1001", -3));
  LONGS_EQUAL(204, adjusted.status);

  std::map<std::string, OnHand> rows = on_hand(port, 1);  // one row a page: paging as other tables
  STRCMP_EQUAL("95", rows["1001@6"].quantity.c_str());   // 100 - 4 shipped + 2 returned - 3 adjusted
  STRCMP_EQUAL("18", rows["1002@6"].quantity.c_str());   // 30 - 1 case of 12
  STRCMP_EQUAL("5", rows["1003@6"].quantity.c_str());    // received on the PO, no opening stock
  STRCMP_EQUAL("", rows["1003@6"].cost.c_str());

  // /_sim/on_hand gives the same, with totals, for tests that check a report against the ERP.
  HttpResult admin = http_call(port, "GET", "/_sim/on_hand");
  LONGS_EQUAL(200, admin.status);
  Object::Ptr body = json_of(admin.body);
  DOUBLES_EQUAL(118, body->getValue<double>("totalQuantity"), 1e-9);
  DOUBLES_EQUAL(95 * 2.5, body->getValue<double>("totalValue"), 1e-9);
}

TEST(ErpSimOnHand, ResetForgetsMovementsButKeepsOpeningStock) {
  LONGS_EQUAL(204, post_adjustment(port, adjustment("ADJ-2", "1001", 7)).status);
  STRCMP_EQUAL("107", on_hand(port)["1001@6"].quantity.c_str());
  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/reset").status);
  STRCMP_EQUAL("100", on_hand(port)["1001@6"].quantity.c_str());
}

TEST(ErpSimOnHand, SeedingAnUnknownItemIsRefusedAndAppliesNothing) {
  HttpResult r = http_call(port, "POST", "/_sim/seed",
                           R"({"onHand":[{"item":"1001","location":"6","quantity":1},{"item":"999","location":"6","quantity":1}]})");
  LONGS_EQUAL(400, r.status);
  STRCMP_EQUAL("100", on_hand(port)["1001@6"].quantity.c_str());
}
