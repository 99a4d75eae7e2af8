// Posting the transactions that come from an order: item fulfilments (from a
// shipment), item receipts (from a goods receipt or a return) and credit memos.
// All are transforms of the ERP order, so the order's own lines decide what
// may be posted: a line not on the order, an item changed on the order since
// it was released, or more than remains open is held, never guessed.
#include <algorithm>
#include <cstdlib>
#include <map>

#include "relay/netsuite_connector.h"
#include "stockbridge/v1/checks.h"
#include "relay/netsuite_wire.h"

namespace sb::relay {

using namespace netsuite;

namespace {

Json id_ref(const std::string& id) {
  Json r = Json::object();
  r.set("id", Json::string(id));
  return r;
}

int64_t int_of(const Json& row, const char* key) {
  const Json* v = row.find(key);
  int64_t n = 0;
  if (v && v->is_number()) (void)v->as_int64(&n);
  if (v && v->is_string()) n = std::atoll(v->as_string().c_str());
  return n;
}

std::string ref_field(const Json& row, const char* key, const char* field) {
  const Json* v = row.find(key);
  if (!v) return "";
  if (v->is_object()) return v->get_string(field);
  return v->is_string() ? v->as_string() : "";
}

using Moves = NetSuiteConnector::Moves;
using WarehouseLine = NetSuiteConnector::WarehouseLine;

double rate_of(const Json& row) {
  const Json* v = row.find("unitConversionRate");
  double rate = 1;
  if (v && v->is_number()) rate = v->as_double();
  if (v && v->is_string()) rate = std::atof(v->as_string().c_str());
  return rate > 0 ? rate : 1;
}

}  // namespace

ErpOutcome NetSuiteConnector::order_lines(const std::string& type, const std::string& id, std::vector<OrderLine>* out) {
  ClientRequest req = request("GET", std::string(kRecordBase) + "/" + type + "/" + url_encode(id) + "/item");
  Result<HttpResponse> r = http_.send(req);
  if (r.ok() && r->status == 404)
    return ErpOutcome::rejected(type + " " + id + " is not in the ERP (INVALID_KEY_OR_REF)");
  if (!r.ok() || r->status != 200) {
    ErpOutcome o = classify_failure(r, "reading the lines of " + type + " " + id);
    if (o.kind == ErpOutcome::Kind::kRejected) o = ErpOutcome::retry(o.reason, false);
    o.ambiguous = false;
    return o;
  }
  Result<Json> body = Json::parse(r->body);
  const Json* items = body.ok() ? body->find("items") : nullptr;
  if (!items || !items->is_array()) return ErpOutcome::retry("the lines of " + type + " " + id + " are unreadable", false);
  out->clear();
  for (const Json& row : items->items()) {
    OrderLine l;
    l.order_line = std::to_string(int_of(row, "orderLine") ? int_of(row, "orderLine") : int_of(row, "line"));
    l.sku = ref_field(row, "item", "refName");
    l.quantity = int_of(row, "quantity");
    l.done = type == "salesOrder" ? int_of(row, "quantityFulfilled") : int_of(row, "quantityReceived");
    l.location = ref_field(row, "location", "id");
    l.units = ref_field(row, "units", "refName");
    l.rate = rate_of(row);
    out->push_back(std::move(l));
  }
  return ErpOutcome::posted(id);
}

ErpOutcome NetSuiteConnector::moves_for(const std::vector<OrderLine>& order, const std::vector<WarehouseLine>& lines,
                                        Moves* out) {
  out->clear();
  for (const WarehouseLine& w : lines) {
    Move& m = (*out)[w.line_ref];
    m.sku = w.sku;
    auto l = std::find_if(order.begin(), order.end(), [&](const OrderLine& o) { return o.order_line == w.line_ref; });
    if (l == order.end() || w.quantity == 0) {  // not on the order: transform_lines refuses it by name
      m.quantity += w.quantity;
      continue;
    }
    ItemUnits units;
    ErpOutcome item = item_units(w.sku, &units);
    if (item.kind != ErpOutcome::Kind::kPosted) return item;
    Result<Conversion> c = convert(units, w.sku, w.unit, w.quantity, l->units, l->rate);
    if (!c.ok()) return ErpOutcome::rejected("order line " + w.line_ref + ": " + c.status().message(), "UOM_NOT_CONVERTIBLE");
    m.quantity += c->quantity;
    if (!c->note.empty()) m.note += (m.note.empty() ? "" : "; ") + c->note;
  }
  return ErpOutcome::posted("");
}

ErpOutcome NetSuiteConnector::ship_method(const std::string& clarus_carrier, const std::string& clarus_service,
                                          std::string* pattern) {
  const auto [carrier, service] = v1::erp_carrier(options_.carrier_aliases, clarus_carrier, clarus_service);
  const std::string key = carrier + "/" + service;
  {
    std::lock_guard lock(mu_);
    if (auto it = ship_methods_.find(key); it != ship_methods_.end() && steady_ms() - it->second.read_at_ms < kMasterDataTtlMs) {
      *pattern = it->second.tracking_pattern;
      return ErpOutcome::posted(it->second.id);
    }
  }
  ClientRequest req = request("POST", kSuiteQl);
  req.headers.emplace_back("Prefer", "transient");
  Json q = Json::object();
  q.set("q", Json::string("SELECT id, itemid, isinactive, custitem_sb_carrier, custitem_sb_service_code, "
                          "custitem_sb_tracking_pattern FROM shipitem WHERE custitem_sb_carrier = " +
                          suiteql_quote(carrier) + " AND custitem_sb_service_code = " + suiteql_quote(service)));
  req.body = q.dump();
  Result<HttpResponse> r = http_.send(req);
  if (!r.ok() || r->status != 200) {
    ErpOutcome o = classify_failure(r, "looking up the ship item for " + key);
    if (o.kind == ErpOutcome::Kind::kRejected) o = ErpOutcome::retry(o.reason, false);
    o.ambiguous = false;
    return o;
  }
  Result<Json> body = Json::parse(r->body);
  const Json* rows = body.ok() ? body->find("items") : nullptr;
  if (rows && rows->is_array()) {
    for (const Json& row : rows->items()) {
      if (row.get_string("isinactive") == "T") continue;
      std::string id = row.get_string("id");
      *pattern = row.get_string("custitem_sb_tracking_pattern");
      std::lock_guard lock(mu_);
      ship_methods_[key] = ShipMethod{id, steady_ms(), *pattern};
      return ErpOutcome::posted(id);
    }
  }
  const std::string named = clarus_carrier + " service " + clarus_service +
                            (key == clarus_carrier + "/" + clarus_service ? "" : " (alias of " + key + ")");
  return ErpOutcome::rejected("carrier " + named +
                                  " has no active ship item in the ERP's carrier master (UNKNOWN_CARRIER)",
                              "UNKNOWN_CARRIER");
}


namespace {

// How far beyond what is open a transaction may go, and what going further is called.
struct Allowance {
  int over_percent = 0;  // of the line's ordered quantity
  const char* over_class = "OVER_SHIPMENT";
};

// The transform's item sublist: moved lines with their quantity, every other
// line of the order left open. Rejected when the warehouse's lines do not fit the order.
ErpOutcome transform_lines(const std::vector<NetSuiteConnector::OrderLine>& order, const Moves& moves,
                           const std::string& location, const std::string& what, Json* items,
                           Allowance allowance = {}) {
  *items = Json::array();
  size_t matched = 0;
  for (const auto& l : order) {
    Json line = Json::object();
    line.set("orderLine", Json::number(static_cast<int64_t>(std::atoll(l.order_line.c_str()))));
    auto m = moves.find(l.order_line);
    if (m == moves.end() || m->second.quantity == 0) {
      line.set("itemReceive", Json::boolean(false));
      items->push(std::move(line));
      continue;
    }
    matched++;
    const std::string& sku = m->second.sku;
    if (!sku.empty() && !l.sku.empty() && sku != l.sku)
      return ErpOutcome::rejected(what + ": order line " + l.order_line + " is " + l.sku + " in the ERP but the warehouse moved " +
                                  sku + " (the item was changed on the order after it was released)");
    const int64_t open = l.quantity - l.done;
    const int64_t beyond = l.quantity * allowance.over_percent / 100;  // whole units, rounded down
    if (m->second.quantity > open + beyond)
      return ErpOutcome::rejected(
          what + ": order line " + l.order_line + " has " + std::to_string(open) + " open of " +
          std::to_string(l.quantity) + (l.units.empty() ? "" : " " + l.units) +
          (allowance.over_percent > 0 ? " (" + std::to_string(beyond) + " more allowed, " +
                                            std::to_string(allowance.over_percent) + "%)"
                                      : "") +
          ", the warehouse moved " + std::to_string(m->second.quantity) + " (" + allowance.over_class + ")",
          allowance.over_class);
    line.set("itemReceive", Json::boolean(true));
    line.set("quantity", Json::number(m->second.quantity));
    if (!m->second.note.empty()) line.set(kUomConversionField, Json::string(m->second.note));
    const std::string loc = l.location.empty() ? location : l.location;
    if (!loc.empty()) line.set("location", id_ref(loc));
    items->push(std::move(line));
  }
  for (const auto& [order_line, move] : moves) {
    bool known = false;
    for (const auto& l : order) known = known || l.order_line == order_line;
    if (!known && move.quantity != 0) return ErpOutcome::rejected(what + ": line " + order_line + " is not on the order");
  }
  if (matched == 0) return ErpOutcome::rejected(what + ": nothing to post (no quantity on any order line)");
  return ErpOutcome::posted("");
}

}  // namespace

ErpOutcome NetSuiteConnector::check_shipped_ledger(const v1::Event& e, const std::vector<OrderLine>& order,
                                                   const Moves& moves, const std::string& what) {
  if (!options_.shipped) return ErpOutcome::posted("");
  const v1::Shipment& s = e.shipment();
  Result<ShippedLedger::OrderView> sent = options_.shipped->view(s.erp_order_id(), s.clarus_shipment_id(), e.event_id());
  if (!sent.ok()) return ErpOutcome::retry("reading the shipped ledger: " + sent.status().to_string(), false);
  if (!sent->shipment_owner.empty())
    return ErpOutcome::rejected(what + " was fulfilled already, by event " + sent->shipment_owner +
                                "; a second fulfilment of one shipment is not posted (DUPLICATE_SHIPMENT)", "DUPLICATE_SHIPMENT");
  std::map<std::string, int64_t> lines;
  for (const auto& [order_line, move] : moves) {
    if (move.quantity == 0) continue;
    lines[order_line] = move.quantity;
    auto l = std::find_if(order.begin(), order.end(), [&](const OrderLine& o) { return o.order_line == order_line; });
    const int64_t before = sent->sent.count(order_line) ? sent->sent.at(order_line) : 0;
    if (l != order.end() && before + move.quantity > l->quantity)
      return ErpOutcome::rejected(what + ": order line " + order_line + " is for " + std::to_string(l->quantity) +
                                  "; the relay has sent " + std::to_string(before) + " of it to the ERP already and this shipment moves " +
                                  std::to_string(move.quantity) + " (OVER_SHIPMENT)", "OVER_SHIPMENT");
  }
  // Written before the post: a retry finds its own entries and does not count them against itself.
  if (Status r = options_.shipped->record(s.erp_order_id(), s.clarus_shipment_id(), e.event_id(), lines); !r.ok())
    return ErpOutcome::retry("recording in the shipped ledger: " + r.to_string(), false);
  return ErpOutcome::posted("");
}

ErpOutcome NetSuiteConnector::post_fulfilment(const v1::Event& e) {
  const v1::Shipment& s = e.shipment();
  const std::string what = "shipment " + s.clarus_shipment_id() + " of order " + s.order_reference();
  if (s.erp_order_id().empty())
    return ErpOutcome::rejected(what + " names no ERP order (the goods out has no external_system_reference1)");
  std::vector<OrderLine> order;
  ErpOutcome read = order_lines("salesOrder", s.erp_order_id(), &order);
  if (read.kind != ErpOutcome::Kind::kPosted) return read;
  std::vector<WarehouseLine> shipped;
  for (const v1::ShipmentLine& l : s.lines()) shipped.push_back({l.order_line_ref(), l.sku(), l.unit(), l.quantity()});
  Moves moves;
  if (ErpOutcome m = moves_for(order, shipped, &moves); m.kind != ErpOutcome::Kind::kPosted) return m;
  Json items;
  ErpOutcome fits = transform_lines(order, moves, location_for(s.warehouse()), what, &items);
  if (fits.kind != ErpOutcome::Kind::kPosted) return fits;
  if (ErpOutcome own = check_shipped_ledger(e, order, moves, what); own.kind != ErpOutcome::Kind::kPosted) return own;

  Json body = Json::object();
  body.set("externalId", Json::string(e.event_id()));
  body.set("tranDate", Json::string(tran_date(s.dispatched_at_ms() ? s.dispatched_at_ms() : e.occurred_at_ms())));
  body.set("shipStatus", Json::string("C"));
  body.set("memo", Json::string("Stockbridge " + e.site_id() + " shipment " + s.shipment_reference()));
  if (!s.carrier().empty()) {
    std::string pattern;
    ErpOutcome method = ship_method(s.carrier(), s.carrier_service(), &pattern);
    if (method.kind != ErpOutcome::Kind::kPosted) return method;
    if (std::string problem = v1::tracking_problem(s, pattern); !problem.empty())
      return ErpOutcome::rejected(what + " " + problem + " (BAD_TRACKING)", "BAD_TRACKING");
    body.set("shipMethod", id_ref(method.erp_id));
  }
  Json packages = Json::array();
  for (const v1::Package& p : s.packages()) {
    Json pkg = Json::object();
    pkg.set("packageTrackingNumber", Json::string(p.tracking_number().empty() ? s.tracking_number() : p.tracking_number()));
    if (p.weight() > 0) pkg.set("packageWeight", Json::number(p.weight()));
    pkg.set("packageDescr", Json::string(p.reference()));
    packages.push(std::move(pkg));
  }
  if (packages.items().empty() && !s.tracking_number().empty()) {
    Json pkg = Json::object();
    pkg.set("packageTrackingNumber", Json::string(s.tracking_number()));
    packages.push(std::move(pkg));
  }
  if (!packages.items().empty()) body.set("packageList", Json::object()).set("package", std::move(packages));
  body.set("item", Json::object()).set("items", std::move(items));
  return create(std::string(kRecordBase) + "/salesOrder/" + url_encode(s.erp_order_id()) + "/!transform/itemFulfillment",
                body, "itemFulfillment", e.event_id(), "posting the item fulfilment of " + what);
}

namespace {

std::vector<WarehouseLine> received(const google::protobuf::RepeatedPtrField<v1::ReceiptLine>& lines) {
  std::vector<WarehouseLine> out;
  for (const v1::ReceiptLine& l : lines) out.push_back({l.line_ref(), l.sku(), l.unit(), l.received_quantity()});
  return out;
}

}  // namespace

ErpOutcome NetSuiteConnector::post_goods_receipt(const v1::Event& e) {
  const v1::GoodsReceipt& g = e.goods_receipt();
  const std::string what = "receipt " + g.clarus_receipt_id() + " of purchase order " + g.po_reference();
  if (g.erp_po_id().empty()) return ErpOutcome::rejected(what + " names no ERP purchase order");
  std::vector<OrderLine> order;
  ErpOutcome read = order_lines("purchaseOrder", g.erp_po_id(), &order);
  if (read.kind != ErpOutcome::Kind::kPosted) return read;
  Moves moves;
  if (ErpOutcome m = moves_for(order, received(g.lines()), &moves); m.kind != ErpOutcome::Kind::kPosted) return m;
  Json items;
  ErpOutcome fits = transform_lines(order, moves, location_for(g.warehouse()), what, &items,
                                    {options_.over_receipt_percent, "OVER_RECEIPT"});
  if (fits.kind != ErpOutcome::Kind::kPosted) return fits;
  Json body = Json::object();
  body.set("externalId", Json::string(e.event_id()));
  body.set("tranDate", Json::string(tran_date(g.received_at_ms() ? g.received_at_ms() : e.occurred_at_ms())));
  body.set("memo", Json::string("Stockbridge " + e.site_id() + " goods-in receipt " + g.clarus_receipt_id()));
  body.set("item", Json::object()).set("items", std::move(items));
  return create(std::string(kRecordBase) + "/purchaseOrder/" + url_encode(g.erp_po_id()) + "/!transform/itemReceipt", body,
                "itemReceipt", e.event_id(), "posting the item receipt of " + what);
}

ErpOutcome NetSuiteConnector::post_return(const v1::Event& e) {
  const v1::ReturnReceipt& r = e.return_receipt();
  const std::string what = "return " + r.clarus_receipt_id() + " of " + r.rma_reference();
  if (r.erp_return_id().empty()) return ErpOutcome::rejected(what + " names no ERP return authorisation");
  // The authorisation's lines give the units credited in; read each time, as
  // the credit memo needs them even when an earlier attempt made the receipt.
  std::vector<OrderLine> order;
  ErpOutcome read = order_lines("returnAuthorization", r.erp_return_id(), &order);
  if (read.kind != ErpOutcome::Kind::kPosted) return read;
  Moves moves;
  if (ErpOutcome m = moves_for(order, received(r.lines()), &moves); m.kind != ErpOutcome::Kind::kPosted) return m;
  // First the receipt (unless an earlier attempt made it), then the credit memo.
  ErpOutcome receipt = find_record("itemReceipt", e.event_id());
  if (receipt.kind == ErpOutcome::Kind::kRetry) return receipt;
  if (receipt.kind == ErpOutcome::Kind::kNotFound) {
    Json items;
    ErpOutcome fits = transform_lines(order, moves, location_for(r.warehouse()), what, &items, {0, "OVER_RECEIPT"});
    if (fits.kind != ErpOutcome::Kind::kPosted) return fits;
    std::string dispositions;
    for (const v1::ReceiptLine& l : r.lines())
      dispositions += (dispositions.empty() ? "" : ", ") + l.sku() + " x" + std::to_string(l.received_quantity()) + " " + l.disposition();
    Json body = Json::object();
    body.set("externalId", Json::string(e.event_id()));
    body.set("tranDate", Json::string(tran_date(r.received_at_ms() ? r.received_at_ms() : e.occurred_at_ms())));
    body.set("memo", Json::string("Stockbridge " + e.site_id() + " return inspected: " + dispositions));
    body.set("item", Json::object()).set("items", std::move(items));
    receipt = create(std::string(kRecordBase) + "/returnAuthorization/" + url_encode(r.erp_return_id()) +
                         "/!transform/itemReceipt",
                     body, "itemReceipt", e.event_id(), "posting the item receipt of " + what);
    if (receipt.kind != ErpOutcome::Kind::kPosted) return receipt;
  }
  // Credit what was received by this return, line by line: NetSuite would
  // otherwise credit every line of the authorisation not yet credited.
  Json credit = Json::object();
  Json credit_lines = Json::array();
  for (const auto& [order_line, move] : moves) {
    if (move.quantity <= 0) continue;
    Json line = Json::object();
    line.set("orderLine", Json::number(static_cast<int64_t>(std::atoll(order_line.c_str()))));
    line.set("quantity", Json::number(move.quantity));
    if (!move.note.empty()) line.set(kUomConversionField, Json::string(move.note));
    credit_lines.push(std::move(line));
  }
  credit.set("item", Json::object()).set("items", std::move(credit_lines));
  credit.set("externalId", Json::string(e.event_id() + ":credit"));
  credit.set("memo", Json::string("Stockbridge " + e.site_id() + " credit for " + what));
  ErpOutcome memo = create(std::string(kRecordBase) + "/returnAuthorization/" + url_encode(r.erp_return_id()) +
                               "/!transform/creditMemo",
                           credit, "creditMemo", e.event_id() + ":credit", "posting the credit memo of " + what);
  return memo;
}

}  // namespace sb::relay
