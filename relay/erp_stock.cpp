#include "relay/erp_stock.h"

#include <cstdlib>

#include "relay/netsuite_wire.h"

namespace sb::relay {
namespace {

using namespace netsuite;

constexpr int64_t kItemTtlMs = 10 * 60 * 1000;  // as the connector's master data
constexpr size_t kInChunk = 200;                // ids per IN (...) list

Status failure(const Result<HttpResponse>& r, const std::string& what) {
  if (!r.ok()) return Status::Unavailable(what + ": " + r.status().to_string());
  if (r->status == 404) return Status::NotFound(what + ": " + describe(parse_error(r->body)));
  return Status::Unavailable(what + ": ERP answered " + std::to_string(r->status) + ": " + describe(parse_error(r->body)));
}

// SuiteQL gives every value as a string.
double number(const Json& row, const char* column, bool* present = nullptr) {
  const Json* v = row.find(column);
  if (present) *present = v && !v->is_null() && !v->as_string().empty();
  return v ? std::atof(v->as_string().c_str()) : 0;
}

}  // namespace

Result<Json> NetSuiteStock::suiteql(const std::string& query, size_t offset) {
  ClientRequest req;
  req.method = "POST";
  req.url = options_.base_url + kSuiteQl + "?limit=" + std::to_string(options_.page_size) + "&offset=" + std::to_string(offset);
  req.timeout = options_.timeout;
  // Signed per request: a TBA signature covers the method and URL, query included.
  if (options_.auth) {
    if (std::string h = options_.auth->authorization(req.method, req.url); !h.empty()) req.headers.emplace_back("Authorization", h);
  }
  req.headers.emplace_back("Prefer", "transient");
  Json q = Json::object();
  q.set("q", Json::string(query));
  req.body = q.dump();
  calls_++;
  Result<HttpResponse> r = http_.send(req);
  if (r.ok() && r->status == 401 && options_.auth) options_.auth->refused();
  if (!r.ok() || r->status != 200) return failure(r, "reading stock from the ERP");
  Result<Json> body = Json::parse(r->body);
  if (!body.ok()) return Status::Unavailable("the ERP's SuiteQL answer is not JSON");
  return body;
}

Result<Json> NetSuiteStock::get(const std::string& path) {
  ClientRequest req;
  req.url = options_.base_url + kRecordBase + path;
  req.timeout = options_.timeout;
  if (options_.auth) {
    if (std::string h = options_.auth->authorization(req.method, req.url); !h.empty()) req.headers.emplace_back("Authorization", h);
  }
  calls_++;
  Result<HttpResponse> r = http_.send(req);
  if (r.ok() && r->status == 401 && options_.auth) options_.auth->refused();
  if (!r.ok() || r->status != 200) return failure(r, "reading " + path);
  Result<Json> body = Json::parse(r->body);
  if (!body.ok()) return Status::Unavailable("reading " + path + ": the answer is not JSON");
  return body;
}

Status NetSuiteStock::each_row(const std::string& query, const std::function<void(const Json&)>& visit) {
  for (size_t offset = 0;;) {
    Result<Json> page = suiteql(query, offset);
    if (!page.ok()) return page.status();
    const Json* rows = page->find("items");
    if (!rows || !rows->is_array()) return Status::Unavailable("the ERP's SuiteQL answer has no items");
    for (const Json& row : rows->items()) visit(row);
    const Json* more = page->find("hasMore");
    if (!more || !more->is_bool() || !more->as_bool() || rows->items().empty()) return Status::Ok();
    offset += rows->items().size();
  }
}

Result<std::vector<ErpStockLine>> NetSuiteStock::on_hand(const std::set<std::string>& locations) {
  std::vector<ErpStockLine> out;
  if (locations.empty()) return out;
  std::string in;
  for (const std::string& l : locations) in += (in.empty() ? "" : ", ") + suiteql_quote(l);
  Status s = each_row("SELECT item, location, quantityonhand, averagecostmli FROM inventoryitemlocations WHERE location IN (" +
                          in + ") ORDER BY item, location",
                      [&](const Json& row) {
                        ErpStockLine l;
                        l.item_id = row.get_string("item");
                        l.location = row.get_string("location");
                        l.on_hand = number(row, "quantityonhand");
                        bool has_cost = false;
                        const double cost = number(row, "averagecostmli", &has_cost);
                        if (has_cost) l.average_cost = cost;
                        out.push_back(std::move(l));
                      });
  if (!s.ok()) return s;
  // The SKUs of the items, read once and kept (an item's itemid rarely changes).
  std::vector<std::string> unknown;
  {
    std::lock_guard lock(mu_);
    std::set<std::string> seen;
    for (const ErpStockLine& l : out)
      if (!skus_.count(l.item_id) && seen.insert(l.item_id).second) unknown.push_back(l.item_id);
  }
  for (size_t i = 0; i < unknown.size(); i += kInChunk) {
    std::string ids;
    for (size_t j = i; j < unknown.size() && j < i + kInChunk; ++j) ids += (ids.empty() ? "" : ", ") + suiteql_quote(unknown[j]);
    std::map<std::string, std::string> found;
    Status r = each_row("SELECT id, itemid FROM item WHERE id IN (" + ids + ")",
                        [&](const Json& row) { found[row.get_string("id")] = row.get_string("itemid"); });
    if (!r.ok()) return r;
    std::lock_guard lock(mu_);
    for (auto& [id, sku] : found) skus_[id] = sku;
  }
  std::lock_guard lock(mu_);
  for (ErpStockLine& l : out)
    if (auto it = skus_.find(l.item_id); it != skus_.end()) l.sku = it->second;
  return out;
}

Result<ErpStockItem> NetSuiteStock::item(const std::string& sku) {
  {
    std::lock_guard lock(mu_);
    auto it = items_.find(sku);
    if (it != items_.end() && !it->second.item.stock_unit_unknown && steady_ms() - it->second.read_at_ms < kItemTtlMs)
      return it->second.item;
  }
  ErpStockItem item;
  Status s = each_row("SELECT id, itemid FROM item WHERE itemid = " + suiteql_quote(sku),
                      [&](const Json& row) { if (item.id.empty()) item.id = row.get_string("id"); });
  if (!s.ok()) return s;
  if (item.id.empty()) return Status::NotFound("the ERP has no item " + sku);
  Result<Json> record = get("/inventoryItem/" + url_encode(item.id));
  if (!record.ok()) return record.status();
  item.units = parse_item_units(*record);
  std::lock_guard lock(mu_);
  items_[sku] = {item, steady_ms()};
  skus_[item.id] = sku;
  return item;
}

Result<ErpItems> NetSuiteStock::items(const std::set<std::string>& skus) {
  ErpItems out;
  std::vector<std::string> unknown;
  const int64_t now = steady_ms();
  {
    std::lock_guard lock(mu_);
    for (const std::string& sku : skus) {
      auto it = items_.find(sku);
      if (it != items_.end() && now - it->second.read_at_ms < kItemTtlMs) out.found[sku] = it->second.item;
      else unknown.push_back(sku);
    }
  }
  // The items themselves: a few SuiteQL queries, not one per SKU.
  struct Row {
    std::string id, units_type;
  };
  std::map<std::string, Row> rows;  // by SKU
  for (size_t i = 0; i < unknown.size(); i += kInChunk) {
    std::string in;
    for (size_t j = i; j < unknown.size() && j < i + kInChunk; ++j) in += (in.empty() ? "" : ", ") + suiteql_quote(unknown[j]);
    Status s = each_row("SELECT id, itemid, unitstype FROM item WHERE itemid IN (" + in + ") ORDER BY id",
                        [&](const Json& row) {
                          const std::string sku = row.get_string("itemid");
                          if (!skus.count(sku) || rows.count(sku)) return;  // the first of a duplicate itemid, as item() does
                          rows[sku] = {row.get_string("id"), row.get_string("unitstype")};
                        });
    if (!s.ok()) return s;
  }
  // Their units: one item record per units type, whose conversions every item of the type shares.
  std::map<std::string, std::string> representative;  // units type -> an item id of it
  {
    std::lock_guard lock(mu_);
    for (const auto& [sku, row] : rows) {
      if (row.units_type.empty()) continue;
      auto cached = units_types_.find(row.units_type);
      if (cached != units_types_.end() && now - cached->second.read_at_ms < kItemTtlMs) continue;
      representative.emplace(row.units_type, row.id);
    }
  }
  std::map<std::string, Status> type_failed;
  for (const auto& [type, id] : representative) {
    Result<Json> record = get("/inventoryItem/" + url_encode(id));
    if (!record.ok() && record.status().code() != Code::kNotFound) return record.status();
    if (!record.ok()) {
      type_failed[type] = record.status();  // gone since the query: its SKUs get a note this time
      continue;
    }
    ItemUnits units = parse_item_units(*record);
    units.stock_unit.clear();
    std::lock_guard lock(mu_);
    units_types_[type] = {std::move(units), steady_ms()};
  }
  std::lock_guard lock(mu_);
  for (const auto& [sku, row] : rows) {
    ErpStockItem item;
    item.id = row.id;
    if (!row.units_type.empty()) {
      if (auto f = type_failed.find(row.units_type); f != type_failed.end()) {
        out.unreadable[sku] = f->second;
        continue;
      }
      item.units = units_types_[row.units_type].units;
      item.stock_unit_unknown = true;
    }
    items_[sku] = {item, now};
    skus_[item.id] = sku;
    out.found[sku] = std::move(item);
  }
  return out;
}

void MemoryErpStock::set(const std::string& sku, const std::string& location, double on_hand, std::optional<double> cost) {
  std::lock_guard lock(mu_);
  if (!items_.count(sku)) items_[sku] = {"item-" + sku, {}};
  ErpStockLine& l = lines_[{sku, location}];
  l.item_id = items_[sku].id;
  l.sku = sku;
  l.location = location;
  l.on_hand = on_hand;
  l.average_cost = cost;
}

void MemoryErpStock::add_item(const std::string& sku, const std::string& id, ItemUnits units) {
  std::lock_guard lock(mu_);
  items_[sku] = {id, std::move(units)};
}

void MemoryErpStock::fail_next(Status s) {
  std::lock_guard lock(mu_);
  fail_ = std::move(s);
}

Result<std::vector<ErpStockLine>> MemoryErpStock::on_hand(const std::set<std::string>& locations) {
  calls_++;
  std::lock_guard lock(mu_);
  if (!fail_.ok()) {
    Status s = fail_;
    fail_ = Status::Ok();
    return s;
  }
  std::vector<ErpStockLine> out;
  for (const auto& [key, l] : lines_)
    if (locations.count(l.location)) out.push_back(l);
  return out;
}

Result<ErpStockItem> MemoryErpStock::item(const std::string& sku) {
  calls_++;
  std::lock_guard lock(mu_);
  auto it = items_.find(sku);
  if (it == items_.end()) return Status::NotFound("the ERP has no item " + sku);
  return it->second;
}

Result<ErpItems> MemoryErpStock::items(const std::set<std::string>& skus) {
  calls_ += (skus.size() + kInChunk - 1) / kInChunk;
  std::lock_guard lock(mu_);
  ErpItems out;
  for (const std::string& sku : skus)
    if (auto it = items_.find(sku); it != items_.end()) out.found[sku] = it->second;
  return out;
}

}  // namespace sb::relay
