// Stock: hold, release [assumed], move and adjust [assumed], and reads of
// stocks and stock adjustments. Holds, releases and adjustments announce the
// stock/* webhooks through ClarusModel.
#include "api_support.h"
#include "record_json.h"

namespace sb::clarus_sim {
namespace {

constexpr int kEmptyIdsProvided = 36;
constexpr int kInvalidIdsProvided = 37;

HttpResponse hold_or_release(const HttpRequest& req, ClarusModel& m, bool hold) {
  auto parsed = Attributes::from_body(req.body);
  if (!parsed.ok()) return api_error(parsed.status());
  Attributes& a = parsed.value();
  const Json* ids = a.raw("ids");
  if (!ids || !ids->is_array() || ids->items().empty()) return api_error(422, "empty_ids_provided", kEmptyIdsProvided);
  int64_t quantity = a.integer("quantity").value_or(0);
  if (auto rc = a.string("reason_code_id"); rc && !m.reason_codes.count(*rc)) {
    return api_error(422, "reason_code_id '" + *rc + "' does not exist");
  }
  if (!a.status().ok()) return api_error(a.status());
  std::vector<int64_t> stock_ids;
  for (const Json& item : ids->items()) {
    int64_t id = 0;
    bool ok = (item.is_number() && item.as_int64(&id)) || (item.is_string() && (id = std::atoll(item.as_string().c_str())) > 0);
    auto it = ok ? m.stocks.find(id) : m.stocks.end();
    if (it == m.stocks.end() || it->second.status != (hold ? "available" : "held")) {
      return api_error(422, "invalid_ids_provided", kInvalidIdsProvided);
    }
    stock_ids.push_back(id);
  }
  Json data = Json::array();
  for (int64_t id : stock_ids) {
    auto result = m.set_stock_status(id, quantity, hold);
    if (!result.ok()) return api_error(result.status());
    data.push(*envelope("stocks", stock_json(m, m.stocks.at(result.value()))).find("data"));
  }
  Json out = Json::object();
  out.set("data", std::move(data));
  return HttpResponse::json(200, out.dump());
}

HttpResponse hold(const HttpRequest& req, ClarusModel& m) { return hold_or_release(req, m, true); }
HttpResponse release(const HttpRequest& req, ClarusModel& m) { return hold_or_release(req, m, false); }

HttpResponse move(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  if (!id || !m.stocks.count(*id)) return api_error(404, "stock " + req.params.at("id") + " not found");
  auto parsed = Attributes::from_body(req.body);
  if (!parsed.ok()) return api_error(parsed.status());
  Attributes& a = parsed.value();
  a.require("to_location_id");
  auto to = a.integer("to_location_id");
  int64_t quantity = a.integer("quantity").value_or(m.stocks.at(*id).quantity);
  if (auto rc = a.string("reason_code_id"); rc && !m.reason_codes.count(*rc)) {
    a.fail("reason_code_id '" + *rc + "' does not exist");
  }
  if (!a.status().ok()) return api_error(a.status());
  auto moved = m.move_stock(*id, quantity, *to);
  if (!moved.ok()) return api_error(422, moved.status().message());
  return record_answer(200, "stocks", stock_json(m, m.stocks.at(moved.value())));
}

// [assumed] POST /stocks/{id}/adjust {"quantity": signed, "reason_code_id"}: Clarus documents
// the adjustment webhooks but not a REST call; this lets a person trigger them.
HttpResponse adjust(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  if (!id || !m.stocks.count(*id)) return api_error(404, "stock " + req.params.at("id") + " not found");
  auto parsed = Attributes::from_body(req.body);
  if (!parsed.ok()) return api_error(parsed.status());
  Attributes& a = parsed.value();
  a.require("quantity");
  auto quantity = a.integer("quantity");
  std::string reason = a.string("reason_code_id").value_or("");
  if (!reason.empty() && !m.reason_codes.count(reason)) a.fail("reason_code_id '" + reason + "' does not exist");
  if (!a.status().ok()) return api_error(a.status());
  if (reason.empty()) {
    const ReasonCode* rc = m.reason_code_of_type(*quantity > 0 ? "positive_adjustment" : "negative_adjustment");
    if (rc) reason = rc->id;
  }
  auto adjustment = m.adjust_stock(*id, *quantity, reason);
  if (!adjustment.ok()) return api_error(422, adjustment.status().message());
  return record_answer(201, "stock_adjustments", stock_adjustment_json(m, m.stock_adjustments.at(adjustment.value())));
}

HttpResponse get_stock(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  auto it = id ? m.stocks.find(*id) : m.stocks.end();
  if (it == m.stocks.end()) return api_error(404, "stock " + req.params.at("id") + " not found");
  return record_answer(200, "stocks", stock_json(m, it->second));
}

HttpResponse get_adjustment(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  auto it = id ? m.stock_adjustments.find(*id) : m.stock_adjustments.end();
  if (it == m.stock_adjustments.end()) return api_error(404, "stock adjustment " + req.params.at("id") + " not found");
  return record_answer(200, "stock_adjustments", stock_adjustment_json(m, it->second));
}

}  // namespace

void add_stock_routes(RouteList& routes) {
  routes.push_back({"POST", "/stocks/hold", false, hold});
  routes.push_back({"POST", "/stocks/release", false, release});
  routes.push_back({"GET", "/stocks/{id}", false, get_stock});
  routes.push_back({"POST", "/stocks/{id}/move", false, move});
  routes.push_back({"POST", "/stocks/{id}/adjust", false, adjust});
  routes.push_back({"GET", "/stock_adjustments/{id}", false, get_adjustment});
}

}  // namespace sb::clarus_sim
