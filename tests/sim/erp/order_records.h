// The order records people enter in the ERP (salesOrder, purchaseOrder,
// returnAuthorization) and the records transforms make from them
// (itemFulfillment, itemReceipt, creditMemo): their types, statuses, how
// /_sim/seed creates orders, and GET of all of them.
//
// Stored shape (RecordStore body, also what /_sim/ledger shows): the record's
// fields without id, tranId and dates, references as {"id","refName"}, status
// as {"id","refName"}, lines under item.items. An order line:
//   {"line":1,"orderLine":1,"item":{"id":"1001","refName":"SKU-0001"},"quantity":10,
//    "quantityFulfilled":0,"units":{"id":"1","refName":"Each"},"unitConversionRate":1,
//    "location":{"id":"6","refName":"Main"}}
// (quantityReceived on purchase orders and returns; returns also quantityBilled,
// what credit memos have credited). Quantities are in the line's units.
// Thread-safety: as RecordStore.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "record_store.h"
#include "route_table.h"

namespace sb::erpsim {

namespace record_type {
inline constexpr const char* kSalesOrder = "salesOrder";
inline constexpr const char* kPurchaseOrder = "purchaseOrder";
inline constexpr const char* kReturnAuthorization = "returnAuthorization";
inline constexpr const char* kItemFulfillment = "itemFulfillment";
inline constexpr const char* kItemReceipt = "itemReceipt";
inline constexpr const char* kCreditMemo = "creditMemo";
}  // namespace record_type

// An order type: how it is seeded and which line field counts what is done.
struct OrderKind {
  const char* type;         // record type, URL segment
  const char* seed_list;    // key in a /_sim/seed body
  const char* tran_prefix;  // document number prefix
  const char* done_field;   // line field counting fulfilled/received quantity
};
const OrderKind* find_order_kind(const std::string& type);

// Statuses NetSuite gives each order type: REST id, SuiteQL letter, label.
struct OrderStatus {
  const char* id;
  const char* letter;
  const char* label;
};
// The status `id` of `type`, or nullopt when that type has no such status.
std::optional<OrderStatus> find_status(const std::string& type, const std::string& id);
// {"id":..,"refName":..} for a status known to exist.
Poco::JSON::Object::Ptr status_object(const std::string& type, const std::string& id);
// An order's status after its lines changed: nothing done, some, everything
// (pendingFulfillment / partiallyFulfilled / pendingBilling for a sales order).
std::string status_after_lines(const std::string& type, const Poco::JSON::Object::Ptr& order);

// SuiteQL's transaction.type for a record type ("SalesOrd", "ItemShip"...); "" if none.
std::string transaction_type_code(const std::string& type);

// Applies the order lists of a /_sim/seed body ("salesOrders",
// "purchaseOrders", "returnAuthorizations"; see README). An order whose
// externalId exists is replaced in place (same internal id). Returns "" or
// what is wrong (no order applied then). `created` counts the orders applied.
std::string apply_order_seed(RecordStore& store, const std::string& body, size_t* applied);

// The lines of a stored body's item.items (nullptr when there are none).
Poco::JSON::Array::Ptr item_lines(const Poco::JSON::Object::Ptr& body);
// A number field of a line (0 when absent).
double line_number(const Poco::JSON::Object::Ptr& line, const std::string& field);

// GET /{type}/{id|eid:..} and /{type}/{id|eid:..}/item for every type above.
void add_order_record_routes(RouteTable& routes, RecordStore& store);

}  // namespace sb::erpsim
