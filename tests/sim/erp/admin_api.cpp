#include "admin_api.h"

#include <Poco/JSON/Array.h>

#include "json_body.h"
#include "master_records.h"
#include "netsuite_error.h"
#include "on_hand.h"
#include "order_records.h"

namespace sb::erpsim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

SimResponse json(const Object::Ptr& body, int status = 200) {
  SimResponse response;
  response.status = status;
  response.body = to_json(body);
  return response;
}

SimResponse bad_request(const std::string& detail) {
  return netsuite_error(400, error_code::kInvalidContent, detail);
}

// Master data first, then orders (which refer to it): a bad master entry
// applies nothing; a bad order entry applies no orders.
SimResponse seed(AdminTargets t, const SimRequest& request) {
  if (std::string error = apply_seed(t.store, request.body); !error.empty()) return bad_request(error);
  size_t orders = 0;
  if (std::string error = apply_order_seed(t.store, request.body, &orders); !error.empty()) return bad_request(error);
  size_t on_hand = 0;
  if (std::string error = apply_on_hand_seed(t.store, request.body, &on_hand); !error.empty()) return bad_request(error);
  auto out = new_object();
  out->set("items", static_cast<uint64_t>(t.store.master_count(master_kind::kItem)));
  out->set("locations", static_cast<uint64_t>(t.store.master_count(master_kind::kLocation)));
  out->set("accounts", static_cast<uint64_t>(t.store.master_count(master_kind::kAccount)));
  out->set("shipItems", static_cast<uint64_t>(t.store.master_count(master_kind::kShipItem)));
  out->set("orders", static_cast<uint64_t>(orders));
  out->set("onHand", static_cast<uint64_t>(on_hand));
  return json(out);
}

SimResponse ledger(AdminTargets t, const SimRequest& request) {
  Array::Ptr records = new Array;
  for (const auto& record : t.store.ledger(request.query_param("type"), request.query_param("after_id"))) {
    auto entry = new_object();
    entry->set("type", record.type);
    entry->set("id", record.id);
    entry->set("externalId", record.external_id);
    entry->set("tranId", record.tran_id);
    entry->set("createdAt", record.created_at);
    entry->set("lastModifiedDate", record.last_modified);
    entry->set("body", parse_object(record.body));
    records->add(entry);
  }
  auto out = new_object();
  out->set("count", static_cast<uint64_t>(records->size()));
  out->set("records", records);
  return json(out);
}

SimResponse set_faults(AdminTargets t, const SimRequest& request) {
  FaultPlan plan;
  if (std::string error = parse_fault_plan(request.body, &plan); !error.empty()) return bad_request(error);
  t.faults.set(plan);
  return json(fault_plan_json(t.faults.plan()));
}

Object::Ptr stats_json(AdminTargets t) {
  auto faults = new_object();
  for (const auto& [name, count] : t.faults.injected()) faults->set(name, count);
  auto out = new_object();
  out->set("requests", t.stats.requests.load());
  out->set("created", t.stats.created.load());
  out->set("rejected", t.stats.rejected.load());
  out->set("throttled", t.stats.throttled.load());
  out->set("faults", faults);
  out->set("max_concurrent", t.gate.max_concurrent());
  out->set("in_flight", t.gate.in_flight());
  return out;
}

}  // namespace

void add_admin_routes(RouteTable& routes, AdminTargets t) {
  const auto admin = RequestKind::kAdmin;
  routes.add("POST", "/_sim/seed", admin, [t](const SimRequest& r, const RouteParams&) { return seed(t, r); });
  routes.add("GET", "/_sim/ledger", admin, [t](const SimRequest& r, const RouteParams&) { return ledger(t, r); });
  routes.add("POST", "/_sim/faults", admin,
             [t](const SimRequest& r, const RouteParams&) { return set_faults(t, r); });
  routes.add("GET", "/_sim/faults", admin,
             [t](const SimRequest&, const RouteParams&) { return json(fault_plan_json(t.faults.plan())); });
  routes.add("DELETE", "/_sim/faults", admin, [t](const SimRequest&, const RouteParams&) {
    t.faults.clear();
    return json(fault_plan_json(t.faults.plan()));
  });
  routes.add("GET", "/_sim/stats", admin, [t](const SimRequest&, const RouteParams&) { return json(stats_json(t)); });
  routes.add("POST", "/_sim/reset", admin, [t](const SimRequest&, const RouteParams&) {
    t.store.clear_transactions();
    t.faults.clear();
    t.faults.clear_counts();
    t.stats.reset();
    t.gate.reset_max();
    return json(stats_json(t));
  });
}

}  // namespace sb::erpsim
