// NetSuiteConnector: the ErpConnector for the NetSuite REST record API
// (shared/reference/netsuite-rest.md).
//
// StockAdjustment -> POST /services/rest/record/v1/inventoryAdjustment with
// externalId = event_id; success is 204 + Location naming the new record.
// find() reads GET .../inventoryAdjustment/eid:{event_id}. Items are referred
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

#include "platform/http/http.h"
#include "relay/erp_auth.h"
#include "relay/erp_connector.h"

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
};

// Parses "WH1=1,WH2=2" into a map; InvalidArgument naming the bad entry.
Status parse_location_map(const std::string& text, std::map<std::string, std::string>* out);

class NetSuiteConnector final : public ErpConnector {
 public:
  NetSuiteConnector(HttpClient& http, NetSuiteOptions options);
  ErpOutcome post(const v1::Event& event) override;
  ErpOutcome find(const v1::Event& event) override;
  std::string name() const override { return "netsuite"; }

 private:
  struct Item {
    std::string id;
    bool inactive = false;
  };
  // kPosted with the item's internal id in erp_id, or rejected/retry.
  ErpOutcome resolve_item(const std::string& sku);
  ClientRequest request(const std::string& method, const std::string& path) const;
  ErpOutcome classify_failure(const Result<HttpResponse>& r, const std::string& what) const;

  HttpClient& http_;
  NetSuiteOptions options_;
  std::mutex mu_;
  std::map<std::string, Item> items_;
};

}  // namespace sb::relay
