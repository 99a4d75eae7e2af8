// ClarusModel: everything one simulated tenant holds, plus the operations
// that several callers share (the REST API and the scripted warehouse both
// move stock and dispatch goods outs through here, so their effects agree).
//
// Thread-safety: none inside; ClarusSimulator holds one mutex around every
// use. Operations that Clarus would announce by webhook append a WebhookEvent
// to `outbox`, which the simulator drains after releasing the lock.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/core/status.h"
#include "records.h"

namespace sb::clarus_sim {

// "goods_out"/"completed" and the whole record that goes in the webhook body.
struct WebhookEvent {
  std::string resource_name, event;
  Json body;  // {"data":{"id","type","attributes"}}
};

struct ClarusModel {
  explicit ClarusModel(const Clock& clock) : clock(&clock) {}
  const Clock* clock;

  std::map<int64_t, Warehouse> warehouses;
  std::map<int64_t, Account> accounts;
  std::map<int64_t, Carrier> carriers;
  std::map<int64_t, CarrierService> carrier_services;
  std::map<int64_t, Location> locations;
  std::map<std::string, StockUnitType> stock_unit_types;
  std::map<std::string, ReasonCode> reason_codes;
  std::map<int64_t, Product> products;
  std::map<std::string, ProductStorageUnit> product_storage_units;
  std::map<int64_t, GoodsOut> goods_outs;
  std::map<int64_t, Shipment> shipments;
  std::map<int64_t, GoodsInReceipt> goods_in_receipts;
  std::map<int64_t, ReceiveTask> receive_tasks;
  std::map<int64_t, Stock> stocks;
  std::map<int64_t, StockAdjustment> stock_adjustments;
  std::map<int64_t, Automation> automations;
  std::vector<WebhookEvent> outbox;
  int64_t automation_id_base = 0;  // automation ids are base + 1, base + 2, ...

  // One counter per id sequence; ids never repeat until /_sim/reset.
  std::map<std::string, int64_t> sequences;
  int64_t next_id(const std::string& sequence) { return ++sequences[sequence]; }
  // String ids ("sut_000001") sort the same as text and as numbers.
  std::string next_string_id(const std::string& prefix);

  std::string now_iso() const { return format_iso8601(clock->wall_ms()); }

  // Lookups by code; nullptr when absent.
  const Product* product_by_code(const std::string& code) const;
  const Location* location_by_code(const std::string& code) const;
  const Carrier* carrier_by_code(const std::string& code) const;
  const ReasonCode* reason_code_of_type(const std::string& reason_type) const;

  // --- stock ledger ---
  // Available units of a product in a warehouse (held stock excluded).
  int64_t available(int64_t product_id, int64_t warehouse_id) const;
  // Takes up to `quantity` available units, oldest stock first; returns how many were taken.
  int64_t take_stock(int64_t product_id, int64_t warehouse_id, int64_t quantity);
  // Adds units to the product's stock at a location (merging with a stock of the same status).
  Stock& put_stock(int64_t product_id, int64_t location_id, int64_t quantity, const std::string& status = "available");
  // A signed adjustment of one stock, recorded and announced (stock/positive_adjustment
  // or stock/negative_adjustment). InvalidArgument when it would go below zero.
  Result<int64_t> adjust_stock(int64_t stock_id, int64_t delta, const std::string& reason_code_id);
  // Moves units to another location (splitting the stock when not all move).
  Result<int64_t> move_stock(int64_t stock_id, int64_t quantity, int64_t to_location_id);
  // Holds (or releases) a stock: whole, or `quantity` split off. Announces stock/held or stock/released.
  Result<int64_t> set_stock_status(int64_t stock_id, int64_t quantity, bool hold);

  // --- goods outs ---
  // Records a shipment of the given {line id -> quantity} for a goods out, takes
  // the stock, and moves the goods out to PART or, when nothing remains,
  // COMPLETED (announcing goods_out/completed). Quantities are already capped.
  int64_t dispatch(GoodsOut& goods_out, const std::map<int64_t, int64_t>& quantities, Shipment shipment);
  // Shorts what remains on a line; completes the goods out when nothing remains.
  void short_line(GoodsOut& goods_out, GoodsOutLine& line);
  // COMPLETED when no line has anything left (and at least one line exists).
  void complete_if_done(GoodsOut& goods_out);

  // --- receipts ---
  // Receives `quantity` of a receipt line to a location (stock added unless scrapped).
  void receive_line(GoodsInReceipt& receipt, ReceiptLine& line, int64_t quantity, int64_t location_id,
                    const std::string& stock_status = "available");
  // Marks a receipt completed and announces goods_in_receipt/completed.
  void complete_receipt(GoodsInReceipt& receipt);
  // PENDING -> receiving with one receive task per line with quantity left.
  std::vector<int64_t> start_receiving(GoodsInReceipt& receipt);

  void announce(std::string resource_name, std::string event, Json body);
};

}  // namespace sb::clarus_sim
