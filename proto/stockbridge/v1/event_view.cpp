#include "stockbridge/v1/event_view.h"

#include "platform/core/clock.h"

namespace stockbridge::v1 {
namespace {

using sb::Json;

Json str(const std::string& s) { return Json::string(s); }
Json num(int64_t v) { return Json::number(v); }

Json receipt_lines(const google::protobuf::RepeatedPtrField<ReceiptLine>& lines) {
  Json out = Json::array();
  for (const ReceiptLine& l : lines) {
    Json j = Json::object();
    j.set("line_ref", str(l.line_ref()));
    j.set("sku", str(l.sku()));
    j.set("expected_quantity", num(l.expected_quantity()));
    j.set("received_quantity", num(l.received_quantity()));
    j.set("unit", str(l.unit()));
    if (!l.location().empty()) j.set("location", str(l.location()));
    if (!l.disposition().empty()) j.set("disposition", str(l.disposition()));
    out.push(std::move(j));
  }
  return out;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

Json event_view(const Event& e) {
  Json j = Json::object();
  j.set("event_id", str(e.event_id()));
  j.set("site_id", str(e.site_id()));
  j.set("seq", num(static_cast<int64_t>(e.seq())));
  j.set("occurred_at", str(sb::format_iso8601(e.occurred_at_ms())));
  j.set("business_key", str(e.business_key()));
  if (e.has_stock_adjustment()) {
    const StockAdjustment& a = e.stock_adjustment();
    Json b = Json::object();
    b.set("sku", str(a.sku()));
    b.set("warehouse", str(a.warehouse()));
    b.set("location", str(a.location()));
    b.set("quantity_delta", num(a.quantity_delta()));
    b.set("unit", str(a.unit()));
    b.set("reason_code", str(a.reason_code()));
    j.set("stock_adjustment", std::move(b));
  } else if (e.has_shipment()) {
    const Shipment& s = e.shipment();
    Json b = Json::object();
    b.set("order_reference", str(s.order_reference()));
    b.set("erp_order_id", str(s.erp_order_id()));
    b.set("shipment_reference", str(s.shipment_reference()));
    b.set("warehouse", str(s.warehouse()));
    b.set("carrier", str(s.carrier()));
    b.set("carrier_service", str(s.carrier_service()));
    b.set("tracking_number", str(s.tracking_number()));
    Json lines = Json::array();
    for (const ShipmentLine& l : s.lines()) {
      Json lj = Json::object();
      lj.set("order_line_ref", str(l.order_line_ref()));
      lj.set("sku", str(l.sku()));
      lj.set("quantity", num(l.quantity()));
      lj.set("unit", str(l.unit()));
      lines.push(std::move(lj));
    }
    b.set("lines", std::move(lines));
    j.set("shipment", std::move(b));
  } else if (e.has_goods_receipt()) {
    const GoodsReceipt& g = e.goods_receipt();
    Json b = Json::object();
    b.set("po_reference", str(g.po_reference()));
    b.set("erp_po_id", str(g.erp_po_id()));
    b.set("warehouse", str(g.warehouse()));
    b.set("lines", receipt_lines(g.lines()));
    j.set("goods_receipt", std::move(b));
  } else if (e.has_return_receipt()) {
    const ReturnReceipt& r = e.return_receipt();
    Json b = Json::object();
    b.set("rma_reference", str(r.rma_reference()));
    b.set("erp_return_id", str(r.erp_return_id()));
    b.set("warehouse", str(r.warehouse()));
    b.set("lines", receipt_lines(r.lines()));
    j.set("return_receipt", std::move(b));
  } else if (e.has_inventory_snapshot()) {
    const InventorySnapshot& s = e.inventory_snapshot();
    Json b = Json::object();
    b.set("warehouse", str(s.warehouse()));
    b.set("balances", num(s.balances_size()));
    b.set("part", num(s.part()));
    b.set("parts", num(s.parts()));
    j.set("inventory_snapshot", std::move(b));
  }
  return j;
}

sb::Status patch_event(Event* e, const std::string& field, const std::string& value, std::string* change) {
  if (value.empty()) return sb::Status::InvalidArgument(field + ": a correction cannot be empty");
  if (value.size() > 200) return sb::Status::InvalidArgument(field + ": longer than 200 characters");
  std::string* target = nullptr;
  if (field == "sku" || field == "unit") {
    if (!e->has_stock_adjustment())
      return sb::Status::InvalidArgument(field + ": only a stock adjustment's " + field + " can be corrected");
    StockAdjustment* a = e->mutable_stock_adjustment();
    target = field == "sku" ? a->mutable_sku() : a->mutable_unit();
  } else if (field == "warehouse") {
    if (e->has_stock_adjustment()) target = e->mutable_stock_adjustment()->mutable_warehouse();
    else if (e->has_shipment()) target = e->mutable_shipment()->mutable_warehouse();
    else if (e->has_goods_receipt()) target = e->mutable_goods_receipt()->mutable_warehouse();
    else if (e->has_return_receipt()) target = e->mutable_return_receipt()->mutable_warehouse();
    else return sb::Status::InvalidArgument("warehouse: this event has none to correct");
  } else if (field == "carrier" || field == "carrier_service" || field == "tracking_number") {
    if (!e->has_shipment()) return sb::Status::InvalidArgument(field + ": only a shipment has one");
    Shipment* s = e->mutable_shipment();
    if (field == "tracking_number") {
      for (Package& p : *s->mutable_packages())
        if (p.tracking_number().empty() || p.tracking_number() == s->tracking_number()) p.set_tracking_number(value);
      target = s->mutable_tracking_number();
    } else {
      target = field == "carrier" ? s->mutable_carrier() : s->mutable_carrier_service();
    }
  } else {
    return sb::Status::InvalidArgument(field + ": not a field that can be corrected");
  }
  if (change) *change = field + ": " + quoted(*target) + " -> " + quoted(value);
  *target = value;
  return sb::Status::Ok();
}

sb::Status patch_event(Event* e, const std::map<std::string, std::string>& patch, std::string* changes) {
  changes->clear();
  for (const auto& [field, value] : patch) {
    std::string change;
    SB_RETURN_IF_ERROR(patch_event(e, field, value, &change));
    *changes += (changes->empty() ? "" : "; ") + change;
  }
  return sb::Status::Ok();
}

std::vector<std::string> patchable(const Event& e, const std::vector<std::string>& fields) {
  std::vector<std::string> out;
  for (const std::string& f : fields) {
    Event copy = e;
    std::string change;
    if (patch_event(&copy, f, "x", &change).ok()) out.push_back(f);
  }
  return out;
}

std::vector<std::string> event_skus(const Event& e) {
  std::vector<std::string> out;
  if (e.has_stock_adjustment()) out.push_back(e.stock_adjustment().sku());
  for (const ShipmentLine& l : e.shipment().lines()) out.push_back(l.sku());
  for (const ReceiptLine& l : e.goods_receipt().lines()) out.push_back(l.sku());
  for (const ReceiptLine& l : e.return_receipt().lines()) out.push_back(l.sku());
  return out;
}

}  // namespace stockbridge::v1
