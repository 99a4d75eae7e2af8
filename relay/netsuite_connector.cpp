#include "relay/netsuite_connector.h"

#include <cstdlib>

#include "platform/core/json.h"
#include "platform/core/log.h"

namespace sb::relay {
namespace {

constexpr char kRecordBase[] = "/services/rest/record/v1";
constexpr char kSuiteQl[] = "/services/rest/query/v1/suiteql";

// At most `max` bytes of s, never cutting a UTF-8 character (a reason must stay
// valid UTF-8 to travel in a protobuf string).
std::string utf8_prefix(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

struct NetSuiteError {
  std::string code;
  std::string detail;
  std::string path;
};

// The first entry of NetSuite's o:errorDetails, or the title when there is none.
NetSuiteError parse_error(const std::string& body) {
  NetSuiteError e;
  Result<Json> j = Json::parse(body);
  if (!j.ok() || !j->is_object()) {
    e.detail = utf8_prefix(body, 200);
    return e;
  }
  e.detail = j->get_string("title");
  if (const Json* details = j->find("o:errorDetails"); details && details->is_array() && !details->items().empty()) {
    const Json& d = details->items().front();
    e.code = d.get_string("o:errorCode");
    e.detail = d.get_string("detail", e.detail);
    e.path = d.get_string("o:errorPath");
  }
  return e;
}

std::string describe(const NetSuiteError& e) {
  std::string s = e.detail.empty() ? "the ERP refused the record" : e.detail;
  if (!e.code.empty()) s += " (" + e.code + (e.path.empty() ? "" : " at " + e.path) + ")";
  return s;
}

// The record id at the end of a Location header.
std::string id_from_location(const std::string& location) {
  auto slash = location.find_last_of('/');
  return slash == std::string::npos ? location : location.substr(slash + 1);
}

std::string suiteql_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string tran_date(int64_t ms) { return format_iso8601(ms).substr(0, 10); }

}  // namespace

Status parse_location_map(const std::string& text, std::map<std::string, std::string>* out) {
  out->clear();
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string entry = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!entry.empty() && entry.front() == ' ') entry.erase(entry.begin());
    while (!entry.empty() && entry.back() == ' ') entry.pop_back();
    if (!entry.empty()) {
      size_t eq = entry.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == entry.size())
        return Status::InvalidArgument("'" + entry + "' is not warehouse=location_id");
      (*out)[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return Status::Ok();
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
    long after = std::atol(r->header("Retry-After").c_str());
    return ErpOutcome::throttle(what + ": the ERP's concurrency limit was reached (429)", Millis(after * 1000));
  }
  NetSuiteError e = parse_error(r->body);
  if (code >= 500) return ErpOutcome::retry(what + ": ERP error " + std::to_string(code) + ": " + describe(e), true);
  if (code == 401 || code == 403) {
    return ErpOutcome::retry(what + ": the ERP refused our credentials (" + std::to_string(code) + "): " + describe(e),
                             false);
  }
  if (e.code == "SSS_REQUEST_LIMIT_EXCEEDED" || e.code == "CONCURRENCY_LIMIT_EXCEEDED" || e.code == "WS_REQUEST_BLOCKED")
    return ErpOutcome::throttle(what + ": " + describe(e), Millis(0));
  return ErpOutcome::rejected(describe(e));
}

ErpOutcome NetSuiteConnector::resolve_item(const std::string& sku) {
  {
    std::lock_guard lock(mu_);
    auto it = items_.find(sku);
    if (it != items_.end()) {
      if (it->second.inactive) return ErpOutcome::rejected("item " + sku + " is inactive in the ERP (INACTIVE_SKU)");
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
    Item item{row.get_string("id"), row.get_string("isinactive") == "T"};
    {
      std::lock_guard lock(mu_);
      items_[sku] = item;
    }
    if (item.inactive) return ErpOutcome::rejected("item " + sku + " is inactive in the ERP (INACTIVE_SKU)");
    return ErpOutcome::posted(item.id);
  }
  return ErpOutcome::rejected("SKU " + sku + " is not an item in the ERP (UNKNOWN_SKU)");
}

ErpOutcome NetSuiteConnector::post(const v1::Event& e) {
  if (!e.has_stock_adjustment()) {
    const char* kind = e.has_shipment() ? "Shipment" : e.has_goods_receipt() ? "GoodsReceipt"
                     : e.has_return_receipt() ? "ReturnReceipt" : e.has_inventory_snapshot() ? "InventorySnapshot" : "this kind of";
    return ErpOutcome::rejected(std::string("this connector cannot post ") + kind + " events yet; held until it can");
  }
  const v1::StockAdjustment& a = e.stock_adjustment();
  std::string location = options_.default_location;
  if (auto it = options_.location_map.find(a.warehouse()); it != options_.location_map.end()) location = it->second;
  if (location.empty()) {
    return ErpOutcome::rejected("warehouse " + a.warehouse() +
                                " has no ERP location in erp.location_map (UNMAPPED_LOCATION)");
  }
  ErpOutcome item = resolve_item(a.sku());
  if (item.kind != ErpOutcome::Kind::kPosted) return item;

  auto ref = [](const std::string& id) {
    Json r = Json::object();
    r.set("id", Json::string(id));
    return r;
  };
  std::string memo = "Stockbridge " + e.site_id() + " " + e.event_id();
  if (!a.reason_code().empty()) memo += " reason " + a.reason_code();
  Json line = Json::object();
  line.set("item", ref(item.erp_id));
  line.set("location", ref(location));
  line.set("adjustQtyBy", Json::number(a.quantity_delta()));
  line.set("memo", Json::string(a.location().empty() ? memo : memo + " bin " + a.location()));
  Json body = Json::object();
  body.set("externalId", Json::string(e.event_id()));
  body.set("account", ref(options_.adjustment_account));
  body.set("adjLocation", ref(location));
  body.set("tranDate", Json::string(tran_date(e.occurred_at_ms())));
  body.set("memo", Json::string(memo));
  Json& inventory = body.set("inventory", Json::object());
  inventory.set("items", Json::array()).push(std::move(line));

  ClientRequest req = request("POST", std::string(kRecordBase) + "/inventoryAdjustment");
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
      ErpOutcome found = find(e);
      if (found.kind == ErpOutcome::Kind::kPosted) return found;
      return ErpOutcome::retry("the ERP accepted the record but did not name it, and it cannot be read back yet", true);
    }
    return ErpOutcome::posted(id);
  }
  if (r.ok() && r->status == 400 && parse_error(r->body).code == "DUP_RCRD") {
    // The ERP already holds a record with this external id: an earlier attempt landed.
    ErpOutcome found = find(e);
    if (found.kind == ErpOutcome::Kind::kPosted) return found;
    return ErpOutcome::retry("the ERP reports a duplicate external id but the record cannot be read yet", true);
  }
  return classify_failure(r, "posting inventory adjustment");
}

ErpOutcome NetSuiteConnector::find(const v1::Event& e) {
  ClientRequest req =
      request("GET", std::string(kRecordBase) + "/inventoryAdjustment/eid:" + url_encode(e.event_id()));
  Result<HttpResponse> r = http_.send(req);
  if (r.ok() && r->status == 200) {
    Result<Json> j = Json::parse(r->body);
    std::string id = j.ok() ? j->get_string("id") : "";
    if (!id.empty()) return ErpOutcome::posted(id);
    return ErpOutcome::retry("the ERP's answer to a lookup has no id", false);
  }
  if (r.ok() && r->status == 404) return ErpOutcome::not_found();
  ErpOutcome o = classify_failure(r, "looking up " + e.event_id());
  if (o.kind == ErpOutcome::Kind::kRejected) o = ErpOutcome::retry(o.reason, false);
  o.ambiguous = false;
  return o;
}

}  // namespace sb::relay
