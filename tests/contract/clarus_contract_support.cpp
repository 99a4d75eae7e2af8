#include "clarus_contract_support.h"

#include <utility>

#include <CppUTest/TestHarness.h>

namespace sb::contract {

SimTenant::SimTenant(clarus_sim::SimOptions options) : http_(make_poco_http_client()) {
  options.rate = 0;  // the warehouse acts only when a test steps it
  sim_ = clarus_sim::test::start_sim_as_given(std::move(options));
  sim_client_ = std::make_unique<clarus_sim::test::ClarusClient>(sim_->url());
  clarus_ = client(agent_options());
}

SimTenant::~SimTenant() {
  clarus_.reset();
  sim_->stop();
}

agent::ClarusOptions SimTenant::agent_options() const {
  agent::ClarusOptions o;
  o.base_url = sim_->url();
  o.subdomain = "stockbridge";
  o.client_id = "stockbridge";
  o.client_secret = "stockbridge-secret";
  o.timeout = Millis(10'000);
  return o;
}

std::unique_ptr<agent::ClarusClient> SimTenant::client(agent::ClarusOptions options) {
  return std::make_unique<agent::ClarusClient>(*http_, clock_, std::move(options));
}

Json SimTenant::admin(const std::string& method, const std::string& path, const std::string& body) {
  clarus_sim::test::Answer answer = sim_client_->admin(method, path, body);
  if (answer.status == 0) FAIL(("/_sim" + path + ": " + answer.body).c_str());  // no answer: body says why
  if (answer.status / 100 != 2) FAIL(("/_sim" + path + " answered " + std::to_string(answer.status) + ": " + answer.body).c_str());
  return answer.json;
}

std::vector<Json> where(const Json& state, const std::string& list, const std::string& path, const std::string& value) {
  std::vector<Json> out;
  const Json* records = at(state, list);
  if (!records || !records->is_array()) return out;
  for (const Json& r : records->items())
    if (str_at(r, path) == value) out.push_back(r);
  return out;
}

size_t count(const Json& state, const std::string& list) {
  const Json* records = at(state, list);
  return records && records->is_array() ? records->items().size() : 0;
}

namespace {

void add_lines(google::protobuf::RepeatedPtrField<v1::OrderLine>* out, const std::vector<Line>& lines) {
  for (const Line& l : lines) {
    v1::OrderLine* o = out->Add();
    o->set_line_ref(l.line_ref);
    o->set_sku(l.sku);
    o->set_quantity(l.quantity);
    o->set_unit("EA");
  }
}

v1::Command command(const std::string& id) {
  v1::Command c;
  c.set_command_id(id);
  c.set_site_id("site-1");
  return c;
}

}  // namespace

v1::Command item_upsert(const std::string& sku, const std::string& description, const std::string& barcode,
                        int units_per_case, const std::string& unit) {
  v1::Command c = command("item-" + sku);
  v1::ItemUpsert* i = c.mutable_item_upsert();
  i->set_erp_item_id("erp-" + sku);
  i->set_sku(sku);
  i->set_description(description);
  i->set_unit(unit);
  i->set_barcode(barcode);
  i->set_units_per_case(units_per_case);
  i->set_active(true);
  return c;
}

v1::Command sales_order(const std::string& erp_id, const std::string& number, const std::vector<Line>& lines,
                        const std::string& carrier, const std::string& service) {
  v1::Command c = command("release-" + erp_id);
  v1::SalesOrderRelease* o = c.mutable_sales_order_release();
  o->set_erp_order_id(erp_id);
  o->set_order_number(number);
  o->set_carrier(carrier);
  o->set_carrier_service(service);
  o->set_expected_dispatch_date("2026-11-27");
  v1::Address* a = o->mutable_ship_to();
  a->set_name("Ann Example");
  a->set_address_1("1 High Street");
  a->set_postcode("AB1 2CD");
  a->set_country_code("GB");
  add_lines(o->mutable_lines(), lines);
  return c;
}

v1::Command sales_order_cancel(const std::string& erp_id, const std::string& number) {
  v1::Command c = command("cancel-" + erp_id);
  c.mutable_sales_order_cancel()->set_erp_order_id(erp_id);
  c.mutable_sales_order_cancel()->set_order_number(number);
  c.mutable_sales_order_cancel()->set_reason("customer changed their mind");
  return c;
}

v1::Command purchase_order(const std::string& erp_id, const std::string& number, const std::vector<Line>& lines) {
  v1::Command c = command("po-" + erp_id);
  v1::PurchaseOrderRelease* p = c.mutable_purchase_order_release();
  p->set_erp_po_id(erp_id);
  p->set_po_number(number);
  p->set_supplier("Acme Supplies");
  p->set_expected_date("2026-12-01");
  add_lines(p->mutable_lines(), lines);
  return c;
}

v1::Command return_authorisation(const std::string& erp_id, const std::string& number, const std::vector<Line>& lines) {
  v1::Command c = command("rma-" + erp_id);
  v1::ReturnAuthorisation* r = c.mutable_return_authorisation();
  r->set_erp_return_id(erp_id);
  r->set_rma_number(number);
  r->set_customer("Ann Example");
  r->set_expected_date("2026-12-02");
  add_lines(r->mutable_lines(), lines);
  return c;
}

void check_ok(const Status& s, const char* what) {
  if (!s.ok()) FAIL((std::string(what) + ": " + s.to_string()).c_str());
}

}  // namespace sb::contract
