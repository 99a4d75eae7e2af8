// Clarus records -> events: what the ERP will be told for each kind of
// record, and records that must not become events (yet).
#include <string>

#include "agent/clarus/clarus_events.h"
#include "platform/core/clock.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;

namespace {

const ClarusSite kSite{"site-1", "WH1"};

Json record(const std::string& text) {
  Result<Json> j = Json::parse(text);
  CHECK_TRUE_TEXT(j.ok(), j.status().to_string().c_str());
  return std::move(j).value();
}

int64_t at(const char* iso) {
  int64_t ms = 0;
  CHECK(parse_iso8601(iso, &ms));
  return ms;
}

std::string shipment_json(int id, const std::string& lines, const std::string& goods_out_ref = "SO-1001") {
  return R"({"id":)" + std::to_string(id) + R"(,"reference":"SHP-)" + std::to_string(id) +
         R"(","status":"dispatched","collection_datetime":"2026-11-26T10:42:00Z","packages_count":1,
      "tracking_number":"RM123GB","carrier":{"id":3,"code":"ROYALMAIL","name":"Royal Mail"},
      "carrier_service":{"id":9,"code":"RM1CLS","name":"1st class"},
      "goods_out":{"id":42,"reference":")" + goods_out_ref + R"(","external_system_reference1":"so-88"},
      "packages":[{"reference":"P1","tracking_number":"RM123GB","weight":1.5,"height":10,"length":20,"width":30}],
      "lines":)" + lines + "}";
}

std::string receipt_json(const std::string& type, const std::string& status, const std::string& lines) {
  return R"({"id":77,"reference":"REF-9","status":")" + status + R"(","receipt_type":")" + type +
         R"(","actual_date_of_receipt":"2026-11-26T08:00:00Z","warehouse":{"id":1,"code":"WH1"},
      "external_system_reference1":"erp-9","lines":)" + lines + "}";
}

const char* kReturnLines = R"([
  {"id":1,"alt_line_reference":"L1","product":{"code":"SKU-1"},"expected_quantity":2,"received_quantity":2,"location":{"code":"RET-1"},"string1":"restock"},
  {"id":2,"alt_line_reference":"L2","product":{"code":"SKU-2"},"expected_quantity":1,"received_quantity":1,"location":{"code":"RET-1"},"string1":"scrap"}])";

}  // namespace

TEST_GROUP(ClarusEvents){};

TEST(ClarusEvents, ShipmentCarriesCarrierTrackingPackagesAndLines) {
  Result<v1::Event> e = shipment_event(kSite, record(shipment_json(501, R"([
      {"goods_out_line_id":7,"alt_line_reference":"1","product":{"code":"SKU-1"},"quantity":3}])")));
  CHECK_TRUE_TEXT(e.ok(), e.status().to_string().c_str());
  STRCMP_EQUAL("clarus:site-1:shipment:501", e->event_id().c_str());
  STRCMP_EQUAL("order:SO-1001", e->business_key().c_str());
  LONGS_EQUAL(at("2026-11-26T10:42:00Z"), e->occurred_at_ms());
  const v1::Shipment& s = e->shipment();
  STRCMP_EQUAL("SO-1001", s.order_reference().c_str());
  STRCMP_EQUAL("so-88", s.erp_order_id().c_str());
  STRCMP_EQUAL("42", s.clarus_goods_out_id().c_str());
  STRCMP_EQUAL("ROYALMAIL", s.carrier().c_str());
  STRCMP_EQUAL("RM1CLS", s.carrier_service().c_str());
  STRCMP_EQUAL("RM123GB", s.tracking_number().c_str());
  STRCMP_EQUAL("WH1", s.warehouse().c_str());
  LONGS_EQUAL(1, s.packages_size());
  DOUBLES_EQUAL(1.5, s.packages(0).weight(), 1e-9);
  LONGS_EQUAL(1, s.lines_size());
  STRCMP_EQUAL("1", s.lines(0).order_line_ref().c_str());
  STRCMP_EQUAL("7", s.lines(0).clarus_line_id().c_str());
  LONGS_EQUAL(3, s.lines(0).quantity());
  CHECK_FALSE(s.order_complete());
  CHECK(shipment_event(kSite, record(shipment_json(501, R"([{"product":{"code":"SKU-1"},"quantity":3}])")), true)
            ->shipment()
            .order_complete());
}

TEST(ClarusEvents, PartialShipmentsOfOneOrderAreSeparateEventsOnOneKey) {
  // Order line 1 asked for 5: 2 left first, 3 later.
  Result<v1::Event> first = shipment_event(kSite, record(shipment_json(501, R"([
      {"goods_out_line_id":7,"alt_line_reference":"1","product":{"code":"SKU-1"},"quantity":2}])")));
  Result<v1::Event> second = shipment_event(kSite, record(shipment_json(502, R"([
      {"goods_out_line_id":7,"alt_line_reference":"1","product":{"code":"SKU-1"},"quantity":3},
      {"goods_out_line_id":8,"alt_line_reference":"2","product":{"code":"SKU-2"},"quantity":1}])")));
  CHECK(first.ok() && second.ok());
  CHECK(first->event_id() != second->event_id());
  STRCMP_EQUAL(first->business_key().c_str(), second->business_key().c_str());
  LONGS_EQUAL(2, first->shipment().lines(0).quantity());
  LONGS_EQUAL(3, second->shipment().lines(0).quantity());
  LONGS_EQUAL(2, second->shipment().lines_size());
}

TEST(ClarusEvents, AShipmentNotYetDispatchedIsNotAnEventYet) {
  std::string packing = shipment_json(5, R"([{"goods_out_line_id":1,"alt_line_reference":"1","product":{"code":"SKU-1"},"quantity":2}])");
  packing.replace(packing.find("\"dispatched\""), 12, "\"packing\"");
  Result<Json> j = Json::parse(packing);
  CHECK_TRUE(j.ok());
  Result<v1::Event> e = shipment_event(ClarusSite{"site-1", "WH1"}, *j);
  CHECK_FALSE(e.ok());
  CHECK_TRUE_TEXT(e.status().message().find("packing, not dispatched") != std::string::npos, e.status().message().c_str());
}

TEST(ClarusEvents, ShipmentMissingWhatTheEventNeedsNamesTheField) {
  Result<v1::Event> no_order = shipment_event(kSite, record(R"({"id":5,"collection_datetime":"2026-11-26T10:42:00Z",
      "lines":[{"product":{"code":"SKU-1"},"quantity":1}]})"));
  LONGS_EQUAL(static_cast<int>(Code::kInvalidArgument), static_cast<int>(no_order.status().code()));
  CHECK(no_order.status().message().find("goods_out.reference") != std::string::npos);

  Result<v1::Event> fraction = shipment_event(kSite, record(shipment_json(5, R"([{"product":{"code":"SKU-1"},"quantity":1.5}])")));
  CHECK(fraction.status().message().find("lines[0]: quantity is not an integer") != std::string::npos);

  Result<v1::Event> no_sku = shipment_event(kSite, record(shipment_json(5, R"([{"quantity":1}])")));
  CHECK(no_sku.status().message().find("product.code") != std::string::npos);

  Result<v1::Event> no_lines = shipment_event(kSite, record(shipment_json(5, "[]")));
  CHECK(no_lines.status().message().find("lines") != std::string::npos);
}

TEST(ClarusEvents, CompletedPurchaseOrderReceiptIsAGoodsReceipt) {
  Result<v1::Event> e = receipt_event(kSite, record(receipt_json("purchase_order", "completed", R"([
      {"id":1,"alt_line_reference":"L1","product":{"code":"SKU-1"},"expected_quantity":10,"received_quantity":8,"location":{"code":"A-01"}}])")));
  CHECK_TRUE_TEXT(e.ok(), e.status().to_string().c_str());
  STRCMP_EQUAL("clarus:site-1:receipt:77", e->event_id().c_str());
  STRCMP_EQUAL("po:REF-9", e->business_key().c_str());
  CHECK(e->has_goods_receipt());
  STRCMP_EQUAL("erp-9", e->goods_receipt().erp_po_id().c_str());
  LONGS_EQUAL(8, e->goods_receipt().lines(0).received_quantity());
  LONGS_EQUAL(10, e->goods_receipt().lines(0).expected_quantity());
  STRCMP_EQUAL("A-01", e->goods_receipt().lines(0).location().c_str());
  LONGS_EQUAL(at("2026-11-26T08:00:00Z"), e->goods_receipt().received_at_ms());
}

// Each line carries the stock unit type its product counts in, so the relay
// converts cases to the ERP's units from what Clarus counted, never a guess.
TEST(ClarusEvents, LinesCarryTheirProductsStockUnit) {
  Result<v1::Event> r = receipt_event(kSite, record(receipt_json("purchase_order", "completed", R"([
      {"id":1,"alt_line_reference":"L1","product":{"code":"CASE-SKU","stock_unit_type":{"id":"u2","code":"CS"}},"received_quantity":10},
      {"id":2,"alt_line_reference":"L2","product":{"code":"SKU-1"},"received_quantity":1}])")));
  CHECK_TRUE_TEXT(r.ok(), r.status().to_string().c_str());
  STRCMP_EQUAL("CS", r->goods_receipt().lines(0).unit().c_str());
  STRCMP_EQUAL("", r->goods_receipt().lines(1).unit().c_str());  // not said: the relay takes the item's stock unit
  Result<v1::Event> s = shipment_event(kSite, record(shipment_json(502, R"([
      {"goods_out_line_id":7,"alt_line_reference":"1","product":{"code":"SKU-1","stock_unit_type":{"code":"EACH"}},"quantity":3}])")));
  CHECK_TRUE_TEXT(s.ok(), s.status().to_string().c_str());
  STRCMP_EQUAL("EACH", s->shipment().lines(0).unit().c_str());
}

TEST(ClarusEvents, ReceiptDatedWithADayOnlyIsMidnightUtc) {
  Json r = record(receipt_json("purchase_order", "completed", R"([{"product":{"code":"SKU-1"},"received_quantity":1}])"));
  r.set("actual_date_of_receipt", Json::string("2026-11-26"));
  LONGS_EQUAL(at("2026-11-26T00:00:00Z"), receipt_event(kSite, r)->occurred_at_ms());
}

TEST(ClarusEvents, ReceiptStillBeingReceivedIsNotAFactYet) {
  Result<v1::Event> e = receipt_event(kSite, record(receipt_json("purchase_order", "receiving", "[]")));
  LONGS_EQUAL(static_cast<int>(Code::kFailedPrecondition), static_cast<int>(e.status().code()));
  CHECK(receipt_state(record(receipt_json("purchase_order", "pending", "[]"))) == ReceiptState::kOpen);
  CHECK(receipt_state(record(receipt_json("purchase_order", "cancelled", "[]"))) == ReceiptState::kCancelled);
}

TEST(ClarusEvents, CompletedReturnWithDispositionsIsAReturnReceipt) {
  Result<v1::Event> e = receipt_event(kSite, record(receipt_json("return", "completed", kReturnLines)));
  CHECK_TRUE_TEXT(e.ok(), e.status().to_string().c_str());
  STRCMP_EQUAL("clarus:site-1:return:77", e->event_id().c_str());
  STRCMP_EQUAL("rma:REF-9", e->business_key().c_str());
  const v1::ReturnReceipt& r = e->return_receipt();
  STRCMP_EQUAL("REF-9", r.rma_reference().c_str());
  STRCMP_EQUAL("erp-9", r.erp_return_id().c_str());
  STRCMP_EQUAL("restock", r.lines(0).disposition().c_str());
  STRCMP_EQUAL("scrap", r.lines(1).disposition().c_str());
  STRCMP_EQUAL("L2", r.lines(1).line_ref().c_str());
}

TEST(ClarusEvents, ReturnLineWithoutAValidDispositionIsNotInspected) {
  Result<v1::Event> none = receipt_event(kSite, record(receipt_json("return", "completed", R"([
      {"id":1,"product":{"code":"SKU-1"},"received_quantity":2,"string1":"restock"},
      {"id":2,"product":{"code":"SKU-2"},"received_quantity":1}])")));
  LONGS_EQUAL(static_cast<int>(Code::kFailedPrecondition), static_cast<int>(none.status().code()));
  CHECK(none.status().message().find("lines[1]: not yet inspected") != std::string::npos);
  Result<v1::Event> odd = receipt_event(kSite, record(receipt_json("return", "completed", R"([
      {"id":1,"product":{"code":"SKU-1"},"received_quantity":2,"string1":"resell"}])")));
  CHECK_FALSE(odd.ok());
}

TEST(ClarusEvents, ReceiptOfUnknownTypeOrWithoutReferenceIsRefused) {
  Json r = record(receipt_json("transfer", "completed", kReturnLines));
  CHECK(receipt_event(kSite, r).status().message().find("receipt_type") != std::string::npos);
  r = record(receipt_json("purchase_order", "completed", kReturnLines));
  r.set("reference", Json());
  CHECK(receipt_event(kSite, r).status().message().find("reference is missing") != std::string::npos);
  r = record(receipt_json("purchase_order", "completed", R"([{"product":{"code":"SKU-1"},"received_quantity":"2"}])"));
  CHECK(receipt_event(kSite, r).status().message().find("received_quantity is not an integer") != std::string::npos);
}

TEST(ClarusEvents, NegativeAdjustmentHasANegativeDelta) {
  const char* text = R"({"id":900,"quantity":5,"adjustment_type":"negative","reason_code":{"id":"DMG","code":"DAMAGED"},
      "product":{"code":"SKU-1"},"location":{"code":"A-01"},"warehouse":{"id":1,"code":"WH1"},"created_at":"2026-11-26T11:00:00Z"})";
  Result<v1::Event> e = adjustment_event(kSite, record(text));
  CHECK_TRUE_TEXT(e.ok(), e.status().to_string().c_str());
  STRCMP_EQUAL("clarus:site-1:adjustment:900", e->event_id().c_str());
  STRCMP_EQUAL("stock:WH1:SKU-1", e->business_key().c_str());
  const v1::StockAdjustment& a = e->stock_adjustment();
  LONGS_EQUAL(-5, a.quantity_delta());
  STRCMP_EQUAL("DAMAGED", a.reason_code().c_str());
  STRCMP_EQUAL("A-01", a.location().c_str());
  STRCMP_EQUAL("WH1", a.warehouse().c_str());
  STRCMP_EQUAL("900", a.clarus_reference().c_str());
  LONGS_EQUAL(at("2026-11-26T11:00:00Z"), e->occurred_at_ms());

  // Already signed, or positive: kept as Clarus says.
  Json signed_record = record(text);
  signed_record.set("quantity", Json::number(int64_t{-3}));
  LONGS_EQUAL(-3, adjustment_event(kSite, signed_record)->stock_adjustment().quantity_delta());
  signed_record.set("adjustment_type", Json::string("positive"));
  signed_record.set("quantity", Json::number(int64_t{4}));
  LONGS_EQUAL(4, adjustment_event(kSite, signed_record)->stock_adjustment().quantity_delta());
}

TEST(ClarusEvents, AdjustmentMissingWhatTheEventNeedsNamesTheField) {
  Json r = record(R"({"id":900,"quantity":5,"product":{"code":"SKU-1"},"created_at":"2026-11-26T11:00:00Z"})");
  CHECK(adjustment_event(kSite, r).ok());  // warehouse falls back to the site's
  STRCMP_EQUAL("WH1", adjustment_event(kSite, r)->stock_adjustment().warehouse().c_str());
  Json no_sku = r;
  no_sku.set("product", Json::object());
  CHECK(adjustment_event(kSite, no_sku).status().message().find("product.code") != std::string::npos);
  Json fraction = r;
  fraction.set("quantity", Json::number(2.5));
  CHECK(adjustment_event(kSite, fraction).status().message().find("quantity is not an integer") != std::string::npos);
  Json no_time = r;
  no_time.set("created_at", Json::string("yesterday"));
  CHECK(adjustment_event(kSite, no_time).status().message().find("created_at") != std::string::npos);
  Json no_id = r;
  no_id.set("id", Json());
  CHECK(adjustment_event(kSite, no_id).status().message().find("id is missing") != std::string::npos);
}

TEST(ClarusEvents, SnapshotComesInNumberedPartsOfOneKey) {
  std::vector<v1::StockBalance> balances;
  for (int i = 0; i < 5; ++i) {
    Result<v1::StockBalance> b = stock_balance(record(R"({"available":)" + std::to_string(i) +
                                                      R"(,"allocated":1,"ordered":0,"received":2,"picked":0,"product":{"id":1,"code":"SKU-)" +
                                                      std::to_string(i) + R"("},"warehouse":{"id":1}})"));
    CHECK(b.ok());
    balances.push_back(*b);
  }
  std::vector<v1::Event> parts = snapshot_events(kSite, balances, 1'764'172'800'000, 2);
  LONGS_EQUAL(3, parts.size());
  STRCMP_EQUAL("clarus:site-1:snapshot:WH1:1764172800000:1", parts[0].event_id().c_str());
  STRCMP_EQUAL("clarus:site-1:snapshot:WH1:1764172800000:3", parts[2].event_id().c_str());
  STRCMP_EQUAL("snapshot:WH1", parts[2].business_key().c_str());
  LONGS_EQUAL(3, parts[2].inventory_snapshot().parts());
  LONGS_EQUAL(1, parts[2].inventory_snapshot().balances_size());
  STRCMP_EQUAL("SKU-4", parts[2].inventory_snapshot().balances(0).sku().c_str());
  LONGS_EQUAL(1, snapshot_events(kSite, {}, 1, 2).size());  // an empty warehouse is still said
  CHECK_FALSE(stock_balance(record(R"({"available":1.5,"product":{"code":"SKU-1"}})")).ok());
}

TEST(ClarusEvents, WebhookEnvelopeGivesTheRecordWithItsId) {
  Result<WebhookRecord> w = parse_webhook(R"({"data":{"id":77,"type":"goods_in_receipts","attributes":{"status":"completed"}}})");
  CHECK(w.ok());
  STRCMP_EQUAL("goods_in_receipts", w->type.c_str());
  STRCMP_EQUAL("77", record_id(w->record).c_str());
  int64_t id = 0;
  CHECK(record_int_id(w->record, &id));
  LONGS_EQUAL(77, id);
  CHECK_FALSE(parse_webhook("{\"data\":").ok());
  CHECK_FALSE(parse_webhook(R"({"data":{"id":1,"type":"stocks"}})").ok());
  CHECK_FALSE(parse_webhook(R"([1,2])").ok());
}
