// Orders and their transforms over real HTTP: what a relay that fulfils sales
// orders, receives purchase orders and returns, and reads changes would see —
// and what the ERP then holds.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "erp_simulator.h"
#include "sim_client.h"

#include <CppUTest/TestHarness.h>

using namespace sb::erpsim;
using namespace sb::erpsim::test;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

const std::string kRecords = "/services/rest/record/v1/";

// SO-1001: line 1 = 10 x SKU-0001 (Each), line 3 = 2 x SKU-0002 (Case of 12);
// PO-1: 5 x SKU-0003; RMA-1: 2 x SKU-0001 at 4.5.
const char* kOrders = R"({
  "salesOrders":[{"externalId":"SO-1001","location":"6","shipMethod":"9001","custbody_released_to_wms":true,
    "lines":[{"item":"1001","quantity":10},{"line":3,"item":{"id":"1002"},"quantity":2,"units":"Case of 12"}]}],
  "purchaseOrders":[{"externalId":"PO-1","location":"6","lines":[{"item":"1003","quantity":5}]}],
  "returnAuthorizations":[{"externalId":"RMA-1","location":"6","lines":[{"item":"1001","quantity":2,"rate":4.5}]}]})";

std::string id_after(const std::string& location, const std::string& type) {
  const std::string marker = "/record/v1/" + type + "/";
  auto at = location.find(marker);
  return at == std::string::npos ? "" : location.substr(at + marker.size());
}

Object::Ptr get(uint16_t port, const std::string& path) {
  HttpResult result = http_call(port, "GET", kRecords + path);
  if (result.status != 200) FAIL(("GET " + path + " answered " + std::to_string(result.status) + " " + result.body).c_str());
  return json_of(result.body);
}

HttpResult transform(uint16_t port, const std::string& source, const std::string& target, const std::string& body) {
  return http_call(port, "POST", kRecords + source + "/!transform/" + target, body);
}

Object::Ptr line_of(const Object::Ptr& collection, int order_line) {
  auto items = collection->getArray("items");
  for (unsigned i = 0; i < items->size(); ++i)
    if (items->getObject(i)->getValue<int>("orderLine") == order_line) return items->getObject(i);
  FAIL(("no line " + std::to_string(order_line)).c_str());
  return nullptr;
}

// "" or the error body; the answer in *out. q's quotes are escaped for JSON (format models quote text: '"T"').
std::string suiteql(uint16_t port, const std::string& q, const std::string& paging, Object::Ptr* out) {
  std::string escaped;
  for (char c : q) escaped += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  HttpResult result = http_call(port, "POST", "/services/rest/query/v1/suiteql" + paging, R"({"q":")" + escaped + R"("})",
                                CallOptions{{{"Prefer", "transient"}}, 5000});
  *out = json_of(result.body);
  return result.status == 200 ? "" : result.body;
}

// The change feed's query shape: exact stamps through TO_CHAR, the cursor through TO_TIMESTAMP.
constexpr char kSecondsModel[] = R"('YYYY-MM-DD"T"HH24:MI:SS')";
constexpr char kMillisModel[] = R"('YYYY-MM-DD"T"HH24:MI:SS.FF3')";
std::string changed_since(const std::string& columns, const std::string& table, const std::string& filter,
                          const std::string& since, const char* model, const char* op = ">") {
  return "SELECT " + columns + ", TO_CHAR(lastmodifieddate, " + kSecondsModel + ") AS lastmodified FROM " + table +
         " WHERE " + filter + "lastmodifieddate " + op + " TO_TIMESTAMP('" + since + "', " + model +
         ") ORDER BY lastmodifieddate, id";
}

// The record store stamps from the wall clock: sleeping into the next second
// (+50 ms) makes every later stamp differ from every earlier one at the
// one-second resolution TO_CHAR gives.
void next_second() {
  using namespace std::chrono;
  std::this_thread::sleep_until(floor<seconds>(system_clock::now()) + seconds(1) + milliseconds(50));
}

std::string column_of(const Object::Ptr& page, const char* column) {
  std::string out;
  auto rows = page->getArray("items");
  for (unsigned i = 0; i < rows->size(); ++i) out += rows->getObject(i)->getValue<std::string>(column) + " ";
  return out;
}

int ledger_count(uint16_t port, const std::string& type) {
  return json_of(http_call(port, "GET", "/_sim/ledger?type=" + type).body)->getValue<int>("count");
}

}  // namespace

TEST_GROUP(ErpSimOrders) {
  std::unique_ptr<ErpSimulator> sim;
  uint16_t port = 0;
  void setup() override {
    std::signal(SIGPIPE, SIG_IGN);
    SimOptions options;
    options.seed_items = 5;
    sim = std::make_unique<ErpSimulator>(options);
    if (std::string error = sim->start(); !error.empty()) FAIL(error.c_str());
    port = sim->port();
    HttpResult seeded = http_call(port, "POST", "/_sim/seed", kOrders);
    if (seeded.status != 200) FAIL(seeded.body.c_str());
  }
  void teardown() override { sim.reset(); }
};

TEST(ErpSimOrders, TwoPartialShipmentsLeaveTheRestOpenWithQuantityFulfilledRight) {
  HttpResult first = transform(port, "salesOrder/eid:SO-1001", "itemFulfillment",
                               R"({"externalId":"SHIP-1","shipStatus":"C","shipMethod":{"id":"9001"},)"
                               R"("item":{"items":[{"orderLine":1,"location":6,"quantity":4},{"orderLine":3,"itemReceive":false}]},)"
                               R"("packageList":{"package":[{"packageTrackingNumber":"AB123456789GB","packageWeight":1.5,"packageDescr":"box"}]}})");
  LONGS_EQUAL(204, first.status);
  CHECK(first.body.empty());
  const std::string fulfilment_id = id_after(first.header("location"), "itemFulfillment");
  CHECK(!fulfilment_id.empty());

  auto lines = get(port, "salesOrder/eid:SO-1001/item");
  LONGS_EQUAL(4, line_of(lines, 1)->getValue<int>("quantityFulfilled"));
  LONGS_EQUAL(0, line_of(lines, 3)->getValue<int>("quantityFulfilled"));
  STRCMP_EQUAL("partiallyFulfilled", get(port, "salesOrder/eid:SO-1001")->getObject("status")->getValue<std::string>("id").c_str());

  LONGS_EQUAL(204, transform(port, "salesOrder/eid:SO-1001", "itemFulfillment",
                             R"({"externalId":"SHIP-2","item":{"items":[{"orderLine":1,"quantity":6},{"orderLine":3,"itemReceive":false}]}})")
                       .status);
  lines = get(port, "salesOrder/eid:SO-1001/item");
  LONGS_EQUAL(10, line_of(lines, 1)->getValue<int>("quantityFulfilled"));
  LONGS_EQUAL(0, line_of(lines, 3)->getValue<int>("quantityFulfilled"));
  auto order = get(port, "salesOrder/eid:SO-1001");
  STRCMP_EQUAL("partiallyFulfilled", order->getObject("status")->getValue<std::string>("id").c_str());

  auto fulfilment = get(port, "itemFulfillment/" + fulfilment_id);
  STRCMP_EQUAL(order->getValue<std::string>("id").c_str(), fulfilment->getObject("createdFrom")->getValue<std::string>("id").c_str());
  STRCMP_EQUAL("Royal Mail 1st Class", fulfilment->getObject("shipMethod")->getValue<std::string>("refName").c_str());
  STRCMP_EQUAL("C", fulfilment->getObject("shipStatus")->getValue<std::string>("id").c_str());
  auto package = fulfilment->getObject("packageList")->getArray("package")->getObject(0);
  STRCMP_EQUAL("AB123456789GB", package->getValue<std::string>("packageTrackingNumber").c_str());
  auto shipped = fulfilment->getObject("item")->getArray("items");
  LONGS_EQUAL(1, shipped->size());
  LONGS_EQUAL(4, shipped->getObject(0)->getValue<int>("quantity"));
  STRCMP_EQUAL("6", shipped->getObject(0)->getObject("location")->getValue<std::string>("id").c_str());
  LONGS_EQUAL(200, http_call(port, "GET", kRecords + "itemFulfillment/eid:SHIP-2").status);
}

TEST(ErpSimOrders, LinesTheRequestDoesNotMentionAreFulfilledInFullAsNetSuitePrefillsThem) {
  LONGS_EQUAL(204, transform(port, "salesOrder/eid:SO-1001", "itemFulfillment",
                             R"({"item":{"items":[{"orderLine":1,"quantity":10}]}})").status);
  auto lines = get(port, "salesOrder/eid:SO-1001/item");
  LONGS_EQUAL(2, line_of(lines, 3)->getValue<int>("quantityFulfilled"));
  STRCMP_EQUAL("Case of 12", line_of(lines, 3)->getObject("units")->getValue<std::string>("refName").c_str());
  STRCMP_EQUAL("pendingBilling", get(port, "salesOrder/eid:SO-1001")->getObject("status")->getValue<std::string>("id").c_str());
  HttpResult nothing_open = transform(port, "salesOrder/eid:SO-1001", "itemFulfillment", "{}");
  LONGS_EQUAL(400, nothing_open.status);
  STRCMP_EQUAL("USER_ERROR", error_field(nothing_open, "o:errorCode").c_str());
}

TEST(ErpSimOrders, FulfillingMoreThanRemainsIsRefusedNamingTheLineAndChangesNothing) {
  HttpResult over = transform(port, "salesOrder/eid:SO-1001", "itemFulfillment",
                              R"({"item":{"items":[{"orderLine":3,"itemReceive":false},{"orderLine":1,"quantity":11}]}})");
  LONGS_EQUAL(400, over.status);
  STRCMP_EQUAL("USER_ERROR", error_field(over, "o:errorCode").c_str());
  STRCMP_EQUAL("item.items[1].quantity", error_field(over, "o:errorPath").c_str());
  CHECK(error_field(over, "detail").find("line 1") != std::string::npos);
  auto body = json_of(over.body);
  LONGS_EQUAL(400, body->getValue<int>("status"));
  STRCMP_EQUAL("Bad Request", body->getValue<std::string>("title").c_str());
  LONGS_EQUAL(0, ledger_count(port, "itemFulfillment"));
  LONGS_EQUAL(0, line_of(get(port, "salesOrder/eid:SO-1001/item"), 1)->getValue<int>("quantityFulfilled"));
}

TEST(ErpSimOrders, UnknownShipMethodOrderLineLocationAndInactiveItemsAreInvalidKeyOrRefWithTheirPath) {
  struct Case {
    const char* body;
    const char* path;
  } cases[] = {
      {R"({"shipMethod":{"id":"777"}})", "shipMethod"},
      {R"({"item":{"items":[{"orderLine":2,"quantity":1}]}})", "item.items[0].orderLine"},
      {R"({"item":{"items":[{"orderLine":1,"quantity":1,"location":{"id":"77"}}]}})", "item.items[0].location"},
      {R"({"item":{"items":[{"orderLine":1,"quantity":1,"item":{"id":"424242"}}]}})", "item.items[0].item"},
  };
  for (const auto& c : cases) {
    HttpResult refused = transform(port, "salesOrder/eid:SO-1001", "itemFulfillment", c.body);
    LONGS_EQUAL(400, refused.status);
    STRCMP_EQUAL("INVALID_KEY_OR_REF", error_field(refused, "o:errorCode").c_str());
    STRCMP_EQUAL(c.path, error_field(refused, "o:errorPath").c_str());
  }
  // The SKU made inactive while the order is in flight: the fulfilment fails.
  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/seed", R"({"items":[{"id":"1001","itemid":"SKU-0001","isinactive":true}]})").status);
  HttpResult inactive = transform(port, "salesOrder/eid:SO-1001", "itemFulfillment",
                                  R"({"item":{"items":[{"orderLine":1,"quantity":1},{"orderLine":3,"itemReceive":false}]}})");
  LONGS_EQUAL(400, inactive.status);
  STRCMP_EQUAL("INVALID_KEY_OR_REF", error_field(inactive, "o:errorCode").c_str());
  STRCMP_EQUAL("item.items[0].item", error_field(inactive, "o:errorPath").c_str());
  // A unit other than the order line's (case vs each) is refused, not converted.
  HttpResult units = transform(port, "salesOrder/eid:SO-1001", "itemFulfillment",
                               R"({"item":{"items":[{"orderLine":3,"quantity":1,"units":"Each"},{"orderLine":1,"itemReceive":false}]}})");
  STRCMP_EQUAL("item.items[0].units", error_field(units, "o:errorPath").c_str());
  LONGS_EQUAL(0, ledger_count(port, "itemFulfillment"));
}

TEST(ErpSimOrders, ConcurrentFulfilmentsOfOneOrderNeverShipMoreThanWasOrdered) {
  std::vector<int> statuses(8, 0);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < statuses.size(); ++i)
    threads.emplace_back([&, i] {
      statuses[i] = transform(port, "salesOrder/eid:SO-1001", "itemFulfillment",
                              R"({"item":{"items":[{"orderLine":1,"quantity":2},{"orderLine":3,"itemReceive":false}]}})")
                        .status;
    });
  for (auto& t : threads) t.join();
  LONGS_EQUAL(5, std::count(statuses.begin(), statuses.end(), 204));
  LONGS_EQUAL(3, std::count(statuses.begin(), statuses.end(), 400));
  LONGS_EQUAL(10, line_of(get(port, "salesOrder/eid:SO-1001/item"), 1)->getValue<int>("quantityFulfilled"));
  LONGS_EQUAL(5, ledger_count(port, "itemFulfillment"));
}

TEST(ErpSimOrders, AReusedFulfilmentExternalIdIsDupRcrdAndUnknownOrdersAre404) {
  const char* one = R"({"externalId":"SHIP-9","item":{"items":[{"orderLine":1,"quantity":1},{"orderLine":3,"itemReceive":false}]}})";
  LONGS_EQUAL(204, transform(port, "salesOrder/eid:SO-1001", "itemFulfillment", one).status);
  HttpResult again = transform(port, "salesOrder/eid:SO-1001", "itemFulfillment", one);
  STRCMP_EQUAL("DUP_RCRD", error_field(again, "o:errorCode").c_str());
  LONGS_EQUAL(1, line_of(get(port, "salesOrder/eid:SO-1001/item"), 1)->getValue<int>("quantityFulfilled"));
  LONGS_EQUAL(404, transform(port, "salesOrder/eid:NOPE", "itemFulfillment", "{}").status);
  LONGS_EQUAL(404, http_call(port, "GET", kRecords + "salesOrder/424242").status);
}

TEST(ErpSimOrders, PurchaseOrderReceiptCreatesAnItemReceiptAndCountsQuantityReceived) {
  HttpResult receipt = transform(port, "purchaseOrder/eid:PO-1", "itemReceipt",
                                 R"({"externalId":"GR-1","item":{"items":[{"orderLine":1,"quantity":3}]}})");
  LONGS_EQUAL(204, receipt.status);
  auto stored = get(port, "itemReceipt/" + id_after(receipt.header("location"), "itemReceipt"));
  LONGS_EQUAL(3, stored->getObject("item")->getArray("items")->getObject(0)->getValue<int>("quantity"));
  auto po = get(port, "purchaseOrder/eid:PO-1");
  STRCMP_EQUAL("partiallyReceived", po->getObject("status")->getValue<std::string>("id").c_str());
  LONGS_EQUAL(3, line_of(po->getObject("item"), 1)->getValue<int>("quantityReceived"));
  LONGS_EQUAL(204, transform(port, "purchaseOrder/eid:PO-1", "itemReceipt", R"({"externalId":"GR-2"})").status);
  po = get(port, "purchaseOrder/eid:PO-1");
  STRCMP_EQUAL("pendingBill", po->getObject("status")->getValue<std::string>("id").c_str());
  LONGS_EQUAL(5, line_of(po->getObject("item"), 1)->getValue<int>("quantityReceived"));
  LONGS_EQUAL(400, transform(port, "purchaseOrder/eid:PO-1", "itemReceipt", "{}").status);
}

TEST(ErpSimOrders, ACreditMemoIsRefusedBeforeTheReturnIsReceivedAndCreditsWhatWasReceivedAfter) {
  HttpResult early = transform(port, "returnAuthorization/eid:RMA-1", "creditMemo", R"({"externalId":"CM-1"})");
  LONGS_EQUAL(400, early.status);
  STRCMP_EQUAL("USER_ERROR", error_field(early, "o:errorCode").c_str());
  LONGS_EQUAL(0, ledger_count(port, "creditMemo"));

  LONGS_EQUAL(204, transform(port, "returnAuthorization/eid:RMA-1", "itemReceipt",
                             R"({"externalId":"RET-1","item":{"items":[{"orderLine":1,"quantity":2,"location":{"id":"6"}}]}})")
                       .status);
  STRCMP_EQUAL("pendingRefund",
               get(port, "returnAuthorization/eid:RMA-1")->getObject("status")->getValue<std::string>("id").c_str());
  HttpResult credit = transform(port, "returnAuthorization/eid:RMA-1", "creditMemo", R"({"externalId":"CM-1"})");
  LONGS_EQUAL(204, credit.status);
  auto memo = get(port, "creditMemo/" + id_after(credit.header("location"), "creditMemo"));
  DOUBLES_EQUAL(9.0, memo->getValue<double>("total"), 1e-9);
  LONGS_EQUAL(2, memo->getObject("item")->getArray("items")->getObject(0)->getValue<int>("quantity"));
  STRCMP_EQUAL("refunded", get(port, "returnAuthorization/eid:RMA-1")->getObject("status")->getValue<std::string>("id").c_str());
  LONGS_EQUAL(400, transform(port, "returnAuthorization/eid:RMA-1", "creditMemo", R"({"externalId":"CM-2"})").status);
}

TEST(ErpSimOrders, AChangeQueryReturnsWhatChangedAfterATimestampInOrderAndPages) {
  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/seed",
                             R"({"salesOrders":[{"externalId":"SO-2","location":"6","lines":[{"item":"1004","quantity":1}]},)"
                             R"({"externalId":"SO-3","location":"2","lines":[{"item":"1004","quantity":1}]},)"
                             R"({"externalId":"SO-4","location":"6","lines":[{"item":"1005","quantity":1}]}]})").status);
  // The REST record's stamp, "2026-11-26T10:42:00.123Z", as TO_TIMESTAMP text with milliseconds.
  const std::string after = get(port, "salesOrder/eid:SO-4")->getValue<std::string>("lastModifiedDate").substr(0, 23);
  // Changed after `after`: SO-1001 (fulfilled), then SO-2 (re-seeded), in that order.
  LONGS_EQUAL(204, transform(port, "salesOrder/eid:SO-1001", "itemFulfillment",
                             R"({"item":{"items":[{"orderLine":1,"quantity":1},{"orderLine":3,"itemReceive":false}]}})").status);
  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/seed",
                             R"({"salesOrders":[{"externalId":"SO-2","location":"6","custbody_released_to_wms":true,"lines":[{"item":"1004","quantity":3}]}]})").status);

  const std::string changed = changed_since("id, externalid, status, location, custbody_released_to_wms", "transaction",
                                            "type = 'SalesOrd' AND ", after, kMillisModel);
  Object::Ptr page;
  CHECK_EQUAL(std::string(), suiteql(port, changed, "", &page));
  LONGS_EQUAL(2, page->getValue<int>("totalResults"));
  auto rows = page->getArray("items");
  STRCMP_EQUAL("SO-1001", rows->getObject(0)->getValue<std::string>("externalid").c_str());
  STRCMP_EQUAL("D", rows->getObject(0)->getValue<std::string>("status").c_str());
  STRCMP_EQUAL("SO-2", rows->getObject(1)->getValue<std::string>("externalid").c_str());
  STRCMP_EQUAL("T", rows->getObject(1)->getValue<std::string>("custbody_released_to_wms").c_str());
  CHECK(rows->getObject(0)->getValue<std::string>("lastmodified") <= rows->getObject(1)->getValue<std::string>("lastmodified"));

  // All four sales orders, two a page, in (lastmodifieddate, id) order.
  const std::string all = "SELECT id, externalid FROM transaction WHERE type = 'SalesOrd' ORDER BY lastmodifieddate, id";
  std::string seen;
  for (int offset = 0; offset < 6; offset += 2) {
    CHECK_EQUAL(std::string(), suiteql(port, all, "?limit=2&offset=" + std::to_string(offset), &page));
    auto items = page->getArray("items");
    for (unsigned i = 0; i < items->size(); ++i) seen += items->getObject(i)->getValue<std::string>("externalid") + " ";
    CHECK_EQUAL(offset + 2 < 4, page->getValue<bool>("hasMore"));
  }
  STRCMP_EQUAL("SO-3 SO-4 SO-1001 SO-2 ", seen.c_str());

  // Items and ship items carry lastmodifieddate too.
  CHECK_EQUAL(std::string(), suiteql(port, changed_since("id", "item", "", after, kMillisModel), "", &page));
  LONGS_EQUAL(0, page->getValue<int>("count"));
  CHECK_EQUAL(std::string(), suiteql(port, "SELECT itemid, custitem_sb_carrier, custitem_sb_tracking_pattern FROM shipitem ORDER BY id DESC", "", &page));
  STRCMP_EQUAL("DPD", page->getArray("items")->getObject(0)->getValue<std::string>("custitem_sb_carrier").c_str());
}

TEST(ErpSimOrders, SeedingCreatesMasterDataAndOrdersAndTheLedgerShowsEveryRecordAsHeld) {
  HttpResult seeded = http_call(port, "POST", "/_sim/seed", R"({
      "items":[{"id":"20","itemid":"WIDGET","units":[{"name":"Case of 6","rate":6},{"name":"Each","rate":1}]}],
      "shipItems":[{"id":"9100","itemid":"Evri 48","carrier":"EVRI","serviceCode":"EVRI48","trackingPattern":"^H[0-9]{15}$"}],
      "salesOrders":[{"externalId":"SO-W","location":"1","shipMethod":"9100","lines":[{"item":"20","quantity":2,"units":"Case of 6"}]}]})");
  LONGS_EQUAL(200, seeded.status);
  LONGS_EQUAL(1, json_of(seeded.body)->getValue<int>("orders"));
  auto item = get(port, "inventoryItem/20");
  STRCMP_EQUAL("Each", item->getValue<std::string>("baseUnit").c_str());
  auto units = item->getObject("units")->getArray("items");
  STRCMP_EQUAL("Case of 6", units->getObject(1)->getValue<std::string>("unitName").c_str());
  LONGS_EQUAL(6, units->getObject(1)->getValue<int>("conversionRate"));
  STRCMP_EQUAL("^H[0-9]{15}$", get(port, "shipItem/9100")->getValue<std::string>("custitem_sb_tracking_pattern").c_str());
  STRCMP_EQUAL("RM1CLS", get(port, "shipItem/9001")->getValue<std::string>("custitem_sb_service_code").c_str());

  HttpResult bad = http_call(port, "POST", "/_sim/seed", R"({"salesOrders":[{"externalId":"SO-X","lines":[{"item":"999","quantity":1}]}]})");
  LONGS_EQUAL(400, bad.status);
  CHECK(error_field(bad, "detail").find("salesOrders[0].lines[0].item") != std::string::npos);

  LONGS_EQUAL(204, transform(port, "salesOrder/eid:SO-W", "itemFulfillment",
                             R"({"externalId":"SHIP-W","packageList":{"package":[{"packageTrackingNumber":"H123456789012345","packageWeight":2}]}})").status);
  auto ledger_json = ledger(port);
  auto records = ledger_json->getArray("records");
  std::string types;
  for (unsigned i = 0; i < records->size(); ++i) types += records->getObject(i)->getValue<std::string>("type") + " ";
  STRCMP_EQUAL("salesOrder purchaseOrder returnAuthorization salesOrder itemFulfillment ", types.c_str());
  auto fulfilment = records->getObject(4);
  STRCMP_EQUAL("SHIP-W", fulfilment->getValue<std::string>("externalId").c_str());
  auto body = fulfilment->getObject("body");
  STRCMP_EQUAL("H123456789012345",
               body->getObject("packageList")->getArray("package")->getObject(0)->getValue<std::string>("packageTrackingNumber").c_str());
  auto line = body->getObject("item")->getArray("items")->getObject(0);
  LONGS_EQUAL(2, line->getValue<int>("quantity"));
  LONGS_EQUAL(6, line->getValue<int>("unitConversionRate"));
  STRCMP_EQUAL("Evri 48", body->getObject("shipMethod")->getValue<std::string>("refName").c_str());
  auto order = records->getObject(3)->getObject("body");
  LONGS_EQUAL(2, order->getObject("item")->getArray("items")->getObject(0)->getValue<int>("quantityFulfilled"));
  STRCMP_EQUAL("pendingBilling", order->getObject("status")->getValue<std::string>("id").c_str());
}

TEST(ErpSimOrders, TheUomConversionColumnIsKeptOnLinesMadeByTransformsAndMustBeText) {
  HttpResult refused = transform(port, "salesOrder/eid:SO-1001", "itemFulfillment",
                                 R"({"item":{"items":[{"orderLine":1,"custcol_sb_uom_conversion":{"rate":1}}]}})");
  LONGS_EQUAL(400, refused.status);
  STRCMP_EQUAL("USER_ERROR", error_field(refused, "o:errorCode").c_str());
  STRCMP_EQUAL("item.items[0].custcol_sb_uom_conversion", error_field(refused, "o:errorPath").c_str());
  LONGS_EQUAL(0, ledger_count(port, "itemFulfillment"));

  HttpResult shipped = transform(port, "salesOrder/eid:SO-1001", "itemFulfillment",
                                 R"({"externalId":"SHIP-U","item":{"items":[{"orderLine":3,"quantity":2,)"
                                 R"("custcol_sb_uom_conversion":"24 EA / 12 = 2 CS"},{"orderLine":1,"quantity":10}]}})");
  LONGS_EQUAL(204, shipped.status);
  auto lines = get(port, "itemFulfillment/eid:SHIP-U")->getObject("item");
  STRCMP_EQUAL("24 EA / 12 = 2 CS", line_of(lines, 3)->getValue<std::string>("custcol_sb_uom_conversion").c_str());
  LONGS_EQUAL(12, line_of(lines, 3)->getValue<int>("unitConversionRate"));
  CHECK_FALSE(line_of(lines, 1)->has("custcol_sb_uom_conversion"));
  auto ledger_json = json_of(http_call(port, "GET", "/_sim/ledger?type=itemFulfillment").body);
  auto held = ledger_json->getArray("records")->getObject(0)->getObject("body")->getObject("item");
  STRCMP_EQUAL("24 EA / 12 = 2 CS", line_of(held, 3)->getValue<std::string>("custcol_sb_uom_conversion").c_str());

  // A return's receipt and its credit memo keep it too.
  LONGS_EQUAL(204, transform(port, "returnAuthorization/eid:RMA-1", "itemReceipt",
                             R"({"externalId":"RET-U","item":{"items":[{"orderLine":1,"custcol_sb_uom_conversion":"2 EA"}]}})")
                       .status);
  STRCMP_EQUAL("2 EA", line_of(get(port, "itemReceipt/eid:RET-U")->getObject("item"), 1)
                           ->getValue<std::string>("custcol_sb_uom_conversion").c_str());
  LONGS_EQUAL(204, transform(port, "returnAuthorization/eid:RMA-1", "creditMemo",
                             R"({"externalId":"CM-U","item":{"items":[{"orderLine":1,"quantity":2,"custcol_sb_uom_conversion":"2 EA"}]}})")
                       .status);
  STRCMP_EQUAL("2 EA", line_of(get(port, "creditMemo/eid:CM-U")->getObject("item"), 1)
                           ->getValue<std::string>("custcol_sb_uom_conversion").c_str());
}

TEST(ErpSimOrders, TheFeedsQueryShapeGivesStampsToTheSecondAndSelectsOnlyLaterRows) {
  next_second();
  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/seed", R"({"items":[{"id":"30","itemid":"EARLY"}]})").status);
  const std::string early = get(port, "inventoryItem/30")->getValue<std::string>("lastModifiedDate");
  next_second();
  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/seed",
                             R"({"items":[{"id":"31","itemid":"LATE"}],"shipItems":[{"id":"9002","itemid":"DPD Next Day",)"
                             R"("carrier":"DPD","serviceCode":"DPDNEXT","trackingPattern":"^[0-9]{14}$"}],)"
                             R"("salesOrders":[{"externalId":"SO-1001","location":"6","lines":[{"item":"1001","quantity":4}]}]})").status);
  const std::string late = get(port, "inventoryItem/31")->getValue<std::string>("lastModifiedDate");
  const std::string early_second = early.substr(0, 19), late_second = late.substr(0, 19);

  // TO_CHAR gives the record's stamp to the second, in the account's zone (UTC).
  Object::Ptr page;
  CHECK_EQUAL(std::string(), suiteql(port, changed_since("id, itemid, isinactive", "item", "", early_second, kSecondsModel), "", &page));
  STRCMP_EQUAL("EARLY LATE ", column_of(page, "itemid").c_str());  // EARLY's millisecond is past its second
  STRCMP_EQUAL((early_second + " " + late_second + " ").c_str(), column_of(page, "lastmodified").c_str());
  STRCMP_EQUAL("F", page->getArray("items")->getObject(0)->getValue<std::string>("isinactive").c_str());
  CHECK_FALSE(page->getArray("items")->getObject(0)->has("lastmodifieddate"));

  // Only what is later than the instant: to the second, and to the millisecond.
  CHECK_EQUAL(std::string(), suiteql(port, changed_since("id, itemid", "item", "", late_second, kSecondsModel, ">="), "", &page));
  STRCMP_EQUAL("LATE ", column_of(page, "itemid").c_str());
  CHECK_EQUAL(std::string(), suiteql(port, changed_since("id, itemid", "item", "", early.substr(0, 23), kMillisModel), "", &page));
  STRCMP_EQUAL("LATE ", column_of(page, "itemid").c_str());
  CHECK_EQUAL(std::string(), suiteql(port, changed_since("id, itemid", "item", "", late.substr(0, 23), kMillisModel), "", &page));
  LONGS_EQUAL(0, page->getValue<int>("totalResults"));

  // The same shape for ship items and sales orders.
  CHECK_EQUAL(std::string(), suiteql(port, changed_since("id, itemid, isinactive, custitem_sb_carrier", "shipitem", "",
                                                         early_second, kSecondsModel), "", &page));
  STRCMP_EQUAL("9002 ", column_of(page, "id").c_str());
  STRCMP_EQUAL((get(port, "shipItem/9002")->getValue<std::string>("lastModifiedDate").substr(0, 19) + " ").c_str(),
               column_of(page, "lastmodified").c_str());
  CHECK_EQUAL(std::string(), suiteql(port, changed_since("id, externalid, status", "transaction", "type = 'SalesOrd' AND ",
                                                         early_second, kSecondsModel), "", &page));
  STRCMP_EQUAL("SO-1001 ", column_of(page, "externalid").c_str());
  STRCMP_EQUAL((get(port, "salesOrder/eid:SO-1001")->getValue<std::string>("lastModifiedDate").substr(0, 19) + " ").c_str(),
               column_of(page, "lastmodified").c_str());
}

TEST(ErpSimOrders, DateColumnsOrderAndCompareByTheDayNotByTheirText) {
  // In M/D/YYYY, text order would be 10/15/2026, 12/31/2025, 2/1/2026.
  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/seed",
                             R"({"salesOrders":[{"externalId":"SO-FEB","tranDate":"2026-02-01","lines":[{"item":"1001","quantity":1}]},)"
                             R"({"externalId":"SO-OCT","tranDate":"2026-10-15","lines":[{"item":"1001","quantity":1}]},)"
                             R"({"externalId":"SO-DEC","tranDate":"2025-12-31","lines":[{"item":"1001","quantity":1}]}]})").status);
  Object::Ptr page;
  const std::string dated = "SELECT externalid, trandate FROM transaction WHERE externalid IN ('SO-FEB', 'SO-OCT', 'SO-DEC') ";
  CHECK_EQUAL(std::string(), suiteql(port, dated + "ORDER BY trandate", "", &page));
  STRCMP_EQUAL("SO-DEC SO-FEB SO-OCT ", column_of(page, "externalid").c_str());
  STRCMP_EQUAL("12/31/2025 2/1/2026 10/15/2026 ", column_of(page, "trandate").c_str());
  CHECK_EQUAL(std::string(), suiteql(port, dated + "ORDER BY trandate DESC", "", &page));
  STRCMP_EQUAL("SO-OCT SO-FEB SO-DEC ", column_of(page, "externalid").c_str());

  // Literals in the account's format are days; TO_DATE too.
  CHECK_EQUAL(std::string(), suiteql(port, dated + "AND trandate >= '1/1/2026' ORDER BY trandate", "", &page));
  STRCMP_EQUAL("SO-FEB SO-OCT ", column_of(page, "externalid").c_str());
  CHECK_EQUAL(std::string(), suiteql(port, dated + "AND trandate = '2/1/2026'", "", &page));
  STRCMP_EQUAL("SO-FEB ", column_of(page, "externalid").c_str());
  CHECK_EQUAL(std::string(), suiteql(port, dated + "AND trandate < TO_DATE('2026-02-01', 'YYYY-MM-DD')", "", &page));
  STRCMP_EQUAL("SO-DEC ", column_of(page, "externalid").c_str());

  // Ordered by a TO_CHAR alias: by its text.
  CHECK_EQUAL(std::string(), suiteql(port, "SELECT externalid, TO_CHAR(trandate, 'DD/MM/YYYY') AS d FROM transaction "
                                           "WHERE externalid IN ('SO-FEB', 'SO-OCT', 'SO-DEC') ORDER BY d", "", &page));
  STRCMP_EQUAL("01/02/2026 15/10/2026 31/12/2025 ", column_of(page, "d").c_str());
}
