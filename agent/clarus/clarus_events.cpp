#include "agent/clarus/clarus_events.h"

#include "platform/core/clock.h"

namespace sb::agent {

const char* const kShipmentFields =
    "id reference status collection_datetime packages_count tracking_number carrier { id code name } "
    "carrier_service { id code name } goods_out { id reference external_system_reference1 } "
    "packages { reference tracking_number weight height length width } "
    "lines { goods_out_line_id alt_line_reference product { code stock_unit_type { code } } quantity }";
const char* const kReceiptFields =
    "id reference status receipt_type expected_date_of_receipt actual_date_of_receipt warehouse { id code } "
    "account { id code } external_system_reference1 "
    "lines { id alt_line_reference product { code stock_unit_type { code } } expected_quantity received_quantity "
    "location { code } string1 }";
const char* const kAdjustmentFields =
    "id quantity adjustment_type reason_code { id code } product { code stock_unit_type { code } } location { code } "
    "warehouse { id code } "
    "created_at";
const char* const kBalanceFields =
    "available allocated ordered received picked product { id code stock_unit_type { code } } warehouse { id }";

namespace {

// The error of a record that lacks what its event needs: names the record and the field.
Status missing(const std::string& what, const std::string& field, const char* why = "is missing") {
  return Status::InvalidArgument(what + ": " + field + " " + why);
}

const Json* member(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  const Json* v = obj.find(key);
  return (v && !v->is_null()) ? v : nullptr;
}

// A string member, or a nested object's member ("carrier" -> "code"); "" when absent.
std::string text(const Json& obj, std::string_view key) {
  const Json* v = member(obj, key);
  return v && v->is_string() ? v->as_string() : "";
}
std::string nested_text(const Json& obj, std::string_view key, std::string_view inner) {
  const Json* v = member(obj, key);
  return v ? text(*v, inner) : "";
}

Status required_text(const Json& obj, const std::string& what, std::string_view key, std::string* out) {
  *out = text(obj, key);
  if (out->empty()) return missing(what, std::string(key));
  return Status::Ok();
}

// Clarus quantities are whole units; a fraction or a string is refused rather
// than rounded, so the ERP never posts a quantity nobody counted.
Status integer(const Json& obj, const std::string& what, std::string_view key, bool required, int64_t* out) {
  *out = 0;
  const Json* v = member(obj, key);
  if (!v) return required ? missing(what, std::string(key)) : Status::Ok();
  if (!v->is_number() || !v->as_int64(out)) return missing(what, std::string(key), "is not an integer");
  return Status::Ok();
}

// Clarus dates come as full ISO-8601 times or, for receipt dates, as a bare
// YYYY-MM-DD (taken as midnight UTC).
Status when(const Json& obj, const std::string& what, std::string_view key, int64_t* ms) {
  std::string t = text(obj, key);
  if (t.empty()) return missing(what, std::string(key));
  if (t.size() == 10) t += "T00:00:00Z";
  if (!parse_iso8601(t, ms)) return missing(what, std::string(key), "is not an ISO-8601 time");
  return Status::Ok();
}

// Why a string id is refused, or nullptr when it is usable.
const char* bad_id(const std::string& id) {
  if (id.size() > kMaxRecordIdLength) return "is longer than 64 characters";
  for (unsigned char c : id)
    if (c < 0x20 || c == 0x7f) return "holds a control character";
  return nullptr;
}

std::string id_of(const Json* v) {
  if (!v) return "";
  int64_t n = 0;
  if (v->is_number()) return v->as_int64(&n) ? v->as_string() : "";
  if (!v->is_string() || bad_id(v->as_string())) return "";
  return v->as_string();
}

const std::vector<Json>& lines_of(const Json& record) {
  static const std::vector<Json> kNone;
  const Json* v = member(record, "lines");
  return v && v->is_array() ? v->items() : kNone;
}

double number_or_zero(const Json& obj, std::string_view key) {
  const Json* v = member(obj, key);
  return v && v->is_number() ? v->as_double() : 0.0;
}

// The Clarus stock unit type the quantity is counted in (its product's); ""
// when the record does not say, and the relay then takes the item's stock unit.
std::string unit_of(const Json& record) {
  const Json* product = member(record, "product");
  return product ? nested_text(*product, "stock_unit_type", "code") : "";
}

v1::Event base_event(const ClarusSite& site, std::string kind, const std::string& id, std::string business_key,
                     int64_t occurred_at_ms) {
  v1::Event e;
  e.set_event_id("clarus:" + site.site_id + ":" + kind + ":" + id);
  e.set_site_id(site.site_id);
  e.set_business_key(std::move(business_key));
  e.set_occurred_at_ms(occurred_at_ms);
  return e;
}

Status shipment_line(const Json& line, const std::string& what, v1::ShipmentLine* out) {
  int64_t qty = 0;
  SB_RETURN_IF_ERROR(integer(line, what, "quantity", true, &qty));
  std::string sku = nested_text(line, "product", "code");
  if (sku.empty()) return missing(what, "product.code");
  out->set_sku(sku);
  out->set_quantity(qty);
  out->set_unit(unit_of(line));
  out->set_order_line_ref(text(line, "alt_line_reference"));
  out->set_clarus_line_id(id_of(member(line, "goods_out_line_id")));
  return Status::Ok();
}

Status receipt_line(const Json& line, const std::string& what, bool is_return, v1::ReceiptLine* out) {
  int64_t received = 0, expected = 0;
  SB_RETURN_IF_ERROR(integer(line, what, "received_quantity", true, &received));
  SB_RETURN_IF_ERROR(integer(line, what, "expected_quantity", false, &expected));
  std::string sku = nested_text(line, "product", "code");
  if (sku.empty()) return missing(what, "product.code");
  out->set_sku(sku);
  out->set_received_quantity(received);
  out->set_unit(unit_of(line));
  out->set_expected_quantity(expected);
  out->set_line_ref(text(line, "alt_line_reference"));
  out->set_clarus_line_id(id_of(member(line, "id")));
  out->set_location(nested_text(line, "location", "code"));
  if (is_return) {
    // The inspection result is recorded before the receipt is completed
    // (docs/clarus-model.md, Returns); without it the ERP cannot tell restock
    // from scrap, so the receipt waits rather than guessing.
    const std::string d = text(line, "string1");
    if (d != "restock" && d != "quarantine" && d != "scrap")
      return Status::FailedPrecondition(what + ": not yet inspected (string1 disposition is '" + d +
                                        "', expected restock, quarantine or scrap)");
    out->set_disposition(d);
  }
  return Status::Ok();
}

}  // namespace

std::string record_id(const Json& record) { return id_of(member(record, "id")); }

Status check_record_id(const Json& record, const std::string& what) {
  const Json* v = member(record, "id");
  if (v && v->is_string())
    if (const char* why = bad_id(v->as_string())) return missing(what, "id", why);
  if (record_id(record).empty()) return missing(what, "id");
  return Status::Ok();
}

bool record_int_id(const Json& record, int64_t* id) {
  const Json* v = member(record, "id");
  if (v && v->is_number()) return v->as_int64(id);
  if (!v || !v->is_string() || v->as_string().empty()) return false;
  // Webhook envelopes may quote integer ids.
  Result<Json> n = Json::parse(v->as_string());
  return n.ok() && n->as_int64(id);
}

Result<v1::Event> shipment_event(const ClarusSite& site, const Json& shipment, bool order_complete) {
  const std::string id = record_id(shipment);
  SB_RETURN_IF_ERROR(check_record_id(shipment, "shipment"));
  const std::string what = "shipment " + id;
  // Only what has left is a shipment to post; one still being packed is read
  // again (its tracking number may come later) rather than journaled early.
  if (const std::string status = text(shipment, "status"); !status.empty() && status != "dispatched")
    return Status::FailedPrecondition(what + " is " + status + ", not dispatched yet");
  const Json* goods_out = member(shipment, "goods_out");
  std::string order_ref = goods_out ? text(*goods_out, "reference") : "";
  if (order_ref.empty()) return missing(what, "goods_out.reference");
  int64_t at = 0;
  SB_RETURN_IF_ERROR(when(shipment, what, "collection_datetime", &at));

  v1::Event e = base_event(site, "shipment", id, "order:" + order_ref, at);
  v1::Shipment* s = e.mutable_shipment();
  s->set_order_reference(order_ref);
  s->set_erp_order_id(text(*goods_out, "external_system_reference1"));
  s->set_clarus_goods_out_id(id_of(member(*goods_out, "id")));
  s->set_clarus_shipment_id(id);
  s->set_shipment_reference(text(shipment, "reference"));
  s->set_carrier(nested_text(shipment, "carrier", "code"));
  s->set_carrier_service(nested_text(shipment, "carrier_service", "code"));
  s->set_tracking_number(text(shipment, "tracking_number"));
  s->set_dispatched_at_ms(at);
  s->set_warehouse(site.warehouse_code);
  s->set_order_complete(order_complete);
  if (const Json* packages = member(shipment, "packages"); packages && packages->is_array()) {
    for (const Json& p : packages->items()) {
      v1::Package* pkg = s->add_packages();
      pkg->set_reference(text(p, "reference"));
      pkg->set_tracking_number(text(p, "tracking_number"));
      pkg->set_weight(number_or_zero(p, "weight"));
      pkg->set_height(number_or_zero(p, "height"));
      pkg->set_length(number_or_zero(p, "length"));
      pkg->set_width(number_or_zero(p, "width"));
    }
  }
  const std::vector<Json>& lines = lines_of(shipment);
  // A shipment with no lines says nothing the ERP can fulfil: the record is
  // incomplete (or the tenant does not expose lines), not an empty dispatch.
  if (lines.empty()) return missing(what, "lines");
  for (size_t i = 0; i < lines.size(); ++i)
    SB_RETURN_IF_ERROR(shipment_line(lines[i], what + " lines[" + std::to_string(i) + "]", s->add_lines()));
  return e;
}

ReceiptState receipt_state(const Json& receipt) {
  const std::string status = text(receipt, "status");
  if (status == "completed") return ReceiptState::kCompleted;
  if (status == "cancelled") return ReceiptState::kCancelled;
  return ReceiptState::kOpen;
}

Result<v1::Event> receipt_event(const ClarusSite& site, const Json& receipt) {
  const std::string id = record_id(receipt);
  SB_RETURN_IF_ERROR(check_record_id(receipt, "goods-in receipt"));
  const std::string what = "goods-in receipt " + id;
  if (receipt_state(receipt) != ReceiptState::kCompleted)
    return Status::FailedPrecondition(what + " is " + (text(receipt, "status").empty() ? "without status" : text(receipt, "status")) +
                                      ", not completed");
  const std::string type = text(receipt, "receipt_type");
  if (type != "purchase_order" && type != "return")
    return missing(what, "receipt_type", type.empty() ? "is missing" : "is neither purchase_order nor return");
  const bool is_return = type == "return";
  std::string reference;
  SB_RETURN_IF_ERROR(required_text(receipt, what, "reference", &reference));
  int64_t at = 0;
  SB_RETURN_IF_ERROR(when(receipt, what, "actual_date_of_receipt", &at));
  std::string warehouse = nested_text(receipt, "warehouse", "code");
  if (warehouse.empty()) warehouse = site.warehouse_code;
  const std::vector<Json>& lines = lines_of(receipt);
  if (lines.empty()) return missing(what, "lines");

  v1::Event e = base_event(site, is_return ? "return" : "receipt", id, (is_return ? "rma:" : "po:") + reference, at);
  google::protobuf::RepeatedPtrField<v1::ReceiptLine>* out_lines = nullptr;
  if (is_return) {
    v1::ReturnReceipt* r = e.mutable_return_receipt();
    r->set_rma_reference(reference);
    r->set_erp_return_id(text(receipt, "external_system_reference1"));
    r->set_clarus_receipt_id(id);
    r->set_warehouse(warehouse);
    r->set_received_at_ms(at);
    out_lines = r->mutable_lines();
  } else {
    v1::GoodsReceipt* g = e.mutable_goods_receipt();
    g->set_po_reference(reference);
    g->set_erp_po_id(text(receipt, "external_system_reference1"));
    g->set_clarus_receipt_id(id);
    g->set_warehouse(warehouse);
    g->set_received_at_ms(at);
    out_lines = g->mutable_lines();
  }
  for (size_t i = 0; i < lines.size(); ++i)
    SB_RETURN_IF_ERROR(receipt_line(lines[i], what + " lines[" + std::to_string(i) + "]", is_return, out_lines->Add()));
  return e;
}

Result<v1::Event> adjustment_event(const ClarusSite& site, const Json& adjustment) {
  const std::string id = record_id(adjustment);
  SB_RETURN_IF_ERROR(check_record_id(adjustment, "stock adjustment"));
  const std::string what = "stock adjustment " + id;
  int64_t qty = 0;
  SB_RETURN_IF_ERROR(integer(adjustment, what, "quantity", true, &qty));
  // Clarus documents a signed quantity and an adjustment_type; a webhook may
  // carry the magnitude only, so the type decides the sign when present.
  const std::string type = text(adjustment, "adjustment_type");
  if (type == "negative" || type == "negative_adjustment") qty = qty > 0 ? -qty : qty;
  else if (type == "positive" || type == "positive_adjustment") qty = qty < 0 ? -qty : qty;
  else if (!type.empty()) return missing(what, "adjustment_type", "is neither positive nor negative");
  if (qty == 0) return missing(what, "quantity", "is zero");
  const std::string sku = nested_text(adjustment, "product", "code");
  if (sku.empty()) return missing(what, "product.code");
  int64_t at = 0;
  SB_RETURN_IF_ERROR(when(adjustment, what, "created_at", &at));
  std::string warehouse = nested_text(adjustment, "warehouse", "code");
  if (warehouse.empty()) warehouse = site.warehouse_code;
  std::string reason = nested_text(adjustment, "reason_code", "code");
  if (reason.empty()) reason = id_of(member(adjustment, "reason_code") ? member(*member(adjustment, "reason_code"), "id") : nullptr);

  v1::Event e = base_event(site, "adjustment", id, "stock:" + warehouse + ":" + sku, at);
  v1::StockAdjustment* a = e.mutable_stock_adjustment();
  a->set_sku(sku);
  a->set_warehouse(warehouse);
  a->set_location(nested_text(adjustment, "location", "code"));
  a->set_unit(unit_of(adjustment));
  a->set_quantity_delta(qty);
  a->set_reason_code(reason);
  a->set_clarus_reference(id);
  return e;
}

Result<v1::StockBalance> stock_balance(const Json& balance) {
  const std::string sku = nested_text(balance, "product", "code");
  if (sku.empty()) return missing("stock balance", "product.code");
  const std::string what = "stock balance of " + sku;
  v1::StockBalance b;
  b.set_sku(sku);
  b.set_unit(unit_of(balance));
  int64_t v = 0;
  SB_RETURN_IF_ERROR(integer(balance, what, "available", true, &v));
  b.set_available(v);
  SB_RETURN_IF_ERROR(integer(balance, what, "allocated", false, &v));
  b.set_allocated(v);
  SB_RETURN_IF_ERROR(integer(balance, what, "picked", false, &v));
  b.set_picked(v);
  SB_RETURN_IF_ERROR(integer(balance, what, "received", false, &v));
  b.set_received(v);
  SB_RETURN_IF_ERROR(integer(balance, what, "ordered", false, &v));
  b.set_ordered(v);
  return b;
}

std::vector<v1::Event> snapshot_events(const ClarusSite& site, const std::vector<v1::StockBalance>& balances,
                                       int64_t taken_at_ms, size_t part_size) {
  if (part_size == 0) part_size = 1;
  const size_t parts = balances.empty() ? 1 : (balances.size() + part_size - 1) / part_size;
  std::vector<v1::Event> out;
  out.reserve(parts);
  for (size_t part = 1; part <= parts; ++part) {
    v1::Event e = base_event(site, "snapshot",
                             site.warehouse_code + ":" + std::to_string(taken_at_ms) + ":" + std::to_string(part),
                             "snapshot:" + site.warehouse_code, taken_at_ms);
    v1::InventorySnapshot* s = e.mutable_inventory_snapshot();
    s->set_warehouse(site.warehouse_code);
    s->set_taken_at_ms(taken_at_ms);
    s->set_part(static_cast<uint32_t>(part));
    s->set_parts(static_cast<uint32_t>(parts));
    for (size_t i = (part - 1) * part_size; i < balances.size() && i < part * part_size; ++i)
      *s->add_balances() = balances[i];
    out.push_back(std::move(e));
  }
  return out;
}

Result<WebhookRecord> parse_webhook(std::string_view body) {
  Result<Json> j = Json::parse(body);
  if (!j.ok()) return Status::InvalidArgument("the webhook body is not JSON: " + j.status().message());
  const Json* data = member(*j, "data");
  if (!data || !data->is_object()) return Status::InvalidArgument("the webhook body has no data object");
  WebhookRecord out;
  out.type = text(*data, "type");
  if (out.type.empty()) return Status::InvalidArgument("the webhook body has no data.type");
  const Json* attributes = member(*data, "attributes");
  if (!attributes || !attributes->is_object()) return Status::InvalidArgument("the webhook body has no data.attributes");
  out.record = *attributes;
  if (const Json* id = member(*data, "id")) out.record.set("id", *id);
  return out;
}

}  // namespace sb::agent
