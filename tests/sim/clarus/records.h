// The records the simulated Clarus tenant holds, in the shapes of
// docs/clarus-model.md. Plain data: every access happens under the
// simulator's one mutex (see ClarusModel).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "platform/core/json.h"

namespace sb::clarus_sim {

// external_system_reference1..3, string1..5, integer1..5, datetime1..5,
// boolean1..5: stored as sent (validated by type) and echoed on every read.
using CustomFields = std::map<std::string, Json>;

// Goods-out status ids and their GraphQL codes (docs/clarus-model.md).
enum GoodsOutStatus : int {
  kDraft = 1, kPending = 2, kPick = 3, kPart = 4, kAllocated = 5,
  kCompleted = 6, kPartAllocated = 7, kCancelled = 8,
};
const char* goods_out_status_code(int status_id);
const char* goods_out_status_name(int status_id);

struct Warehouse { int64_t id; std::string code, name; };
struct Account { int64_t id; std::string code, name; };
struct Carrier { int64_t id; std::string code, name; };
struct CarrierService { int64_t id; int64_t carrier_id; std::string code, name; };
struct Location { int64_t id; std::string code, zone, aisle; int64_t warehouse_id; };
struct StockUnitType { std::string id, code, name; };
struct ReasonCode { std::string id, code, reason_type, description; };

struct Product {
  int64_t id = 0;
  std::string code, description, barcode, case_barcode, stock_unit_type_id, product_type = "standard";
  bool obsolete = false;
  int64_t units_per_case = 1;
  CustomFields custom;
};

struct ProductStorageUnit {
  std::string id;
  int64_t product_id = 0;
  std::string storage_unit_type_id, stock_configuration = "unit", unit_of_measure;
  int64_t per_layer = 1, number_of_layers = 1, priority = 1;
};

struct GoodsOutLine {
  int64_t id = 0;
  int64_t product_id = 0;
  int64_t order_quantity = 0, allocated_quantity = 0, pick_quantity = 0, dispatch_quantity = 0;
  int64_t short_quantity = 0;  // shorted when stock ran out or by short_order_lines
  std::string alt_line_reference;
  std::optional<int64_t> carrier_id, carrier_service_id;
  CustomFields custom;
  int64_t remaining() const { return order_quantity - dispatch_quantity - short_quantity; }
};

struct GoodsOut {
  int64_t id = 0;
  std::string reference, goods_out_type = "sales_order", expected_date_of_dispatch;
  std::string delivery_notes, dispatch_strategy, dispatched_at, created_at;
  int status_id = kPending;
  int64_t priority = 0, warehouse_id = 1, account_id = 1;
  std::optional<int64_t> carrier_id, carrier_service_id, customer_id;
  Json address;  // the relationships.address attributes, or null
  CustomFields custom;
  std::vector<GoodsOutLine> lines;
};

struct Package {
  std::string reference, tracking_number;
  double weight = 0, height = 0, length = 0, width = 0;
};

struct ShipmentLine {
  int64_t goods_out_line_id = 0;
  std::string alt_line_reference;
  int64_t product_id = 0;
  int64_t quantity = 0;
};

struct Shipment {
  int64_t id = 0, goods_out_id = 0;
  std::string reference, status = "dispatched", collection_datetime, tracking_number;
  std::optional<int64_t> carrier_id, carrier_service_id;
  std::vector<Package> packages;
  std::vector<ShipmentLine> lines;
};

struct ReceiptLine {
  int64_t id = 0, product_id = 0;
  int64_t expected_quantity = 0, expected_configurations_quantity = 0, received_quantity = 0;
  std::string alt_line_reference;
  std::optional<int64_t> location_id;  // where the last quantity was put away
  CustomFields custom;                  // string1 = return disposition
};

struct GoodsInReceipt {
  int64_t id = 0;
  std::string reference, status = "pending", receipt_type = "purchase_order";
  std::string expected_date_of_receipt, actual_date_of_receipt, notes, created_at;
  int64_t warehouse_id = 1, account_id = 1;
  std::optional<int64_t> supplier_id;
  CustomFields custom;
  std::vector<ReceiptLine> lines;
};

struct ReceiveTask {
  int64_t id = 0, goods_in_receipt_id = 0, line_id = 0, product_id = 0;
  int64_t quantity = 0, confirmed_quantity = 0;
  std::string status = "pending";  // pending -> completed
  std::optional<int64_t> location_to_id;
};

struct Stock {
  int64_t id = 0, product_id = 0, location_id = 0, account_id = 1;
  int64_t quantity = 0;
  std::string status = "available";  // or "held"
  std::string fifo_date;
};

struct StockAdjustment {
  int64_t id = 0, quantity = 0;  // signed
  std::string adjustment_type;   // positive / negative
  std::string reason_code_id;
  int64_t product_id = 0, location_id = 0, warehouse_id = 1, stock_id = 0;
  std::string created_at;
};

// POST /automations: what fires a webhook and where it goes.
struct Automation {
  int64_t id = 0;
  std::string resource_name, event, url, integration_id;
  Json conditions;  // array of {path, operator?, value}
  Json actions;     // as posted
  bool active = true;
};

}  // namespace sb::clarus_sim
