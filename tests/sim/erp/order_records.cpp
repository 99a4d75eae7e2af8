#include "order_records.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <Poco/JSON/Array.h>

#include "json_body.h"
#include "master_records.h"
#include "netsuite_error.h"
#include "record_links.h"

namespace sb::erpsim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr OrderKind kOrderKinds[] = {
    {record_type::kSalesOrder, "salesOrders", "SO", "quantityFulfilled"},
    {record_type::kPurchaseOrder, "purchaseOrders", "PO", "quantityReceived"},
    {record_type::kReturnAuthorization, "returnAuthorizations", "RMA", "quantityReceived"},
};

struct StatusTable {
  const char* type;
  std::vector<OrderStatus> statuses;  // [0] pending approval, [1] nothing done, [2] some done, [3] all done
};

const std::vector<StatusTable>& status_tables() {
  static const std::vector<StatusTable> tables = {
      {record_type::kSalesOrder,
       {{"pendingApproval", "A", "Pending Approval"},
        {"pendingFulfillment", "B", "Pending Fulfillment"},
        {"partiallyFulfilled", "D", "Partially Fulfilled"},
        {"pendingBilling", "F", "Pending Billing"},
        {"cancelled", "C", "Cancelled"},
        {"pendingBillingPartFulfilled", "E", "Pending Billing/Partially Fulfilled"},
        {"fullyBilled", "G", "Billed"},
        {"closed", "H", "Closed"}}},
      {record_type::kPurchaseOrder,
       {{"pendingSupervisorApproval", "A", "Pending Supervisor Approval"},
        {"pendingReceipt", "B", "Pending Receipt"},
        {"partiallyReceived", "D", "Partially Received"},
        {"pendingBill", "F", "Pending Bill"},
        {"rejected", "C", "Rejected by Supervisor"},
        {"pendingBillingPartiallyReceived", "E", "Pending Billing/Partially Received"},
        {"fullyBilled", "G", "Fully Billed"},
        {"closed", "H", "Closed"}}},
      {record_type::kReturnAuthorization,
       {{"pendingApproval", "A", "Pending Approval"},
        {"pendingReceipt", "B", "Pending Receipt"},
        {"partiallyReceived", "D", "Partially Received"},
        {"pendingRefund", "F", "Pending Refund"},
        {"cancelled", "C", "Cancelled"},
        {"pendingRefundPartiallyReceived", "E", "Pending Refund/Partially Received"},
        {"refunded", "G", "Refunded"},
        {"closed", "H", "Closed"}}},
  };
  return tables;
}

const StatusTable* status_table(const std::string& type) {
  for (const auto& table : status_tables())
    if (type == table.type) return &table;
  return nullptr;
}

Object::Ptr ref(const RecordStore& store, const char* kind, const std::string& id) {
  auto out = new_object();
  out->set("id", id);
  if (auto target = store.find_master(kind, id)) out->set("refName", target->name);
  return out;
}

// Checks a reference in a seed entry; "" or what is wrong.
std::string seed_ref(const RecordStore& store, const char* kind, const Object::Ptr& entry, const char* field,
                     const std::string& where, bool required, Object::Ptr out) {
  auto id = ref_id(entry, field);
  if (!id) return required ? where + "." + field + " is required" : "";
  auto target = store.find_master(kind, *id);
  if (!target) return where + "." + field + " " + *id + " is not a known " + kind;
  if (target->inactive) return where + "." + field + " " + *id + " is inactive";
  out->set(field, ref(store, kind, *id));
  return "";
}

std::string seed_line(const RecordStore& store, const OrderKind& kind, const Object::Ptr& entry,
                      const std::string& where, int default_line, Object::Ptr* line) {
  if (!entry) return where + " must be an object";
  auto out = new_object();
  int number = default_line;
  if (entry->has("line")) {
    if (!entry->get("line").isInteger() || entry->get("line").convert<int>() <= 0)
      return where + ".line must be a positive integer";
    number = entry->get("line").convert<int>();
  }
  out->set("line", number);
  out->set("orderLine", number);
  if (auto error = seed_ref(store, master_kind::kItem, entry, "item", where, true, out); !error.empty()) return error;
  auto item = *store.find_master(master_kind::kItem, *ref_id(entry, "item"));
  auto qty = entry->has("quantity") ? entry->get("quantity") : Poco::Dynamic::Var();
  if (!qty.isNumeric() || qty.isBoolean() || qty.convert<double>() <= 0) return where + ".quantity must be a positive number";
  out->set("quantity", qty.convert<double>());
  for (const char* done : {kind.done_field, "quantityBilled"}) {
    if (std::string(done) == "quantityBilled" && std::string(kind.type) != record_type::kReturnAuthorization) continue;
    double value = entry->has(done) && entry->get(done).isNumeric() ? entry->get(done).convert<double>() : 0;
    if (value < 0 || value > qty.convert<double>()) return where + "." + done + " must be 0..quantity";
    out->set(done, value);
  }
  auto unit = find_unit(item, ref_id(entry, "units").value_or(""));
  if (!unit) return where + ".units " + ref_id(entry, "units").value_or("") + " is not a unit of item " + item.name;
  if (!unit->name.empty()) {
    auto units = new_object();
    units->set("id", unit->id);
    units->set("refName", unit->name);
    out->set("units", units);
  }
  out->set("unitConversionRate", unit->rate);
  if (auto error = seed_ref(store, master_kind::kLocation, entry, "location", where, false, out); !error.empty())
    return error;
  if (entry->has("rate") && entry->get("rate").isNumeric()) out->set("rate", entry->get("rate").convert<double>());
  if (auto description = scalar_text(entry, "description")) out->set("description", *description);
  *line = out;
  return "";
}

// The ship-to address subrecord, as NetSuite's address form has it; country is an ISO code.
constexpr const char* kAddressFields[] = {"addressee", "attention", "addr1", "addr2", "addr3",
                                          "city",      "state",     "zip",   "country", "addrPhone"};

std::string seed_address(const Object::Ptr& entry, const std::string& where, Object::Ptr body) {
  if (!entry->has("shippingAddress")) return "";
  if (entry->get("shippingAddress").type() != typeid(Object::Ptr)) return where + ".shippingAddress must be an object";
  auto given = entry->getObject("shippingAddress");
  auto address = new_object();
  for (const auto& [name, value] : *given) {
    if (std::find(std::begin(kAddressFields), std::end(kAddressFields), name) == std::end(kAddressFields))
      return where + ".shippingAddress." + name + " is not an address field";
    if (!value.isString()) return where + ".shippingAddress." + name + " must be text";
    address->set(name, value.extract<std::string>());
  }
  body->set("shippingAddress", address);
  return "";
}

// One line of text, as NetSuite's shipAddress body field shows the address.
std::string address_text(const Object::Ptr& a) {
  std::string out;
  for (const char* f : {"addressee", "addr1", "addr2", "addr3", "city", "state", "zip", "country"}) {
    auto v = scalar_text(a, f);
    if (v && !v->empty()) out += (out.empty() ? "" : "\n") + *v;
  }
  return out;
}

struct SeededOrder {
  const OrderKind* kind;
  std::string external_id;
  std::string body;
};

std::string seed_order(const RecordStore& store, const OrderKind& kind, const Object::Ptr& entry,
                       const std::string& where, SeededOrder* order) {
  if (!entry) return where + " must be an object";
  auto external_id = scalar_text(entry, "externalId");
  if (!external_id || external_id->empty()) return where + ".externalId is required";
  auto body = new_object();
  body->set("tranDate", scalar_text(entry, "tranDate").value_or("2026-11-26"));
  if (auto entity = ref_id(entry, "entity")) {
    auto e = new_object();
    e->set("id", *entity);
    body->set("entity", e);
  }
  if (auto error = seed_ref(store, master_kind::kLocation, entry, "location", where, false, body); !error.empty())
    return error;
  if (std::string(kind.type) == record_type::kSalesOrder) {
    if (auto error = seed_ref(store, master_kind::kShipItem, entry, "shipMethod", where, false, body); !error.empty())
      return error;
    auto released = entry->has("custbody_released_to_wms") ? entry->get("custbody_released_to_wms") : Poco::Dynamic::Var(false);
    body->set("custbody_released_to_wms", released.isBoolean() ? released.convert<bool>() : false);
    if (auto error = seed_address(entry, where, body); !error.empty()) return error;
    if (auto email = scalar_text(entry, "email")) body->set("email", *email);
    if (auto date = scalar_text(entry, "shipDate")) body->set("shipDate", *date);
  }
  if (auto memo = scalar_text(entry, "memo")) body->set("memo", *memo);
  if (!entry->has("lines") || entry->get("lines").type() != typeid(Array::Ptr) || entry->getArray("lines")->size() == 0)
    return where + ".lines must be a non-empty array";
  auto lines = entry->getArray("lines");
  Array::Ptr stored = new Array;
  std::set<int> numbers;
  int next_line = 1;
  for (unsigned i = 0; i < lines->size(); ++i) {
    Object::Ptr line;
    const std::string at = where + ".lines[" + std::to_string(i) + "]";
    if (auto error = seed_line(store, kind, lines->getObject(i), at, next_line, &line); !error.empty()) return error;
    const int number = line->getValue<int>("line");
    if (!numbers.insert(number).second) return at + ".line " + std::to_string(number) + " is used twice";
    next_line = number + 1;
    stored->add(line);
  }
  auto items = new_object();
  items->set("items", stored);
  body->set("item", items);
  std::string status = scalar_text(entry, "status").value_or(status_after_lines(kind.type, body));
  if (!find_status(kind.type, status)) return where + ".status " + status + " is not a " + kind.type + " status";
  body->set("status", status_object(kind.type, status));
  *order = {&kind, *external_id, to_json(body)};
  return "";
}

// id, tranId, dates and links first, then the stored fields, sublist lines with links.
Object::Ptr render(const SimRequest& request, const StoredRecord& record) {
  const std::string url = record_url(request, record.type, record.id);
  auto out = new_object();
  out->set("links", self_links(url));
  out->set("id", record.id);
  if (!record.external_id.empty()) out->set("externalId", record.external_id);
  out->set("tranId", record.tran_id);
  out->set("createdDate", record.created_at);
  out->set("lastModifiedDate", record.last_modified);
  auto body = parse_object(record.body);
  for (const auto& [name, value] : *body) {
    if (name == "item") continue;
    if (name == "shippingAddress") {
      // A subrecord: a link unless expanded, the text in shipAddress.
      auto link = new_object();
      link->set("links", self_links(url + "/shippingAddress"));
      out->set(name, link);
      out->set("shipAddress", address_text(body->getObject(name)));
      continue;
    }
    out->set(name, value);
  }
  auto lines = item_lines(body);
  auto sublist = new_object();
  sublist->set("links", self_links(url + "/item"));
  sublist->set("items", lines ? lines : Array::Ptr(new Array));
  out->set("item", sublist);
  return out;
}

SimResponse read(const RecordStore& store, const std::string& type, const SimRequest& request,
                 const std::string& id_param, bool lines_only) {
  auto record = find_record(store, type, id_param);
  if (!record) return not_found(type, id_param);
  auto out = render(request, *record);
  SimResponse response;
  if (lines_only) {
    auto lines = out->getObject("item")->getArray("items");
    auto collection = new_object();
    collection->set("links", self_links(record_url(request, type, record->id) + "/item"));
    collection->set("count", static_cast<int>(lines->size()));
    collection->set("hasMore", false);
    collection->set("offset", 0);
    collection->set("totalResults", static_cast<int>(lines->size()));
    collection->set("items", lines);
    response.content_type = kCollectionType;
    response.body = to_json(collection);
    return response;
  }
  response.content_type = kRecordType;
  response.body = to_json(out);
  return response;
}

SimResponse read_address(const RecordStore& store, const SimRequest& request, const std::string& id_param) {
  auto record = find_record(store, record_type::kSalesOrder, id_param);
  if (!record) return not_found(record_type::kSalesOrder, id_param);
  auto body = parse_object(record->body);
  if (!body->has("shippingAddress") || body->get("shippingAddress").type() != typeid(Object::Ptr))
    return not_found("shippingAddress", id_param);
  auto a = body->getObject("shippingAddress");
  auto out = new_object();
  out->set("links", self_links(record_url(request, record->type, record->id) + "/shippingAddress"));
  for (const auto& [name, value] : *a) {
    if (name == "country") {
      auto country = new_object();  // a select field: its id is the ISO code
      country->set("id", value);
      out->set(name, country);
    } else {
      out->set(name, value);
    }
  }
  out->set("addrText", address_text(a));
  SimResponse response;
  response.content_type = kRecordType;
  response.body = to_json(out);
  return response;
}

}  // namespace

const OrderKind* find_order_kind(const std::string& type) {
  for (const auto& kind : kOrderKinds)
    if (type == kind.type) return &kind;
  return nullptr;
}

std::optional<OrderStatus> find_status(const std::string& type, const std::string& id) {
  const StatusTable* table = status_table(type);
  if (!table) return std::nullopt;
  for (const auto& status : table->statuses)
    if (id == status.id) return status;
  return std::nullopt;
}

Object::Ptr status_object(const std::string& type, const std::string& id) {
  auto out = new_object();
  out->set("id", id);
  if (auto status = find_status(type, id)) out->set("refName", status->label);
  return out;
}

std::string status_after_lines(const std::string& type, const Object::Ptr& order) {
  const OrderKind* kind = find_order_kind(type);
  const StatusTable* table = status_table(type);
  if (!kind || !table) return "";
  double ordered = 0, done = 0;
  auto lines = item_lines(order);
  for (size_t i = 0; lines && i < lines->size(); ++i) {
    auto line = lines->getObject(static_cast<unsigned>(i));
    ordered += line_number(line, "quantity");
    // A line received beyond its quantity (an over-receipt) does not make up for another still open.
    done += std::min(line_number(line, kind->done_field), line_number(line, "quantity"));
  }
  if (done <= 0) return table->statuses[1].id;
  return table->statuses[done < ordered ? 2 : 3].id;
}

std::string transaction_type_code(const std::string& type) {
  static const std::pair<const char*, const char*> kCodes[] = {
      {record_type::kSalesOrder, "SalesOrd"},     {record_type::kPurchaseOrder, "PurchOrd"},
      {record_type::kReturnAuthorization, "RtnAuth"}, {record_type::kItemFulfillment, "ItemShip"},
      {record_type::kItemReceipt, "ItemRcpt"},    {record_type::kCreditMemo, "CustCred"},
      {"inventoryAdjustment", "InvAdjst"},
  };
  for (const auto& [name, code] : kCodes)
    if (type == name) return code;
  return "";
}

std::string apply_order_seed(RecordStore& store, const std::string& body, size_t* applied) {
  *applied = 0;
  auto root = parse_object(body);
  if (!root) return "body is not a JSON object";
  auto lock = store.hold();  // checked and applied as one step
  std::vector<SeededOrder> pending;
  std::set<std::string> seen;
  for (const auto& kind : kOrderKinds) {
    if (!root->has(kind.seed_list)) continue;
    if (root->get(kind.seed_list).type() != typeid(Array::Ptr)) return std::string(kind.seed_list) + " must be an array";
    auto list = root->getArray(kind.seed_list);
    for (unsigned i = 0; i < list->size(); ++i) {
      SeededOrder order;
      const std::string where = std::string(kind.seed_list) + "[" + std::to_string(i) + "]";
      if (auto error = seed_order(store, kind, list->getObject(i), where, &order); !error.empty()) return error;
      if (!seen.insert(std::string(kind.type) + "/" + order.external_id).second)
        return where + ".externalId " + order.external_id + " is used twice";
      pending.push_back(std::move(order));
    }
  }
  for (const auto& order : pending) {
    if (auto existing = store.find_by_external_id(order.kind->type, order.external_id))
      store.update(order.kind->type, existing->id, order.body);
    else
      store.create(order.kind->type, order.external_id, order.kind->tran_prefix, order.body, true);
  }
  *applied = pending.size();
  return "";
}

Array::Ptr item_lines(const Object::Ptr& body) {
  if (!body || !body->has("item") || body->get("item").type() != typeid(Object::Ptr)) return nullptr;
  auto item = body->getObject("item");
  if (!item->has("items") || item->get("items").type() != typeid(Array::Ptr)) return nullptr;
  return item->getArray("items");
}

double line_number(const Object::Ptr& line, const std::string& field) {
  if (!line || !line->has(field) || !line->get(field).isNumeric()) return 0;
  return line->get(field).convert<double>();
}

void add_order_record_routes(RouteTable& routes, RecordStore& store) {
  static const char* const kTypes[] = {record_type::kSalesOrder,      record_type::kPurchaseOrder,
                                       record_type::kReturnAuthorization, record_type::kItemFulfillment,
                                       record_type::kItemReceipt,     record_type::kCreditMemo};
  for (const char* type : kTypes) {
    const std::string base = std::string(kRecordBase) + "/" + type + "/{id}";
    routes.add("GET", base, RequestKind::kRecordRead, [&store, type](const SimRequest& r, const RouteParams& p) {
      return read(store, type, r, p.at("id"), false);
    });
    routes.add("GET", base + "/item", RequestKind::kRecordRead,
               [&store, type](const SimRequest& r, const RouteParams& p) { return read(store, type, r, p.at("id"), true); });
  }
  routes.add("GET", std::string(kRecordBase) + "/" + record_type::kSalesOrder + "/{id}/shippingAddress",
             RequestKind::kRecordRead, [&store](const SimRequest& r, const RouteParams& p) {
               return read_address(store, r, p.at("id"));
             });
}

}  // namespace sb::erpsim
