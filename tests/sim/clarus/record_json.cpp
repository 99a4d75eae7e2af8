#include "record_json.h"

#include <set>

namespace sb::clarus_sim {
namespace {

const char* const kCustomFieldNames[] = {
    "external_system_reference1", "external_system_reference2", "external_system_reference3",
    "string1", "string2", "string3", "string4", "string5",
    "integer1", "integer2", "integer3", "integer4", "integer5",
    "datetime1", "datetime2", "datetime3", "datetime4", "datetime5",
    "boolean1", "boolean2", "boolean3", "boolean4", "boolean5"};

void add_custom(Json& out, const CustomFields& custom) {
  for (const char* name : kCustomFieldNames) {
    auto it = custom.find(name);
    out.set(name, it == custom.end() ? Json() : it->second);
  }
}

Json start(int64_t id) {
  Json o = Json::object();
  o.set("id", num(id));
  return o;
}

Json start(const std::string& id) {
  Json o = Json::object();
  o.set("id", text(id));
  return o;
}

// {"id", "code"} of the record `id` names in `records`; the code is null when there is none.
template <class Records, class Id>
Json code_ref(const Records& records, const Id& id) {
  Json o = start(id);
  auto it = records.find(id);
  o.set("code", it == records.end() ? Json() : text(it->second.code));
  return o;
}

// {"id", "code", "name"} of a record.
template <class Record>
Json code_and_name(const Record& r) {
  Json o = start(r.id);
  o.set("code", text(r.code));
  o.set("name", text(r.name));
  return o;
}

// A product as a record names it: its id and code, and the stock unit type its quantities are in.
Json product_ref(const ClarusModel& m, int64_t id) {
  Json o = code_ref(m.products, id);
  auto it = m.products.find(id);
  o.set("stock_unit_type", it == m.products.end() ? Json() : code_ref(m.stock_unit_types, it->second.stock_unit_type_id));
  return o;
}

Json location_ref(const ClarusModel& m, const std::optional<int64_t>& id) {
  return id ? code_ref(m.locations, *id) : Json();
}

Json warehouse_ref(const ClarusModel& m, int64_t id) { return code_ref(m.warehouses, id); }

Json account_ref(const ClarusModel& m, int64_t id) { return code_ref(m.accounts, id); }

// The warehouse of a location (1 when the location is unknown).
int64_t warehouse_of(const ClarusModel& m, int64_t location_id) {
  auto loc = m.locations.find(location_id);
  return loc == m.locations.end() ? 1 : loc->second.warehouse_id;
}

Json carrier_ref(const ClarusModel& m, const std::optional<int64_t>& id) {
  if (!id) return Json();
  auto it = m.carriers.find(*id);
  if (it == m.carriers.end()) return Json();
  return carrier_json(it->second);
}

Json service_ref(const ClarusModel& m, const std::optional<int64_t>& id) {
  if (!id) return Json();
  auto it = m.carrier_services.find(*id);
  if (it == m.carrier_services.end()) return Json();
  Json o = start(*id);
  o.set("code", text(it->second.code));
  o.set("name", text(it->second.name));
  return o;
}

Json reason_ref(const ClarusModel& m, const std::string& id) { return id.empty() ? Json() : code_ref(m.reason_codes, id); }

Json date_or_null(const std::string& s) { return s.empty() ? Json() : text(s); }

}  // namespace

Json product_json(const ClarusModel& m, const Product& p) {
  Json o = start(p.id);
  o.set("code", text(p.code));
  o.set("description", text(p.description));
  o.set("barcode", text(p.barcode));
  o.set("case_barcode", text(p.case_barcode));
  o.set("obsolete", Json::boolean(p.obsolete));
  o.set("units_per_case", num(p.units_per_case));
  o.set("product_type", text(p.product_type));
  o.set("stock_unit_type_id", text(p.stock_unit_type_id));
  o.set("stock_unit_type", code_ref(m.stock_unit_types, p.stock_unit_type_id));
  add_custom(o, p.custom);
  return o;
}

Json stock_unit_type_json(const StockUnitType& t) { return code_and_name(t); }

Json storage_unit_json(const ClarusModel& m, const ProductStorageUnit& u) {
  Json o = start(u.id);
  o.set("product_id", num(u.product_id));
  o.set("product", product_ref(m, u.product_id));
  o.set("storage_unit_type_id", text(u.storage_unit_type_id));
  o.set("stock_configuration", text(u.stock_configuration));
  o.set("unit_of_measure", text(u.unit_of_measure));
  o.set("per_layer", num(u.per_layer));
  o.set("number_of_layers", num(u.number_of_layers));
  o.set("total", num(u.per_layer * u.number_of_layers));
  o.set("priority", num(u.priority));
  return o;
}

Json carrier_json(const Carrier& c) { return code_and_name(c); }

Json carrier_service_json(const ClarusModel& m, const CarrierService& s) {
  Json o = start(s.id);
  o.set("code", text(s.code));
  o.set("name", text(s.name));
  o.set("carrier_id", num(s.carrier_id));
  o.set("carrier", carrier_ref(m, s.carrier_id));
  return o;
}

Json location_json(const ClarusModel& m, const Location& l) {
  Json o = start(l.id);
  o.set("code", text(l.code));
  o.set("zone", text(l.zone));
  o.set("aisle", text(l.aisle));
  o.set("warehouse_id", num(l.warehouse_id));
  o.set("warehouse", warehouse_ref(m, l.warehouse_id));
  return o;
}

Json warehouse_json(const Warehouse& w) { return code_and_name(w); }

Json account_json(const Account& a) { return code_and_name(a); }

Json reason_code_json(const ReasonCode& r) {
  Json o = start(r.id);
  o.set("code", text(r.code));
  o.set("reason_type", text(r.reason_type));
  o.set("description", text(r.description));
  return o;
}

Json goods_out_line_json(const ClarusModel& m, const GoodsOut& g, const GoodsOutLine& l) {
  Json o = start(l.id);
  o.set("goods_out_id", num(g.id));
  Json& head = o.set("goods_out", start(g.id));
  head.set("reference", text(g.reference));
  o.set("product_id", num(l.product_id));
  o.set("product", product_ref(m, l.product_id));
  o.set("order_quantity", num(l.order_quantity));
  o.set("allocated_quantity", num(l.allocated_quantity));
  o.set("pick_quantity", num(l.pick_quantity));
  o.set("dispatch_quantity", num(l.dispatch_quantity));
  o.set("short_quantity", num(l.short_quantity));
  o.set("short_status", text(l.short_quantity > 0 ? "short" : "not_short"));
  o.set("alt_line_reference", text(l.alt_line_reference));
  o.set("carrier_id", opt_num(l.carrier_id));
  o.set("carrier_service_id", opt_num(l.carrier_service_id));
  add_custom(o, l.custom);
  return o;
}

Json goods_out_json(const ClarusModel& m, const GoodsOut& g) {
  Json o = start(g.id);
  o.set("reference", text(g.reference));
  o.set("goods_out_type", text(g.goods_out_type));
  o.set("goods_out_status_id", num(g.status_id));
  Json& status = o.set("goods_out_status", start(g.status_id));
  status.set("code", text(goods_out_status_code(g.status_id)));
  status.set("name", text(goods_out_status_name(g.status_id)));
  o.set("priority", num(g.priority));
  o.set("expected_date_of_dispatch", date_or_null(g.expected_date_of_dispatch));
  o.set("dispatched_at", date_or_null(g.dispatched_at));
  o.set("created_at", date_or_null(g.created_at));
  o.set("delivery_notes", text(g.delivery_notes));
  o.set("dispatch_strategy", text(g.dispatch_strategy));
  o.set("customer_id", opt_num(g.customer_id));
  o.set("carrier_id", opt_num(g.carrier_id));
  o.set("carrier", carrier_ref(m, g.carrier_id));
  o.set("carrier_service_id", opt_num(g.carrier_service_id));
  o.set("carrier_service", service_ref(m, g.carrier_service_id));
  o.set("warehouse_id", num(g.warehouse_id));
  o.set("warehouse", warehouse_ref(m, g.warehouse_id));
  o.set("account_id", num(g.account_id));
  o.set("account", account_ref(m, g.account_id));
  o.set("address", g.address);
  add_custom(o, g.custom);
  Json& lines = o.set("lines", Json::array());
  for (const auto& l : g.lines) lines.push(goods_out_line_json(m, g, l));
  return o;
}

Json shipment_json(const ClarusModel& m, const Shipment& s) {
  Json o = start(s.id);
  o.set("reference", text(s.reference));
  o.set("status", text(s.status));
  o.set("collection_datetime", date_or_null(s.collection_datetime));
  o.set("packages_count", num(static_cast<int64_t>(s.packages.size())));
  o.set("tracking_number", text(s.tracking_number));
  o.set("carrier_id", opt_num(s.carrier_id));
  o.set("carrier", carrier_ref(m, s.carrier_id));
  o.set("carrier_service_id", opt_num(s.carrier_service_id));
  o.set("carrier_service", service_ref(m, s.carrier_service_id));
  o.set("goods_out_id", num(s.goods_out_id));
  Json& head = o.set("goods_out", start(s.goods_out_id));
  auto g = m.goods_outs.find(s.goods_out_id);
  head.set("reference", g == m.goods_outs.end() ? Json() : text(g->second.reference));
  Json ext;
  if (g != m.goods_outs.end()) {
    auto it = g->second.custom.find("external_system_reference1");
    if (it != g->second.custom.end()) ext = it->second;
  }
  head.set("external_system_reference1", ext);
  Json& packages = o.set("packages", Json::array());
  for (const auto& p : s.packages) {
    Json& pj = packages.push(Json::object());
    pj.set("reference", text(p.reference));
    pj.set("tracking_number", text(p.tracking_number));
    pj.set("weight", Json::number(p.weight));
    pj.set("height", Json::number(p.height));
    pj.set("length", Json::number(p.length));
    pj.set("width", Json::number(p.width));
  }
  Json& lines = o.set("lines", Json::array());
  for (const auto& l : s.lines) {
    Json& lj = lines.push(Json::object());
    lj.set("goods_out_line_id", num(l.goods_out_line_id));
    lj.set("alt_line_reference", text(l.alt_line_reference));
    lj.set("product", product_ref(m, l.product_id));
    lj.set("quantity", num(l.quantity));
  }
  return o;
}

Json receipt_json(const ClarusModel& m, const GoodsInReceipt& r) {
  Json o = start(r.id);
  o.set("reference", text(r.reference));
  o.set("status", text(r.status));
  o.set("receipt_type", text(r.receipt_type));
  o.set("expected_date_of_receipt", date_or_null(r.expected_date_of_receipt));
  o.set("actual_date_of_receipt", date_or_null(r.actual_date_of_receipt));
  o.set("created_at", date_or_null(r.created_at));
  o.set("notes", text(r.notes));
  o.set("supplier_id", opt_num(r.supplier_id));
  o.set("warehouse_id", num(r.warehouse_id));
  o.set("warehouse", warehouse_ref(m, r.warehouse_id));
  o.set("account_id", num(r.account_id));
  o.set("account", account_ref(m, r.account_id));
  add_custom(o, r.custom);
  Json& lines = o.set("lines", Json::array());
  for (const auto& l : r.lines) {
    Json lj = start(l.id);
    lj.set("alt_line_reference", text(l.alt_line_reference));
    lj.set("product_id", num(l.product_id));
    lj.set("product", product_ref(m, l.product_id));
    lj.set("expected_quantity", num(l.expected_quantity));
    lj.set("expected_configurations_quantity", num(l.expected_configurations_quantity));
    lj.set("received_quantity", num(l.received_quantity));
    lj.set("location", location_ref(m, l.location_id));
    add_custom(lj, l.custom);
    lines.push(std::move(lj));
  }
  return o;
}

Json receive_task_json(const ClarusModel& m, const ReceiveTask& t) {
  Json o = start(t.id);
  o.set("goods_in_receipt_id", num(t.goods_in_receipt_id));
  o.set("goods_in_receipt_line_id", num(t.line_id));
  o.set("product", product_ref(m, t.product_id));
  o.set("quantity", num(t.quantity));
  o.set("confirmed_quantity", num(t.confirmed_quantity));
  o.set("status", text(t.status));
  o.set("location_to", location_ref(m, t.location_to_id));
  return o;
}

Json stock_json(const ClarusModel& m, const Stock& s) {
  Json o = start(s.id);
  o.set("quantity", num(s.quantity));
  o.set("status", text(s.status));
  o.set("fifo_date", date_or_null(s.fifo_date));
  o.set("product_id", num(s.product_id));
  o.set("product", product_ref(m, s.product_id));
  o.set("location_id", num(s.location_id));
  o.set("location", location_ref(m, s.location_id));
  int64_t warehouse_id = warehouse_of(m, s.location_id);
  o.set("warehouse_id", num(warehouse_id));
  o.set("warehouse", warehouse_ref(m, warehouse_id));
  o.set("account_id", num(s.account_id));
  o.set("account", account_ref(m, s.account_id));
  o.set("storage_unit", Json());
  return o;
}

Json stock_adjustment_json(const ClarusModel& m, const StockAdjustment& a) {
  Json o = start(a.id);
  o.set("quantity", num(a.quantity));
  o.set("adjustment_type", text(a.adjustment_type));
  o.set("reason_code", reason_ref(m, a.reason_code_id));
  o.set("product", product_ref(m, a.product_id));
  o.set("location", location_ref(m, a.location_id));
  o.set("warehouse", warehouse_ref(m, a.warehouse_id));
  o.set("stock_id", num(a.stock_id));
  o.set("created_at", date_or_null(a.created_at));
  return o;
}

Json automation_json(const Automation& a) {
  Json o = start(a.id);
  o.set("resource_name", text(a.resource_name));
  o.set("event", text(a.event));
  o.set("conditions", a.conditions.is_null() ? Json::array() : a.conditions);
  o.set("actions", a.actions);
  o.set("integration_id", text(a.integration_id));
  o.set("active", Json::boolean(a.active));
  return o;
}

std::vector<Json> stock_balances_json(const ClarusModel& m) {
  struct Balance { int64_t available = 0, allocated = 0, ordered = 0, received = 0; };
  std::map<std::pair<int64_t, int64_t>, Balance> rows;  // (product, warehouse)
  for (const auto& [id, p] : m.products) rows[{id, 1}];
  for (const auto& [id, s] : m.stocks) {
    if (s.status == "available") rows[{s.product_id, warehouse_of(m, s.location_id)}].available += s.quantity;
  }
  for (const auto& [id, g] : m.goods_outs) {
    if (g.status_id == kCompleted || g.status_id == kCancelled || g.status_id == kDraft) continue;
    for (const auto& l : g.lines) rows[{l.product_id, g.warehouse_id}].allocated += l.remaining();
  }
  for (const auto& [id, r] : m.goods_in_receipts) {
    if (r.status == "completed") continue;
    for (const auto& l : r.lines) {
      auto& b = rows[{l.product_id, r.warehouse_id}];
      b.ordered += l.expected_quantity;
      b.received += l.received_quantity;
    }
  }
  std::vector<Json> out;
  for (const auto& [key, b] : rows) {
    Json o = start(key.first * 1000 + key.second);
    o.set("available", num(b.available));
    o.set("allocated", num(b.allocated));
    o.set("ordered", num(b.ordered));
    o.set("received", num(b.received));
    o.set("picked", num(0));
    o.set("product_id", num(key.first));
    o.set("product", product_ref(m, key.first));
    o.set("warehouse_id", num(key.second));
    o.set("warehouse", warehouse_ref(m, key.second));
    o.set("account_id", num(1));
    o.set("account", account_ref(m, 1));
    out.push_back(std::move(o));
  }
  return out;
}

Json envelope(const std::string& type, const Json& record) {
  Json data = Json::object();
  const Json* id = record.find("id");
  data.set("id", id ? *id : Json());
  data.set("type", text(type));
  data.set("attributes", record);
  Json o = Json::object();
  o.set("data", std::move(data));
  return o;
}

}  // namespace sb::clarus_sim
