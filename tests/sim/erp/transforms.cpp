#include "transforms.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <vector>

#include <Poco/JSON/Array.h>

#include "json_body.h"
#include "master_records.h"
#include "netsuite_error.h"
#include "order_records.h"
#include "record_links.h"

namespace sb::erpsim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// A transform that moves quantity off order lines into a new record.
struct LineTransform {
  const char* source;
  const char* target;
  const char* tran_prefix;
  const char* done_field;  // the order line's counter the new record adds to
  const char* verb;        // for messages: "fulfill", "receive"
  bool shipping;           // shipStatus, shipMethod, packageList
};

constexpr LineTransform kLineTransforms[] = {
    {record_type::kSalesOrder, record_type::kItemFulfillment, "IF", "quantityFulfilled", "fulfill", true},
    {record_type::kPurchaseOrder, record_type::kItemReceipt, "IR", "quantityReceived", "receive", false},
    {record_type::kReturnAuthorization, record_type::kItemReceipt, "IR", "quantityReceived", "receive", false},
};

constexpr double kEpsilon = 1e-9;

std::string to_json_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

SimResponse error(const std::string& code, const std::string& detail, const std::string& path = "") {
  return netsuite_error(400, code, detail, path);
}

Object::Ptr reference(const std::string& id, const std::string& name) {
  auto out = new_object();
  out->set("id", id);
  if (!name.empty()) out->set("refName", name);
  return out;
}

// A line's {"id"} or bare-id field as text ("" when absent).
std::string ref_text(const Object::Ptr& line, const char* field) { return ref_id(line, field).value_or(""); }

bool is_false(const Object::Ptr& line, const char* field) {
  if (!line->has(field)) return false;
  auto v = line->get(field);
  if (v.isBoolean()) return !v.convert<bool>();
  return v.isString() && (v.extract<std::string>() == "F" || v.extract<std::string>() == "false");
}

// Where a transform stands while it is checked: the order, and the lines it will move.
struct Planned {
  Object::Ptr order_line;
  double quantity = 0;
  std::string location;
  int request_index = -1;  // -1: not mentioned, taken in full
  Object::Ptr asked;       // the request's line; null when not mentioned
};

struct Plan {
  const LineTransform* spec = nullptr;
  double over_percent = 0;  // a line may take this % of its ordered quantity beyond it (PO receipts)
  StoredRecord source;
  Object::Ptr order;
  std::vector<Planned> lines;
};

std::string line_path(int index, const char* field) {
  return "item.items[" + std::to_string(index) + "]." + field;
}

Object::Ptr order_line(const Object::Ptr& order, int number) {
  auto lines = item_lines(order);
  for (size_t i = 0; lines && i < lines->size(); ++i) {
    auto line = lines->getObject(static_cast<unsigned>(i));
    if (line->getValue<int>("orderLine") == number) return line;
  }
  return nullptr;
}

double remaining(const Plan& plan, const Object::Ptr& line) {
  return line_number(line, "quantity") - line_number(line, plan.spec->done_field);
}

// The request's quantity, item, units and location for one order line.
std::optional<SimResponse> check_requested(const RecordStore& store, Plan& plan, const Object::Ptr& asked, int i,
                                           Planned* planned) {
  const Object::Ptr& line = planned->order_line;
  const int number = line->getValue<int>("orderLine");
  if (auto item = ref_id(asked, "item")) {
    if (!store.find_master(master_kind::kItem, *item))
      return error(error_code::kInvalidKeyOrRef, "Invalid Field Value " + *item + " for the following field: item",
                   line_path(i, "item"));
    if (*item != ref_text(line, "item"))
      return error(error_code::kUserError,
                   "The item on order line " + std::to_string(number) + " is " + ref_text(line, "item") +
                       ", not " + *item + ".",
                   line_path(i, "item"));
  }
  if (auto units = ref_id(asked, "units")) {
    auto ordered = line->has("units") ? line->getObject("units") : nullptr;
    if (!ordered || (*units != ordered->getValue<std::string>("id") && *units != ordered->getValue<std::string>("refName")))
      return error(error_code::kUserError,
                   "The units on order line " + std::to_string(number) + " are " +
                       (ordered ? ordered->getValue<std::string>("refName") : std::string("none")) + ", not " + *units + ".",
                   line_path(i, "units"));
  }
  const double open = remaining(plan, line);
  planned->quantity = open;
  if (asked->has("quantity")) {
    auto qty = asked->get("quantity");
    if (!qty.isNumeric() || qty.isBoolean() || qty.convert<double>() <= 0)
      return error(error_code::kUserError, "Invalid number for field quantity (must be greater than 0).",
                   line_path(i, "quantity"));
    planned->quantity = qty.convert<double>();
  }
  // The account's over-receipt allowance: up to over_percent of the ordered quantity beyond it.
  const double allowed = open + line_number(line, "quantity") * plan.over_percent / 100.0;
  if (planned->quantity > allowed + kEpsilon)
    return error(error_code::kUserError,
                 std::string("You cannot ") + plan.spec->verb + " more than the remaining quantity on line " +
                     std::to_string(number) + ": ordered " + to_json_number(line_number(line, "quantity")) +
                     ", done " + to_json_number(line_number(line, plan.spec->done_field)) + ", remaining " +
                     to_json_number(open) + ", asked " + to_json_number(planned->quantity) + ".",
                 line_path(i, "quantity"));
  if (asked->has("location")) {
    auto location = check_ref(store, master_kind::kLocation, asked, "location", line_path(i, "location"), "Location", true);
    if (location.error) return location.error;
    planned->location = *location.id;
  }
  return std::nullopt;
}

// The request's item.items into `asked` (left null when absent).
std::optional<SimResponse> request_lines(const Object::Ptr& body, Array::Ptr* asked) {
  auto item = body->has("item") ? body->get("item") : Poco::Dynamic::Var();
  if (item.isEmpty()) return std::nullopt;
  auto object = item.type() == typeid(Object::Ptr) ? item.extract<Object::Ptr>() : nullptr;
  if (!object || (object->has("items") && object->get("items").type() != typeid(Array::Ptr)))
    return error(error_code::kInvalidContent, "item must be an object with an items array.", "item");
  if (object->has("items")) *asked = object->getArray("items");
  return std::nullopt;
}

// Builds plan.lines from the request and the order's open lines.
std::optional<SimResponse> plan_lines(const RecordStore& store, const Object::Ptr& body, Plan& plan) {
  Array::Ptr asked;
  if (auto failure = request_lines(body, &asked)) return failure;
  std::map<int, int> mentioned;  // orderLine -> request index
  for (size_t n = 0; asked && n < asked->size(); ++n) {
    const int i = static_cast<int>(n);
    auto line = asked->getObject(static_cast<unsigned>(n));
    if (!line) return error(error_code::kInvalidContent, "Each line must be a JSON object.", "item.items[" + std::to_string(i) + "]");
    if (!line->has("orderLine") || !line->get("orderLine").isNumeric())
      return error(error_code::kUserError, "Please enter value(s) for: orderLine", line_path(i, "orderLine"));
    const int number = line->get("orderLine").convert<int>();
    Planned planned{order_line(plan.order, number), 0, "", i, line};
    if (!planned.order_line)
      return error(error_code::kInvalidKeyOrRef,
                   "Invalid Field Value " + std::to_string(number) + " for the following field: orderLine",
                   line_path(i, "orderLine"));
    if (!mentioned.emplace(number, i).second)
      return error(error_code::kUserError, "Order line " + std::to_string(number) + " is given twice.",
                   line_path(i, "orderLine"));
    if (auto failure = copy_line_columns(line, "item.items[" + std::to_string(i) + "]", nullptr)) return failure;
    if (is_false(line, "itemReceive")) continue;  // left open: the backorder
    if (auto failure = check_requested(store, plan, line, i, &planned)) return failure;
    plan.lines.push_back(planned);
  }
  auto lines = item_lines(plan.order);
  for (size_t n = 0; lines && n < lines->size(); ++n) {
    auto line = lines->getObject(static_cast<unsigned>(n));
    if (mentioned.count(line->getValue<int>("orderLine")) || remaining(plan, line) <= kEpsilon) continue;
    plan.lines.push_back(Planned{line, remaining(plan, line), "", -1, nullptr});
  }
  return std::nullopt;
}

// Every planned line: its item still active, a location to move it from or to.
std::optional<SimResponse> check_planned(const RecordStore& store, Plan& plan) {
  if (plan.lines.empty())
    return error(error_code::kUserError, "You must enter at least one line item for this transaction.", "item.items");
  for (auto& planned : plan.lines) {
    const int number = planned.order_line->getValue<int>("orderLine");
    const std::string where = planned.request_index >= 0 ? "item.items[" + std::to_string(planned.request_index) + "]"
                                                         : "item.items";
    const std::string item_id = ref_text(planned.order_line, "item");
    auto item = store.find_master(master_kind::kItem, item_id);
    if (!item || item->inactive)
      return error(error_code::kInvalidKeyOrRef,
                   "Invalid Field Value " + item_id + " for the following field: item (order line " +
                       std::to_string(number) + ": the item is " + (item ? "inactive" : "unknown") + ")",
                   where + ".item");
    if (planned.location.empty()) planned.location = ref_text(planned.order_line, "location");
    if (planned.location.empty()) planned.location = ref_text(plan.order, "location");
    if (planned.location.empty())
      return error(error_code::kUserError, "Please enter value(s) for: Location (order line " + std::to_string(number) + ")",
                   where + ".location");
  }
  return std::nullopt;
}

Array::Ptr target_lines(const RecordStore& store, const Plan& plan) {
  Array::Ptr out = new Array;
  int number = 0;
  for (const auto& planned : plan.lines) {
    auto line = new_object();
    line->set("line", ++number);
    line->set("orderLine", planned.order_line->getValue<int>("orderLine"));
    line->set("itemReceive", true);
    line->set("item", planned.order_line->get("item"));
    line->set("quantity", planned.quantity);
    if (planned.order_line->has("units")) line->set("units", planned.order_line->get("units"));
    line->set("unitConversionRate", line_number(planned.order_line, "unitConversionRate"));
    auto location = store.find_master(master_kind::kLocation, planned.location);
    line->set("location", reference(planned.location, location ? location->name : ""));
    if (planned.asked) copy_line_columns(planned.asked, "", line);  // checked in plan_lines
    out->add(line);
  }
  return out;
}

// shipStatus, shipMethod and packageList of a fulfilment, onto `out`.
std::optional<SimResponse> add_shipping(const RecordStore& store, const Object::Ptr& body, const Plan& plan,
                                        Object::Ptr out) {
  static const std::map<std::string, std::string> kShipStatus = {{"A", "Picked"}, {"B", "Packed"}, {"C", "Shipped"}};
  const std::string status = ref_id(body, "shipStatus").value_or("C");
  if (!kShipStatus.count(status))
    return error(error_code::kInvalidKeyOrRef, "Invalid Field Value " + status + " for the following field: shipStatus",
                 "shipStatus");
  out->set("shipStatus", reference(status, kShipStatus.at(status)));
  std::string method = ref_text(plan.order, "shipMethod");
  if (body->has("shipMethod")) {
    auto checked = check_ref(store, master_kind::kShipItem, body, "shipMethod", "shipMethod", "Ship Via", true);
    if (checked.error) return checked.error;
    method = *checked.id;
  }
  if (!method.empty()) {
    auto ship = store.find_master(master_kind::kShipItem, method);
    out->set("shipMethod", reference(method, ship ? ship->name : ""));
  }
  if (!body->has("packageList")) return std::nullopt;
  auto list = body->get("packageList").type() == typeid(Object::Ptr) ? body->getObject("packageList") : nullptr;
  if (!list || !list->has("package") || list->get("package").type() != typeid(Array::Ptr))
    return error(error_code::kInvalidContent, "packageList must be an object with a package array.", "packageList");
  auto packages = list->getArray("package");
  Array::Ptr stored = new Array;
  for (unsigned i = 0; i < packages->size(); ++i) {
    auto package = packages->getObject(i);
    const std::string path = "packageList.package[" + std::to_string(i) + "]";
    if (!package) return error(error_code::kInvalidContent, "Each package must be a JSON object.", path);
    auto weight = package->has("packageWeight") ? package->get("packageWeight") : Poco::Dynamic::Var();
    if (!weight.isNumeric() || weight.isBoolean() || weight.convert<double>() <= 0)
      return error(error_code::kUserError, "Please enter value(s) for: Package Weight (a number greater than 0)",
                   path + ".packageWeight");
    auto entry = new_object();
    if (auto tracking = scalar_text(package, "packageTrackingNumber")) entry->set("packageTrackingNumber", *tracking);
    entry->set("packageWeight", weight.convert<double>());
    if (auto descr = scalar_text(package, "packageDescr")) entry->set("packageDescr", *descr);
    stored->add(entry);
  }
  auto out_list = new_object();
  out_list->set("package", stored);
  out->set("packageList", out_list);
  return std::nullopt;
}

// Today's date (UTC), a transformed record's default tranDate, as in NetSuite.
std::string today() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return text;
}

// Header fields every transformed record has.
Object::Ptr new_target(const Object::Ptr& body, const Plan& plan) {
  auto out = new_object();
  out->set("createdFrom", reference(plan.source.id, plan.source.tran_id));
  if (plan.order->has("entity")) out->set("entity", plan.order->get("entity"));
  out->set("tranDate", scalar_text(body, "tranDate").value_or(today()));
  if (auto memo = scalar_text(body, "memo")) out->set("memo", *memo);
  return out;
}

std::optional<SimResponse> open_source(const RecordStore& store, const Object::Ptr& body, const std::string& source,
                                       const std::string& id_param, const std::vector<std::string>& open_statuses,
                                       const std::string& target, Plan* plan) {
  auto record = find_record(store, source, id_param);
  if (!record) return not_found(source, id_param);
  plan->source = *record;
  plan->order = parse_object(record->body);
  const std::string status = plan->order->getObject("status")->getValue<std::string>("id");
  if (std::find(open_statuses.begin(), open_statuses.end(), status) == open_statuses.end())
    return error(error_code::kUserError,
                 "You can not initialize " + target + ": invalid reference " + record->id + " (" + source + " " +
                     record->tran_id + " is " + status_object(source, status)->getValue<std::string>("refName") + ").");
  if (body->has("externalId") && !scalar_text(body, "externalId"))
    return error(error_code::kInvalidContent, "externalId must be a string.", "externalId");
  return std::nullopt;
}

// Creates the record, then writes the order it came from; the caller holds the store.
SimResponse commit(RecordStore& store, const SimOptions& options, const SimRequest& request, const Object::Ptr& body,
                   const Plan& plan, const char* target, const char* prefix, const Object::Ptr& record) {
  const std::string external_id = scalar_text(body, "externalId").value_or("");
  auto created = store.create(target, external_id, prefix, to_json(record), options.unique_external_id);
  if (!created.record)
    return error(error_code::kDuplicateRecord,
                 "This record already exists: a " + std::string(target) + " with external ID " + external_id +
                     " exists (" + created.duplicate_of + ").",
                 "externalId");
  store.update(plan.source.type, plan.source.id, to_json(plan.order));
  return created_response(request, *created.record);
}

SimResponse transform_lines(RecordStore& store, const SimOptions& options, const LineTransform& spec,
                            const SimRequest& request, const std::string& id_param) {
  auto body = request.body.empty() ? new_object() : parse_object(request.body);
  if (!body) return error(error_code::kInvalidContent, "The request could not be processed: the body is not a valid JSON object.");
  auto lock = store.hold();  // check, create and update as one step
  Plan plan;
  plan.spec = &spec;
  if (std::string(spec.source) == record_type::kPurchaseOrder) plan.over_percent = options.over_receipt_percent;
  const bool sales = std::string(spec.source) == record_type::kSalesOrder;
  std::vector<std::string> open = sales ? std::vector<std::string>{"pendingFulfillment", "partiallyFulfilled",
                                                                    "pendingBillingPartFulfilled"}
                                        : std::vector<std::string>{"pendingReceipt", "partiallyReceived",
                                                                   "pendingBillingPartiallyReceived",
                                                                   "pendingRefundPartiallyReceived"};
  if (auto failure = open_source(store, body, spec.source, id_param, open, spec.target, &plan)) return *failure;
  if (auto failure = plan_lines(store, body, plan)) return *failure;
  if (auto failure = check_planned(store, plan)) return *failure;
  auto record = new_target(body, plan);
  if (spec.shipping)
    if (auto failure = add_shipping(store, body, plan, record)) return *failure;
  auto items = new_object();
  items->set("items", target_lines(store, plan));
  record->set("item", items);

  for (auto& planned : plan.lines)
    planned.order_line->set(spec.done_field, line_number(planned.order_line, spec.done_field) + planned.quantity);
  plan.order->set("status", status_object(spec.source, status_after_lines(spec.source, plan.order)));
  return commit(store, options, request, body, plan, spec.target, spec.tran_prefix, record);
}

// A credit memo reads its request lines only for their custom columns,
// matched by orderLine: it credits what was received, so quantities are not
// read, and lines that are not objects or name no credited line are ignored.
std::optional<SimResponse> credit_columns(const Object::Ptr& body, std::map<int, Object::Ptr>* by_order_line) {
  auto asked = item_lines(body);
  for (size_t n = 0; asked && n < asked->size(); ++n) {
    auto line = asked->getObject(static_cast<unsigned>(n));
    if (!line) continue;
    if (auto failure = copy_line_columns(line, "item.items[" + std::to_string(n) + "]", nullptr)) return failure;
    if (line->has("orderLine") && line->get("orderLine").isNumeric())
      (*by_order_line)[line->get("orderLine").convert<int>()] = line;
  }
  return std::nullopt;
}

// Credits every return line's received-but-not-credited quantity, counting
// it in the line's quantityBilled; the credit memo's lines, `total` their sum.
Array::Ptr credit_lines(const Object::Ptr& order, const std::map<int, Object::Ptr>& asked, double* total) {
  Array::Ptr credited = new Array;
  auto lines = item_lines(order);
  for (size_t n = 0; lines && n < lines->size(); ++n) {
    auto line = lines->getObject(static_cast<unsigned>(n));
    const double qty = line_number(line, "quantityReceived") - line_number(line, "quantityBilled");
    if (qty <= kEpsilon) continue;
    const int number = line->getValue<int>("orderLine");
    auto out = new_object();
    out->set("line", static_cast<int>(credited->size() + 1));
    out->set("orderLine", number);
    out->set("item", line->get("item"));
    out->set("quantity", qty);
    if (line->has("units")) out->set("units", line->get("units"));
    const double rate = line_number(line, "rate");
    out->set("rate", rate);
    out->set("amount", rate * qty);
    if (auto request = asked.find(number); request != asked.end()) copy_line_columns(request->second, "", out);
    *total += rate * qty;
    credited->add(out);
    line->set("quantityBilled", line_number(line, "quantityBilled") + qty);
  }
  return credited;
}

// A credit memo credits what the return received and no credit memo has
// credited yet; refused while nothing is received.
SimResponse credit_memo(RecordStore& store, const SimOptions& options, const SimRequest& request,
                        const std::string& id_param) {
  auto body = request.body.empty() ? new_object() : parse_object(request.body);
  if (!body) return error(error_code::kInvalidContent, "The request could not be processed: the body is not a valid JSON object.");
  auto lock = store.hold();
  Plan plan;
  if (auto failure = open_source(store, body, record_type::kReturnAuthorization, id_param,
                                 {"partiallyReceived", "pendingRefund", "pendingRefundPartiallyReceived"},
                                 record_type::kCreditMemo, &plan))
    return *failure;
  std::map<int, Object::Ptr> asked;
  if (auto failure = credit_columns(body, &asked)) return *failure;
  auto record = new_target(body, plan);
  double total = 0;
  Array::Ptr credited = credit_lines(plan.order, asked, &total);
  if (credited->size() == 0)
    return error(error_code::kUserError, "You can not initialize creditmemo: invalid reference " + plan.source.id +
                                             " (everything received on " + plan.source.tran_id + " is credited already).");
  auto items = new_object();
  items->set("items", credited);
  record->set("item", items);
  record->set("total", total);
  bool all_refunded = true;
  auto lines = item_lines(plan.order);
  for (size_t n = 0; n < lines->size(); ++n) {
    auto line = lines->getObject(static_cast<unsigned>(n));
    all_refunded = all_refunded && line_number(line, "quantityBilled") >= line_number(line, "quantity") - kEpsilon;
  }
  if (all_refunded) plan.order->set("status", status_object(record_type::kReturnAuthorization, "refunded"));
  return commit(store, options, request, body, plan, record_type::kCreditMemo, "CM", record);
}

}  // namespace

void add_transform_routes(RouteTable& routes, RecordStore& store, const SimOptions& options) {
  for (const auto& spec : kLineTransforms) {
    routes.add("POST", std::string(kRecordBase) + "/" + spec.source + "/{id}/!transform/" + spec.target,
               RequestKind::kRecordWrite, [&store, &options, &spec](const SimRequest& r, const RouteParams& p) {
                 return transform_lines(store, options, spec, r, p.at("id"));
               });
  }
  routes.add("POST",
             std::string(kRecordBase) + "/" + record_type::kReturnAuthorization + "/{id}/!transform/" +
                 record_type::kCreditMemo,
             RequestKind::kRecordWrite, [&store, &options](const SimRequest& r, const RouteParams& p) {
               return credit_memo(store, options, r, p.at("id"));
             });
}

}  // namespace sb::erpsim
