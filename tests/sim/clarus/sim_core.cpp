#include "sim_core.h"

#include "graphql_resources.h"
#include "platform/core/log.h"
#include "record_json.h"
#include "seed.h"

namespace sb::clarus_sim {
namespace {

WebhookSenderOptions sender_options(const SimOptions& o) {
  WebhookSenderOptions w;
  w.max_attempts = o.webhook_attempts;
  w.first_retry_delay = Millis(o.webhook_retry_ms);
  w.seed = o.seed;
  return w;
}

OAuthSettings oauth_settings(const SimOptions& o) {
  return {o.client_id, o.client_secret, o.subdomain, o.token_ttl_s};
}

template <typename Map, typename Render>
Json list_of(const Map& map, Render render) {
  Json out = Json::array();
  for (const auto& [id, record] : map) out.push(render(record));
  return out;
}

}  // namespace

SimCore::SimCore(SimOptions opts, const Clock& clk)
    : options(std::move(opts)),
      clock(clk),
      model(clk),
      warehouse(options.seed),
      fault_rng(options.seed ^ 0xFA017u),
      oauth(oauth_settings(options), clk, options.seed),
      webhooks(sender_options(options), make_poco_http_client()) {
  tenant.subdomain = options.subdomain;
  tenant.domain = options.subdomain + ".claruswms.co.uk";
  tenant.api_domain = options.api_domain;
  rate = options.rate;
  schema = clarus_schema(&model);
  std::lock_guard lock(mutex);
  reset_model();
}

void SimCore::reset_model() {
  model = ClarusModel(clock);
  model.automation_id_base = options.automation_id_base;
  seed_master_data(model);
  seed_products(model, options.seed_products);
  warehouse.reseed(options.seed);
  warehouse.behaviour() = WarehouseBehaviour();
  fault_rng.seed(options.seed ^ 0xFA017u);
  faults = FaultPlan();
  faults.duplicate_webhooks_rate = options.duplicate_webhooks_rate;
  faults.drop_webhooks_rate = options.drop_webhooks_rate;
  webhooks.set_rates(faults.drop_webhooks_rate, faults.duplicate_webhooks_rate);
  counters.clear();
  if (!options.webhook_url.empty()) create_trigger_automations(options.webhook_url);
}

Json SimCore::create_trigger_automations(const std::string& url) {
  Json ids = Json::array();
  for (const auto& [resource, event] : supported_triggers()) {
    Json attrs = Json::object();
    attrs.set("resource_name", Json::string(resource));
    attrs.set("event", Json::string(event));
    Json& actions = attrs.set("actions", Json::array());
    Json& action = actions.push(Json::object());
    action.set("type", Json::string("webhook"));
    action.set("url", Json::string(url));
    auto id = create_automation(model, attrs);
    if (!id.ok()) {
      log::warn("clarus-sim", "automation refused", {{"url", url}, {"error", id.status().message()}});
      continue;
    }
    ids.push(Json::number(id.value()));
    log::info("clarus-sim", "automation created",
              {{"id", id.value()}, {"trigger", resource + "/" + event}, {"url", url}});
  }
  return ids;
}

Json SimCore::step_warehouse(int steps, const std::set<std::string>& only) {
  return locked([&] {
    Json actions = Json::array();
    for (int i = 0; i < steps; ++i) {
      Json action = warehouse.step(model, only);
      if (action.is_null()) break;  // nothing left to do
      std::string kind = action.get_string("action");
      ++counters["warehouse_" + kind];
      log::info("clarus-sim", "warehouse", {{"action", kind}, {"detail", action.dump()}});
      actions.push(std::move(action));
    }
    return actions;
  });
}

Json SimCore::stats() {
  Json o = Json::object();
  {
    std::lock_guard lock(mutex);
    for (const auto& [name, value] : counters) o.set(name, Json::number(value));
    o.set("goods_outs", Json::number(static_cast<int64_t>(model.goods_outs.size())));
    o.set("shipments", Json::number(static_cast<int64_t>(model.shipments.size())));
    o.set("goods_in_receipts", Json::number(static_cast<int64_t>(model.goods_in_receipts.size())));
    o.set("stock_adjustments", Json::number(static_cast<int64_t>(model.stock_adjustments.size())));
  }
  o.set("tokens_issued", Json::number(oauth.issued()));
  WebhookStats w = webhooks.stats();
  Json& hooks = o.set("webhooks", Json::object());
  hooks.set("queued", Json::number(w.queued));
  hooks.set("delivered", Json::number(w.delivered));
  hooks.set("duplicated", Json::number(w.duplicated));
  hooks.set("dropped", Json::number(w.dropped));
  hooks.set("failed", Json::number(w.failed));
  hooks.set("retried", Json::number(w.retried));
  hooks.set("pending", Json::number(w.pending));
  return o;
}

Json SimCore::state() {
  std::lock_guard lock(mutex);
  const ClarusModel& m = model;
  Json o = Json::object();
  o.set("warehouses", list_of(m.warehouses, [](const Warehouse& w) { return warehouse_json(w); }));
  o.set("accounts", list_of(m.accounts, [](const Account& a) { return account_json(a); }));
  o.set("carriers", list_of(m.carriers, [](const Carrier& c) { return carrier_json(c); }));
  o.set("carrier_services", list_of(m.carrier_services, [&](const CarrierService& s) { return carrier_service_json(m, s); }));
  o.set("locations", list_of(m.locations, [&](const Location& l) { return location_json(m, l); }));
  o.set("stock_unit_types", list_of(m.stock_unit_types, [](const StockUnitType& t) { return stock_unit_type_json(t); }));
  o.set("reason_codes", list_of(m.reason_codes, [](const ReasonCode& r) { return reason_code_json(r); }));
  o.set("products", list_of(m.products, [&](const Product& p) { return product_json(m, p); }));
  o.set("product_storage_units", list_of(m.product_storage_units, [&](const ProductStorageUnit& u) { return storage_unit_json(m, u); }));
  o.set("goods_outs", list_of(m.goods_outs, [&](const GoodsOut& g) { return goods_out_json(m, g); }));
  o.set("shipments", list_of(m.shipments, [&](const Shipment& s) { return shipment_json(m, s); }));
  o.set("goods_in_receipts", list_of(m.goods_in_receipts, [&](const GoodsInReceipt& r) { return receipt_json(m, r); }));
  o.set("receive_tasks", list_of(m.receive_tasks, [&](const ReceiveTask& t) { return receive_task_json(m, t); }));
  o.set("stocks", list_of(m.stocks, [&](const Stock& s) { return stock_json(m, s); }));
  Json balances = Json::array();
  for (auto& b : stock_balances_json(m)) balances.push(std::move(b));
  o.set("stock_balances", std::move(balances));
  o.set("stock_adjustments", list_of(m.stock_adjustments, [&](const StockAdjustment& a) { return stock_adjustment_json(m, a); }));
  o.set("automations", list_of(m.automations, [](const Automation& a) { return automation_json(a); }));
  o.set("faults", faults.to_json());
  o.set("warehouse_behaviour", warehouse.behaviour().to_json());
  return o;
}

}  // namespace sb::clarus_sim
