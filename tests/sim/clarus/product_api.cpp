// Products, stock unit types and product storage units: the master data the
// agent pushes from the ERP item catalogue.
#include "api_support.h"
#include "record_json.h"

namespace sb::clarus_sim {
namespace {

constexpr size_t kMaxCode = 50;

Status read_product(Attributes& a, const ClarusModel& m, Product* p, bool creating) {
  if (creating) {
    for (const char* key : {"code", "description", "stock_unit_type_id"}) a.require(key);
    SB_RETURN_IF_ERROR(a.status());
  }
  if (auto code = a.string("code")) {
    if (code->empty()) a.fail("code must not be empty");
    if (code->size() > kMaxCode) a.fail("code is longer than 50 characters");
    const Product* other = m.product_by_code(*code);
    if (other && other->id != p->id) a.fail("code has already been taken");
    p->code = *code;
  }
  if (auto d = a.string("description")) p->description = *d;
  if (auto t = a.string("stock_unit_type_id")) {
    if (!m.stock_unit_types.count(*t)) a.fail("stock_unit_type_id '" + *t + "' does not exist");
    p->stock_unit_type_id = *t;
  }
  if (auto b = a.string("barcode")) p->barcode = *b;
  if (auto b = a.string("case_barcode")) p->case_barcode = *b;
  if (auto o = a.boolean("obsolete")) p->obsolete = *o;
  if (auto u = a.integer("units_per_case")) {
    if (*u <= 0) a.fail("units_per_case must be greater than 0");
    p->units_per_case = *u;
  }
  if (auto t = a.string("product_type")) p->product_type = *t;
  a.read_custom(&p->custom);
  return a.status();
}

HttpResponse create_product(const HttpRequest& req, ClarusModel& m) {
  auto a = Attributes::from_body(req.body);
  if (!a.ok()) return api_error(a.status());
  Product p;
  if (Status st = read_product(a.value(), m, &p, true); !st.ok()) return api_error(st);
  p.id = m.next_id("products");
  m.products[p.id] = p;
  return record_answer(201, "products", product_json(m, p));
}

HttpResponse update_product(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  auto it = id ? m.products.find(*id) : m.products.end();
  if (it == m.products.end()) return api_error(404, "product " + req.params.at("id") + " not found");
  auto a = Attributes::from_body(req.body);
  if (!a.ok()) return api_error(a.status());
  Product updated = it->second;
  if (Status st = read_product(a.value(), m, &updated, false); !st.ok()) return api_error(st);
  it->second = updated;
  return record_answer(200, "products", product_json(m, updated));
}

HttpResponse get_product(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  auto it = id ? m.products.find(*id) : m.products.end();
  if (it == m.products.end()) return api_error(404, "product " + req.params.at("id") + " not found");
  return record_answer(200, "products", product_json(m, it->second));
}

HttpResponse create_unit_type(const HttpRequest& req, ClarusModel& m) {
  auto parsed = Attributes::from_body(req.body);
  if (!parsed.ok()) return api_error(parsed.status());
  Attributes& a = parsed.value();
  a.require("code");
  StockUnitType t;
  t.code = a.string("code").value_or("");
  t.name = a.string("name").value_or(t.code);
  if (t.code.size() > kMaxCode) a.fail("code is longer than 50 characters");
  for (const auto& [id, other] : m.stock_unit_types) {
    if (other.code == t.code) a.fail("code has already been taken");
  }
  if (!a.status().ok()) return api_error(a.status());
  t.id = m.next_string_id("sut");
  m.stock_unit_types[t.id] = t;
  return record_answer(201, "stock_unit_types", stock_unit_type_json(t));
}

HttpResponse get_unit_type(const HttpRequest& req, ClarusModel& m) {
  auto it = m.stock_unit_types.find(req.params.at("id"));
  if (it == m.stock_unit_types.end()) return api_error(404, "stock unit type " + req.params.at("id") + " not found");
  return record_answer(200, "stock_unit_types", stock_unit_type_json(it->second));
}

HttpResponse create_storage_unit(const HttpRequest& req, ClarusModel& m) {
  auto parsed = Attributes::from_body(req.body);
  if (!parsed.ok()) return api_error(parsed.status());
  Attributes& a = parsed.value();
  a.require("product_id");
  ProductStorageUnit u;
  if (auto p = a.integer("product_id")) {
    if (!m.products.count(*p)) a.fail("product_id " + std::to_string(*p) + " does not exist");
    u.product_id = *p;
  }
  u.storage_unit_type_id = a.string("storage_unit_type_id").value_or("");
  u.stock_configuration = a.string("stock_configuration").value_or("unit");
  if (u.stock_configuration != "unit" && u.stock_configuration != "case" && u.stock_configuration != "inner" &&
      u.stock_configuration != "outer") {
    a.fail("stock_configuration must be unit, case, inner or outer");
  }
  u.unit_of_measure = a.string("unit_of_measure").value_or("");
  u.per_layer = a.integer("per_layer").value_or(1);
  u.number_of_layers = a.integer("number_of_layers").value_or(1);
  if (u.per_layer <= 0 || u.number_of_layers <= 0) a.fail("per_layer and number_of_layers must be greater than 0");
  if (!a.status().ok()) return api_error(a.status());
  u.priority = 1;
  for (const auto& [id, other] : m.product_storage_units) {
    if (other.product_id == u.product_id) ++u.priority;
  }
  u.id = m.next_string_id("psu");
  m.product_storage_units[u.id] = u;
  return record_answer(201, "product_storage_units", storage_unit_json(m, u));
}

HttpResponse get_storage_unit(const HttpRequest& req, ClarusModel& m) {
  auto it = m.product_storage_units.find(req.params.at("id"));
  if (it == m.product_storage_units.end()) return api_error(404, "product storage unit " + req.params.at("id") + " not found");
  return record_answer(200, "product_storage_units", storage_unit_json(m, it->second));
}

}  // namespace

void add_product_routes(RouteList& routes) {
  routes.push_back({"POST", "/products", true, create_product});
  routes.push_back({"GET", "/products/{id}", false, get_product});
  routes.push_back({"PATCH", "/products/{id}", false, update_product});
  routes.push_back({"PUT", "/products/{id}", false, update_product});
  routes.push_back({"POST", "/stock_unit_types", true, create_unit_type});
  routes.push_back({"GET", "/stock_unit_types/{id}", false, get_unit_type});
  routes.push_back({"POST", "/product_storage_units", true, create_storage_unit});
  routes.push_back({"GET", "/product_storage_units/{id}", false, get_storage_unit});
}

}  // namespace sb::clarus_sim
