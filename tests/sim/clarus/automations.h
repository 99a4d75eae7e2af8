// Automations: what makes the simulated tenant POST a webhook, and to where.
//
// POST /automations takes {resource_name, event, conditions, actions}. The
// destination is [assumed] `actions: [{"type":"webhook","url":"http://..."}]`
// (Clarus does not document it). Conditions are [assumed]
// `[{"path":"data.attributes.account_id","operator":"eq","value":1}]` with
// operators eq, not_eq, in, and paths into the webhook body.
#pragma once

#include <string>
#include <vector>

#include "model.h"
#include "platform/http/http.h"

namespace sb::clarus_sim {

// Validates and stores an automation; InvalidArgument says what is wrong.
Result<int64_t> create_automation(ClarusModel& m, const Json& attributes);

// The triggers the simulator fires, as resource_name/event pairs.
const std::vector<std::pair<std::string, std::string>>& supported_triggers();

// One POST to make: URL, the X-ClarusWMS-* headers and the body.
struct WebhookDelivery {
  int64_t automation_id = 0;
  std::string url;
  HttpHeaders headers;
  std::string body;
  std::string trigger;  // "goods_out/completed", for logs
};

struct TenantIdentity {
  std::string subdomain;   // X-ClarusWMS-Subdomain
  std::string domain;      // X-ClarusWMS-Domain: "<subdomain>.claruswms.co.uk"
  std::string api_domain;  // X-ClarusWMS-API-Domain
};

// The deliveries an event causes: one per active automation whose
// resource_name/event match and whose conditions hold.
std::vector<WebhookDelivery> deliveries_for(const ClarusModel& m, const WebhookEvent& event,
                                            const TenantIdentity& tenant);

}  // namespace sb::clarus_sim
