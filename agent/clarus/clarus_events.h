// Clarus records -> Stockbridge events: a pure mapping, no I/O.
//
// The record shapes, event ids and business keys are docs/clarus-model.md's
// contract. A GraphQL node and a webhook's `data.attributes` (+ `data.id`)
// have the same fields, so the webhook and the sweep of one fact map to the
// same event with the same event_id, and the journal keeps it once.
//
// Every mapping gives a whole event or a Status naming what is wrong, never a
// half event:
//   kInvalidArgument     the record lacks a field the event needs, or a
//                        quantity is not an integer (the message names it)
//   kFailedPrecondition  the record is well formed but is not a fact yet: a
//                        receipt not completed, a return line not inspected
// Thread-safety: plain functions on values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/json.h"
#include "platform/core/status.h"
#include "stockbridge/v1/wire.h"

namespace sb::agent {

// Who the events are from: names event ids, and the warehouse when a record
// does not say (shipments carry none).
struct ClarusSite {
  std::string site_id;
  std::string warehouse_code;
};

// GraphQL selections of exactly the fields the mappings below read.
extern const char* const kShipmentFields;
extern const char* const kReceiptFields;
extern const char* const kAdjustmentFields;
extern const char* const kBalanceFields;

// One shipment (partial ones too) -> Shipment. order_complete: the caller
// knows the goods out reached COMPLETED with this shipment (the record itself
// does not say).
Result<v1::Event> shipment_event(const ClarusSite& site, const Json& shipment, bool order_complete = false);

// A completed goods-in receipt -> GoodsReceipt (receipt_type purchase_order)
// or ReturnReceipt (receipt_type return; every line needs its disposition in
// string1: restock, quarantine or scrap).
Result<v1::Event> receipt_event(const ClarusSite& site, const Json& receipt);

enum class ReceiptState { kOpen, kCompleted, kCancelled };
// pending/receiving (or anything unknown) are open: they may still change.
ReceiptState receipt_state(const Json& receipt);

// One stock adjustment -> StockAdjustment with a signed quantity_delta.
Result<v1::Event> adjustment_event(const ClarusSite& site, const Json& adjustment);

// One stock_balances node -> a StockBalance line of a snapshot.
Result<v1::StockBalance> stock_balance(const Json& balance);

// The balances of one warehouse at taken_at_ms, split into parts of at most
// part_size balances (at least one part, so "nothing in stock" is said too).
std::vector<v1::Event> snapshot_events(const ClarusSite& site, const std::vector<v1::StockBalance>& balances,
                                       int64_t taken_at_ms, size_t part_size);

// A webhook body {"data":{"id":..,"type":..,"attributes":{..}}} as the record
// type ("goods_in_receipts") and the record (attributes with "id" added).
struct WebhookRecord {
  std::string type;
  Json record;
};
Result<WebhookRecord> parse_webhook(std::string_view body);

// Ids become part of event ids, which are journal (LMDB) keys: a string id
// longer than this, or holding a control character, is refused.
constexpr size_t kMaxRecordIdLength = 64;

// A record id as text: an integer's digits or a non-empty string of at most
// kMaxRecordIdLength characters without control characters; "" when absent,
// of another kind, or refused.
std::string record_id(const Json& record);
// OK when record_id(record) is usable; otherwise kInvalidArgument saying why
// ("<what>: id is missing" / "... is longer than 64 characters" / "... holds a
// control character").
Status check_record_id(const Json& record, const std::string& what);
// A record's integer id; false when it has none.
bool record_int_id(const Json& record, int64_t* id);

}  // namespace sb::agent
