// NetSuiteConnector: the ErpConnector for the NetSuite REST record API
// (shared/reference/netsuite-rest.md).
//
// StockAdjustment -> POST /services/rest/record/v1/inventoryAdjustment with
// externalId = event_id; success is 204 + Location naming the new record.
// Shipment -> POST /salesOrder/{id}/!transform/itemFulfillment, one per
// shipment: the shipped lines by orderLine, every other open line sent with
// itemReceive:false so it stays open; shipMethod from the ERP's ship items
// (carrier and service); packages with tracking numbers.
// GoodsReceipt -> POST /purchaseOrder/{id}/!transform/itemReceipt.
// ReturnReceipt -> itemReceipt on the return authorisation, then its
// creditMemo (externalId {event_id}:credit), the inspection dispositions in the memo.
// find() reads GET .../{record}/eid:{event_id} (for a return, the credit memo). Items are referred
// to by internal id, resolved from the SKU through SuiteQL
// (SELECT id, itemid, isinactive FROM item WHERE itemid = '...') and cached.
// Warehouses map to ERP locations through the configured location map.
//
// Answers are classified as NetSuite documents them: 204/200 posted; 400 with
// o:errorCode DUP_RCRD means the record exists (find it); other 4xx rejected
// with NetSuite's own detail; 401/403 retried (credentials are fixed by a
// person, the events wait); 429 throttled with Retry-After; 5xx, timeouts and
// dropped connections retried as ambiguous.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "platform/core/json.h"

#include "platform/http/http.h"
#include "relay/erp_auth.h"
#include "relay/erp_connector.h"
#include "relay/shipped_ledger.h"
#include "relay/units.h"

namespace sb::relay {

struct NetSuiteOptions {
  std::string base_url;            // https://{account}.suitetalk.api.netsuite.com (no trailing slash)
  // Signs each request (erp_auth.h): bearer token or NetSuite TBA; null = no
  // Authorization header. Shared so the options stay copyable.
  std::shared_ptr<const ErpAuth> auth;
  Millis timeout{30'000};
  std::string adjustment_account = "1";              // internal id of the adjustment account
  std::map<std::string, std::string> location_map;   // Clarus warehouse -> ERP location id
  std::string default_location;                      // for unmapped warehouses; "" = hold them
  // The relay's own running record of what it sent per order line
  // (shipped_ledger.h); null = rely on the ERP's counters alone.
  ShippedLedger* shipped = nullptr;
  // A purchase order line may be received up to this % of its ordered
  // quantity beyond it (set it to what the account allows); more is held as
  // OVER_RECEIPT. Fulfilments and returns never go beyond what is open.
  int over_receipt_percent = 0;
  // Clarus carrier codes renamed or spelled otherwise than the ERP's carrier
  // master: "CARRIER/SERVICE" or "CARRIER" (Clarus) -> the same form in the
  // ERP's custitem_sb_carrier / custitem_sb_service_code: an alias for
  // CARRIER/SERVICE wins, then one for CARRIER alone (the service kept), else
  // the codes as they are (v1::erp_carrier).
  std::map<std::string, std::string> carrier_aliases;
};

// Parses "WH1=1,WH2=2" into a map; InvalidArgument naming the bad entry.
Status parse_location_map(const std::string& text, std::map<std::string, std::string>* out);

class NetSuiteConnector final : public ErpConnector {
 public:
  NetSuiteConnector(HttpClient& http, NetSuiteOptions options);
  ErpOutcome post(const v1::Event& event) override;
  // A coalesced net adjustment: its memo says how many events it covers and
  // the body field custbody_sb_event_ids lists them all, one per line.
  ErpOutcome post_net(const v1::Event& net, const std::vector<std::string>& covers) override;
  ErpOutcome find(const v1::Event& event) override;
  std::string name() const override { return "netsuite"; }
  void refresh_master_data() override;

  // A line of an order's item sublist, as the ERP holds it now.
  struct OrderLine {
    std::string order_line;
    std::string sku;       // item refName
    int64_t quantity = 0;
    int64_t done = 0;      // quantityFulfilled / quantityReceived
    std::string location;  // line location id, "" when none
    std::string units;     // the line's units (refName), "" when none
    double rate = 1;       // unitConversionRate: base units per one of the line's units
  };
  // A warehouse line (of a shipment or receipt) before conversion.
  struct WarehouseLine {
    std::string line_ref;  // the ERP order line it moves
    std::string sku;
    std::string unit;      // Clarus unit code; "" = the item's stock unit
    int64_t quantity = 0;
  };
  // What a transaction moves on one order line, in that line's units.
  struct Move {
    int64_t quantity = 0;
    std::string sku;
    std::string note;  // the conversion used, for custcol_sb_uom_conversion
  };
  using Moves = std::map<std::string, Move>;  // by order line

 private:
  // post() without the second look at the items after a refusal.
  ErpOutcome post_once(const v1::Event& event);
  // The event's items read afresh: rejected (INACTIVE_SKU / UNKNOWN_SKU) when one explains a refusal.
  ErpOutcome recheck_items(const v1::Event& event);
  // Master data read from the ERP is kept for kMasterDataTtl: an item
  // deactivated or reactivated in the ERP, or a ship item changed, is seen
  // within that time without a restart.
  static constexpr int64_t kMasterDataTtlMs = 10 * 60 * 1000;
  struct Item {
    std::string id;
    bool inactive = false;
    int64_t read_at_ms = 0;  // steady clock
    bool units_read = false;
    ItemUnits units;
  };
  struct ShipMethod {
    std::string id;
    int64_t read_at_ms = 0;
    std::string tracking_pattern;  // custitem_sb_tracking_pattern: ECMAScript; "" = no tracking needed
  };
  // kPosted with the item's internal id in erp_id, or rejected/retry.
  ErpOutcome resolve_item(const std::string& sku);
  // The item's units and conversion rates (GET inventoryItem), kept with the item.
  ErpOutcome item_units(const std::string& sku, ItemUnits* out);
  // Converts warehouse lines into the order's line units (rejected: UOM_NOT_CONVERTIBLE).
  ErpOutcome moves_for(const std::vector<OrderLine>& order, const std::vector<WarehouseLine>& lines, Moves* out);
  // POSTs body to path (a record, or a transform of one); 2xx is posted with the
  // id from Location; DUP_RCRD means an earlier attempt landed: looked up.
  ErpOutcome create(const std::string& path, const Json& body, const std::string& record_type,
                    const std::string& external_id, const std::string& what);
  ErpOutcome find_record(const std::string& record_type, const std::string& external_id);
  ErpOutcome post_adjustment(const v1::Event& e, const std::vector<std::string>& covers);
  ErpOutcome post_fulfilment(const v1::Event& e);  // netsuite_transactions.cpp
  // The relay's own shipped ledger against this shipment: a second fulfilment of
  // it, or more than the order line holds, is rejected; otherwise its lines are recorded.
  ErpOutcome check_shipped_ledger(const v1::Event& e, const std::vector<OrderLine>& order, const Moves& moves,
                                  const std::string& what);
  ErpOutcome post_goods_receipt(const v1::Event& e);
  ErpOutcome post_return(const v1::Event& e);
  // The order's lines (GET /{type}/{id}/item), or the outcome that stops the posting.
  ErpOutcome order_lines(const std::string& type, const std::string& id, std::vector<OrderLine>* out);
  // The ship item for a carrier and service (kPosted with its id), from the ERP's carrier master.
  // The ERP ship item for a Clarus carrier and service (aliases applied);
  // *pattern is the tracking number format it requires ("" = none).
  ErpOutcome ship_method(const std::string& carrier, const std::string& service, std::string* pattern);
  std::string location_for(const std::string& warehouse) const;
  ClientRequest request(const std::string& method, const std::string& path) const;
  ErpOutcome classify_failure(const Result<HttpResponse>& r, const std::string& what) const;

  HttpClient& http_;
  NetSuiteOptions options_;
  std::mutex mu_;
  std::map<std::string, Item> items_;
  std::map<std::string, ShipMethod> ship_methods_;  // "carrier/service" -> ship item
};

}  // namespace sb::relay
