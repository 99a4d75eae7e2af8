// ErpStock: what the ERP says is on hand, for the reconciliation
// (reconciliation.h). Reads only; never writes to the ERP.
//
// NetSuiteStock reads it as NetSuite gives it: SuiteQL
//   SELECT item, location, quantityonhand, averagecostmli
//     FROM inventoryitemlocations WHERE location IN (...)
// paged by limit/offset, quantities in the item's base unit; the items' SKUs
// (SELECT id, itemid FROM item WHERE id IN (...)) are read once and kept.
// Items by SKU are read in bulk, because the ERP is the narrowest pipe and a
// warehouse has tens of thousands of SKUs:
//   SELECT id, itemid, unitstype FROM item WHERE itemid IN (...)
// 200 SKUs a query, then one GET /inventoryItem/{id} per units type (not per
// item): NetSuite keeps the conversions on the units type, so every item of a
// type has the same ones; only an item's stock unit is its own (items() marks
// it unknown, item() reads it). Items are kept for ten minutes. Same HTTP
// client and authentication as the connector. Every HTTP request is counted
// (calls()), so what a reconciliation costs the ERP is visible.
// MemoryErpStock is the in-memory twin for tests.
// Thread-safety: both may be called from any thread.
#pragma once

#include <cstdint>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "platform/core/json.h"
#include "platform/core/status.h"
#include "platform/http/http.h"
#include "relay/erp_auth.h"
#include "relay/units.h"

namespace sb::relay {

// One item at one location, in the item's base unit.
struct ErpStockLine {
  std::string item_id;
  std::string sku;       // the item's itemid; "" when the ERP did not say
  std::string location;  // ERP location id
  double on_hand = 0;
  std::optional<double> average_cost;  // per base unit, where the ERP keeps one
};

// An ERP item as the reconciliation needs it: its id and units.
struct ErpStockItem {
  std::string id;
  ItemUnits units;
  // The units were read from another item of the same units type (items()):
  // the conversions hold, units.stock_unit is not this item's. A quantity
  // without a unit code (counted in the stock unit) needs item().
  bool stock_unit_unknown = false;
};

// Items read in bulk. A SKU in neither map is one the ERP has no item for.
struct ErpItems {
  std::map<std::string, ErpStockItem> found;  // by SKU
  std::map<std::string, Status> unreadable;   // by SKU: the item is there, its units could not be read
};

class ErpStock {
 public:
  virtual ~ErpStock() = default;
  // Every item with stock (or a stock record) at one of `locations`.
  // Unavailable when the ERP cannot answer now.
  virtual Result<std::vector<ErpStockLine>> on_hand(const std::set<std::string>& locations) = 0;
  // The item whose itemid is `sku`: NotFound when the ERP has none.
  virtual Result<ErpStockItem> item(const std::string& sku) = 0;
  // The items of many SKUs at once, in a few requests. Unavailable when the
  // ERP cannot answer now.
  virtual Result<ErpItems> items(const std::set<std::string>& skus) = 0;
  // Requests made to the ERP so far (pages included).
  virtual uint64_t calls() const = 0;
};

struct NetSuiteStockOptions {
  std::string base_url;
  std::shared_ptr<const ErpAuth> auth;
  Millis timeout{30'000};
  size_t page_size = 1000;
};

class NetSuiteStock final : public ErpStock {
 public:
  NetSuiteStock(HttpClient& http, NetSuiteStockOptions options) : http_(http), options_(std::move(options)) {}
  Result<std::vector<ErpStockLine>> on_hand(const std::set<std::string>& locations) override;
  Result<ErpStockItem> item(const std::string& sku) override;
  Result<ErpItems> items(const std::set<std::string>& skus) override;
  uint64_t calls() const override { return calls_.load(); }

 private:
  Result<Json> suiteql(const std::string& query, size_t offset);
  Result<Json> get(const std::string& path);
  // Rows of every page of a query.
  Status each_row(const std::string& query, const std::function<void(const Json&)>& visit);

  HttpClient& http_;
  NetSuiteStockOptions options_;
  std::mutex mu_;
  struct Cached {
    ErpStockItem item;
    int64_t read_at_ms = 0;  // steady clock
  };
  struct CachedUnits {
    ItemUnits units;  // stock_unit empty: it is the item's, not the type's
    int64_t read_at_ms = 0;
  };
  std::map<std::string, Cached> items_;        // by SKU
  std::map<std::string, std::string> skus_;    // item id -> SKU
  std::map<std::string, CachedUnits> units_types_;  // by the item table's unitstype
  std::atomic<uint64_t> calls_{0};
};

// The twin: stock and items set by the test.
class MemoryErpStock final : public ErpStock {
 public:
  void set(const std::string& sku, const std::string& location, double on_hand,
           std::optional<double> cost = std::nullopt);
  void add_item(const std::string& sku, const std::string& id, ItemUnits units = {});
  void fail_next(Status s);  // the next on_hand() answers s
  Result<std::vector<ErpStockLine>> on_hand(const std::set<std::string>& locations) override;
  Result<ErpStockItem> item(const std::string& sku) override;
  Result<ErpItems> items(const std::set<std::string>& skus) override;
  // As NetSuiteStock would count them: one per on_hand() and item(), one per 200 SKUs of items().
  uint64_t calls() const override { return calls_.load(); }

 private:
  std::atomic<uint64_t> calls_{0};
  std::mutex mu_;
  std::map<std::string, ErpStockItem> items_;  // by SKU
  std::map<std::pair<std::string, std::string>, ErpStockLine> lines_;  // (sku, location)
  Status fail_ = Status::Ok();
};

}  // namespace sb::relay
