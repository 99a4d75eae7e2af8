// Reference data reads (carriers, services, locations, warehouses, accounts),
// reason codes, and automations (the webhook subscriptions).
#include "api_support.h"
#include "automations.h"
#include "record_json.h"

namespace sb::clarus_sim {
namespace {

// GET /<plural>/{id} for a map keyed by integer id.
template <typename Map, typename Render>
ModelHandler get_by_id(std::string type, std::string noun, Map ClarusModel::*map, Render render) {
  return [type, noun, map, render](const HttpRequest& req, ClarusModel& m) {
    auto id = path_id(req);
    auto& records = m.*map;
    auto it = id ? records.find(*id) : records.end();
    if (it == records.end()) return api_error(404, noun + " " + req.params.at("id") + " not found");
    return record_answer(200, type, render(m, it->second));
  };
}

const std::vector<std::string> kReasonTypes = {"negative_adjustment", "positive_adjustment", "hold", "release",
                                               "short_order_lines", "transfer", "stock_check"};

HttpResponse create_reason_code(const HttpRequest& req, ClarusModel& m) {
  auto parsed = Attributes::from_body(req.body);
  if (!parsed.ok()) return api_error(parsed.status());
  Attributes& a = parsed.value();
  a.require("reason_type");
  ReasonCode r;
  r.reason_type = a.string("reason_type").value_or("");
  r.code = a.string("code").value_or(a.string("description").value_or(""));
  r.description = a.string("description").value_or(r.code);
  bool known = false;
  for (const auto& t : kReasonTypes) known = known || t == r.reason_type;
  if (a.status().ok() && !known) {
    a.fail("reason_type must be one of negative_adjustment, positive_adjustment, hold, release, "
           "short_order_lines, transfer, stock_check");
  }
  if (!a.status().ok()) return api_error(a.status());
  r.id = m.next_string_id("rc");
  m.reason_codes[r.id] = r;
  return record_answer(201, "reason_codes", reason_code_json(r));
}

HttpResponse get_reason_code(const HttpRequest& req, ClarusModel& m) {
  auto it = m.reason_codes.find(req.params.at("id"));
  if (it == m.reason_codes.end()) return api_error(404, "reason code " + req.params.at("id") + " not found");
  return record_answer(200, "reason_codes", reason_code_json(it->second));
}

HttpResponse post_automation(const HttpRequest& req, ClarusModel& m) {
  auto parsed = Attributes::from_body(req.body);
  if (!parsed.ok()) return api_error(parsed.status());
  auto id = create_automation(m, parsed->json());
  if (!id.ok()) return api_error(id.status());
  return record_answer(201, "automations", automation_json(m.automations.at(id.value())));
}

HttpResponse delete_automation(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  if (!id || !m.automations.erase(*id)) return api_error(404, "automation " + req.params.at("id") + " not found");
  return HttpResponse::json(200, "{}");
}

}  // namespace

void add_reference_routes(RouteList& routes) {
  routes.push_back({"GET", "/carriers/{id}", false,
                    get_by_id("carriers", "carrier", &ClarusModel::carriers,
                              [](const ClarusModel&, const Carrier& c) { return carrier_json(c); })});
  routes.push_back({"GET", "/carrier_services/{id}", false,
                    get_by_id("carrier_services", "carrier service", &ClarusModel::carrier_services,
                              [](const ClarusModel& m, const CarrierService& s) { return carrier_service_json(m, s); })});
  routes.push_back({"GET", "/locations/{id}", false,
                    get_by_id("locations", "location", &ClarusModel::locations,
                              [](const ClarusModel& m, const Location& l) { return location_json(m, l); })});
  routes.push_back({"GET", "/warehouses/{id}", false,
                    get_by_id("warehouses", "warehouse", &ClarusModel::warehouses,
                              [](const ClarusModel&, const Warehouse& w) { return warehouse_json(w); })});
  routes.push_back({"GET", "/accounts/{id}", false,
                    get_by_id("accounts", "account", &ClarusModel::accounts,
                              [](const ClarusModel&, const Account& a) { return account_json(a); })});
  routes.push_back({"GET", "/automations/{id}", false,
                    get_by_id("automations", "automation", &ClarusModel::automations,
                              [](const ClarusModel&, const Automation& a) { return automation_json(a); })});
  routes.push_back({"POST", "/reason_codes", true, create_reason_code});
  routes.push_back({"GET", "/reason_codes/{id}", false, get_reason_code});
  routes.push_back({"POST", "/automations", true, post_automation});
  routes.push_back({"DELETE", "/automations/{id}", false, delete_automation});
}

}  // namespace sb::clarus_sim
