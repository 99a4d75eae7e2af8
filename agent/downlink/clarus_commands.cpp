#include "agent/downlink/clarus_commands.h"

#include <chrono>

namespace sb::agent {
namespace {

// Clarus ids are integers for most records and strings for some; GraphQL may
// give either spelling. Kept as text.
std::string id_text(const Json* v) {
  if (!v || v->is_null()) return "";
  return v->as_string();
}

Json eq(const std::string& value) {
  Json j = Json::object();
  j.set("eq", Json::string(value));
  return j;
}

Json envelope(const std::string& type, Json attributes) {
  Json data = Json::object();
  data.set("type", Json::string(type));
  data.set("attributes", std::move(attributes));
  Json body = Json::object();
  body.set("data", std::move(data));
  return body;
}

Result<std::string> created_id(const Result<Json>& answer, const std::string& what) {
  if (!answer.ok()) return answer.status();
  const Json* data = answer->find("data");
  std::string id = data ? id_text(data->find("id")) : "";
  if (id.empty()) return Status::Unavailable("Clarus created " + what + " but its answer names no id");
  return id;
}

Json int_or_text(const std::string& id) {
  int64_t n = 0;
  Result<Json> parsed = Json::parse(id);
  if (parsed.ok() && parsed->as_int64(&n)) return Json::number(n);
  return Json::string(id);
}

std::string today() {
  auto now = std::chrono::system_clock::now();
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return format_iso8601(ms).substr(0, 10);
}

Json address_json(const v1::Address& a) {
  Json j = Json::object();
  const std::pair<const char*, const std::string*> fields[] = {
      {"name", &a.name()},         {"address_1", &a.address_1()},         {"address_2", &a.address_2()},
      {"address_3", &a.address_3()}, {"address_4", &a.address_4()},       {"postcode", &a.postcode()},
      {"country_code", &a.country_code()}, {"email_address", &a.email_address()}, {"phone_number", &a.phone_number()}};
  for (const auto& [k, v] : fields)
    if (!v->empty()) j.set(k, Json::string(*v));
  return j;
}

Applied already(const std::string& id, const std::string& key) {
  Applied a;
  a.clarus_id = id;
  a.mappings.emplace_back(key, id);
  a.note = "already in Clarus";
  return a;
}

}  // namespace

// A lookup Clarus could not answer says nothing about the command: it is
// tried again later rather than held (a GraphQL error is often passing).
static Status lookup_failed(const Status& s) {
  if (s.code() != Code::kInvalidArgument) return s;
  return Status::Unavailable("Clarus could not answer a lookup: " + s.message());
}

Result<Json> ClarusCommandApplier::find_one(const std::string& resource, const Json& filter, const std::string& fields) {
  Json found;
  Status s = clarus_.page_all(resource, filter, fields, 1, [&](const Json& node) {
    found = node;
    return false;
  });
  if (!s.ok()) return lookup_failed(s);
  return found;
}

Result<std::string> ClarusCommandApplier::product_id(const std::string& sku) {
  const std::string key = "item:" + sku;
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  std::string id = journal_.mapping(key);
  if (id.empty()) {
    Json filter = Json::object();
    filter.set("code", eq(sku));
    Result<Json> node = find_one("products", filter, "id code");
    if (!node.ok()) return node.status();
    id = id_text(node->find("id"));
  }
  if (!id.empty()) cache_[key] = id;
  return id;
}

Result<std::string> ClarusCommandApplier::stock_unit_type_id(const std::string& code) {
  const std::string key = "unit:" + code;
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  std::string id = journal_.mapping(key);
  if (id.empty()) {
    // Unit codes are unique in a tenant: find it before creating it.
    Json filter = Json::object();
    filter.set("code", eq(code));
    Result<Json> node = find_one("stock_unit_types", filter, "id code");
    if (!node.ok()) return node.status();
    id = id_text(node->find("id"));
  }
  if (id.empty()) {
    Json attrs = Json::object();
    attrs.set("code", Json::string(code));
    attrs.set("name", Json::string(code));
    Result<std::string> made = created_id(clarus_.rest("POST", "/stock_unit_types", envelope("stock_unit_types", attrs)),
                                          "stock unit type " + code);
    if (!made.ok()) return made.status();
    id = *made;
  }
  SB_RETURN_IF_ERROR(journal_.put_mapping(key, id));
  cache_[key] = id;
  return id;
}

Status ClarusCommandApplier::ensure_case_unit(const std::string& product, int units_per_case, const std::string& unit) {
  Json filter = Json::object();
  filter.set("product_id", eq(product));
  bool has_case = false;
  Status looked = clarus_.page_all("product_storage_units", filter, "id stock_configuration", 50, [&](const Json& n) {
    has_case = n.get_string("stock_configuration") == "case";
    return !has_case;
  });
  if (!looked.ok()) return lookup_failed(looked);
  if (has_case) return Status::Ok();
  Json su = Json::object();
  su.set("product_id", int_or_text(product));
  su.set("stock_configuration", Json::string("case"));
  su.set("unit_of_measure", Json::string(unit));
  su.set("per_layer", Json::number(static_cast<int64_t>(units_per_case)));
  su.set("number_of_layers", Json::number(int64_t{1}));
  return clarus_.rest("POST", "/product_storage_units", envelope("product_storage_units", su)).status();
}

Result<std::string> ClarusCommandApplier::carrier_id(const std::string& code) {
  const std::string key = "carrier:" + code;
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  std::string id;
  Status s = clarus_.page_all("carriers", Json::object(), "id code", 200, [&](const Json& n) {
    if (n.get_string("code") == code) id = id_text(n.find("id"));
    return id.empty();
  });
  if (!s.ok()) return lookup_failed(s);
  if (!id.empty()) cache_[key] = id;
  return id;
}

Result<std::string> ClarusCommandApplier::carrier_service_id(const std::string& carrier, const std::string& code) {
  const std::string key = "service:" + carrier + ":" + code;
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  std::string id;
  Status s = clarus_.page_all("carrier_services", Json::object(), "id code carrier { code }", 200, [&](const Json& n) {
    const Json* c = n.find("carrier");
    if (n.get_string("code") == code && (!c || c->get_string("code") == carrier)) id = id_text(n.find("id"));
    return id.empty();
  });
  if (!s.ok()) return lookup_failed(s);
  if (!id.empty()) cache_[key] = id;
  return id;
}

Result<Applied> ClarusCommandApplier::apply(const v1::Command& command) {
  switch (command.body_case()) {
    case v1::Command::kItemUpsert: return item_upsert(command.item_upsert());
    case v1::Command::kSalesOrderRelease: return sales_order_release(command.sales_order_release());
    case v1::Command::kSalesOrderCancel: return sales_order_cancel(command.sales_order_cancel());
    case v1::Command::kPurchaseOrderRelease: {
      const auto& c = command.purchase_order_release();
      return receipt("purchase_order", c.po_number(), c.erp_po_id(), c.supplier(), c.expected_date(), c.lines(),
                     "po:" + c.erp_po_id());
    }
    case v1::Command::kReturnAuthorisation: {
      const auto& c = command.return_authorisation();
      return receipt("return", c.rma_number(), c.erp_return_id(), c.customer(), c.expected_date(), c.lines(),
                     "rma:" + c.erp_return_id());
    }
    case v1::Command::kCarrierUpsert: {
      // Kept for validating shipments at the edge; Clarus's carrier list is its own.
      const auto& c = command.carrier_upsert();
      Result<std::string> carrier = carrier_id(c.carrier());
      if (!carrier.ok()) return carrier.status();
      if (carrier->empty())
        return Status::InvalidArgument("the ERP ships with carrier " + c.carrier() + ", which Clarus does not have; add it in Clarus");
      Applied a;
      a.clarus_id = *carrier;
      a.mappings.emplace_back("shipitem:" + c.erp_ship_item_id(), c.SerializeAsString());
      return a;
    }
    default:
      return Status::InvalidArgument("the command has no body this agent understands (a newer relay?)");
  }
}

Result<Applied> ClarusCommandApplier::item_upsert(const v1::ItemUpsert& c) {
  if (c.sku().empty()) return Status::InvalidArgument("the item has no SKU");
  if (c.sku().size() > 50) return Status::InvalidArgument("SKU " + c.sku() + " is longer than Clarus's 50 characters");
  Result<std::string> unit = stock_unit_type_id(c.unit().empty() ? "EA" : c.unit());
  if (!unit.ok()) return unit.status();
  Result<std::string> existing = product_id(c.sku());
  if (!existing.ok()) return existing.status();
  Json attrs = Json::object();
  attrs.set("code", Json::string(c.sku()));
  attrs.set("description", Json::string(c.description().empty() ? c.sku() : c.description()));
  attrs.set("stock_unit_type_id", Json::string(*unit));
  if (!c.barcode().empty()) attrs.set("barcode", Json::string(c.barcode()));
  if (!c.case_barcode().empty()) attrs.set("case_barcode", Json::string(c.case_barcode()));
  if (c.units_per_case() > 0) attrs.set("units_per_case", Json::number(static_cast<int64_t>(c.units_per_case())));
  attrs.set("obsolete", Json::boolean(!c.active()));
  attrs.set("external_system_reference1", Json::string(c.erp_item_id()));
  Applied a;
  if (!existing->empty()) {
    Json body = envelope("products", attrs);
    Result<Json> r = clarus_.rest("PATCH", "/products/" + *existing, body);
    if (!r.ok()) return r.status();
    a.clarus_id = *existing;
    a.note = "updated";
  } else {
    Result<std::string> made = created_id(clarus_.rest("POST", "/products", envelope("products", attrs)), "product " + c.sku());
    if (!made.ok()) return made.status();
    a.clarus_id = *made;
  }
  // A crash between creating the product and its case unit, or a product
  // Clarus already had, is mended here: the unit is looked for on every upsert.
  if (c.units_per_case() > 0) SB_RETURN_IF_ERROR(ensure_case_unit(a.clarus_id, c.units_per_case(), c.unit().empty() ? "EA" : c.unit()));
  a.mappings.emplace_back("item:" + c.sku(), a.clarus_id);
  cache_["item:" + c.sku()] = a.clarus_id;
  return a;
}

Result<Applied> ClarusCommandApplier::sales_order_release(const v1::SalesOrderRelease& c) {
  if (c.erp_order_id().empty()) return Status::InvalidArgument("order " + c.order_number() + " has no ERP id");
  const std::string key = "order:" + c.erp_order_id();
  if (c.order_number().empty() || c.order_number().size() > 50)
    return Status::InvalidArgument("order number '" + c.order_number() + "' must be 1 to 50 characters for Clarus");
  // Looked up by reference every time (not only by the id learnt earlier): a
  // goods out cancelled since must not pass for this release.
  Json filter = Json::object();
  filter.set("reference", eq(c.order_number()));
  Result<Json> found = find_one("goods_outs", filter, "id reference goods_out_status { code }");
  if (!found.ok()) return found.status();
  if (std::string id = id_text(found->find("id")); !id.empty()) {
    const Json* st = found->find("goods_out_status");
    if (st && st->get_string("code") == "CANCELLED")
      return Status::InvalidArgument("order " + c.order_number() + " is cancelled in Clarus (goods out " + id +
                                     "); a cancelled goods out is not released again");
    return already(id, key);
  }
  if (c.lines().empty()) return Status::InvalidArgument("order " + c.order_number() + " has no lines");

  Json attrs = Json::object();
  attrs.set("account_id", Json::number(site_.account_id));
  attrs.set("warehouse_id", Json::number(site_.warehouse_id));
  attrs.set("reference", Json::string(c.order_number()));
  attrs.set("goods_out_type", Json::string("sales_order"));
  attrs.set("expected_date_of_dispatch", Json::string(c.expected_dispatch_date().empty() ? today() : c.expected_dispatch_date()));
  attrs.set("external_system_reference1", Json::string(c.erp_order_id()));
  if (c.priority() > 0) attrs.set("priority", Json::number(static_cast<int64_t>(c.priority())));
  if (!c.delivery_notes().empty()) attrs.set("delivery_notes", Json::string(c.delivery_notes()));
  if (!c.carrier().empty()) {
    Result<std::string> carrier = carrier_id(c.carrier());
    if (!carrier.ok()) return carrier.status();
    if (carrier->empty()) return Status::InvalidArgument("carrier " + c.carrier() + " is not in Clarus");
    attrs.set("carrier_id", int_or_text(*carrier));
    if (!c.carrier_service().empty()) {
      Result<std::string> service = carrier_service_id(c.carrier(), c.carrier_service());
      if (!service.ok()) return service.status();
      if (service->empty())
        return Status::InvalidArgument("service " + c.carrier_service() + " of carrier " + c.carrier() + " is not in Clarus");
      attrs.set("carrier_service_id", int_or_text(*service));
    }
  }
  Json& lines = attrs.set("lines_changes", Json::array());
  for (const v1::OrderLine& l : c.lines()) {
    if (l.quantity() <= 0) return Status::InvalidArgument("line " + l.line_ref() + " of order " + c.order_number() + " has quantity " + std::to_string(l.quantity()));
    Result<std::string> pid = product_id(l.sku());
    if (!pid.ok()) return pid.status();
    if (pid->empty()) return Status::InvalidArgument("SKU " + l.sku() + " on order " + c.order_number() + " is not a product in Clarus yet");
    Json la = Json::object();
    la.set("product_id", int_or_text(*pid));
    la.set("order_quantity", Json::number(l.quantity()));
    la.set("alt_line_reference", Json::string(l.line_ref()));
    Json line = Json::object();
    line.set("type", Json::string("ADD"));
    line.set("attributes", std::move(la));
    lines.push(std::move(line));
  }
  Json body = envelope("goods_outs", attrs);
  Json address = Json::object();
  Json adata = Json::object();
  adata.set("type", Json::string("addresses"));
  adata.set("attributes", address_json(c.ship_to()));
  address.set("data", std::move(adata));
  Json rel = Json::object();
  rel.set("address", std::move(address));
  // envelope() built {"data": {...}}; the relationship sits beside the attributes.
  Json data = *body.find("data");
  data.set("relationships", std::move(rel));
  body.set("data", std::move(data));
  Result<std::string> made = created_id(clarus_.rest("POST", "/goods_outs", body), "goods out " + c.order_number());
  if (!made.ok()) return made.status();
  Applied a;
  a.clarus_id = *made;
  a.mappings.emplace_back(key, *made);
  return a;
}

Result<Applied> ClarusCommandApplier::sales_order_cancel(const v1::SalesOrderCancel& c) {
  Json filter = Json::object();
  filter.set("reference", eq(c.order_number()));
  Result<Json> found = find_one("goods_outs", filter, "id reference goods_out_status { code }");
  if (!found.ok()) return found.status();
  std::string id = id_text(found->find("id"));
  if (id.empty()) return Status::InvalidArgument("there is no goods out " + c.order_number() + " in Clarus to cancel");
  const Json* st = found->find("goods_out_status");
  const std::string status = st ? st->get_string("code") : "";
  Applied a;
  a.clarus_id = id;
  if (status == "CANCELLED") {
    a.note = "already cancelled";
    return a;
  }
  if (status == "COMPLETED")
    return Status::InvalidArgument("order " + c.order_number() + " was already dispatched in Clarus; it cannot be cancelled");
  Json attrs = Json::object();
  attrs.set("goods_out_status_id", Json::number(int64_t{8}));
  Result<Json> r = clarus_.rest("PATCH", "/goods_outs/" + id, envelope("goods_outs", attrs));
  if (!r.ok()) return r.status();
  return a;
}

Result<Applied> ClarusCommandApplier::receipt(const std::string& type, const std::string& reference, const std::string& erp_id,
                                              const std::string& party, const std::string& expected_date,
                                              const google::protobuf::RepeatedPtrField<v1::OrderLine>& lines,
                                              const std::string& map_key) {
  const char* what = type == "return" ? "return" : "purchase order";
  if (erp_id.empty()) return Status::InvalidArgument(std::string("the ") + what + " " + reference + " has no ERP id");
  if (std::string id = journal_.mapping(map_key); !id.empty()) return already(id, map_key);
  if (reference.empty()) return Status::InvalidArgument(std::string("the ") + what + " has no number");
  Json filter = Json::object();
  filter.set("reference", eq(reference));
  filter.set("receipt_type", eq(type));
  Result<Json> found = find_one("goods_in_receipts", filter, "id reference");
  if (!found.ok()) return found.status();
  if (std::string id = id_text(found->find("id")); !id.empty()) return already(id, map_key);
  if (lines.empty()) return Status::InvalidArgument(std::string(what) + " " + reference + " has no lines");

  Json attrs = Json::object();
  attrs.set("account_id", Json::number(site_.account_id));
  attrs.set("warehouse_id", Json::number(site_.warehouse_id));
  attrs.set("reference", Json::string(reference));
  attrs.set("receipt_type", Json::string(type));
  attrs.set("external_system_reference1", Json::string(erp_id));
  if (!expected_date.empty()) attrs.set("expected_date_of_arrival", Json::string(expected_date));
  if (!party.empty()) attrs.set("notes", Json::string(party));
  Json& changes = attrs.set("lines_changes", Json::array());
  for (const v1::OrderLine& l : lines) {
    if (l.quantity() <= 0) return Status::InvalidArgument("line " + l.line_ref() + " of " + reference + " has quantity " + std::to_string(l.quantity()));
    Result<std::string> pid = product_id(l.sku());
    if (!pid.ok()) return pid.status();
    if (pid->empty()) return Status::InvalidArgument("SKU " + l.sku() + " on " + what + " " + reference + " is not a product in Clarus yet");
    Json la = Json::object();
    la.set("product_id", int_or_text(*pid));
    la.set("expected_quantity", Json::number(l.quantity()));
    la.set("alt_line_reference", Json::string(l.line_ref()));
    Json line = Json::object();
    line.set("type", Json::string("ADD"));
    line.set("attributes", std::move(la));
    changes.push(std::move(line));
  }
  Result<std::string> made = created_id(clarus_.rest("POST", "/goods_in_receipts", envelope("goods_in_receipts", attrs)),
                                        std::string(what) + " " + reference);
  if (!made.ok()) return made.status();
  Applied a;
  a.clarus_id = *made;
  a.mappings.emplace_back(map_key, *made);
  return a;
}

}  // namespace sb::agent
