#include "relay/netsuite_connector.h"

#include "relay/netsuite_wire.h"

#include <algorithm>
#include <cstdlib>

#include "platform/core/json.h"
#include "platform/core/log.h"
#include "platform/core/text.h"
#include "stockbridge/v1/event_view.h"

namespace sb::relay {

using namespace netsuite;

Status parse_location_map(const std::string& text, std::map<std::string, std::string>* out) {
  return parse_pairs(text, out);
}

NetSuiteConnector::NetSuiteConnector(HttpClient& http, NetSuiteOptions options)
    : http_(http), options_(std::move(options)) {}

ClientRequest NetSuiteConnector::request(const std::string& method, const std::string& path) const {
  ClientRequest r;
  r.method = method;
  r.url = options_.base_url + path;
  r.timeout = options_.timeout;
  // Per request: a TBA signature covers this method and URL (query included)
  // and its nonce is used once, so a retry is signed afresh.
  if (options_.auth) {
    if (std::string header = options_.auth->authorization(r.method, r.url); !header.empty())
      r.headers.emplace_back("Authorization", std::move(header));
  }
  return r;
}

ErpOutcome NetSuiteConnector::classify_failure(const Result<HttpResponse>& r, const std::string& what) const {
  if (!r.ok()) {
    const Status& s = r.status();
    return ErpOutcome::retry(what + ": " + s.to_string(), s.ambiguous());
  }
  const int code = r->status;
  if (code == 429) {
    // Seconds, kept sane: an HTTP date or a huge value must not stall a key for good.
    long after = std::atol(r->header("Retry-After").c_str());
    after = std::clamp(after, 0L, 300L);
    return ErpOutcome::throttle(what + ": the ERP's concurrency limit was reached (429)", Millis(after * 1000));
  }
  NetSuiteError e = parse_error(r->body);
  if (code >= 500) return ErpOutcome::retry(what + ": ERP error " + std::to_string(code) + ": " + describe(e), true);
  if (code == 401 || code == 403) {
    if (code == 401 && options_.auth) options_.auth->refused();  // an OAuth 2.0 token is renewed
    return ErpOutcome::retry(what + ": the ERP refused our credentials (" + std::to_string(code) + "): " + describe(e),
                             false);
  }
  if (e.code == "SSS_REQUEST_LIMIT_EXCEEDED" || e.code == "CONCURRENCY_LIMIT_EXCEEDED" || e.code == "WS_REQUEST_BLOCKED")
    return ErpOutcome::throttle(what + ": " + describe(e), Millis(0));
  // Passing conflicts (a record locked or changed under us): try again, do not hold.
  if (code == 408 || code == 409 || code == 423 || e.code == "RCRD_HAS_BEEN_CHANGED" || e.code == "RCRD_LOCKED_BY_WF")
    return ErpOutcome::retry(what + ": " + describe(e), code == 408);
  return ErpOutcome::rejected(describe(e));
}

void NetSuiteConnector::refresh_master_data() {
  std::lock_guard lock(mu_);
  items_.clear();
  ship_methods_.clear();
}

ErpOutcome NetSuiteConnector::resolve_item(const std::string& sku) {
  {
    std::lock_guard lock(mu_);
    auto it = items_.find(sku);
    if (it != items_.end() && steady_ms() - it->second.read_at_ms < kMasterDataTtlMs) {
      if (it->second.inactive) return ErpOutcome::rejected("item " + sku + " is inactive in the ERP (INACTIVE_SKU)", "INACTIVE_SKU");
      return ErpOutcome::posted(it->second.id);
    }
  }
  ClientRequest req = request("POST", kSuiteQl);
  req.headers.emplace_back("Prefer", "transient");
  Json q = Json::object();
  q.set("q", Json::string("SELECT id, itemid, isinactive FROM item WHERE itemid = " + suiteql_quote(sku)));
  req.body = q.dump();
  Result<HttpResponse> r = http_.send(req);
  if (!r.ok() || r->status != 200) {
    ErpOutcome o = classify_failure(r, "looking up item " + sku);
    // A refused lookup is not a refused posting: retry rather than hold.
    if (o.kind == ErpOutcome::Kind::kRejected) return ErpOutcome::retry("looking up item " + sku + ": " + o.reason, false);
    o.ambiguous = false;  // a read changes nothing
    return o;
  }
  Result<Json> body = Json::parse(r->body);
  const Json* items = body.ok() ? body->find("items") : nullptr;
  if (!items || !items->is_array()) return ErpOutcome::retry("looking up item " + sku + ": unreadable SuiteQL answer", false);
  for (const Json& row : items->items()) {
    if (row.get_string("itemid") != sku) continue;
    Item item;  // units are read again with it, when first needed
    item.id = row.get_string("id");
    item.inactive = row.get_string("isinactive") == "T";
    item.read_at_ms = steady_ms();
    {
      std::lock_guard lock(mu_);
      items_[sku] = item;
    }
    if (item.inactive) return ErpOutcome::rejected("item " + sku + " is inactive in the ERP (INACTIVE_SKU)", "INACTIVE_SKU");
    return ErpOutcome::posted(item.id);
  }
  return ErpOutcome::rejected("SKU " + sku + " is not an item in the ERP (UNKNOWN_SKU)", "UNKNOWN_SKU");
}

ErpOutcome NetSuiteConnector::item_units(const std::string& sku, ItemUnits* out) {
  ErpOutcome item = resolve_item(sku);
  if (item.kind != ErpOutcome::Kind::kPosted) return item;
  {
    std::lock_guard lock(mu_);
    if (auto it = items_.find(sku); it != items_.end() && it->second.units_read) {
      *out = it->second.units;
      return item;
    }
  }
  Result<HttpResponse> r = http_.send(request("GET", std::string(kRecordBase) + "/inventoryItem/" + url_encode(item.erp_id)));
  ItemUnits units;
  if (r.ok() && r->status == 200) {
    Result<Json> body = Json::parse(r->body);
    if (!body.ok()) return ErpOutcome::retry("reading the units of item " + sku + ": unreadable answer", false);
    units = parse_item_units(*body);
  } else if (!(r.ok() && r->status == 404)) {  // 404: not an inventory item; it has no units to convert
    ErpOutcome o = classify_failure(r, "reading the units of item " + sku);
    if (o.kind == ErpOutcome::Kind::kRejected) o = ErpOutcome::retry(o.reason, false);
    o.ambiguous = false;
    return o;
  }
  {
    std::lock_guard lock(mu_);
    Item& cached = items_[sku];
    cached.units = units;
    cached.units_read = true;
  }
  *out = std::move(units);
  return item;
}

std::string NetSuiteConnector::location_for(const std::string& warehouse) const {
  if (auto it = options_.location_map.find(warehouse); it != options_.location_map.end()) return it->second;
  return options_.default_location;
}

ErpOutcome NetSuiteConnector::post_once(const v1::Event& e) {
  // A transaction refused because the order no longer has room for it may be
  // refused because of itself: an earlier attempt landed (its answer was
  // lost). Then it is posted, not held.
  auto unless_already_there = [&](ErpOutcome o) {
    if (o.kind != ErpOutcome::Kind::kRejected) return o;
    ErpOutcome found = find(e);
    if (found.kind == ErpOutcome::Kind::kPosted) return found;
    // Unknown whether it is there: ask again later rather than hold what may be posted.
    if (found.kind == ErpOutcome::Kind::kRetry) return ErpOutcome::retry(o.reason + "; and the lookup failed: " + found.reason, true);
    return o;
  };
  switch (e.body_case()) {
    case v1::Event::kStockAdjustment: return post_adjustment(e, {});
    case v1::Event::kShipment: {
      ErpOutcome o = unless_already_there(post_fulfilment(e));
      // Refused for good: nothing was sent, so the relay's shipped ledger must not count it.
      if (o.kind == ErpOutcome::Kind::kRejected && options_.shipped) {
        const v1::Shipment& s = e.shipment();
        if (Status f = options_.shipped->forget(s.erp_order_id(), s.clarus_shipment_id(), e.event_id()); !f.ok())
          return ErpOutcome::retry("updating the shipped ledger: " + f.to_string(), false);
      }
      return o;
    }
    case v1::Event::kGoodsReceipt: return unless_already_there(post_goods_receipt(e));
    case v1::Event::kReturnReceipt: return unless_already_there(post_return(e));
    case v1::Event::kInventorySnapshot:
      return ErpOutcome::rejected("InventorySnapshot events are for reconciliation and are not posted; held until the reconciliation reads them");
    default: return ErpOutcome::rejected("the event has no body this connector can post", "INVALID_EVENT");
  }
}

ErpOutcome NetSuiteConnector::post(const v1::Event& e) {
  ErpOutcome o = post_once(e);
  if (o.kind != ErpOutcome::Kind::kRejected || o.cls != "ERP_REJECTED") return o;
  // The ERP refused the record: an item it read as active a while ago may have
  // been made inactive (or removed) since. Read the event's items afresh; if one
  // explains the refusal, hold it as that (a class that clears by itself).
  ErpOutcome item = recheck_items(e);
  if (item.kind != ErpOutcome::Kind::kRejected) return o;
  item.reason += "; the ERP said: " + o.reason;
  return item;
}

ErpOutcome NetSuiteConnector::recheck_items(const v1::Event& e) {
  const std::vector<std::string> skus = v1::event_skus(e);
  {
    std::lock_guard lock(mu_);
    for (const std::string& sku : skus) items_.erase(sku);
  }
  for (const std::string& sku : skus) {
    if (sku.empty()) continue;
    ErpOutcome o = resolve_item(sku);
    if (o.kind == ErpOutcome::Kind::kRejected) return o;
  }
  return ErpOutcome::posted("");
}

ErpOutcome NetSuiteConnector::post_net(const v1::Event& net, const std::vector<std::string>& covers) {
  if (!net.has_stock_adjustment() || covers.size() < 2) return post(net);
  return post_adjustment(net, covers);
}

ErpOutcome NetSuiteConnector::post_adjustment(const v1::Event& e, const std::vector<std::string>& covers) {
  const v1::StockAdjustment& a = e.stock_adjustment();
  std::string location = location_for(a.warehouse());
  if (location.empty()) {
    return ErpOutcome::rejected("warehouse " + a.warehouse() +
                                " has no ERP location in erp.location_map (UNMAPPED_LOCATION)", "UNMAPPED_LOCATION");
  }
  ItemUnits units;
  ErpOutcome item = item_units(a.sku(), &units);
  if (item.kind != ErpOutcome::Kind::kPosted) return item;
  // Posted in the item's base unit, whatever unit the warehouse counted in.
  const ErpUnit* base = units.base();
  Result<Conversion> qty = convert(units, a.sku(), a.unit(), a.quantity_delta(), base ? base->name : "", 1.0);
  if (!qty.ok()) return ErpOutcome::rejected(qty.status().message(), "UOM_NOT_CONVERTIBLE");

  auto ref = [](const std::string& id) {
    Json r = Json::object();
    r.set("id", Json::string(id));
    return r;
  };
  std::string memo = "Stockbridge " + e.site_id() + " " + e.event_id();
  if (covers.size() > 1) {
    memo = "Stockbridge " + e.site_id() + " net of " + std::to_string(covers.size()) + " stock adjustments, first " +
           e.event_id() + ", last " + covers.back() + " (all in " + std::string(kEventIdsField) + ")";
  } else if (!a.reason_code().empty()) {
    memo += " reason " + a.reason_code();
  }
  Json line = Json::object();
  line.set("item", ref(item.erp_id));
  line.set("location", ref(location));
  line.set("adjustQtyBy", Json::number(qty->quantity));
  if (base) {
    line.set("units", ref(base->id));
    line.set(kUomConversionField, Json::string(qty->note));
  }
  line.set("memo", Json::string(a.location().empty() ? memo : memo + " bin " + a.location()));
  Json body = Json::object();
  body.set("externalId", Json::string(e.event_id()));
  body.set("account", ref(options_.adjustment_account));
  body.set("adjLocation", ref(location));
  body.set("tranDate", Json::string(tran_date(e.occurred_at_ms())));
  body.set("memo", Json::string(memo));
  if (covers.size() > 1) {
    // Every event the net stands for, one per line, so finance can trace each movement.
    std::string ids;
    for (const std::string& id : covers) ids += (ids.empty() ? "" : "\n") + id;
    body.set(kEventIdsField, Json::string(ids));
  }
  Json& inventory = body.set("inventory", Json::object());
  inventory.set("items", Json::array()).push(std::move(line));
  return create(std::string(kRecordBase) + "/inventoryAdjustment", body, "inventoryAdjustment", e.event_id(),
                "posting inventory adjustment");
}

ErpOutcome NetSuiteConnector::create(const std::string& path, const Json& body, const std::string& record_type,
                                     const std::string& external_id, const std::string& what) {
  ClientRequest req = request("POST", path);
  req.body = body.dump();
  Result<HttpResponse> r = http_.send(req);
  if (r.ok() && (r->status == 204 || r->status == 200 || r->status == 201)) {
    std::string id = id_from_location(r->header("Location"));
    if (id.empty()) {
      Result<Json> j = Json::parse(r->body);
      if (j.ok()) id = j->get_string("id");
    }
    if (id.empty()) {
      // Created, but the answer did not say which record: read it back. Until
      // that works the record must be treated as possibly there (look up first).
      ErpOutcome found = find_record(record_type, external_id);
      if (found.kind == ErpOutcome::Kind::kPosted) return found;
      return ErpOutcome::retry("the ERP accepted the record but did not name it, and it cannot be read back yet", true);
    }
    return ErpOutcome::posted(id);
  }
  if (r.ok() && r->status == 400 && parse_error(r->body).code == "DUP_RCRD") {
    // The ERP already holds a record with this external id: an earlier attempt landed.
    ErpOutcome found = find_record(record_type, external_id);
    if (found.kind == ErpOutcome::Kind::kPosted) return found;
    return ErpOutcome::retry("the ERP reports a duplicate external id but the record cannot be read yet", true);
  }
  return classify_failure(r, what);
}

ErpOutcome NetSuiteConnector::find_record(const std::string& record_type, const std::string& external_id) {
  ClientRequest req = request("GET", std::string(kRecordBase) + "/" + record_type + "/eid:" + url_encode(external_id));
  Result<HttpResponse> r = http_.send(req);
  if (r.ok() && r->status == 200) {
    Result<Json> j = Json::parse(r->body);
    std::string id = j.ok() ? j->get_string("id") : "";
    if (!id.empty()) return ErpOutcome::posted(id);
    return ErpOutcome::retry("the ERP's answer to a lookup has no id", false);
  }
  if (r.ok() && r->status == 404) return ErpOutcome::not_found();
  ErpOutcome o = classify_failure(r, "looking up " + external_id);
  if (o.kind == ErpOutcome::Kind::kRejected) o = ErpOutcome::retry(o.reason, false);
  o.ambiguous = false;
  return o;
}

ErpOutcome NetSuiteConnector::find(const v1::Event& e) {
  switch (e.body_case()) {
    case v1::Event::kShipment: return find_record("itemFulfillment", e.event_id());
    case v1::Event::kGoodsReceipt: return find_record("itemReceipt", e.event_id());
    // A return is done when its credit memo exists; a receipt alone is found again by post().
    case v1::Event::kReturnReceipt: return find_record("creditMemo", e.event_id() + ":credit");
    default: return find_record("inventoryAdjustment", e.event_id());
  }
}

}  // namespace sb::relay
