// /_sim/*: the simulator's own controls, for tests and for a person driving
// it by hand. Never authenticated and never faulted, so a test can always
// reset, look and turn faults off.
#include "api_support.h"
#include "platform/core/log.h"
#include "record_json.h"
#include "seed.h"
#include "sim_core.h"

namespace sb::clarus_sim {
namespace {

Result<Json> body_object(const HttpRequest& req) {
  auto parsed = Json::parse(req.body.empty() ? "{}" : req.body);
  if (!parsed.ok()) return Status::InvalidArgument("body is not JSON: " + parsed.status().message());
  if (!parsed->is_object()) return Status::InvalidArgument("body must be a JSON object");
  return parsed.value();
}

HttpResponse bad_request(const Status& st) { return HttpResponse::error(400, st.message()); }

HttpResponse seed(SimCore& core, const HttpRequest& req) {
  auto body = body_object(req);
  if (!body.ok()) return bad_request(body.status());
  return core.locked([&] {
    seed_master_data(core.model);
    const Json* products = body->find("products");
    int64_t count = 0;
    if (products && products->is_number() && products->as_int64(&count)) {
      seed_products(core.model, static_cast<int>(count));
    } else if (products && products->is_array()) {
      for (const Json& p : products->items()) {
        int64_t stock = 0;
        if (const Json* s = p.find("stock")) (void)s->as_int64(&stock);
        auto id = seed_product(core.model, p.get_string("code"), p.get_string("description"), stock,
                               p.get_string("location_code"));
        if (!id.ok()) return bad_request(id.status());
      }
    } else if (products) {
      return HttpResponse::error(400, "products must be a count or a list of {code, description, stock, location_code}");
    }
    Json out = Json::object();
    out.set("products", Json::number(static_cast<int64_t>(core.model.products.size())));
    out.set("stocks", Json::number(static_cast<int64_t>(core.model.stocks.size())));
    return HttpResponse::json(200, out.dump());
  });
}

HttpResponse set_faults(SimCore& core, const HttpRequest& req) {
  auto body = body_object(req);
  if (!body.ok()) return bad_request(body.status());
  std::lock_guard lock(core.mutex);
  if (Status st = core.faults.merge(body.value()); !st.ok()) return bad_request(st);
  core.webhooks.set_rates(core.faults.drop_webhooks_rate, core.faults.duplicate_webhooks_rate);
  log::info("clarus-sim", "faults set", {{"faults", core.faults.to_json().dump()}});
  return HttpResponse::json(200, core.faults.to_json().dump());
}

HttpResponse step(SimCore& core, const HttpRequest& req) {
  auto body = body_object(req);
  if (!body.ok()) return bad_request(body.status());
  int64_t steps = 1;
  if (const Json* s = body->find("steps"); s && (!s->as_int64(&steps) || steps < 0 || steps > 100000)) {
    return HttpResponse::error(400, "steps must be an integer from 0 to 100000");
  }
  std::set<std::string> only;
  if (const Json* o = body->find("only"); o && o->is_array()) {
    for (const Json& k : o->items()) only.insert(k.as_string());
  }
  Json out = Json::object();
  out.set("actions", core.step_warehouse(static_cast<int>(steps), only));
  return HttpResponse::json(200, out.dump());
}

HttpResponse warehouse_settings(SimCore& core, const HttpRequest& req) {
  auto body = body_object(req);
  if (!body.ok()) return bad_request(body.status());
  Json behaviour = Json::object();
  for (const auto& [key, v] : body->members()) {
    if (key == "rate") {
      if (!v.is_number() || v.as_double() < 0) return HttpResponse::error(400, "rate must be a number >= 0");
      core.rate = v.as_double();
    } else {
      behaviour.set(key, v);
    }
  }
  std::lock_guard lock(core.mutex);
  if (Status st = core.warehouse.behaviour().merge(behaviour); !st.ok()) return bad_request(st);
  Json out = core.warehouse.behaviour().to_json();
  out.set("rate", Json::number(core.rate.load()));
  return HttpResponse::json(200, out.dump());
}

HttpResponse automations(SimCore& core, const HttpRequest& req) {
  auto body = body_object(req);
  if (!body.ok()) return bad_request(body.status());
  std::lock_guard lock(core.mutex);
  // {"url": ...} is the shortcut for all six triggers; anything else is a POST /automations body.
  if (body->find("resource_name") == nullptr && !body->get_string("url").empty()) {
    Json out = Json::object();
    out.set("automation_ids", core.create_trigger_automations(body->get_string("url")));
    return HttpResponse::json(201, out.dump());
  }
  auto attrs = Attributes::from_body(req.body);
  if (!attrs.ok()) return bad_request(attrs.status());
  auto id = create_automation(core.model, attrs->json());
  if (!id.ok()) return bad_request(id.status());
  return record_answer(201, "automations", automation_json(core.model.automations.at(id.value())));
}

}  // namespace

void add_admin_routes(Router& router, SimCore& core) {
  SimCore* c = &core;
  router.add("POST", "/_sim/reset", [c](const HttpRequest&) {
    c->locked([c] {
      c->reset_model();
      return 0;
    });
    c->webhooks.reset_stats();
    log::info("clarus-sim", "reset");
    return HttpResponse::json(200, "{\"reset\":true}");
  });
  router.add("POST", "/_sim/seed", [c](const HttpRequest& r) { return seed(*c, r); });
  router.add("GET", "/_sim/state", [c](const HttpRequest&) { return HttpResponse::json(200, c->state().dump()); });
  router.add("GET", "/_sim/stats", [c](const HttpRequest&) { return HttpResponse::json(200, c->stats().dump()); });
  router.add("GET", "/_sim/faults", [c](const HttpRequest&) {
    std::lock_guard lock(c->mutex);
    return HttpResponse::json(200, c->faults.to_json().dump());
  });
  router.add("POST", "/_sim/faults", [c](const HttpRequest& r) { return set_faults(*c, r); });
  router.add("DELETE", "/_sim/faults", [c](const HttpRequest&) {
    std::lock_guard lock(c->mutex);
    c->faults = FaultPlan();
    c->faults.duplicate_webhooks_rate = 0;
    c->webhooks.set_rates(0, 0);
    return HttpResponse::json(200, c->faults.to_json().dump());
  });
  router.add("POST", "/_sim/revoke_tokens", [c](const HttpRequest&) {
    c->oauth.revoke_all();
    log::info("clarus-sim", "tokens revoked");
    return HttpResponse::json(200, "{\"revoked\":true}");
  });
  router.add("POST", "/_sim/warehouse/step", [c](const HttpRequest& r) { return step(*c, r); });
  router.add("POST", "/_sim/warehouse", [c](const HttpRequest& r) { return warehouse_settings(*c, r); });
  router.add("GET", "/_sim/warehouse", [c](const HttpRequest&) {
    std::lock_guard lock(c->mutex);
    Json out = c->warehouse.behaviour().to_json();
    out.set("rate", Json::number(c->rate.load()));
    return HttpResponse::json(200, out.dump());
  });
  router.add("POST", "/_sim/automations", [c](const HttpRequest& r) { return automations(*c, r); });
  router.add("GET", "/_sim/webhooks", [c](const HttpRequest&) { return HttpResponse::json(200, c->webhooks.recent().dump()); });
}

}  // namespace sb::clarus_sim
