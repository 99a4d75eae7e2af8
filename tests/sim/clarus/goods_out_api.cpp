// Goods outs (sales orders), their lines, shipments and shorting: the REST
// writes the agent makes for outbound orders, validated as Clarus would
// (422 with a clear text) before anything changes.
#include <algorithm>

#include "api_support.h"
#include "record_json.h"

namespace sb::clarus_sim {
namespace {

constexpr size_t kMaxReference = 50;
constexpr int kEmptyIdsProvided = 36;
constexpr int kInvalidIdsProvided = 37;
constexpr int kNotEnoughStocksForPicking = 39;

bool is_open(const GoodsOut& g) { return g.status_id != kCompleted && g.status_id != kCancelled; }

// Carrier and service must exist, and a service must belong to the carrier given with it.
void read_carrier(Attributes& a, const ClarusModel& m, std::optional<int64_t>* carrier_id,
                  std::optional<int64_t>* service_id) {
  if (auto c = a.integer("carrier_id")) {
    if (!m.carriers.count(*c)) a.fail("carrier_id " + std::to_string(*c) + " does not exist");
    *carrier_id = c;
  }
  if (auto s = a.integer("carrier_service_id")) {
    auto it = m.carrier_services.find(*s);
    if (it == m.carrier_services.end()) {
      a.fail("carrier_service_id " + std::to_string(*s) + " does not exist");
    } else if (*carrier_id && it->second.carrier_id != **carrier_id) {
      a.fail("carrier_service_id " + std::to_string(*s) + " is not a service of carrier_id " +
             std::to_string(**carrier_id));
    } else if (!*carrier_id) {
      *carrier_id = it->second.carrier_id;
    }
    *service_id = s;
  }
}

Status read_address(const Attributes& head, Json* address) {
  const Json* rel = head.relationships.is_object() ? head.relationships.find("address") : nullptr;
  if (!rel || rel->is_null()) return Status::Ok();
  const Json* data = rel->find("data");
  const Json* attrs = data && data->is_object() ? data->find("attributes") : nullptr;
  if (!attrs || !attrs->is_object()) return Status::InvalidArgument("relationships.address.data.attributes is required");
  Attributes a(*attrs);
  if (auto cc = a.string("country_code"); cc && !valid_country_code(*cc)) {
    return Status::InvalidArgument("address country_code '" + *cc + "' is not an ISO 3166-1 alpha-2 code");
  }
  for (const char* key : {"name", "address_1", "address_2", "address_3", "address_4", "postcode", "email_address",
                          "phone_number", "country_code"}) {
    (void)a.string(key);
  }
  SB_RETURN_IF_ERROR(a.status());
  *address = *attrs;
  return Status::Ok();
}

// Applies one line's attributes (ADD or UPDATE).
void read_line(Attributes& a, const ClarusModel& m, GoodsOutLine* line, bool adding) {
  if (adding) {
    a.require("product_id");
    a.require("order_quantity");
  }
  if (auto p = a.integer("product_id")) {
    if (!m.products.count(*p)) a.fail("product_id " + std::to_string(*p) + " does not exist");
    else if (!adding && *p != line->product_id && line->dispatch_quantity > 0) a.fail("cannot change the product of a dispatched line");
    line->product_id = *p;
  }
  if (auto q = a.integer("order_quantity")) {
    if (*q <= 0) a.fail("order_quantity must be greater than 0");
    else if (*q < line->dispatch_quantity + line->short_quantity) a.fail("order_quantity is below what was dispatched");
    line->order_quantity = *q;
  }
  if (auto r = a.string("alt_line_reference")) {
    if (r->size() > kMaxReference) a.fail("alt_line_reference is longer than 50 characters");
    line->alt_line_reference = *r;
  }
  read_carrier(a, m, &line->carrier_id, &line->carrier_service_id);
  a.read_custom(&line->custom);
  line->allocated_quantity = line->remaining();
}

Status apply_line_changes(const Attributes& head, ClarusModel& m, GoodsOut* g) {
  auto changes = read_line_changes(head);
  if (!changes.ok()) return changes.status();
  for (auto& change : changes.value()) {
    if (change.type == "ADD") {
      GoodsOutLine line;
      read_line(change.attributes, m, &line, true);
      SB_RETURN_IF_ERROR(change.attributes.status());
      line.id = m.next_id("goods_out_lines");
      g->lines.push_back(line);
      continue;
    }
    auto it = std::find_if(g->lines.begin(), g->lines.end(), [&](const GoodsOutLine& l) { return l.id == *change.id; });
    if (it == g->lines.end()) {
      return Status::InvalidArgument("goods out " + std::to_string(g->id) + " has no line " + std::to_string(*change.id));
    }
    if (change.type == "DESTROY") {
      if (it->dispatch_quantity > 0) return Status::InvalidArgument("line " + std::to_string(it->id) + " has been dispatched");
      g->lines.erase(it);
    } else {
      read_line(change.attributes, m, &*it, false);
      SB_RETURN_IF_ERROR(change.attributes.status());
    }
  }
  return Status::Ok();
}

// The status changes a client may make. PART and COMPLETED come only from
// dispatching; finished orders stay finished.
Status check_transition(const ClarusModel& m, const GoodsOut& g, int64_t to) {
  if (to < 1 || to > 8) return Status::InvalidArgument("goods_out_status_id must be between 1 and 8");
  if (to == g.status_id) return Status::Ok();
  const std::string from_code = goods_out_status_code(g.status_id), to_code = goods_out_status_code(static_cast<int>(to));
  if (!is_open(g)) return Status::InvalidArgument("cannot change a " + from_code + " goods out to " + to_code);
  if (to == kPart || to == kCompleted) {
    return Status::InvalidArgument("cannot set status " + to_code + ": it follows from dispatching (create a shipment)");
  }
  bool dispatched = std::any_of(g.lines.begin(), g.lines.end(), [](const GoodsOutLine& l) { return l.dispatch_quantity > 0; });
  if (dispatched && to != kCancelled && to != kPick) {
    return Status::InvalidArgument("cannot change a part-dispatched goods out to " + to_code);
  }
  if (to == kPick) {
    for (const auto& l : g.lines) {
      if (m.available(l.product_id, g.warehouse_id) < l.remaining()) return Status(Code::kResourceExhausted, "not_enough_stocks_for_picking");
    }
  }
  return Status::Ok();
}

// Every header attribute, for create (all required ones present) and update.
Status read_goods_out(Attributes& a, ClarusModel& m, GoodsOut* g, bool creating) {
  if (creating) {
    for (const char* key : {"account_id", "expected_date_of_dispatch", "goods_out_type", "reference"}) a.require(key);
    SB_RETURN_IF_ERROR(a.status());
  }
  if (auto r = a.string("reference")) {
    if (r->size() > kMaxReference) a.fail("reference is longer than 50 characters");
    for (const auto& [id, other] : m.goods_outs) {
      if (id != g->id && other.reference == *r && other.status_id != kCancelled) {
        a.fail("reference has already been taken");  // [assumed] Clarus de-duplicates by reference
      }
    }
    g->reference = *r;
  }
  if (auto t = a.string("goods_out_type")) {
    if (*t != "sales_order" && *t != "work_order" && *t != "crossdock") {
      a.fail("goods_out_type must be sales_order, work_order or crossdock");
    }
    g->goods_out_type = *t;
  }
  if (auto d = a.string("expected_date_of_dispatch")) {
    if (!valid_date(*d)) a.fail("expected_date_of_dispatch must be a date (YYYY-MM-DD or ISO-8601)");
    g->expected_date_of_dispatch = *d;
  }
  if (auto acc = a.integer("account_id")) {
    if (!m.accounts.count(*acc)) a.fail("account_id " + std::to_string(*acc) + " does not exist");
    g->account_id = *acc;
  }
  if (auto w = a.integer("warehouse_id")) {
    if (!m.warehouses.count(*w)) a.fail("warehouse_id " + std::to_string(*w) + " does not exist");
    g->warehouse_id = *w;
  }
  read_carrier(a, m, &g->carrier_id, &g->carrier_service_id);
  if (auto p = a.integer("priority")) g->priority = *p;
  if (auto c = a.integer("customer_id")) g->customer_id = c;
  if (auto n = a.string("delivery_notes")) g->delivery_notes = *n;
  if (auto s = a.string("dispatch_strategy")) g->dispatch_strategy = *s;
  a.read_custom(&g->custom);
  if (auto s = a.integer("goods_out_status_id")) {
    if (creating) {
      if (*s != kDraft && *s != kPending) a.fail("a new goods out must be DRAFT (1) or PENDING (2)");
      else g->status_id = static_cast<int>(*s);
    } else if (a.status().ok()) {
      Status st = check_transition(m, *g, *s);
      if (!st.ok()) return st;
      g->status_id = static_cast<int>(*s);
    }
  }
  SB_RETURN_IF_ERROR(a.status());
  return read_address(a, &g->address);
}

HttpResponse answer_failure(const Status& st) {
  if (st.code() == Code::kResourceExhausted) return api_error(422, st.message(), kNotEnoughStocksForPicking);
  return api_error(st);
}

HttpResponse create_goods_out(const HttpRequest& req, ClarusModel& m) {
  auto a = Attributes::from_body(req.body);
  if (!a.ok()) return api_error(a.status());
  GoodsOut g;
  g.created_at = m.now_iso();
  if (Status st = read_goods_out(a.value(), m, &g, true); !st.ok()) return answer_failure(st);
  // Lines are validated on a copy first so a bad line leaves no half-made order.
  if (Status st = apply_line_changes(a.value(), m, &g); !st.ok()) return api_error(st);
  g.id = m.next_id("goods_outs");
  auto& stored = m.goods_outs[g.id] = g;
  return record_answer(201, "goods_outs", goods_out_json(m, stored));
}

HttpResponse update_goods_out(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  auto it = id ? m.goods_outs.find(*id) : m.goods_outs.end();
  if (it == m.goods_outs.end()) return api_error(404, "goods out " + req.params.at("id") + " not found");
  auto a = Attributes::from_body(req.body);
  if (!a.ok()) return api_error(a.status());
  GoodsOut updated = it->second;
  if (Status st = read_goods_out(a.value(), m, &updated, false); !st.ok()) return answer_failure(st);
  if (a->has("lines_changes") && !is_open(it->second)) {
    return api_error(422, std::string("cannot change the lines of a ") + goods_out_status_code(it->second.status_id) + " goods out");
  }
  if (Status st = apply_line_changes(a.value(), m, &updated); !st.ok()) return api_error(st);
  it->second = updated;
  m.complete_if_done(it->second);
  return record_answer(200, "goods_outs", goods_out_json(m, it->second));
}

HttpResponse get_goods_out(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  auto it = id ? m.goods_outs.find(*id) : m.goods_outs.end();
  if (it == m.goods_outs.end()) return api_error(404, "goods out " + req.params.at("id") + " not found");
  return record_answer(200, "goods_outs", goods_out_json(m, it->second));
}

HttpResponse get_goods_out_line(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  for (const auto& [gid, g] : m.goods_outs) {
    for (const auto& l : g.lines) {
      if (id && l.id == *id) return record_answer(200, "goods_out_lines", goods_out_line_json(m, g, l));
    }
  }
  return api_error(404, "goods out line " + req.params.at("id") + " not found");
}

void read_packages(Attributes& a, Shipment* s) {
  const Json* list = a.raw("packages");
  if (!list) return;
  if (!list->is_array()) return a.fail("packages must be an array");
  for (const Json& item : list->items()) {
    Attributes p(item.is_object() ? item : Json::object());
    Package pkg;
    pkg.reference = p.string("reference").value_or("");
    pkg.tracking_number = p.string("tracking_number").value_or("");
    pkg.weight = p.number("weight").value_or(0);
    pkg.height = p.number("height").value_or(0);
    pkg.length = p.number("length").value_or(0);
    pkg.width = p.number("width").value_or(0);
    if (!p.status().ok()) a.fail("packages: " + p.status().message());
    s->packages.push_back(pkg);
  }
}

HttpResponse create_shipment(const HttpRequest& req, ClarusModel& m) {
  auto parsed = Attributes::from_body(req.body);
  if (!parsed.ok()) return api_error(parsed.status());
  Attributes& a = parsed.value();
  a.require("goods_out_id");
  auto gid = a.integer("goods_out_id");
  if (!a.status().ok()) return api_error(a.status());
  auto git = m.goods_outs.find(*gid);
  if (git == m.goods_outs.end()) return api_error(422, "goods_out_id " + std::to_string(*gid) + " does not exist");
  GoodsOut& g = git->second;
  if (!is_open(g) || g.status_id == kDraft) {
    return api_error(422, std::string("cannot ship a ") + goods_out_status_code(g.status_id) + " goods out");
  }
  Shipment s;
  s.carrier_id = g.carrier_id;
  s.carrier_service_id = g.carrier_service_id;
  read_carrier(a, m, &s.carrier_id, &s.carrier_service_id);
  s.reference = a.string("reference").value_or("");
  s.tracking_number = a.string("tracking_number").value_or("");
  read_packages(a, &s);
  // [assumed] lines:[{goods_out_line_id, quantity}]; without them, all that remains and is in stock.
  std::map<int64_t, int64_t> quantities;
  if (const Json* lines = a.raw("lines"); lines && lines->is_array()) {
    for (const Json& item : lines->items()) {
      Attributes l(item.is_object() ? item : Json::object());
      auto line_id = l.integer("goods_out_line_id");
      auto q = l.integer("quantity");
      if (!line_id || !q || *q <= 0) return api_error(422, "each shipment line needs goods_out_line_id and a quantity > 0");
      quantities[*line_id] += *q;
    }
  } else {
    for (const auto& l : g.lines) quantities[l.id] = std::min(l.remaining(), m.available(l.product_id, g.warehouse_id));
  }
  if (!a.status().ok()) return api_error(a.status());
  for (const auto& l : g.lines) {
    auto q = quantities.find(l.id);
    if (q == quantities.end()) continue;
    if (q->second > l.remaining()) return api_error(422, "line " + std::to_string(l.id) + " has only " + std::to_string(l.remaining()) + " left to ship");
    if (q->second > m.available(l.product_id, g.warehouse_id)) return api_error(422, "not_enough_stocks_for_picking", kNotEnoughStocksForPicking);
  }
  int64_t sid = m.dispatch(g, quantities, s);
  return record_answer(201, "shipments", shipment_json(m, m.shipments.at(sid)));
}

HttpResponse get_shipment(const HttpRequest& req, ClarusModel& m) {
  auto id = path_id(req);
  auto it = id ? m.shipments.find(*id) : m.shipments.end();
  if (it == m.shipments.end()) return api_error(404, "shipment " + req.params.at("id") + " not found");
  return record_answer(200, "shipments", shipment_json(m, it->second));
}

HttpResponse short_order_lines(const HttpRequest& req, ClarusModel& m) {
  auto parsed = Attributes::from_body(req.body);
  if (!parsed.ok()) return api_error(parsed.status());
  Attributes& a = parsed.value();
  const Json* ids = a.raw("ids");
  if (!ids || !ids->is_array() || ids->items().empty()) return api_error(422, "empty_ids_provided", kEmptyIdsProvided);
  if (auto rc = a.string("reason_code_id"); rc && !m.reason_codes.count(*rc)) {
    return api_error(422, "reason_code_id '" + *rc + "' does not exist");
  }
  std::vector<std::pair<GoodsOut*, GoodsOutLine*>> targets;
  for (const Json& item : ids->items()) {
    int64_t id = 0;
    if (!(item.is_number() && item.as_int64(&id)) && !(item.is_string() && (id = std::atoll(item.as_string().c_str())) > 0)) {
      return api_error(422, "invalid_ids_provided", kInvalidIdsProvided);
    }
    GoodsOutLine* found = nullptr;
    GoodsOut* owner = nullptr;
    for (auto& [gid, g] : m.goods_outs) {
      for (auto& l : g.lines) {
        if (l.id == id && is_open(g)) found = &l, owner = &g;
      }
    }
    if (!found) return api_error(422, "invalid_ids_provided", kInvalidIdsProvided);
    targets.emplace_back(owner, found);
  }
  Json data = Json::array();
  for (auto& [g, l] : targets) {
    m.short_line(*g, *l);
    data.push(goods_out_line_json(m, *g, *l));
  }
  Json out = Json::object();
  out.set("data", std::move(data));
  return HttpResponse::json(200, out.dump());
}

}  // namespace

void add_goods_out_routes(RouteList& routes) {
  routes.push_back({"POST", "/goods_outs", true, create_goods_out});
  routes.push_back({"GET", "/goods_outs/{id}", false, get_goods_out});
  routes.push_back({"PATCH", "/goods_outs/{id}", false, update_goods_out});
  routes.push_back({"PUT", "/goods_outs/{id}", false, update_goods_out});
  routes.push_back({"GET", "/goods_out_lines/{id}", false, get_goods_out_line});
  routes.push_back({"POST", "/shipments", true, create_shipment});
  routes.push_back({"GET", "/shipments/{id}", false, get_shipment});
  routes.push_back({"POST", "/goods_out_processes/short_order_lines", false, short_order_lines});
}

}  // namespace sb::clarus_sim
